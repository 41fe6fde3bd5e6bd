"""Engine and session factory, with the SQLite settings a busy single-file database needs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage.sqlite_inline import begin_immediate, inline_creator, inline_dbapi
from storage.sqlite_session import InlineSession


def normalise_url(url: str) -> URL:
    """Accept the usual spellings and pick the async driver the project ships with."""
    parsed = make_url(url)
    if parsed.drivername in ("sqlite", "sqlite+pysqlite"):
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif parsed.drivername in ("postgres", "postgresql", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Build the engine; SQLite gets WAL, a busy timeout and BEGIN IMMEDIATE transactions."""
    parsed = normalise_url(url)
    if is_sqlite(parsed):
        database = parsed.database or ":memory:"
        if database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            parsed,
            async_creator=inline_creator(database),
            module=inline_dbapi(),
            pool_reset_on_return=None,  # the session already ends every transaction itself
            **kwargs,
        )
        _tune_sqlite(engine)
        return engine
    return create_async_engine(parsed, pool_pre_ping=True, **kwargs)


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN IMMEDIATE can be issued below:
        # a deferred transaction that later writes is what produces "database is locked".
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # 0: lock waits are retried without blocking the loop (see storage.sqlite_inline).
        cursor.execute("PRAGMA busy_timeout=0")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    # Every transaction BEGIN IMMEDIATE (storage.sqlite_inline.begin_immediate).
    engine.sync_engine.dialect.do_begin = begin_immediate  # type: ignore[method-assign,assignment]


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    if engine.dialect.name == "sqlite":
        return async_sessionmaker(engine, class_=InlineSession, expire_on_commit=False)
    return async_sessionmaker(engine, expire_on_commit=False)

"""Telling "the database is away" apart from every other failure, and asking if it is back.

An update that fails because the database cannot be reached (PostgreSQL stopped or
restarting, the network to it cut, an SQLite file locked by another program for longer
than the lock wait) is not a bug in that update: it must be tried again once the database
answers, and the person told to wait. Anything else is a real failure and is not retried.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator

from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

try:  # the postgres extra
    import asyncpg.exceptions as pg_exc

    _PG_AWAY: tuple[type[BaseException], ...] = (
        pg_exc.PostgresConnectionError,  # cannot connect, connection failure
        pg_exc.ConnectionDoesNotExistError,  # closed in the middle of an operation
        pg_exc.CannotConnectNowError,  # starting up or shutting down
        pg_exc.OperatorInterventionError,  # terminated by an administrator (a stop)
    )
except ImportError:  # pragma: no cover - SQLite-only installations
    _PG_AWAY = ()

_SQLITE_AWAY = ("database is locked", "database is busy", "unable to open database file")
PROBE_SECONDS = 10.0


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo += [current.__cause__, current.__context__, getattr(current, "orig", None)]


def database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` (or what caused it) says the database could not be reached."""
    for cause in _chain(exc):
        if isinstance(cause, sa_exc.DBAPIError) and cause.connection_invalidated:
            return True
        if isinstance(cause, sqlite3.OperationalError):
            if any(words in str(cause).lower() for words in _SQLITE_AWAY):
                return True
        elif isinstance(cause, _PG_AWAY):
            return True
        # Raised by the driver while connecting, before SQLAlchemy wraps anything.
        if isinstance(cause, ConnectionError | TimeoutError) and not isinstance(
            cause, sa_exc.SQLAlchemyError
        ):
            return True
    return False


async def database_answers(engine: AsyncEngine, *, within: float = PROBE_SECONDS) -> bool:
    """Open a write transaction and end it: True if the database would take an update now.

    A write transaction, not a bare read, because an SQLite file locked by a writer still
    answers reads."""
    try:
        async with asyncio.timeout(within):
            async with engine.begin() as connection:
                await connection.execute(text("SELECT 1"))
                await connection.rollback()
    except Exception as exc:
        if database_unavailable(exc) or isinstance(exc, sa_exc.OperationalError):
            return False
        raise
    return True

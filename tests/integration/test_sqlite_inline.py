"""SQLite run inline: statements on the sqlite3 objects, lock waits on the event loop."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import sqlite_inline
from storage.db import create_engine, create_sessionmaker


async def _table(path: Path) -> None:
    engine = create_engine(f"sqlite:///{path}")
    async with engine.begin() as conn:
        await conn.execute(text("create table notes (id integer primary key, body text)"))
    await engine.dispose()


async def test_sessions_and_connections_read_write_and_roll_back(tmp_path: Path) -> None:
    path = tmp_path / "inline.db"
    await _table(path)
    engine = create_engine(f"sqlite:///{path}")
    sessions = create_sessionmaker(engine)
    try:
        async with sessions() as session:
            raw = await (await session.connection()).get_raw_connection()
            assert isinstance(raw.dbapi_connection, sqlite_inline.InlineAdaptedConnection)
            await session.execute(text("insert into notes (body) values ('kept')"))
            await session.commit()
            await session.execute(text("insert into notes (body) values ('dropped')"))
            await session.rollback()
        # An AsyncConnection insists on an await: each statement still makes one.
        async with engine.connect() as conn:
            many = [{"body": f"n{n}"} for n in range(3)]
            await conn.execute(text("insert into notes (body) values (:body)"), many)
            await conn.commit()
            rows = (await conn.execute(text("select body from notes order by id"))).all()
        assert [body for (body,) in rows] == ["kept", "n0", "n1", "n2"]
    finally:
        await engine.dispose()


async def test_a_write_waits_out_another_process_lock_without_blocking_the_loop(
    tmp_path: Path,
) -> None:
    path = tmp_path / "inline.db"
    await _table(path)
    engine = create_engine(f"sqlite:///{path}")
    sessions = create_sessionmaker(engine)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    async def release() -> None:
        await asyncio.sleep(0.3)
        holder.execute("ROLLBACK")

    ticker = asyncio.create_task(tick())
    releaser = asyncio.create_task(release())
    try:
        async with sessions() as session:
            await session.execute(text("insert into notes (body) values ('after the lock')"))
            await session.commit()
        await releaser
        assert ticks >= 10  # the loop ran other work while the write waited
        async with sessions() as session:
            assert await session.scalar(text("select count(*) from notes")) == 1
    finally:
        ticker.cancel()
        holder.close()
        await engine.dispose()


async def test_a_lock_held_too_long_is_an_error_not_a_hang(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "inline.db"
    await _table(path)
    monkeypatch.setattr(sqlite_inline, "LOCK_WAIT_SECONDS", 0.2)
    engine = create_engine(f"sqlite:///{path}")
    sessions = create_sessionmaker(engine)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        async with sessions() as session:
            with pytest.raises(Exception, match="locked"):
                await session.execute(text("insert into notes (body) values ('never')"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        await engine.dispose()

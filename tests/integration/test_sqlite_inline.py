"""SQLite run inline: statements on the sqlite3 objects, lock waits on the event loop."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage import sqlite_inline
from storage.db import create_engine, create_sessionmaker


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "inline.db"


@pytest.fixture
async def engine(path: Path) -> AsyncIterator[AsyncEngine]:
    """A SQLite file with one table, behind the project's engine."""
    engine = create_engine(f"sqlite:///{path}")
    async with engine.begin() as conn:
        await conn.execute(text("create table notes (id integer primary key, body text)"))
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine)


@pytest.fixture
def holder(path: Path, engine: AsyncEngine) -> Iterator[sqlite3.Connection]:
    """Another process's connection, holding the database's write lock until released."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    yield holder
    if holder.in_transaction:
        holder.execute("ROLLBACK")
    holder.close()


async def test_sessions_and_connections_read_write_and_roll_back(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
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


async def test_a_write_waits_out_another_process_lock_without_blocking_the_loop(
    sessions: async_sessionmaker[AsyncSession], holder: sqlite3.Connection
) -> None:
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
    finally:
        ticker.cancel()
    assert ticks >= 10  # the loop ran other work while the write waited
    async with sessions() as session:
        assert await session.scalar(text("select count(*) from notes")) == 1


async def test_a_lock_held_too_long_is_an_error_not_a_hang(
    sessions: async_sessionmaker[AsyncSession],
    holder: sqlite3.Connection,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sqlite_inline, "LOCK_WAIT_SECONDS", 0.2)
    async with sessions() as session:
        with pytest.raises(DBAPIError, match="locked"):
            await session.execute(text("insert into notes (body) values ('never')"))


async def test_a_connection_closed_underneath_reads_as_a_disconnect(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        raw = await (await session.connection()).get_raw_connection()
        await raw.driver_connection.close()
        with pytest.raises(DBAPIError) as caught:
            await session.execute(text("select count(*) from notes"))
        assert caught.value.connection_invalidated
    async with sessions() as session:  # the pool hands out a working connection
        assert await session.scalar(text("select count(*) from notes")) == 0


async def test_a_transaction_takes_the_write_lock_when_it_begins(
    path: Path, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """A transaction reads, then writes what it read: another process writing between the
    two waits for it (BEGIN IMMEDIATE). Begun deferred, the other process's write would
    slip in and the first one's write fail: its snapshot is out of date."""
    other = create_engine(f"sqlite:///{path}")  # another process's engine on the file
    try:
        async with sessions() as session:
            await session.execute(text("select count(*) from notes"))

            async def slip_in() -> None:
                async with other.begin() as conn:
                    await conn.execute(text("insert into notes (body) values ('other')"))

            late = asyncio.create_task(slip_in())
            await asyncio.sleep(0.05)  # its begin waits for this transaction's end
            assert not late.done()
            await session.execute(text("insert into notes (body) values ('first')"))
            await session.commit()
            await late
        async with sessions() as session:
            rows = await session.execute(text("select body from notes order by id"))
            assert [body for (body,) in rows] == ["first", "other"]
    finally:
        await other.dispose()

"""SQLite run inline: statements on the sqlite3 objects, lock waits on the event loop."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

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


async def test_a_session_makes_its_calls_without_a_greenlet_each(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SQLAlchemy's AsyncSession runs each call in a greenlet of its own; the project's
    SQLite session only begins a transaction in one, and then not when the pool has a
    connection free and the lock is free (`storage.sqlite_session`)."""
    from sqlalchemy.ext.asyncio import session as async_session
    from sqlalchemy.util import concurrency

    from storage import sqlite_session

    spawned: list[str] = []

    def counting(spawn):  # type: ignore[no-untyped-def]
        async def spawn_counted(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
            spawned.append(getattr(fn, "__name__", repr(fn)))
            return await spawn(fn, *args, **kwargs)

        return spawn_counted

    monkeypatch.setattr(async_session, "greenlet_spawn", counting(concurrency.greenlet_spawn))
    monkeypatch.setattr(sqlite_session, "greenlet_spawn", counting(concurrency.greenlet_spawn))
    async with sessions() as session:  # the pool holds the connection that made the table
        await session.execute(text("insert into notes (body) values ('one')"))
        for n in range(3):
            await session.execute(text("insert into notes (body) values (:n)"), {"n": n})
        connection = await session.connection()
        await connection.execute(text("insert into notes (body) values ('raw')"))
        assert await session.scalar(text("select count(*) from notes")) == 5
        await session.commit()
    assert spawned == []
    plain = async_sessionmaker(engine, expire_on_commit=False)  # SQLAlchemy's own
    async with plain() as session:
        await session.execute(text("insert into notes (body) values ('one')"))
        await session.commit()
    assert len(spawned) >= 3  # execute, commit, close


async def test_a_statement_outside_the_session_s_calls_still_needs_a_greenlet(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """IO in an unexpected place (an attribute loaded lazily) fails here as it would on
    PostgreSQL, although the session's own calls make theirs directly."""
    from sqlalchemy.exc import MissingGreenlet

    async with sessions() as session:
        connection = await session.connection()
        with pytest.raises(MissingGreenlet):
            connection.sync_connection.execute(text("select count(*) from notes"))  # type: ignore[union-attr]


async def test_connections_beyond_the_pool_are_closed_when_their_transaction_ends(
    path: Path, engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    """Sessions waiting for one another's lock each hold a connection, beyond what the pool
    keeps; a transaction ending outside a greenlet closes its connection all the same."""
    import threading

    small = create_engine(f"sqlite:///{path}", pool_size=1, max_overflow=4)
    sessions = create_sessionmaker(small)
    threads = threading.active_count()

    async def write(n: int) -> None:
        async with sessions() as session:
            await session.execute(text("insert into notes (body) values (:n)"), {"n": n})
            await asyncio.sleep(0.01)  # the others wait for the lock meanwhile
            await session.commit()

    try:
        await asyncio.gather(*(write(n) for n in range(5)))
        pool: Any = small.sync_engine.pool
        assert pool.checkedin() == 1
        for _ in range(100):  # the closed connections' threads end (each one's own)
            if threading.active_count() <= threads + 1:
                break
            await asyncio.sleep(0.01)
        assert threading.active_count() <= threads + 1
        async with sessions() as session:
            assert await session.scalar(text("select count(*) from notes")) == 5
    finally:
        await small.dispose()
    assert "Exception closing" not in caplog.text


async def test_a_session_s_connection_is_its_transaction_s(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Kept while the transaction lasts (a repository asks before each statement); the next
    transaction's is its own."""
    async with sessions() as session:
        first = await session.connection()
        assert await session.connection() is first
        await first.execute(text("insert into notes (body) values ('kept')"))
        await session.commit()
        second = await session.connection()
        assert second is not first
        await second.execute(text("insert into notes (body) values ('dropped')"))
        await session.rollback()
        third = await session.connection()
        assert third is not second
        assert await third.scalar(text("select group_concat(body) from notes")) == "kept"


async def test_a_session_bound_to_a_connection_uses_it(engine: AsyncEngine) -> None:
    """No pool of its own to look at: it begins in a greenlet, as SQLAlchemy's would."""
    from storage.sqlite_session import InlineSession

    async with engine.connect() as conn:
        session = InlineSession(bind=conn)
        await session.execute(text("insert into notes (body) values ('through it')"))
        assert await session.scalar(text("select count(*) from notes")) == 1
        await session.commit()
        await session.close()
        assert await conn.scalar(text("select body from notes")) == "through it"

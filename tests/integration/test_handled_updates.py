"""Updates applied once and replies kept with them, on SQLite and PostgreSQL: the SQL of
`handled_updates` and of the outbox rows a turn writes, without Telegram."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import create_engine, create_sessionmaker
from storage.models import OutboxStatus
from storage.repositories.outbox import DIED_SENDING
from storage.uow import UnitOfWork

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)


@pytest.fixture
async def sessions(migrated_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(migrated_url)
    try:
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()


async def claim(sessions: async_sessionmaker[AsyncSession], update_id: int) -> bool:
    async with UnitOfWork(sessions) as uow:
        first = await uow.updates.claim(update_id, NOW)
        await uow.commit()
    return first


async def scalar(sessions: async_sessionmaker[AsyncSession], sql: str) -> object:
    async with sessions() as session:
        return (await session.execute(text(sql))).scalar()


async def test_an_update_is_claimed_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    assert await claim(sessions, 901)
    assert not await claim(sessions, 901)
    assert await claim(sessions, 902)
    assert await scalar(sessions, "select count(*) from handled_updates") == 2


async def test_a_rolled_back_claim_leaves_the_update_to_handle(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """A handler that fails rolls its update's id back with its effects: Telegram's next
    copy of it is handled."""
    async with UnitOfWork(sessions) as uow:
        assert await uow.updates.claim(903, NOW)
        # no commit: the unit of work rolls back
    assert await claim(sessions, 903)


async def test_racing_processes_apply_an_update_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Two transactions claim one update: the second waits on the key, then finds it
    taken and skips; had the first rolled back, it would be the second's."""
    holding, release = asyncio.Event(), asyncio.Event()

    async def first(commit: bool) -> bool:
        async with UnitOfWork(sessions) as uow:
            won = await uow.updates.claim(904 if commit else 905, NOW)
            holding.set()
            await release.wait()
            if commit:
                await uow.commit()
        return won

    async def second(update_id: int) -> bool:
        await holding.wait()
        return await claim(sessions, update_id)

    for commit, update_id in ((True, 904), (False, 905)):
        holding.clear()
        release.clear()
        one = asyncio.create_task(first(commit))
        two = asyncio.create_task(second(update_id))
        await asyncio.sleep(0.3)
        assert not two.done()  # waiting for the first transaction's outcome
        release.set()
        assert await one
        assert await two is (not commit)
    assert await scalar(sessions, "select count(*) from handled_updates") == 2


async def test_pruning_forgets_old_ids_only_and_twice_is_harmless(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    for update_id, age in ((1, 72), (2, 49), (3, 47), (4, 0)):
        async with UnitOfWork(sessions) as uow:
            assert await uow.updates.claim(update_id, NOW - timedelta(hours=age))
            await uow.commit()
    for expected in (2, 0):
        async with UnitOfWork(sessions) as uow:
            assert await uow.updates.prune(NOW - timedelta(hours=48)) == expected
            await uow.commit()
    kept = await scalar(sessions, "select count(*) from handled_updates")
    assert kept == 2


async def test_replies_are_written_before_the_notices_of_their_transaction(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """After a crash a sender takes rows by id: a reply must not come after a notice its
    update queued to the same chat, even if the notice was queued first."""
    async with UnitOfWork(sessions, lease_outbox=LEASE) as uow:
        uow.outbox.add(chat_id=7, text="notice", purpose="ticket_ack", now=NOW)
        reply = uow.outbox.add_reply(chat_id=7, text="reply", purpose="deferred_reply", now=NOW)
        await uow.flush()
        await uow.commit()
    assert reply.id is not None
    async with sessions() as session:
        rows = (
            await session.execute(text("select text, status, attempts from outbox order by id"))
        ).all()
    assert [tuple(row) for row in rows] == [("reply", "sending", 1), ("notice", "sending", 1)]


async def _reply_rows(sessions: async_sessionmaker[AsyncSession], *texts: str) -> list[int]:
    async with UnitOfWork(sessions, lease_outbox=LEASE) as uow:
        rows = [
            uow.outbox.add_reply(chat_id=8, text=t, purpose="deferred_reply", now=NOW)
            for t in texts
        ]
        await uow.commit()
    return [row.id for row in rows]


async def _statuses(sessions: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    async with sessions() as session:
        rows = await session.execute(text("select text, status from outbox order by id"))
        return {row.text: row.status for row in rows}


async def test_a_dead_senders_rows_wait_for_the_lease_and_are_never_said_twice(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Rows of a process that died: one it never tried is sent once its lease runs out;
    one whose request had begun is unknown, not sent again."""
    tried, untried = await _reply_rows(sessions, "tried", "untried")
    async with UnitOfWork(sessions) as uow:
        await uow.outbox.mark_sending(tried, NOW)
        await uow.commit()
    async with UnitOfWork(sessions) as uow:
        assert await uow.outbox.claim(NOW + timedelta(minutes=1), limit=10, lease=LEASE) == []
        await uow.commit()
    async with UnitOfWork(sessions) as uow:
        later = NOW + LEASE + timedelta(seconds=1)
        claimed = await uow.outbox.claim(later, limit=10, lease=LEASE)
        await uow.commit()
    assert [row.id for row in claimed] == [untried]
    assert claimed[0].attempts == 2
    assert await _statuses(sessions) == {"tried": "unknown", "untried": "sending"}
    assert await scalar(sessions, "select last_error from outbox where text = 'tried'") == (
        DIED_SENDING
    )


async def test_taking_over_at_start_needs_no_lease_to_run_out(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    tried, untried = await _reply_rows(sessions, "tried", "untried")
    async with UnitOfWork(sessions) as uow:
        await uow.outbox.mark_sending(tried, NOW)
        await uow.commit()
    async with UnitOfWork(sessions) as uow:
        assert await uow.outbox.take_over(NOW) == (1, 1)
        claimed = await uow.outbox.claim(NOW, limit=10, lease=LEASE)
        await uow.commit()
    assert [row.id for row in claimed] == [untried]
    assert (await _statuses(sessions))["tried"] == OutboxStatus.UNKNOWN.value


async def test_delivered_replies_are_forgotten(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    delivered, kept, rolled_back = await _reply_rows(sessions, "delivered", "kept", "again")
    async with UnitOfWork(sessions) as uow:
        uow.outbox.forget([rolled_back])  # with a transaction that never commits: kept
    async with UnitOfWork(sessions) as uow:
        uow.outbox.forget([delivered])
        uow.outbox.forget([delivered, delivered])  # forgotten twice, deleted once
        await uow.commit()
    assert list(await _statuses(sessions)) == ["kept", "again"]
    assert kept > delivered

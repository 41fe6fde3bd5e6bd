"""One consumer of updates among many processes: the lease row (bot.services.consumer), on a
migrated SQLite file and on PostgreSQL."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import build_application
from bot.config import ConfigError
from bot.policy import ProcessPolicy
from bot.services.consumer import ConsumerLease, process_name
from scheduler.recovery import SenderLock
from storage.db import create_engine, create_sessionmaker
from tests.conftest import make_settings

T0 = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
POLICY = ProcessPolicy()  # lease 10 s, renewed every 3 s, takeover within 15 s


@pytest.fixture
async def sessions(migrated_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(migrated_url)
    yield create_sessionmaker(engine)
    await engine.dispose()


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


async def test_one_holder_renews_and_a_standby_takes_over_when_it_stops_renewing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    active = ConsumerLease(sessions, POLICY, holder="a")
    standby = ConsumerLease(sessions, POLICY, holder="b")
    assert await active.claim(at(0))
    assert active.held(at(0))
    assert not await standby.claim(at(1))
    assert not standby.held(at(1))
    # renewed every few seconds, the lease stays with the active one
    for second in (3, 6, 9, 12):
        assert await active.claim(at(second))
        assert not await standby.claim(at(second + 1))
    assert active.held(at(14))
    # the active one dies after its renewal at 12 s: its lease runs out at 22 s
    assert not await standby.claim(at(21.9))
    assert not active.held(at(19.5)), "a holder that cannot renew stops fetching first"
    assert await standby.claim(at(22))
    assert standby.held(at(22))
    # the dead one (if it was only paused) finds the lease gone and stands by
    assert not await active.claim(at(23))
    assert not active.held(at(23))
    died, taken = 12, 22 + POLICY.renew_seconds  # a standby tries every renew_seconds
    assert taken - died <= POLICY.takeover_seconds


async def test_a_clean_stop_hands_the_lease_over_at_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    active = ConsumerLease(sessions, POLICY, holder="a")
    standby = ConsumerLease(sessions, POLICY, holder="b")
    assert await active.claim()
    assert not await standby.claim()
    await active.release()
    assert not active.held()
    assert await standby.claim()
    await active.release()  # releasing a lease one no longer holds changes nothing
    assert not await active.claim()


async def test_standbys_racing_for_a_lapsed_lease_get_it_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    assert await ConsumerLease(sessions, POLICY, holder="dead").claim(at(0))
    racers = [ConsumerLease(sessions, POLICY, holder=f"p{i}") for i in range(4)]
    won = await asyncio.gather(*(lease.claim(at(30)) for lease in racers))
    assert sum(won) == 1


async def test_the_first_claim_on_an_empty_table_is_taken_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    racers = [ConsumerLease(sessions, POLICY, holder=f"p{i}") for i in range(3)]
    won = await asyncio.gather(*(lease.claim(at(0)) for lease in racers))
    assert sum(won) == 1


async def test_a_restart_on_the_same_machine_takes_a_dead_predecessors_lease_at_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """After `kill -9` and a restart the lease need not be waited out: its holder's pid is
    gone on this machine. A live holder (this very process) keeps it."""
    finished = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
    await finished.wait()
    dead = f"{process_name().rsplit(':', 2)[0]}:{finished.pid}:deadbeef"
    assert await ConsumerLease(sessions, POLICY, holder=dead).claim(at(0))
    assert await ConsumerLease(sessions, POLICY, holder="restarted").claim(at(1))
    alive = process_name()
    assert await ConsumerLease(sessions, POLICY, holder=alive).claim(at(30))
    assert not await ConsumerLease(sessions, POLICY, holder="other").claim(at(31))


def test_a_second_bot_on_one_sqlite_file_is_refused_at_start(migrated_url: str) -> None:
    if not migrated_url.startswith("sqlite"):
        pytest.skip("PostgreSQL serves many processes")
    application = build_application(make_settings(migrated_url), takes_over=True)
    first = SenderLock.acquire(migrated_url)  # the bot already running on this file
    assert first is not None
    try:
        assert application.post_init is not None
        with pytest.raises(ConfigError, match="SQLite serves one process"):
            asyncio.run(application.post_init(application))
    finally:
        first.release()
        asyncio.run(application.bot_data["desk"].engine.dispose())

"""Alarms fire exactly once: two bot processes sweeping one database at the same time."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.clock import utcnow
from storage.db import create_engine
from tests.conftest import TEST_TOKEN
from tests.seed import seed

ROOT = Path(__file__).resolve().parents[2]


async def _counts(url: str) -> tuple[int, int, int, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:

            async def one(sql: str) -> int:
                return int((await conn.execute(text(sql))).scalar_one())

            return (
                await one(
                    "select count(*) from alarms where kind = 'resolve_late' "
                    "and fired_at is not null"
                ),
                await one("select count(*) from ticket_events where kind = 'reminded'"),
                await one("select count(distinct ticket_id) from ticket_events"),
                await one("select count(*) from outbox"),
            )
    finally:
        await engine.dispose()


@pytest.mark.processes
def test_two_processes_fire_a_thousand_due_alarms_exactly_once(migrated_url: str) -> None:
    database_url = migrated_url
    asyncio.run(seed(database_url, items=1200, due=1000, now=utcnow()))
    env = {**os.environ, "BOT_TOKEN": TEST_TOKEN, "DATABASE_URL": database_url}
    sweeps = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "sweep"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    fired = []
    for sweep in sweeps:
        out, err = sweep.communicate(timeout=300)
        assert sweep.returncode == 0, err
        fired.append(int(out.strip().rsplit(" ", 1)[-1]))
    assert sum(fired) == 1000  # shared between the two, none twice
    alarms, events, items, outbox = asyncio.run(_counts(database_url))
    assert (alarms, events, items) == (1000, 1000, 1000)
    # More late items than `digest_over` for one person in a sweep come as one digest:
    # its owner and the duty supervisor each get one per sweeping process, not 2,000 cards.
    assert 2 <= outbox <= 4


def test_alarms_due_while_the_database_is_away_fire_once_it_is_back(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sweep that cannot reach the database changes nothing; the next one fires them all,
    once (what the bot's alarm job does every few seconds)."""
    from bot import __main__ as command
    from bot.__main__ import _sweep

    # `sweep` waits out a database held by another process, a second a try (half a minute
    # and more, each try also waiting out SQLite's lock): one is enough to see it give up.
    monkeypatch.setattr(command, "SWEEP_TRIES", 1)
    from storage.availability import database_unavailable
    from tests.conftest import make_settings
    from tests.e2e.outage import Outage

    asyncio.run(seed(migrated_url, items=60, due=25, now=utcnow()))
    with Outage(migrated_url) as outage:
        settings = make_settings(outage.bot_url)
        outage.begin()
        with pytest.raises(Exception) as failed:  # noqa: PT011 - any error will do, if it says so
            asyncio.run(_sweep(settings))
        assert database_unavailable(failed.value), failed.value
        outage.end()
        assert asyncio.run(_sweep(settings)) == 25
        assert asyncio.run(_sweep(settings)) == 0
    alarms, events, items, _ = asyncio.run(_counts(migrated_url))
    assert (alarms, events, items) == (25, 25, 25)


async def test_a_sweep_reads_the_roster_once_not_once_per_late_item(migrated_url: str) -> None:
    """Who is on duty is the same for every alarm of a batch: asking for each of thousands
    of late items made the sweep a hundred times slower."""
    from sqlalchemy import event

    from bot.config import Settings
    from bot.desk import Desk
    from scheduler.sweep import fire_due_alarms

    await seed(migrated_url, items=60, due=25, now=utcnow())
    settings = Settings(_env_file=None, bot_token=TEST_TOKEN, database_url=migrated_url)
    engine = create_engine(migrated_url)
    asked: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if "duty_roster" in statement or "duty_marks" in statement:
            asked.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    desk = Desk.for_the_clock(settings, engine)
    try:
        assert await fire_due_alarms(desk) == 25
    finally:
        await engine.dispose()
    assert 1 <= len(asked) <= 2  # the day's roster and the shift's marks, once each


async def test_the_roster_read_once_is_read_again_after_a_change(migrated_url: str) -> None:
    from datetime import timedelta

    from storage.db import create_sessionmaker
    from storage.uow import UnitOfWork

    now = utcnow()
    seeded = await seed(migrated_url, items=1, due=0, now=now)
    engine = create_engine(migrated_url)
    try:
        async with UnitOfWork(create_sessionmaker(engine)) as uow:
            plan = await uow.estate.plan()
            assert plan is not None
            assert plan.id is not None
            staff_id = int(
                await uow.session.scalar(
                    text("select id from staff where telegram_user_id = :u"),
                    {"u": seeded.staff_chats[0]},
                )
                or 0
            )
            day, since = now.date(), now - timedelta(hours=1)
            assert await uow.duty.rostered(plan.id, day) == []
            assert await uow.duty.marks(plan.id, since) == []
            await uow.duty.set(plan.id, staff_id, [day], "day", on=True, by=None, now=now)
            assert await uow.duty.rostered(plan.id, day) == [(staff_id, "day")]
            uow.duty.mark(plan.id, staff_id, on=False, now=now)
            assert [(m.staff_id, m.on) for m in await uow.duty.marks(plan.id, since)] == [
                (staff_id, False)
            ]
    finally:
        await engine.dispose()

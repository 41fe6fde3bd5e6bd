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


def test_alarms_due_while_the_database_is_away_fire_once_it_is_back(migrated_url: str) -> None:
    """A sweep that cannot reach the database changes nothing; the next one fires them all,
    once (what the bot's alarm job does every few seconds)."""
    from bot.__main__ import _sweep
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

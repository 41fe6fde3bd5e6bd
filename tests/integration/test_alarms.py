"""Alarms fire exactly once: two bot processes sweeping one database at the same time."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

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

"""One sweep of the clock over a large registry: how long firing every due alarm takes.

    python -m bench.alarm_sweep [--items 100000] [--due 5000] [--postgres URL]

The registry is generated (bulk statements): `--items` open complaints, of which `--due`
missed their resolve time a minute ago, so each of those fires its "late" rung (the duty
supervisor and the first-ask owner are told, the item's timeline and alarms updated). The
sweep is timed from the first claim to the last commit; the outbox it fills is not sent.
Runs on SQLite, and on PostgreSQL when one is reachable (TEST_DATABASE_URL, or the local
server with trust auth), each three times on a fresh database; the median is reported.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bot import migrate
from bot.clock import utcnow
from bot.config import Settings
from bot.desk import Desk
from scheduler.sweep import fire_due_alarms
from storage.db import create_engine
from tests.conftest import fresh_postgres
from tests.seed import seed

TOKEN = "123456789:BENCH-token-for-the-offline-simulation"
TARGET_SECONDS = 1.0


async def sweep_once(url: str, items: int, due: int) -> tuple[float, int, float]:
    started = time.perf_counter()
    await seed(url, items=items, due=due, now=utcnow())
    seeded = time.perf_counter() - started
    settings = Settings(_env_file=None, bot_token=TOKEN, database_url=url)
    desk = Desk.for_the_clock(settings, create_engine(url))
    try:
        started = time.perf_counter()
        fired = await fire_due_alarms(desk)
        took = time.perf_counter() - started
    finally:
        await desk.engine.dispose()
    if fired != due:
        raise SystemExit(f"benchmark broken: {fired} alarms fired, expected {due}")
    return took, fired, seeded


def _postgres() -> str | None:
    from tests.conftest import pg_url

    return pg_url()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, list[float]] = {}
    admin = _postgres()
    for database in ("sqlite", "postgresql") if admin else ("sqlite",):
        for run in range(args.repeat):
            if database == "sqlite":
                with tempfile.TemporaryDirectory() as workdir:
                    url = f"sqlite+aiosqlite:///{Path(workdir) / 'sweep.db'}"
                    migrate.upgrade(url)
                    took, fired, seeded = asyncio.run(sweep_once(url, args.items, args.due))
            else:
                assert admin is not None
                with fresh_postgres(admin, "desk_bench") as url:
                    migrate.upgrade(url)
                    took, fired, seeded = asyncio.run(sweep_once(url, args.items, args.due))
            print(
                f"{database} run {run + 1}: {fired} alarms fired in {took:.3f} s "
                f"({fired / took:,.0f}/s); seeding took {seeded:.1f} s"
            )
            results.setdefault(database, []).append(took)
    print(f"items {args.items:,}, due {args.due:,}, python {sys.version.split()[0]}")
    met = True
    for database, times in results.items():
        median = statistics.median(times)
        ok = median < TARGET_SECONDS
        met = met and ok
        print(f"{database:<11} sweep median {median:.3f} s   target < {TARGET_SECONDS:.0f} s")
    print("targets met" if met else "TARGETS MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())

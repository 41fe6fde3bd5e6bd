"""Dialogue steps per second through the real PTB stack and SQLite, against a PTB echo bot.

    python -m bench.dialogue_throughput [--residents 50] [--rounds 20]

Both bots run in this process, each on its own Telegram simulation, the echo bot taking as
many steps as the desk after each of the desk's rounds. A "step" is one update
(a typed message or a tapped button) processed to the end, replies and outbox included.
Residents are interleaved: each round, every resident takes one step of their complaint.
The estate has its staff enrolled (a butler per zone, engineering, the desk, a senior
butler), so filing routes each item and sends its cards, as in production.
The process pins itself to one core, so the figures mean "per core".
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from telegram import Update

from bot import migrate
from bot.app import build_application, shutdown, startup
from bot.config import Settings
from bot.desk import Desk
from bot.policy import FloodPolicy
from tests.sim import FakeBotAPI, Persona, SimRequest, TelegramSim
from tests.sim.echo import make_echo_application

TOKEN = "123456789:BENCH-token-for-the-offline-simulation"
TARGET_RATE, TARGET_OVERHEAD_MS, TARGET_P99_MS, TARGET_FILING_MS = 400.0, 3.0, 20.0, 5.0
# The bot's rate over the echo bot's, measured in the same run: on a busy or slower machine
# both move together, so this is the figure that compares across machines.
TARGET_RATIO = 0.12


class TimedSim(TelegramSim):
    """Times only the bot's work on each update, not building it or reading transcripts."""

    latencies: list[float]

    async def feed(self, update: dict[str, Any]) -> None:
        assert self.application is not None
        parsed = Update.de_json(update, self.application.bot)
        started = time.perf_counter()
        await self.application.process_update(parsed)
        if self.after_update is not None:
            await self.after_update()
        self.latencies.append(time.perf_counter() - started)


COMPLAINT = [
    ("tap", "📝 Complaint"),
    ("tap", "Facilities (lifts, lights, water, power, A/C)"),
    ("say", "The corridor light on my floor has been flickering for two days."),
    ("tap", "🏠 My home"),
    ("tap", "Confirm"),
]


async def _register(person: Persona, index: int) -> None:
    await person.says("/start")
    await person.shares_contact("+8613800138000", name=f"Resident {index}")
    await person.says(f"1-{1 + index % 18}{1 + index % 4:02d}")
    await person.taps("Confirm")


def _step(person: Persona, action: str, value: str) -> Callable[[], Awaitable[None]]:
    return (lambda: person.taps(value)) if action == "tap" else (lambda: person.says(value))


async def bench_desk(
    residents: int,
    rounds: int,
    workdir: Path,
    between: Callable[[int], Awaitable[None]] | None = None,
) -> tuple[list[float], float]:
    """The desk's steps; `between` runs after each round with the round's number of steps
    (the echo bot's turn, untimed for the desk)."""
    url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    await asyncio.to_thread(migrate.upgrade, url)
    settings = Settings(_env_file=None, bot_token=TOKEN, database_url=url)
    api = FakeBotAPI()
    app = build_application(settings, request=SimRequest(api), updates_request=SimRequest(api))
    desk: Desk = app.bot_data["desk"]
    await app.initialize()
    await startup(app)
    assert desk.outbox is not None
    # Each resident steps again once the others have: faster than the flood limit lets a
    # person type on a fast machine (20 in 10 s), and held updates would do no work.
    desk.policy = desk.policy.model_copy(update={"flood": FloodPolicy(updates=10_000, seconds=1)})
    sim = TimedSim(api, app, after_update=desk.outbox.deliver_mine)
    sim.latencies = []
    for staff_id in await _enrol_staff(desk):
        sim.user(staff_id)  # a chat the cards can reach
    people = [sim.user(10_000 + i, language_code="en") for i in range(residents)]
    for index, person in enumerate(people):
        await _register(person, index)
    sim.latencies = []
    per_step: dict[str, list[float]] = {value: [] for _, value in COMPLAINT}
    for _ in range(rounds):
        for action, value in COMPLAINT:
            for person in people:
                before = len(sim.latencies)
                await _step(person, action, value)()
                per_step[value].extend(sim.latencies[before:])
        if between is not None:
            await between(len(COMPLAINT) * residents)
    # Each step's own cost: the cheapest is the floor every turn pays (the update claimed,
    # the person and dialogue loaded and saved, a reply queued, its attempt committed, sent).
    for value, times in per_step.items():
        print(f"  step {value[:28]!r:32} mean {statistics.mean(times) * 1000:6.2f} ms")
    filing = statistics.mean(per_step["Confirm"])
    filed = await _count(desk)
    await app.shutdown()
    await shutdown(app)
    expected = residents * rounds
    if filed != expected:
        raise SystemExit(f"benchmark broken: {filed} tickets filed, expected {expected}")
    return sim.latencies, filing


STAFF = [
    ("Butler A", "butler", "customer_service", "A"),
    ("Butler B", "butler", "customer_service", "B"),
    ("Engineer", "staff", "engineering", None),
    ("Agent", "agent", "customer_service", None),
    ("Senior butler", "senior_butler", "customer_service", None),
]


async def _enrol_staff(desk: Desk) -> list[int]:
    from bot.clock import utcnow
    from storage.models import Staff
    from storage.uow import UnitOfWork

    assert desk.estate.id is not None
    ids = []
    async with UnitOfWork(desk.sessions) as uow:
        for n, (name, role, department, zone) in enumerate(STAFF):
            user_id = 30_000 + n
            uow.staff.add(
                Staff(
                    estate_id=desk.estate.id,
                    telegram_user_id=user_id,
                    chat_id=user_id,
                    name=name,
                    role=role,
                    department=department,
                    zone=zone,
                    language="en",
                    active=True,
                    created_at=utcnow(),
                )
            )
            ids.append(user_id)
        await uow.commit()
    return ids


async def _count(desk: Desk) -> int:
    from sqlalchemy import func, select

    from storage.models import Ticket

    async with desk.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Ticket)) or 0)


class EchoBot:
    """The PTB echo bot on its own simulation, stepped between the desk's rounds, so that
    both are timed under the same conditions: a shared machine's speed drifts from minute
    to minute (here 12 to 22 ms for the CPU check), and timed one after the other the two
    rates, and so their ratio, drifted apart with it."""

    def __init__(self, residents: int) -> None:
        self.api = FakeBotAPI()
        self.app = make_echo_application(self.api)
        self.sim = TimedSim(self.api, self.app)
        self.sim.latencies = []
        self.people = [self.sim.user(20_000 + i) for i in range(residents)]
        self.said = 0

    async def start(self) -> None:
        await self.app.initialize()
        await self.steps(len(self.people))  # warm: first calls fill caches
        self.sim.latencies = []

    async def steps(self, count: int) -> None:
        for _ in range(count):
            self.said += 1
            await self.people[self.said % len(self.people)].says(f"echo {self.said}")

    async def stop(self) -> None:
        await self.app.shutdown()

    @property
    def latencies(self) -> list[float]:
        return self.sim.latencies


async def bench_pair(
    residents: int, rounds: int, workdir: Path
) -> tuple[list[float], list[float], float]:
    """The desk's step latencies, the echo bot's as many, and the desk's filing step."""
    echo = EchoBot(residents)
    await echo.start()
    desk, filing = await bench_desk(residents, rounds, workdir, between=echo.steps)
    await echo.stop()
    return desk, echo.latencies, filing


def fresh_heap() -> None:
    """Collect, then freeze what survives: a run pays for its own garbage, not for scanning
    the heap an earlier run left."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def report(desk: list[float], echo: list[float], filing: float) -> bool:
    desk_rate, echo_rate = len(desk) / sum(desk), len(echo) / sum(echo)
    overhead_ms = (1 / desk_rate - 1 / echo_rate) * 1000
    p99_ms = statistics.quantiles(desk, n=100)[98] * 1000
    echo_p99_ms = statistics.quantiles(echo, n=100)[98] * 1000
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"desk steps measured      {len(desk):>10}")
    print(f"desk steps/s             {desk_rate:>10.1f}   target >= {TARGET_RATE:.0f}")
    print(f"echo steps/s             {echo_rate:>10.1f}")
    ratio = desk_rate / echo_rate
    print(f"ratio desk/echo          {ratio:>10.3f}   target >= {TARGET_RATIO:.2f}")
    print(f"overhead per step (ms)   {overhead_ms:>10.2f}   target < {TARGET_OVERHEAD_MS:.0f}")
    print(f"desk p50 step (ms)       {statistics.median(desk) * 1000:>10.2f}")
    print(f"desk p99 step (ms)       {p99_ms:>10.2f}   target < {TARGET_P99_MS:.0f}")
    print(f"echo p99 step (ms)       {echo_p99_ms:>10.2f}")
    print(f"echo mean step (ms)      {1000 / echo_rate:>10.3f}")
    filing_ms = filing * 1000
    print(f"filing step mean (ms)    {filing_ms:>10.2f}   target < {TARGET_FILING_MS:.0f}")
    print(f"peak memory (MiB)        {peak_mib:>10.1f}")
    met = (
        desk_rate >= TARGET_RATE
        and ratio >= TARGET_RATIO
        and overhead_ms < TARGET_OVERHEAD_MS
        and p99_ms < TARGET_P99_MS
        and filing_ms < TARGET_FILING_MS
    )
    print("targets met" if met else "TARGETS MISSED")
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3, help="runs; the median one is kept")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    runs: list[tuple[list[float], list[float], float]] = []
    for run in range(args.repeat):
        fresh_heap()  # start each run from the same heap, not the previous run's garbage
        with tempfile.TemporaryDirectory() as workdir:
            pair = bench_pair(args.residents, args.rounds, Path(workdir))
            desk, echo, filing = asyncio.run(pair)
        desk_rate, echo_rate = len(desk) / sum(desk), len(echo) / sum(echo)
        print(
            f"run {run + 1}: desk {desk_rate:.1f} steps/s, echo {echo_rate:.1f} steps/s, "
            f"ratio {desk_rate / echo_rate:.3f}"
        )
        runs.append((desk, echo, filing))
    # Shared machines are noisy: report the run with the median desk rate, as pyperf would.
    runs.sort(key=lambda run: len(run[0]) / sum(run[0]))
    desk, echo, filing = runs[len(runs) // 2]
    version = sys.version.split()[0]
    print(
        f"residents {args.residents}, complaints each {args.rounds}, python {version}, "
        f"median of {args.repeat} runs"
    )
    return 0 if report(desk, echo, filing) else 1


if __name__ == "__main__":
    sys.exit(main())

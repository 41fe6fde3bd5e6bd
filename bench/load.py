"""Load through the real process: residents file complaints over loopback HTTP at a set rate.

    python -m bench.load [--residents 2000] [--rate 30] [--minutes 5]
                         [--database sqlite|postgres] [--newcomers 0.1] [--rtt MS]

`python -m bot` runs as in production (default policy, staff enrolled so every item is
routed and its cards queued) against the loopback Bot API stand-in. Residents are seeded
as registered (a share registers first, `--newcomers`); each walks the complaint form as a
person would: the menu, a category, what happened, the place (home or typed), sometimes a
photo, *Confirm*, a few seconds apart.

The schedule is open-loop: it is drawn up before the start (`rate` updates a second, each
a step of some resident's walk) and each update is queued in getUpdates at its planned
time, whether or not the bot kept up. Only a resident's own next step waits for the bot's
answer to the previous one (nobody taps a button before it is shown); such steps are
counted as *held*, and every other resident keeps to the schedule.

Per update it measures the time from the moment getUpdates could return it to the moment
the stand-in received the bot's first reply in that chat (sendMessage, an edit, or the tap's
answerCallbackQuery), split into the wait for the poller to fetch it and the time from
then (the bot's work on it, and on the updates ahead of it in its batch); an update with no
reply by the end of the grace period is lost. The bot process's RSS and CPU are sampled
every few seconds. Targets: p99 under 300 ms, nothing lost, every planned
complaint filed, memory flat (last minute against the first).

Loopback answers in about a millisecond; Telegram, seen from a server, in tens to hundreds.
`--rtt` adds that much to every answer but getUpdates, to see what the network costs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import heapq
import os
import random
import signal
import statistics
import sys
import tempfile
import threading
import time
import timeit
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text

from bot import migrate
from bot.clock import utcnow
from bot.config import DEFAULTS_DIR, SAMPLE_ESTATE
from bot.files import load_estate
from storage.db import create_engine, create_sessionmaker
from storage.models import Estate, Resident, Staff, Unit
from storage.uow import UnitOfWork
from tests.e2e.test_process import BotProcess, start_bot
from tests.sim import FakeBotAPI, LoopbackBotAPIServer, Persona, SentMessage, TelegramSim

TARGET_P99_MS = 300.0
TARGET_GROWTH_MB_PER_MIN = 2.0
MEMORY_JUDGED_AFTER = 180.0  # seconds: a first and a last minute, with one between
FIRST_RESIDENT = 100_000
FIRST_STAFF = 30_000
# What counts as the bot answering an update in its chat.
REPLIES = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "editmessagetext",
        "editmessagecaption",
        "editmessagereplymarkup",
        "answercallbackquery",
    }
)
CATEGORIES = (
    "Facilities (lifts, lights, water, power, A/C)",
    "Staff attitude",
    "Service quality (repairs, parcels)",
    "Cleaning and environment",
    "Security",
    "Neighbours / noise",
    "Fees",
    "Other",
)
# No emergency keywords here: those page the staff on duty instead of filing a complaint.
DESCRIPTIONS = (
    "The corridor light on my floor has been flickering for two days.",
    "Parcels left at the lobby desk keep going missing.",
    "The bins behind the building were not emptied this week.",
    "A neighbour's dog barks every night after eleven.",
    "The gate card reader at the north entrance rejects my card.",
    "The lift lobby on the ground floor smells of paint.",
)
STAFF = (  # as in bench.dialogue_throughput: every filed item is routed and carded
    ("Butler A", "butler", "customer_service", "A"),
    ("Butler B", "butler", "customer_service", "B"),
    ("Engineer", "staff", "engineering", None),
    ("Agent", "agent", "customer_service", None),
    ("Senior butler", "senior_butler", "customer_service", None),
)


# --- what residents do -----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Step:
    """One update: `action` with `value`, taken once the bot shows `button` (a label on the
    newest keyboard) or says `prompt` (in the newest message); neither: at once."""

    action: str  # "say", "tap", "photo", "contact"
    value: str = ""
    button: str | None = None
    prompt: str | None = None
    files: bool = False  # the step that files the complaint


def say(value: str, prompt: str | None = None) -> Step:
    return Step("say", value, prompt=prompt)


def tap(label: str) -> Step:
    return Step("tap", label, button=label)


def registration(n: int) -> list[Step]:
    """Registering as a newcomer does: the shared contact brings phone and name, the home
    is typed (tests.e2e.test_process)."""
    return [
        say("/start"),
        Step("contact", prompt="contact phone"),
        say(f"{1 + n % 2}-{1 + n % 18}{1 + n % 4:02d}", prompt="Which building"),
        Step("tap", "Confirm", button="Confirm", prompt="Please check your details"),
    ]


def complaint(rng: random.Random, *, keyboard: bool) -> list[Step]:
    """The complaint form; `keyboard`: the person has the menu keyboard (a newcomer just
    registered) to tap, else they type its label (what a tap on it sends anyway)."""
    steps = [tap("📝 Complaint") if keyboard else say("📝 Complaint"), tap(rng.choice(CATEGORIES))]
    steps.append(say(rng.choice(DESCRIPTIONS), prompt="describe what happened"))
    if rng.random() < 0.7:
        steps.append(tap("🏠 My home"))
    else:
        steps.append(say(f"Lobby of building {rng.randint(1, 3)}", prompt="Where is it?"))
    if rng.random() < 0.3:  # a photo on the summary: kept, the summary shown again
        steps.append(Step("photo", prompt="Please check your complaint"))
    steps.append(Step("tap", "Confirm", button="Confirm", files=True))
    return steps


@dataclass(frozen=True, slots=True)
class Profile:
    """The load: the issue's numbers by default."""

    residents: int = 2000
    rate: float = 30.0
    seconds: float = 300.0
    newcomers: float = 0.1  # share of the residents not registered yet
    think: tuple[float, float] = (3.0, 12.0)  # seconds a person takes between steps
    grace: float = 30.0  # after the last planned update, for the bot to answer
    seed: int = 1
    rtt: float = 0.0  # seconds added to every Bot API answer but getUpdates (the network)


@dataclass(frozen=True, slots=True)
class Planned:
    """One slot of the schedule: which step of whose walk, and when."""

    at: float  # seconds after the start
    resident: int  # index
    step: int  # index in that resident's walk


@dataclass
class Plan:
    """The whole schedule, drawn before the start so the load does not bend to the bot."""

    walks: dict[int, list[Step]]  # resident index -> their steps (only those started)
    slots: list[Planned]
    newcomers: set[int]  # residents not registered yet

    @property
    def complaints(self) -> int:
        """Complaints the schedule completes: their filing step falls in the window."""
        return sum(self.walks[s.resident][s.step].files for s in self.slots)


def draw_plan(profile: Profile) -> Plan:
    """`rate` updates a second; each slot goes to the resident whose next step has waited
    longest past their thinking time, else to someone who has not started yet."""
    rng = random.Random(profile.seed)
    order = list(range(profile.residents))
    rng.shuffle(order)
    fresh = deque(order)
    newcomers = set(order[: round(profile.residents * profile.newcomers)])
    walks: dict[int, list[Step]] = {}
    ready: list[tuple[float, int]] = []  # (earliest next step, resident)
    progress: Counter[int] = Counter()
    slots = []
    for n in range(int(profile.seconds * profile.rate)):
        at = n / profile.rate
        if ready and (ready[0][0] <= at or not fresh):
            _, resident = heapq.heappop(ready)
        elif fresh:
            resident = fresh.popleft()
            walk = registration(resident) if resident in newcomers else []
            walks[resident] = walk + complaint(rng, keyboard=bool(walk))
        else:
            break  # everyone has filed: this schedule needs more residents
        slots.append(Planned(at, resident, progress[resident]))
        progress[resident] += 1
        if progress[resident] < len(walks[resident]):
            heapq.heappush(ready, (at + rng.uniform(*profile.think), resident))
    return Plan(walks, slots, newcomers)


# --- the stand-in, with a stopwatch ----------------------------------------------------------
def _chat_of(update: dict[str, Any]) -> int:
    if "callback_query" in update:
        return int(update["callback_query"]["from"]["id"])
    return int(update["message"]["chat"]["id"])


class TimedBotAPI(FakeBotAPI):
    """The loopback Bot API, noting when each update could be fetched, when the bot fetched
    it, and when the bot's first reply to it arrived (request received, answered 200).

    It also keeps each chat's latest message and a count of what happened in each chat, so
    the feeder looks at a resident's chat only when something changed there, and cheaply:
    `FakeBotAPI.last_event` scans the whole event log under the lock the server's threads
    need, and hundreds of such scans a second would slow down the Telegram being measured.
    """

    def __init__(self, rtt: float = 0.0) -> None:
        super().__init__()
        self.rtt = rtt
        self._clock = threading.Lock()
        self.queued: dict[int, float] = {}
        self.fetched: dict[int, float] = {}
        self.replied: dict[int, float] = {}
        self._awaiting: dict[int, int] = {}  # chat -> its update waiting for a reply
        self.latest: dict[int, int] = {}  # chat -> its latest update
        self._queries: dict[str, tuple[int, int]] = {}  # query id -> (chat, update id)
        self._answers: Counter[int] = Counter()  # by chat: first replies seen
        self._indexed = 0  # how much of the event log is in `_last` and `_changes`
        self._last: dict[int, SentMessage] = {}
        self._changes: Counter[int] = Counter()  # by chat: messages sent or edited

    def push_update(self, update: dict[str, Any]) -> None:
        chat, update_id = _chat_of(update), int(update["update_id"])
        with self._clock:
            self._awaiting[chat] = self.latest[chat] = update_id
            query = update.get("callback_query")
            if query is not None:
                self._queries[str(query["id"])] = (chat, update_id)
            self.queued[update_id] = time.monotonic()
        super().push_update(update)

    def handle(
        self, method: str, params: dict[str, Any], *args: Any, **kwargs: Any
    ) -> tuple[int, dict[str, Any]]:
        arrived = time.monotonic()
        status, payload = super().handle(method, params, *args, **kwargs)
        name = method.lower()
        if name == "getupdates" and status == 200:
            now = time.monotonic()
            with self._clock:
                for update in payload.get("result") or ():
                    self.fetched.setdefault(int(update["update_id"]), now)
        elif name in REPLIES and status == 200:
            self._note_reply(name, params, arrived)
        if self.rtt and name != "getupdates":
            time.sleep(self.rtt)  # this request's own server thread: the others go on
        return status, payload

    def _note_reply(self, name: str, params: dict[str, Any], arrived: float) -> None:
        with self._clock:
            if name == "answercallbackquery":
                found = self._queries.pop(str(params.get("callback_query_id")), None)
                if found is None:
                    return
                chat, update_id = found
            else:
                try:
                    chat = int(params.get("chat_id") or 0)
                except (TypeError, ValueError):
                    return
                if chat not in self._awaiting:
                    return  # a card to staff, or a later message of an answered update
                update_id = self._awaiting[chat]
            if update_id in self.replied or self.fetched.get(update_id, arrived + 1) > arrived:
                return  # a reply to something the bot had not fetched yet is not this one's
            self.replied[update_id] = arrived
            self._answers[chat] += 1
            if self._awaiting.get(chat) == update_id:
                del self._awaiting[chat]

    def _index(self) -> None:
        """Catch up with the event log (the caller holds `_lock`)."""
        for chat, message in self._events[self._indexed :]:
            self._last[chat] = message
            self._changes[chat] += 1
        self._indexed = len(self._events)

    def last_event(self, chat_id: int) -> SentMessage | None:
        with self._lock:
            self._index()
            message = self._last.get(chat_id)
            if message is None or not message.deleted:
                return message
        return super().last_event(chat_id)  # deleted since: the one before it

    def version(self, chat: int) -> int:
        """Grows whenever something happens in the chat (a message, an edit, a reply)."""
        with self._lock:
            self._index()
            changes = self._changes[chat]
        with self._clock:
            return changes + self._answers[chat]

    def answered(self, update_id: int) -> bool:
        with self._clock:
            return update_id in self.replied

    def answered_last(self, chat: int) -> bool:
        """Whether the chat's latest update (if any) has had its first reply."""
        with self._clock:
            latest = self.latest.get(chat)
            return latest is None or latest in self.replied

    def unanswered(self) -> int:
        with self._clock:
            return len(self.queued) - len(self.replied)


# --- the bot process's memory ----------------------------------------------------------------
@dataclass
class Sampler:
    """RSS (MB) and CPU seconds of a process, every `every` seconds, from /proc."""

    pid: int
    every: float = 2.0
    # time, MB, CPU seconds, the machine's 1-minute load average
    samples: list[tuple[float, float, float, float]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        ticks = os.sysconf("SC_CLK_TCK")
        while not self._stop.is_set():
            try:
                status = Path(f"/proc/{self.pid}/status").read_text()
                stat = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                return
            rss_kb = next(
                int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")
            )
            cpu = (int(stat[11]) + int(stat[12])) / ticks  # utime + stime
            self.samples.append((time.monotonic(), rss_kb / 1024, cpu, os.getloadavg()[0]))
            self._stop.wait(self.every)


# --- the run ---------------------------------------------------------------------------------
@dataclass
class Result:
    profile: Profile
    database: str
    sent: int = 0
    answered: int = 0
    lost: list[int] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)  # seconds, answered updates
    waits: list[float] = field(default_factory=list)  # queued -> fetched
    # fetched -> first reply: the bot's work, and the updates ahead of it in its batch
    work: list[float] = field(default_factory=list)
    lag: list[float] = field(default_factory=list)  # sent - planned, steps sent on time
    held: list[float] = field(default_factory=list)  # sent - planned, steps held back
    stuck: int = 0  # planned steps never sent: the bot never showed what they answer
    walks: int = 0
    expected: int = 0
    filed: int = 0
    registered: int = 0
    refusals: int = 0
    rss: list[tuple[float, float, float]] = field(default_factory=list)  # t from start
    outbox: dict[str, int] = field(default_factory=dict)
    exit_code: int | None = None
    own_cpu: float = 0.0  # this process (stand-in and feeder), share of one core
    load: tuple[float, float] = (0.0, 0.0)  # the machine's 1-minute load average, mean, max
    speed: tuple[float, float] = (0.0, 0.0)  # `cpu_check` before and after the run


async def seed(url: str, profile: Profile, newcomers: set[int]) -> list[int]:
    """The sample estate, its staff, and the registered residents; the staff chat ids."""
    engine = create_engine(url)
    try:
        async with UnitOfWork(create_sessionmaker(engine)) as uow:
            await uow.estate.sync(load_estate(SAMPLE_ESTATE))
            await uow.commit()
        now = utcnow()
        async with engine.begin() as conn:
            estate = (await conn.execute(select(Estate.id))).scalar_one()
            units = (await conn.execute(select(Unit.id).order_by(Unit.id))).scalars().all()
            staff = [
                {
                    "estate_id": estate,
                    "telegram_user_id": FIRST_STAFF + n,
                    "chat_id": FIRST_STAFF + n,
                    "name": name,
                    "role": role,
                    "department": department,
                    "zone": zone,
                    "language": "en",
                    "active": True,
                    "created_at": now,
                }
                for n, (name, role, department, zone) in enumerate(STAFF)
            ]
            await conn.execute(insert(Staff), staff)
            residents = [
                {
                    "telegram_user_id": FIRST_RESIDENT + n,
                    "chat_id": FIRST_RESIDENT + n,
                    "name": f"Resident {n}",
                    "phone": f"+86138{n:08d}",
                    "unit_id": units[n % len(units)],
                    "language": "en",
                    "confidential": False,
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(profile.residents)
                if n not in newcomers
            ]
            for start in range(0, len(residents), 1000):
                await conn.execute(insert(Resident), residents[start : start + 1000])
    finally:
        await engine.dispose()
    return [FIRST_STAFF + n for n in range(len(STAFF))]


async def count(url: str) -> tuple[int, int, dict[str, int]]:
    """Complaints filed, residents registered, outbox rows by status."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            filed = (
                await conn.execute(text("select count(*) from tickets where kind = 'complaint'"))
            ).scalar_one()
            registered = (await conn.execute(text("select count(*) from residents"))).scalar_one()
            rows = await conn.execute(text("select status, count(*) from outbox group by status"))
            return int(filed), int(registered), {str(s): int(n) for s, n in rows.all()}
    finally:
        await engine.dispose()


class Feeder:
    """Plays the plan: each step at its planned time, or (held) once the bot has shown
    what it answers."""

    def __init__(self, api: TimedBotAPI, plan: Plan, result: Result) -> None:
        self.api = api
        self.plan = plan
        self.result = result
        sim = TelegramSim(api, None)
        self.people = {
            r: sim.user(FIRST_RESIDENT + r, first_name="Resident", language_code="en")
            for r in plan.walks
        }
        self.due: dict[int, deque[Planned]] = {}
        self.held: set[Planned] = set()  # not possible yet at their planned time
        self._looked: dict[int, tuple[Planned, int]] = {}  # step found not possible, when

    def _ready(self, resident: int, step: Step) -> bool:
        person = self.people[resident]
        if not self.api.answered_last(person.chat_id):
            return False
        if step.button is not None and not any(step.button in b for b in person.buttons()):
            return False
        return step.prompt is None or step.prompt in person.last_text

    async def _act(self, person: Persona, step: Step) -> None:
        if step.action == "tap":
            await person.taps(step.value)
        elif step.action == "photo":
            await person.sends_photo()
        elif step.action == "contact":
            await person.shares_contact(f"+86139{person.user_id % 10**8:08d}")
        else:
            await person.says(step.value)

    async def _try(self, resident: int, started: float) -> None:
        """Send this resident's due steps that the bot has made possible (usually one)."""
        queue = self.due[resident]
        while queue:
            planned = queue[0]
            step = self.plan.walks[resident][planned.step]
            version = self.api.version(self.people[resident].chat_id)
            if self._looked.get(resident) == (planned, version):
                return  # nothing happened in the chat since it was not possible
            if not self._ready(resident, step):
                self.held.add(planned)
                self._looked[resident] = (planned, version)
                return
            queue.popleft()
            await self._act(self.people[resident], step)
            late = time.monotonic() - started - planned.at
            (self.result.held if planned in self.held else self.result.lag).append(late)
            self.result.sent += 1

    async def run(self, started: float) -> None:
        slots = deque(self.plan.slots)
        waiting: set[int] = set()
        end = self.plan.slots[-1].at + self.result.profile.grace if self.plan.slots else 0.0
        while slots or waiting:
            now = time.monotonic() - started
            while slots and slots[0].at <= now:
                planned = slots.popleft()
                self.due.setdefault(planned.resident, deque()).append(planned)
                waiting.add(planned.resident)
            for resident in list(waiting):
                await self._try(resident, started)
                if not self.due[resident]:
                    waiting.discard(resident)
            if not slots and now > end:
                break
            pause = (slots[0].at - now) if slots else 0.01
            await asyncio.sleep(max(0.0, min(pause, 0.01 if waiting else pause)))
        self.result.stuck = sum(len(self.due[r]) for r in waiting)


def cpu_check() -> float:
    """Milliseconds for a fixed piece of pure Python (best of 5): on a shared machine the
    same run can be several times slower when others are busy, and this says so."""
    return 1000 * min(timeit.repeat("sum(range(10**6))", number=1, repeat=5))


def run(profile: Profile, url: str, workdir: Path, database: str = "sqlite") -> Result:
    """Seed, start `python -m bot`, play the plan, wait out the grace period, stop, count."""
    plan = draw_plan(profile)
    result = Result(profile, database, walks=len(plan.walks), expected=plan.complaints)
    before = cpu_check()
    migrate.upgrade(url)
    staff = asyncio.run(seed(url, profile, plan.newcomers))
    api = TimedBotAPI(profile.rtt)
    for chat in staff:
        api.known_chat(chat, first_name="Staff")
    with LoopbackBotAPIServer(api) as server:
        bot = start_bot(
            workdir,
            server,
            api,
            DATABASE_URL=url,
            POLICY_FILE=str(DEFAULTS_DIR / "policy.toml"),
        )
        sampler = Sampler(bot.proc.pid)
        try:
            started, cpu = time.monotonic(), time.process_time()
            sampler.start()
            asyncio.run(Feeder(api, plan, result).run(started))
            result.own_cpu = (time.process_time() - cpu) / (time.monotonic() - started)
            load = [sample[3] for sample in sampler.samples] or [0.0]
            result.load = statistics.mean(load), max(load)
            deadline = time.monotonic() + profile.grace
            while time.monotonic() < deadline and api.unanswered():
                time.sleep(0.2)
        finally:
            sampler.stop()
            result.exit_code = _stop(bot)
    result.rss = [(t - started, mb, cpu) for t, mb, cpu, _ in sampler.samples]
    with api._clock:
        for update_id, queued in api.queued.items():
            replied = api.replied.get(update_id)
            if replied is None:
                result.lost.append(update_id)
                continue
            fetched = api.fetched[update_id]
            result.latencies.append(replied - queued)
            result.waits.append(fetched - queued)
            result.work.append(replied - fetched)
    result.answered = len(result.latencies)
    result.refusals = len(api.refusals)
    result.filed, result.registered, result.outbox = asyncio.run(count(url))
    result.speed = before, cpu_check()
    return result


def _stop(bot: BotProcess) -> int:
    try:
        return bot.stop(signal.SIGTERM)
    except Exception:
        bot.proc.kill()
        return -9


# --- the figures -----------------------------------------------------------------------------
def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def memory_growth(result: Result) -> tuple[float, float, float, float]:
    """Mean RSS of the first and of the last minute of the traffic (a third of it, for a
    short run), the growth between them in MB a minute, and the seconds the traffic lasted
    (shorter than the schedule when every walk ended before it: the last minute is the
    last minute of traffic, not of silence)."""
    span = min(result.profile.seconds, max((t for t, _, _ in result.rss), default=0.0))
    window = min(60.0, span / 3)
    first = [mb for t, mb, _ in result.rss if t < window]
    last = [mb for t, mb, _ in result.rss if span - window <= t <= span]
    if not first or not last:
        return 0.0, 0.0, 0.0, 0.0
    minutes = (span - window) / 60
    a, b = statistics.mean(first), statistics.mean(last)
    return a, b, (b - a) / minutes if minutes > 0 else 0.0, span


def report(result: Result) -> bool:
    """Print the figures and the verdict; whether the targets are met."""
    p = result.profile
    ms = [x * 1000 for x in result.latencies]
    waits = [x * 1000 for x in result.waits]
    work = [x * 1000 for x in result.work]
    network = f", {p.rtt * 1000:g} ms added to each answer" if p.rtt else ""
    print(
        f"{result.database}: {p.residents} residents ({p.newcomers:.0%} registering first), "
        f"{p.rate:g} updates/s for {p.seconds:g} s{network}, {result.walks} walks started"
    )
    print(
        f"updates sent / answered / lost  {result.sent} / {result.answered} / {len(result.lost)}"
    )
    print(
        f"first reply (ms)   p50 {percentile(ms, 50):7.1f}   p90 {percentile(ms, 90):7.1f}   "
        f"p99 {percentile(ms, 99):7.1f}   max {max(ms, default=0):7.1f}   "
        f"target p99 < {TARGET_P99_MS:.0f}"
    )
    print(
        f"  queued -> fetched        p50 {percentile(waits, 50):7.1f}   "
        f"p99 {percentile(waits, 99):7.1f}   max {max(waits, default=0):7.1f}"
    )
    print(
        f"  fetched -> first reply   p50 {percentile(work, 50):7.1f}   "
        f"p99 {percentile(work, 99):7.1f}   max {max(work, default=0):7.1f}"
    )
    lag = max(result.lag, default=0.0) * 1000
    held = max(result.held, default=0.0)
    print(
        f"schedule: {len(result.lag)} steps on time (latest {lag:.0f} ms late), "
        f"{len(result.held)} held for the bot's previous answer (longest {held:.1f} s), "
        f"{result.stuck} never possible"
    )
    print(f"complaints filed / expected     {result.filed} / {result.expected}")
    newcomers = round(p.residents * p.newcomers)
    print(f"residents registered           {result.registered} ({newcomers} newcomers)")
    first, last, growth, span = memory_growth(result)
    peak = max((mb for _, mb, _ in result.rss), default=0.0)
    judged = span >= MEMORY_JUDGED_AFTER
    print(
        f"bot RSS (MB)       first minute {first:.1f}, last minute {last:.1f}, "
        f"growth {growth:+.2f} MB/min, peak {peak:.1f}   "
        + (f"target < {TARGET_GROWTH_MB_PER_MIN:g} MB/min" if judged else "(too short to judge)")
    )
    by_minute: dict[int, list[float]] = {}
    for t, mb, _ in result.rss:
        by_minute.setdefault(int(t // 60), []).append(mb)
    shown = ", ".join(f"{max(v):.0f}" for _, v in sorted(by_minute.items()))
    print(f"bot RSS by minute  {shown} (MB, highest of each minute)")
    if len(result.rss) >= 2:
        (t0, _, c0), (t1, _, c1) = result.rss[0], result.rss[-1]
        per_update = 1000 * (c1 - c0) / max(result.sent, 1)
        print(
            f"CPU                bot {100 * (c1 - c0) / max(t1 - t0, 1e-9):.0f}% of one core "
            f"({per_update:.1f} ms an update), "
            f"stand-in and residents {100 * result.own_cpu:.0f}%; machine load average "
            f"{result.load[0]:.1f} (max {result.load[1]:.1f}) on {os.cpu_count()} cores"
        )
    print(
        f"CPU check          sum(range(10**6)) in {result.speed[0]:.0f} ms before the run, "
        f"{result.speed[1]:.0f} ms after (best of 5; the same on a busy machine is slower)"
    )
    print(f"outbox after the run            {dict(sorted(result.outbox.items()))}")
    print(f"requests Telegram would refuse  {result.refusals}")
    met = (
        percentile(ms, 99) < TARGET_P99_MS
        and not result.lost
        and result.stuck == 0
        and result.filed == result.expected
        and (growth < TARGET_GROWTH_MB_PER_MIN or not judged)
        and result.exit_code == 0
    )
    print("targets met" if met else "TARGETS MISSED")
    return met


@contextlib.contextmanager
def database(kind: str, workdir: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{workdir / 'load.db'}"
        return
    from tests.conftest import fresh_postgres, pg_url

    admin = pg_url()
    if admin is None:
        raise SystemExit("PostgreSQL is not reachable (set TEST_DATABASE_URL)")
    with fresh_postgres(admin, "desk_load") as url:
        yield url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=30.0, help="updates a second")
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--newcomers", type=float, default=0.1, help="share registering first")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--rtt", type=float, default=0.0, help="ms of network added to each reply request"
    )
    args = parser.parse_args()
    profile = Profile(
        residents=args.residents,
        rate=args.rate,
        seconds=args.minutes * 60,
        newcomers=args.newcomers,
        seed=args.seed,
        rtt=args.rtt / 1000,
    )
    with tempfile.TemporaryDirectory() as tmp, database(args.database, Path(tmp)) as url:
        result = run(profile, url, Path(tmp), args.database)
        if result.exit_code != 0:
            print((Path(tmp) / "bot.log").read_text()[-3000:])
    print(f"python {sys.version.split()[0]}")
    return 0 if report(result) else 1


if __name__ == "__main__":
    sys.exit(main())

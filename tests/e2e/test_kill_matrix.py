"""Exactly once under kill -9, at scale: the scripted conversation (`conversation.py`: over
200 updates from six residents and six staff across four days) against the real process,
which is killed with -9 at random points and restarted each time under a later clock.

Kills come at random steps, each at one of the moments that lose or repeat things (see
`test_exactly_once`): as Telegram receives the confirmation of the step's update, a
`sendMessage` one to three requests on (a reply or a card), the tap's
`answerCallbackQuery`, or whatever request comes after a random pause; and at the end of
each day, when the next process starts the next day. A restart moves the clock on a little
(on PostgreSQL past the two-minute lease of a dead process's messages), and the script
carries on where it was: a half-done form takes its next answer.

At the end: every message in every chat is one the script expects, as often as it
expects it (nothing lost, nothing said twice); every update handled and confirmed; every
tap answered once; every item once, with its timeline and no repeated event; every alarm
that fell due fired once; no message left queued; no dialogue left open.

`KILL_RUNS_SQLITE` and `KILL_RUNS_POSTGRES` (1 each) runs, each on a fresh database with a
seed of its own (printed; `KILL_SEED` replays one); `KILL_POINTS` (3) kills at random steps
per run besides the three at the ends of days. The long profile is
`KILL_RUNS_SQLITE=100 KILL_RUNS_POSTGRES=20`.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config import DEFAULTS_DIR
from storage.db import is_sqlite, normalise_url
from tests.conftest import fresh_postgres, pg_url
from tests.e2e import conversation as script
from tests.e2e.conversation import Cast, Said
from tests.e2e.test_exactly_once import Trigger, Tripwire, nth, run_sql
from tests.e2e.test_process import TOKEN, BotProcess, clean_env
from tests.e2e.timed_bot import CLOCK
from tests.sim import FakeBotAPI, LoopbackBotAPIServer, Persona, TelegramSim
from tests.sim.bot_api import decode_params

ROOT = Path(__file__).resolve().parents[2]
RUNS_SQLITE = int(os.environ.get("KILL_RUNS_SQLITE", "1"))
RUNS_POSTGRES = int(os.environ.get("KILL_RUNS_POSTGRES", "1"))
KILL_POINTS = int(os.environ.get("KILL_POINTS", "3"))
TRACE = bool(os.environ.get("KILL_TRACE"))
STEP_TIMEOUT = 45.0  # seconds for one step's messages, restarts included
KINDS = ("confirm", "reply", "answer", "pause")
UNKNOWN_PER_KILL = 3
# A dead process's queued messages are leased to it for two minutes (handlers.runtime);
# on PostgreSQL nothing tells the next process it is dead, so the clock moves past that.
LEASE = timedelta(minutes=2)


class ScriptAPI(FakeBotAPI):
    """The fake Telegram, checking the tripwire as each request arrives (the process is
    killed before it hears the answer), and remembering the updates pushed and the taps
    issued."""

    def __init__(self) -> None:
        super().__init__()
        self.tripwire = Tripwire()
        self.pushed: list[int] = []
        self.queries: list[str] = []
        self.log: list[tuple[float, str, object]] = []

    def handle(self, method: str, params: dict[str, Any], *rest: Any) -> tuple[int, Any]:
        try:
            decoded = decode_params(params)
        except Exception:
            decoded = params
        self.tripwire.check(method.lower(), decoded)
        if TRACE and method.lower() != "getupdates":
            self.log.append((time.monotonic(), method, decoded.get("chat_id")))
        return super().handle(method, params, *rest)

    def push_update(self, update: dict[str, Any]) -> None:
        self.pushed.append(int(update["update_id"]))
        super().push_update(update)

    def new_callback_query_id(self) -> str:
        query_id = super().new_callback_query_id()
        self.queries.append(query_id)
        return query_id

    def disarm(self) -> None:
        """Forget a trigger that has not fired (the day's own kill comes next)."""
        with self.tripwire._lock:
            self.tripwire._trigger = None


def sweeping_policy(tmp_path: Path) -> Path:
    """The default policy, with the flood limit lifted (a script taps faster than a person)
    and the clock swept every 2 s instead of 20: a report due when the first manager is
    enrolled reaches that manager alone, as a step can say, not whoever is enrolled by the
    time of a slower sweep."""
    text = (DEFAULTS_DIR / "policy.toml").read_text(encoding="utf-8")
    for default, quick in (
        ("updates = 20\nseconds = 10", "updates = 10000\nseconds = 1"),
        ("sweep_seconds = 20", "sweep_seconds = 2"),
    ):
        assert default in text
        text = text.replace(default, quick)
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


class RunFailed(AssertionError):
    pass


@dataclass
class Run:
    """One run of the script against one fresh database, killed at random."""

    tmp_path: Path
    database_url: str
    seed: int
    api: ScriptAPI = field(default_factory=ScriptAPI)
    expected: Counter[Said] = field(default_factory=Counter)
    kills: list[str] = field(default_factory=list)
    steps: int = 0
    pushed_at: dict[int, datetime] = field(default_factory=dict)
    answers: dict[int, list[Said]] = field(default_factory=dict)  # by chat: to its own steps
    starting: float = 0.0  # seconds spent starting processes
    unknown: int = 0  # messages left of unknown fate

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.sqlite = is_sqlite(normalise_url(self.database_url))
        self.api.fast_poll = True
        points = self.rng.sample(range(1, script.STEPS + 1), min(KILL_POINTS, script.STEPS))
        self.plan = {step: self.rng.choice(KINDS) for step in points}
        self.policy = sweeping_policy(self.tmp_path)
        self.clock = script.START  # what the current process was started at
        self.started = time.monotonic()
        self.bot: BotProcess | None = None
        self.server: LoopbackBotAPIServer | None = None

    # --- the clock and the process ---
    def now(self) -> datetime:
        """The current process's time (it started a moment after it was told to)."""
        return self.clock + timedelta(seconds=time.monotonic() - self.started)

    def launch(self, at: datetime) -> None:
        assert self.server is not None
        self.clock, self.started = at, time.monotonic()
        path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
        env = clean_env(
            BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=self.server.base_url,
            LOG_LEVEL="INFO",
            DATABASE_URL=self.database_url,
            POLICY_FILE=str(self.policy),
            ADMIN_IDS=str(script.ADMIN),
            PYTHONPATH=path,
            **{CLOCK: at.isoformat()},
        )
        calls = self.api.count("getUpdates")
        self.bot = bot = BotProcess(self.tmp_path, env, module="tests.e2e.timed_bot")
        tripwire = self.api.tripwire
        if not self.api.wait_until(
            lambda: (
                self.api.count("getUpdates") > calls
                or tripwire.fired.is_set()
                or bot.proc.poll() is not None
            ),
            timeout=60,
        ):
            self.fail("the bot did not start")
        self.starting += time.monotonic() - self.started

    def restart(self) -> None:
        """The tripwire killed it: start the next process a little later."""
        assert self.bot is not None
        self.kills.append(self.api.tripwire.hit)
        self.bot.log.close()
        self.api.tripwire.fired.clear()
        if self.sqlite:
            later = timedelta(seconds=self.rng.uniform(0, 20))
        else:
            later = LEASE + timedelta(seconds=self.rng.uniform(5, 30))
        self.launch(self.now() + later)

    def arm(self, trigger: Trigger) -> None:
        if self.api.tripwire.fired.is_set():
            # An earlier trigger has just killed the process (a tap's answer during this
            # step, say): restart it before arming anew, or the kill would go unnoticed
            # and read as the bot dying by itself.
            self.restart()
        assert self.bot is not None
        self.api.tripwire.arm(self.bot, trigger)

    # --- waiting ---
    def wait(self, done: Callable[[], bool], what: str, timeout: float = STEP_TIMEOUT) -> None:
        """Until `done`, restarting the process whenever the tripwire has killed it."""
        deadline = time.monotonic() + timeout
        tripwire = self.api.tripwire
        begun = time.monotonic()
        before = self.missing() if TRACE else []
        while True:
            if tripwire.fired.is_set():
                self.restart()
            assert self.bot is not None
            if self.bot.proc.poll() is not None and not tripwire.fired.wait(1.0):
                self.fail(f"the bot stopped by itself ({self.bot.proc.returncode}) {what}")
            if done():
                if TRACE and time.monotonic() - begun > 0.5:
                    print(f"{time.monotonic() - begun:5.2f} s {what} {before[:3]}")
                return
            if time.monotonic() > deadline:
                self.fail(f"timed out {what}; still missing: {self.missing()}")
            self.api.wait_until(
                lambda: done() or tripwire.fired.is_set(),
                timeout=min(1.0, max(0.0, deadline - time.monotonic())),
            )

    def said(self, expect: tuple[Said, ...] | list[Said]) -> Callable[[], bool]:
        people = {p.chat_id: p for p in self.cast.everyone()}

        def check() -> bool:
            return all(
                script.count(people[said.chat], said) >= self.expected[said] for said in expect
            )

        return check

    def missing(self) -> list[str]:
        people = {p.chat_id: p for p in self.cast.everyone()}
        return [
            f"{said.chat}: {said.phrase[:50]!r} {script.count(people[said.chat], said)}/{n}"
            for said, n in self.expected.items()
            if script.count(people[said.chat], said) < n
        ]

    def fail(self, why: str) -> None:
        log = (self.tmp_path / "bot.log").read_text(errors="replace")[-4000:]
        raise RunFailed(
            f"{why}\nseed {self.seed} (KILL_SEED={self.seed} replays it), step {self.steps}, "
            f"kills so far: {self.kills}\n--- bot.log (end) ---\n{log}"
        )

    # --- the Stage the script runs on ---
    async def act(
        self,
        who: Persona,
        what: str,
        action: Callable[[], Awaitable[None]],
        *expect: Said,
        ready: Callable[[], bool] | None = None,
    ) -> None:
        self.steps += 1
        doing = f"at step {self.steps}: {who.user['first_name']} {what}"
        # A person reads the answers to what they did before doing the next thing (what
        # others are told comes in its own time: checked at the end of the day).
        mine = self.answers.setdefault(who.chat_id, [])
        self.wait(self.said(mine), f"for the answers to the step before {doing}")
        if ready is not None:
            self.wait(ready, f"for the button {doing}")
        kind = self.plan.get(self.steps)
        if kind == "answer" and not what.startswith("taps"):
            kind = "reply"  # nothing to answer: a message will do
        if kind == "confirm":
            last = self.api.pushed[-1] if self.api.pushed else 0
            self.arm(lambda m, p: m == "getupdates" and int(p.get("offset") or 0) > last + 1)
        elif kind == "reply":
            self.arm(nth("sendmessage", self.rng.randint(1, 3)))
        elif kind == "answer":
            self.arm(nth("answercallbackquery", 1))
        await action()
        self.pushed_at[self.api.pushed[-1]] = self.now()
        if kind == "pause":
            await asyncio.sleep(self.rng.uniform(0.0, 0.3))
            self.arm(lambda m, p: True)
        self.expected.update(expect)
        mine += [said for said in expect if said.chat == who.chat_id]

    def wait_for(self, *expect: Said) -> None:
        self.wait(self.said(expect), f"at step {self.steps} for {[s.phrase for s in expect]}")

    async def new_day(self, at: datetime, *expect: Said) -> None:
        """Once every update of the day is handled (its sender answered: a step handled
        only tomorrow would find its dialogue expired), killed whatever it is doing; what
        the day still owes others is owed by the next process, under the next day's clock.
        The clock's messages come in their own time; the next steps wait for the buttons
        they need."""
        answers = [said for chat in self.answers.values() for said in chat]
        self.wait(self.said(answers), "for the answers to the day's last steps")
        assert at > self.now(), (at, self.now())
        self.api.disarm()
        self.arm(lambda m, p: True)
        if not self.api.tripwire.fired.wait(30):
            self.fail("never killed at the end of the day")
        assert self.bot is not None
        self.kills.append(self.api.tripwire.hit)
        self.bot.log.close()
        self.api.tripwire.fired.clear()
        self.launch(at)
        self.expected.update(expect)

    # --- the whole run ---
    async def play(self) -> dict[str, int]:
        begun = time.monotonic()
        with LoopbackBotAPIServer(self.api) as server:
            self.server = server
            self.cast = Cast.of(TelegramSim(self.api, None))
            try:
                self.launch(script.START)
                await script.conversation(self, self.cast)
                self.wait(self.said(list(self.expected)), "for the last messages")
                # A message said twice would show by now (the sender runs every 2 s).
                await asyncio.sleep(2.5)
            finally:
                code = self.bot.stop() if self.bot is not None else None
        end = self.now()
        problems = [f"the bot's exit code is {code}"] if code != 0 else []
        problems += self.telegram_problems()
        problems += await self.registry_problems(end)
        if problems:
            self.fail("\n".join(problems[:40]))
        return {
            "kills": len(self.kills),
            "updates": len(self.api.pushed),
            "seconds": round(time.monotonic() - begun),
            "starting": round(self.starting),
            "unknown": self.unknown,
        }

    def telegram_problems(self) -> list[str]:
        problems = []
        if self.steps != script.STEPS:
            problems.append(f"{self.steps} steps, the script says {script.STEPS}")
        problems += script.transcript_problems(self.cast, self.expected)
        # A redraw whose request Telegram got as the process died is made again by the
        # next one (an edit made twice is made once): "not modified", once per kill at most.
        redrawn = [r for r in self.api.refusals if "message is not modified" in r[2]]
        if len(redrawn) > len(self.kills):
            problems.append(f"{len(redrawn)} edits that changed nothing, {len(self.kills)} kills")
        problems += [f"refused: {r}" for r in self.api.refusals if r not in redrawn]
        problems += [f"escaping slip: {slip}" for slip in self.api.escaping_slips]
        answered = Counter(self.api.callback_answers)
        unanswered = [q for q in self.api.queries if q not in answered]
        if unanswered:
            problems.append(f"taps never answered: {unanswered}")
        if self.api.has_updates(0):
            problems.append("updates Telegram still holds (never confirmed)")
        return problems

    async def registry_problems(self, end: datetime) -> list[str]:
        url, problems = self.database_url, []
        items = await run_sql(url, "select reference, status from tickets order by id")
        statuses = dict(items)
        if len(items) != len(statuses) or statuses != script.STATUSES:
            problems.append(f"items: {items}, expected {script.STATUSES}")
        events = await run_sql(
            url,
            "select t.reference, e.kind, e.note from ticket_events e "
            "join tickets t on t.id = e.ticket_id order by e.id",
        )
        timelines: dict[str, list[str]] = {}
        for reference, kind, note in events:
            timelines.setdefault(reference, []).append(kind + (f": {note}" if note else ""))
        for reference, timeline in script.TIMELINES.items():
            if timelines.get(reference) != timeline:
                problems.append(f"timeline of {reference}: {timelines.get(reference)}")
        alarms = await run_sql(
            url,
            "select t.reference, a.kind, a.due_at, a.fired_at from alarms a "
            "join tickets t on t.id = a.ticket_id",
        )
        loose = {(ref, kind) for ref, kind, due in script.ALARMS if not due}
        fired = sorted(
            (ref, kind, "" if (ref, kind) in loose else _local(due))
            for ref, kind, due, at in alarms
            if at is not None
        )
        if fired != script.ALARMS:
            problems.append(f"alarms fired: {fired}")
        late = [row for row in alarms if row[3] is None and _utc(row[2]) <= end]
        if late:
            problems.append(f"alarms due and never fired: {late}")
        queued = await run_sql(url, "select status, count(*) from outbox group by status")
        if {status for status, _ in queued} - {"sent", "unknown"}:
            problems.append(f"messages not sent: {queued}")
        # A message whose request Telegram got as the process died (or a reply delivered
        # whose row was still to be deleted) is "unknown", never sent again: it must be in
        # its chat, once (counted above).
        unknown = await run_sql(url, "select chat_id, text from outbox where status = 'unknown'")
        for chat, text in unknown:
            if text is None:  # a notice keeps the words it was rendered to as it left
                problems.append(f"unknown in chat {chat}, without its words")
            elif not any(script.first_body(m) == text for m in self.api.messages(chat)):
                problems.append(f"lost (unknown): chat {chat}: {text[:80]!r}")
        # Only what a kill caught on its way is of unknown fate, for the operator to check:
        # a turn's reply and the sender's message in flight, and the last reply delivered
        # whose row was still to be deleted; not every message delivered before.
        self.unknown = len(unknown)
        if len(unknown) > UNKNOWN_PER_KILL * len(self.kills):
            problems.append(f"{len(unknown)} messages of unknown fate, {len(self.kills)} kills")
        if await run_sql(url, "select user_id, flow, step from dialogues"):
            problems.append("dialogues left open")
        handled = {row[0] for row in await run_sql(url, "select update_id from handled_updates")}
        kept = end - timedelta(hours=47)  # handled ids are forgotten after 48 h
        missing = [u for u, at in self.pushed_at.items() if at > kept and u not in handled]
        if missing or handled - set(self.api.pushed):
            problems.append(f"handled updates: missing {missing}")
        return problems


def _local(value: object) -> str:
    return _utc(value).astimezone(script.SHANGHAI).strftime("%m-%d %H:%M")


def _utc(value: object) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _seeds(runs: int) -> list[int]:
    if "KILL_SEED" in os.environ:
        return [int(os.environ["KILL_SEED"])]
    first = time.time_ns() % 1_000_000
    return [first + n for n in range(runs)]


def _matrix(tmp_path: Path, runs: int, database: Callable[[Path], Any]) -> None:
    """Play the script `runs` times, each on a fresh database; report the figures."""
    totals: Counter[str] = Counter()
    failures: list[str] = []
    begun = time.monotonic()
    seeds = _seeds(runs)
    for n, seed in enumerate(seeds):
        folder = tmp_path / f"run-{n}"
        folder.mkdir()
        with database(folder) as url:
            run = Run(folder, url, seed)
            try:
                figures = asyncio.run(run.play())
            except RunFailed as exc:
                failures.append(str(exc))
                print(f"run {n} seed {seed}: FAILED, kills {run.kills}")
                continue
        totals.update(figures)
        print(f"run {n} seed {seed}: {figures}, kills at {run.kills}")
    print(
        f"{len(seeds)} runs, {totals['kills']} kills, {totals['updates']} updates, "
        f"{time.monotonic() - begun:.0f} s, {len(failures)} failed"
    )
    assert not failures, "\n\n".join(failures)


class _SQLite:
    def __init__(self, folder: Path) -> None:
        self.url = f"sqlite+aiosqlite:///{folder / 'desk.db'}"

    def __enter__(self) -> str:
        return self.url

    def __exit__(self, *exc: object) -> None:
        return None


@pytest.mark.long
def test_the_conversation_survives_kill_9_on_sqlite(tmp_path: Path) -> None:
    _matrix(tmp_path, RUNS_SQLITE, _SQLite)


@pytest.mark.long
def test_the_conversation_survives_kill_9_on_postgres(tmp_path: Path) -> None:
    admin = pg_url()
    if admin is None:
        pytest.skip("PostgreSQL is not reachable (set TEST_DATABASE_URL)")
    _matrix(tmp_path, RUNS_POSTGRES, lambda _folder: fresh_postgres(admin))

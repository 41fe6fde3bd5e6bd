"""Telegram failing on every kind of call: nothing the bot meant to say is lost, and nothing
is said twice.

The same script runs twice on fresh databases, at the same instants: once against a
Telegram that never fails, once against one that fails a share of every kind of request at
random (429 bursts, runs of 5xx, connections refused, reset or timing out before the
request leaves, and resets and read timeouts after Telegram acted on it). Residents
register and file complaints with photos, the butler taps the cards (accept, photos, reply,
resolve), an engineer taps a stale card, the chief butler asks for the report (text and
chart) and the spreadsheet, and the clock's alarms queue notices. After each step the clock
moves on and the outbox sender runs until nothing is owed.

Then every chat must have received every message of the fault-free run at least once, and
the same message twice for one intent in under 0.1 % of them; every message must read as
it does there (edits included); nothing may be left pending, sending or failed. A file
Telegram would not take now is offered again ("ask again"): the person asking again is part
of the script, and what that second request says is allowed once more. `pytest -s` prints
the figures; `FAULT_ROUNDS` sets how many rounds (four residents each) run.
"""

from __future__ import annotations

import os
import random
import shutil
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from bot.clock import utcnow
from bot.i18n import load_catalogues
from scheduler.outbox import EDIT_PURPOSE, RetryPolicy
from scheduler.sweep import fire_due_alarms
from storage.models import OutboxMessage
from storage.uow import UnitOfWork
from tests.conftest import DeskHarness, make_settings
from tests.dialogues.helpers import ADMIN, enroll, fill_complaint, register
from tests.sim import (
    ConnectTimeout,
    FakeBotAPI,
    Fault,
    NetworkDown,
    Persona,
    ResetAfterDelivery,
    ResetBeforeDelivery,
    RetryAfter,
    SentMessage,
    ServerError,
    TimeoutAfterDelivery,
)

TEXTS = load_catalogues()
ROUNDS = int(os.environ.get("FAULT_ROUNDS", "1"))
SEED = int(os.environ.get("FAULT_SEED", "20250304"))
RATE = 0.08  # of the messages the bot sends
RARE_RATE = 0.2  # of its other calls (edits, callback answers, files, chat actions, menus)
RESIDENTS_PER_ROUND = 4
# Every step happens at its own instant, the same in both runs (a round within the day
# shift); the outbox has until the next one to settle. Its back-off is capped (RETRY) so
# that even 8 failed attempts of one message in a row fit.
STEP = timedelta(minutes=5)
RETRY = RetryPolicy(ceiling=timedelta(seconds=40))
START = datetime(2025, 3, 4, 9, 5, tzinfo=ZoneInfo("Asia/Shanghai"))
# "Telegram was busy …, please ask again", for a file and for photos, as the person reads it.
BUSY = tuple(str(TEXTS.t("en", key)) for key in ("report.busy", "photos.busy"))
DESK = str(TEXTS.t("en", "department.customer_service"))
ASK_AGAIN = 3


class Chaos:
    """Faults drawn at random for the bot's requests. Each method meets the kinds of fault
    in turn (the kind it has met least so far, ties drawn at random), so even a rare call
    meets every kind; a 429 comes in a burst (the next few requests get one too, whatever
    they are), a 5xx in a run."""

    KINDS = (
        "429",
        "5xx",
        "refused",
        "reset before",
        "connect timeout",
        "reset after",
        "read timeout",
    )

    def __init__(self, api: FakeBotAPI, rng: random.Random) -> None:
        self.api, self.rng = api, rng
        self.on = False
        self.met: dict[str, Counter[str]] = {}

    def __call__(self, method: str, params: dict[str, Any]) -> Fault | None:
        if not self.on or method in ("getme", "getupdates"):
            return None
        if self.rng.random() >= (RATE if method == "sendmessage" else RARE_RATE):
            return None
        met = self.met.setdefault(method, Counter())
        least = min(met[kind] for kind in self.KINDS)
        kind = self.rng.choice([k for k in self.KINDS if met[k] == least])
        met[kind] += 1
        if kind == "429":
            fault: Fault = RetryAfter(self.rng.randint(1, 5))
            self._more(fault, self.rng.randint(0, 3))
            return fault
        if kind == "5xx":
            fault = ServerError(self.rng.choice((500, 502, 503)))
            self._more(fault, self.rng.randint(0, 2))
            return fault
        return {
            "refused": NetworkDown(),
            "reset before": ResetBeforeDelivery(),
            "connect timeout": ConnectTimeout(),
            "reset after": ResetAfterDelivery(),
            "read timeout": TimeoutAfterDelivery(),
        }[kind]

    def _more(self, fault: Fault, times: int) -> None:
        if times:
            self.api.inject(fault, times=times)  # whatever the next requests are


@dataclass
class Run:
    """One run of the script: the bot, its Telegram, and the clock both runs share."""

    harness: DeskHarness
    clock: time_machine.Coordinates
    slot: datetime = START
    people: dict[str, Persona] = field(default_factory=dict)
    asked_again: int = 0
    allowed: Counter[tuple[int, str]] = field(default_factory=Counter)  # said again on request
    blocked: list[str] = field(default_factory=list)  # steps the person could not take
    overruns: int = 0
    unknown: int = 0  # outbox rows whose outcome Telegram never told
    mark: int = 0  # where the traffic began in the event log

    @property
    def api(self) -> FakeBotAPI:
        return self.harness.api

    async def step(self, what: str, action: Callable[[], Awaitable[Any]]) -> None:
        """Do one thing at the next instant, then let the outbox settle."""
        now = datetime.now(UTC)
        if now > self.slot:
            self.overruns += 1  # settling took longer than a step: later from here on
        self.slot = max(self.slot, now)
        self.clock.move_to(self.slot)
        await self.meanwhile(what, action)
        self.slot += STEP

    async def meanwhile(self, what: str, action: Callable[[], Awaitable[Any]]) -> None:
        """Do one thing now, before the next step's instant (asking again happens in one
        run only: it must not move the steps after it), then let the outbox settle."""
        try:
            await action()
        except AssertionError as exc:  # a button or card that never arrived
            self.blocked.append(f"{what}: {exc}")
        await self.settle()

    async def settle(self) -> None:
        """Move the clock to whenever the outbox is next due and send, until nothing is."""
        for _ in range(500):  # the harness has delivered what was due after the update
            async with self.harness.desk.sessions() as session:
                rows = (
                    await session.execute(
                        select(
                            OutboxMessage.status,
                            OutboxMessage.not_before,
                            OutboxMessage.lease_until,
                        ).where(OutboxMessage.status.in_(("pending", "sending")))
                    )
                ).all()
            if not rows:
                return
            due = min(
                (lease if status == "sending" and lease is not None else not_before)
                for status, not_before, lease in rows
            )
            self.clock.move_to(max(due, datetime.now(UTC)) + timedelta(milliseconds=1))
            await self.harness.deliver()
        raise AssertionError("the outbox never settled")

    async def alarms(self) -> None:
        async def fire() -> None:
            await fire_due_alarms(self.harness.desk)

        await self.step("alarms", fire)

    async def asks_for_file(self, person: Persona, command: str, method: str) -> None:
        """A manager's request for a file; asked again (as the bot suggests) while Telegram
        was too busy to take it."""
        for attempt in range(ASK_AGAIN + 1):
            start = self.api.mark()
            ask = self.meanwhile if attempt else self.step
            await ask(command, lambda: person.says(command))
            said = self.api.events_since(person.chat_id, start)
            if any(m.method == method for m in said) or not any(busy(m.body) for m in said):
                return
            if attempt < ASK_AGAIN:
                self.asked_again += 1
                for message in said:  # asking again says it all again: allowed once more
                    if not busy(message.body):
                        self.allowed[(person.chat_id, first_body(message))] += 1

    async def taps_photos(self, person: Persona, reference: str) -> None:
        """The Photos button; tapped again if no photo came (Telegram was busy)."""
        for attempt in range(ASK_AGAIN + 1):
            start = self.api.mark()
            tap = self.meanwhile if attempt else self.step
            await tap("photos", lambda: person.taps_on("🖼 Photos", reference))
            said = self.api.events_since(person.chat_id, start)
            if any(m.photo_file_id for m in said) or attempt == ASK_AGAIN:
                return
            self.asked_again += 1


def busy(body: str) -> bool:
    return body in BUSY


def first_body(message: SentMessage) -> str:
    """What a message said when it was sent (before any edit)."""
    if message.edits:
        first = message.edits[0]
        return str(first["text"] if first["text"] is not None else first["caption"] or "")
    return message.body


def face(message: SentMessage) -> tuple[str, str, tuple[str, ...]]:
    labels = tuple(str(b.get("text")) for b in message.inline_buttons())
    return first_body(message), message.body, labels


async def newest_reference(run: Run) -> str:
    found = await run.harness.scalar("select reference from tickets order by id desc limit 1")
    return str(found)


async def registers(run: Run, person: Persona, unit: str) -> None:
    """The onboarding dialogue, one step at a time (each answer settled before the next)."""
    await run.step("start", lambda: person.says("/start"))
    phone, name = "+8613800138000", f"Resident {unit}"
    await run.step("contact", lambda: person.shares_contact(phone, name=name))
    await run.step("building", lambda: person.taps("Building 3"))
    await run.step("floor", lambda: person.taps(unit[:-2]))
    await run.step("unit", lambda: person.taps(unit))
    await run.step("registered", lambda: person.taps("Confirm"))


async def script(run: Run, rounds: int) -> None:
    """The traffic, the same for both runs (choices come from a seed, never from what the
    bot said)."""
    rng = random.Random(SEED)
    butler, engineer, chief = run.people["butler"], run.people["engineer"], run.people["chief"]
    for round_ in range(rounds):
        run.slot = max(run.slot, START + timedelta(days=round_))
        await run.alarms()  # overnight: reminders and late notices, queued as data
        for n in range(RESIDENTS_PER_ROUND):
            floor = 2 + (2 * round_ + n // 2) % 25  # Building 3: 26 floors, 2 units each
            unit = f"{floor}{n % 2 + 1:02d}"
            resident = run.harness.sim.user(20_000 + round_ * 10 + n, language_code="en")

            await registers(run, resident, unit)
            await run.step("complaint", lambda p=resident: p.taps("📝 Complaint"))
            await run.step(
                "category",
                lambda p=resident: p.taps("Facilities (lifts, lights, water, power, A/C)"),
            )
            text = f"Water leaks from the ceiling of {unit} ({rng.randint(1, 999)})"
            await run.step("description", lambda p=resident, t=text: p.says(t))
            for _ in range(rng.randint(1, 2)):
                await run.step("photo", lambda p=resident: p.sends_photo())
            await run.step(
                "place", lambda p=resident, u=unit: p.taps(f"🏠 My home (Building 3 {u})")
            )
            await run.step("edit", lambda p=resident: p.taps("✏️ Edit a field"))
            await run.step("date", lambda p=resident: p.taps("Solve-by date"))
            await run.step("when", lambda p=resident: p.taps("Within 3 days"))
            await run.step("confirm", lambda p=resident: p.taps("Confirm"))
            reference = await newest_reference(run)
            await run.step("accept", lambda r=reference: butler.taps_on("✅ Accept", r))
            if rng.random() < 0.5:  # the engineer comes too late: refused, card redrawn
                await run.step("stale", lambda r=reference: engineer.taps_on("✅ Accept", r))
            await run.taps_photos(butler, reference)
            await run.step("reply", lambda r=reference: butler.taps_on("💬 Reply", r))
            await run.step("reply text", lambda: butler.says("We are on it, a plumber comes."))
            await run.step("resolve", lambda r=reference: butler.taps_on("✔️ Resolve", r))
            await run.step("result", lambda: butler.says("The pipe above was resealed."))
        await run.asks_for_file(chief, "/report week", "sendPhoto")
        await run.asks_for_file(chief, "/export week", "sendDocument")
        await run.alarms()


async def play(url: str, rounds: int, *, faults: bool) -> Run:
    api = FakeBotAPI()
    chaos = Chaos(api, random.Random(SEED + 1))
    if faults:
        api.chaos = chaos
    settings = make_settings(url, admin_ids=[ADMIN])
    with time_machine.travel(START - timedelta(minutes=30), tick=False) as clock:
        async with DeskHarness(api, settings) as harness:
            assert harness.desk.outbox is not None
            harness.desk.outbox.retry = RETRY
            run = Run(harness, clock)
            run.people = {
                "butler": await enroll(harness, 21_001, "Butler", DESK, "B"),
                "engineer": await enroll(
                    harness, 21_002, "Department staff", "Engineering", "No zone"
                ),
                "supervisor": await enroll(harness, 21_003, "Duty supervisor", DESK, "No zone"),
                "chief": await enroll(harness, 21_004, "Chief butler", DESK, "No zone"),
            }
            run.mark = api.mark()
            chaos.on = True
            await script(run, rounds)
            chaos.on = False
            stuck = await harness.column(
                "select status || ' ' || purpose from outbox where status in "
                "('pending', 'sending', 'failed')"
            )
            assert not stuck, f"left in the outbox: {stuck}"
            unknown = await harness.scalar("select count(*) from outbox where status = 'unknown'")
            run.unknown = int(str(unknown))
    return run


def said(run: Run, chats: set[int]) -> dict[int, list[SentMessage]]:
    """The messages each chat received during the traffic (enrolment excluded)."""
    kept = {id(m) for c, m in run.api._events[run.mark :] if c in chats}
    return {
        chat: [m for m in run.api.messages(chat) if id(m) in kept and not m.deleted]
        for chat in chats
    }


@pytest.fixture
def twin_urls(migrated_sqlite_template: Path, tmp_path: Path) -> tuple[str, str]:
    urls = []
    for name in ("calm", "stormy"):
        shutil.copyfile(migrated_sqlite_template, tmp_path / f"{name}.db")
        urls.append(f"sqlite+aiosqlite:///{tmp_path / name}.db")
    return urls[0], urls[1]


async def test_faults_on_every_call_lose_nothing_and_repeat_almost_nothing(
    twin_urls: tuple[str, str],
) -> None:
    calm = await play(twin_urls[0], ROUNDS, faults=False)
    stormy = await play(twin_urls[1], ROUNDS, faults=True)
    chats = {c for c, _ in calm.api._events[calm.mark :]}
    chats |= {c for c, _ in stormy.api._events[stormy.mark :]}
    expected, got = said(calm, chats), said(stormy, chats)

    lost: list[tuple[int, str]] = []
    duplicates: list[tuple[int, str]] = []
    extra: list[tuple[int, str]] = []
    changed: list[tuple[int, Any]] = []
    messages = 0
    for chat in sorted(chats):
        want = Counter(first_body(m) for m in expected[chat])
        have = Counter(first_body(m) for m in got[chat])
        messages += sum(want.values())
        for body in want.keys() | have.keys():
            allowed = stormy.allowed[(chat, body)]
            if busy(body):
                continue  # "ask again": counted as asked again
            if have[body] < want[body]:
                lost += [(chat, body[:80])] * (want[body] - have[body])
            elif want[body] == 0:
                extra += [(chat, body[:80])] * have[body]
            elif have[body] > want[body] + allowed:
                duplicates += [(chat, body[:80])] * (have[body] - want[body] - allowed)
        faces_want = Counter(face(m) for m in expected[chat])
        faces_have = Counter(face(m) for m in got[chat] if not busy(m.body))
        changed += [(chat, f) for f in (faces_want - faces_have).elements()]

    api = stormy.api
    faults = Counter(type(fault).__name__ for _, fault in api.served_faults)
    by_method: dict[str, Counter[str]] = {}
    for method, fault in api.served_faults:
        by_method.setdefault(method, Counter())[type(fault).__name__] += 1
    calls = Counter(method for method, _ in api.calls)
    never_left = sum(
        isinstance(f, NetworkDown | ResetBeforeDelivery | ConnectTimeout)
        for _, f in api.served_faults
    )
    answered = set(api.callback_answers)
    unanswered = len(api._issued_queries - answered)
    print(
        f"\nTelegram faults (seed {SEED}), {ROUNDS} round(s), "
        f"{RESIDENTS_PER_ROUND * ROUNDS} residents, "
        f"{RATE:.0%} of messages and {RARE_RATE:.0%} of other calls failing:\n"
        f"  calls: {len(api.calls) + never_left} ({len(calm.api.calls)} without faults)\n"
        f"  faults: {sum(faults.values())} — {dict(sorted(faults.items()))}\n"
        + "".join(
            f"    {method} ({calls[method]} arrived): {dict(sorted(kinds.items()))}\n"
            for method, kinds in sorted(by_method.items())
        )
        + f"  messages: {messages} expected, {sum(len(v) for v in got.values())} delivered\n"
        f"  lost: {len(lost)}, duplicates: {len(duplicates)} "
        f"({len(duplicates) / max(messages, 1):.3%}), unknown outcome: "
        f"{stormy.unknown}\n"
        f"  messages not as in the fault-free run: {len(changed)}; extra: {len(extra)}\n"
        f"  asked again: {stormy.asked_again}, callback queries unanswered: {unanswered}, "
        f"repeats refused as done: {len(api.repeats_refused)}\n"
        f"  steps blocked: {len(stormy.blocked)} (fault-free: {len(calm.blocked)}), "
        f"overruns: {stormy.overruns}"
    )
    assert not calm.blocked, calm.blocked[:3]
    # Settling late would move every later step, and what it says about times, off the twin.
    assert not stormy.overruns, "the outbox took longer than a step to settle"
    assert not lost, lost[:5]
    assert len(duplicates) < 0.001 * messages, duplicates[:5]
    assert not changed, changed[:5]
    assert not extra, extra[:5]
    assert not stormy.blocked, stormy.blocked[:3]
    assert sum(faults.values()) > 0.04 * len(api.calls)  # the faults were real


# --- call by call -------------------------------------------------------------------------
# Each kind of fault on one call, and what the person sees: (fault, how many requests in a
# row get it, whether the person is told to ask again, requests that reach Telegram).
ONE_BY_ONE: list[tuple[Fault, int, bool, int]] = [
    (RetryAfter(3), 1, True, 1),
    (ServerError(502), 1, False, 2),  # made again at once
    (ServerError(500), 3, True, 3),  # a run longer than the attempts made at once
    (NetworkDown(), 1, False, 1),
    (ResetBeforeDelivery(), 1, False, 1),
    (ConnectTimeout(), 1, False, 1),
    (ResetAfterDelivery(), 1, False, 1),  # Telegram has it: not sent again
    (TimeoutAfterDelivery(), 1, False, 1),
]


async def test_a_file_or_an_album_arrives_once_whatever_fails(desk: DeskHarness) -> None:
    chief = await enroll(desk, 8701, "Chief butler", DESK, "No zone")
    butler = await enroll(desk, 8702, "Butler", DESK, "B")
    li = desk.sim.user(8801, language_code="en")
    await register(li)
    await li.taps("📝 Complaint")
    await li.taps("Facilities (lifts, lights, water, power, A/C)")
    await li.says("The lobby lift is stuck again")
    await li.sends_photo()
    await li.sends_photo()
    await li.taps("🏠 My home (Building 3 1202)")
    await li.taps("Confirm")
    reference = str(await desk.scalar("select reference from tickets"))
    asks: list[tuple[Persona, Callable[[], Awaitable[None]], str, int]] = [
        (chief, lambda: chief.says("/export week"), "sendDocument", 1),
        (butler, lambda: butler.taps_on("🖼 Photos", reference), "sendMediaGroup", 2),
    ]
    moment = datetime.now(UTC)
    for person, ask, method, messages in asks:
        for fault, times, ask_again, arrived in ONE_BY_ONE:
            before = sum(m.method == method for m in person.transcript)
            requests = desk.api.count(method)
            desk.api.inject(fault, method=method, times=times)
            moment += timedelta(minutes=1)
            with time_machine.travel(moment, tick=False):
                await ask()
            with time_machine.travel(moment + timedelta(seconds=10), tick=False):
                await desk.deliver()  # "ask again", once Telegram takes messages again
                assert busy(person.last_text) is ask_again, (method, fault)
                assert desk.api.count(method) - requests == arrived, (method, fault)
                if ask_again:
                    await ask()
            after = sum(m.method == method for m in person.transcript)
            assert after - before == messages, (method, fault)


async def queued(desk: DeskHarness, *notices: tuple[int, str]) -> None:
    async with UnitOfWork(desk.desk.sessions) as uow:
        for chat, text in notices:
            uow.outbox.add(chat_id=chat, text=text, purpose="test", now=utcnow())
        await uow.commit()


def bodies(desk: DeskHarness, chat: int) -> list[str]:
    return [m.body for m in desk.api.messages(chat)]


async def test_the_outbox_sends_again_only_what_never_reached_telegram(
    desk: DeskHarness,
) -> None:
    for chat in (8901, 8902, 8903):
        desk.sim.user(chat)
    desk.api.inject(ResetAfterDelivery(), chat_id=8901)
    desk.api.inject(TimeoutAfterDelivery(), chat_id=8902)
    desk.api.inject(ConnectTimeout(), chat_id=8903)
    await queued(desk, (8901, "reset after"), (8902, "read timeout"), (8903, "connect timeout"))
    start = utcnow()
    with time_machine.travel(start, tick=False):
        await desk.deliver()
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        await desk.deliver()
    assert [bodies(desk, c) for c in (8901, 8902, 8903)] == [
        ["reset after"],
        ["read timeout"],
        ["connect timeout"],
    ]
    statuses = await desk.column("select status from outbox order by id")
    assert statuses == ["unknown", "unknown", "sent"]


async def test_a_429_pauses_the_outbox_and_a_chat_keeps_its_order(desk: DeskHarness) -> None:
    for chat in (8911, 8912):
        desk.sim.user(chat)
    await queued(desk, (8911, "first"), (8912, "other chat"), (8911, "second"))
    desk.api.inject(ServerError(502), chat_id=8911)  # the first fails, so the second waits
    start = utcnow()
    with time_machine.travel(start, tick=False):
        await desk.deliver()
    assert (bodies(desk, 8911), bodies(desk, 8912)) == ([], ["other chat"])
    await queued(desk, (8912, "after the flood"))
    desk.api.inject(RetryAfter(30))
    calls = len(desk.api.calls)
    with time_machine.travel(start + timedelta(seconds=6), tick=False):
        await desk.deliver()  # 429 on the first request: the rest is not tried
    assert len(desk.api.calls) - calls == 1
    with time_machine.travel(start + timedelta(seconds=40), tick=False):
        await desk.deliver()
    assert (bodies(desk, 8911), bodies(desk, 8912)) == (
        ["first", "second"],
        ["other chat", "after the flood"],
    )


async def test_an_edit_telegram_would_not_take_is_made_later_unless_drawn_anew(
    desk: DeskHarness,
) -> None:
    butler = await enroll(desk, 8921, "Butler", DESK, "B")
    li = desk.sim.user(8922, language_code="en")
    await register(li)
    await fill_complaint(li)
    await li.taps("Confirm")
    reference = str(await desk.scalar("select reference from tickets"))
    card = next(m for m in reversed(butler.transcript) if reference in m.body)
    desk.api.inject(RetryAfter(5), method="editMessageText")
    start = utcnow()
    with time_machine.travel(start, tick=False):
        await butler.taps_on("✅ Accept", reference)
    assert not card.edits  # Telegram said to wait
    assert await desk.scalar("select purpose from outbox where status = 'pending'") == (
        EDIT_PURPOSE
    )
    with time_machine.travel(start + timedelta(seconds=6), tick=False):
        await desk.deliver()
    assert len(card.edits) == 1
    assert "✅ Accept" not in [b["text"] for b in card.inline_buttons()]

    # A face queued for a message the bot has drawn otherwise since is not sent.
    async with UnitOfWork(desk.desk.sessions) as uow:
        row = uow.outbox.add(
            chat_id=card.chat_id, text="<b>an older face</b>", purpose=EDIT_PURPOSE, now=start
        )
        row.telegram_message_id = card.message_id
        await uow.commit()
    edits = desk.api.count("editMessageText")
    with time_machine.travel(start + timedelta(seconds=20), tick=False):
        await desk.deliver()
    assert desk.api.count("editMessageText") == edits
    assert len(card.edits) == 1
    # … and its row is done with, not left "sending" (to turn "unknown" at the next start).
    assert await desk.scalar("select count(*) from outbox where status <> 'sent'") == 0

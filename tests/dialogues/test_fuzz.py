"""Random updates from every kind of person, through the real bot on the simulated Bot API,
as a hypothesis state machine: a rule per kind of action, invariants after every step.

Residents, staff of every role, the administrator and a stranger type text of any script
and length (emoji, right-to-left, zero-width, 5,000 characters, HTML-like), send every
command with random arguments, tap the buttons they were shown (and stale, forged and
random callback data), send photos, documents, stickers, contacts, locations and voice
notes, edit what they sent, file whole items and work their cards, write in a group chat;
a channel posts; the clock jumps ahead and the periodic jobs run. After every step:

- no request Telegram refuses, no ERROR logged, no outbox row left sending or failed;
- every update from a person in a private chat got an answer (a message, an edit, a
  callback answer), or is one of the deliberate silences named in `SILENT`; nothing at all
  is said in a group or a channel, and no span is shown below zero ("in -5 minutes");
- every item's timeline agrees with its status and stage, its due times are what the
  policy makes of its filing time, severity, extensions and pauses, and its pending alarms
  are the plan of its state (none for a closed item): tests/dialogues/invariants.py.

The world (the desk, its people and their items) is built once and outlives hypothesis's
examples, so nothing can be replayed or shrunk: the first broken invariant ends the run
and is reported with the steps that led to it. `FUZZ_UPDATES` sets how many updates to send
(1,500 per database by default, under a minute each; 10,000 for the long profile).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
import traceback
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from datetime import timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule, run_state_machine_as_test
from sqlalchemy import text as sql

from bot.callbacks import CallbackData
from bot.clock import utcnow
from bot.domain.flood import FloodGate
from handlers.flood import GATE_KEY
from scheduler.sweep import (
    expire_idle_dialogues,
    fire_due_alarms,
    push_reports,
    send_yearly_wishes,
)
from tests.conftest import DeskHarness
from tests.dialogues.helpers import ADMIN, enroll, file_complaint, register
from tests.dialogues.invariants import Registry, read_registry
from tests.dialogues.test_orders import order_cake
from tests.dialogues.test_repairs import request_repair
from tests.sim import Fed, Persona, SentMessage, render
from tests.sim.bot_api import MAX_TEXT

T = TypeVar("T")
UPDATES = int(os.environ.get("FUZZ_UPDATES", "1500"))  # per database; 15-45 s
STEPS_PER_EXAMPLE = 50
RECENT_STEPS = 40  # shown with a failure
FULL_CHECK_EVERY = 100  # steps: every item is checked, not only those with new events

COMMANDS = (
    "/start",
    "/menu",
    "/help",
    "/cancel",
    "/profile",
    "/desk",
    "/duty",
    "/status",
    "/mine",
    "/overdue",
    "/find",
    "/ticket",
    "/new",
    "/handover",
    "/ledger",
    "/invite",
    "/staff",
    "/report",
    "/export",
    "/survey",
    "/relay",
    "/access",
    "/confidential",
    "/link",
    "/unlink",
    "/notice",
    "/nonsense",
    "/start@estate_desk_test_bot",
)
ALPHABET = st.characters(
    codec="utf-8",
    categories=("L", "N", "P", "S", "Zs", "Cf", "Mn", "Mc", "Me"),
)
SAMPLES = [
    "<b>bold</b>",
    "<i>unclosed",
    "&amp; & &lt; &#x1F600;",
    "</i>",
    '<a href="tg://user?id=1">me</a>',
    "3-1202",
    "1202",
    "Li Lei",
    "+8613800138000",
    "12-20 15:00",
    "12月20日 15点",
    "tomorrow",
    "0",
    "-5",
    "1",
    "5",
    "99999999999",
    "2147483648",
    "²",
    "yes",
    "Skip",
    "مرحبا بالعالم",
    "שלום \u202eevil\u202c",
    "a\u200bb\u200dc\u2060",
    "\u200b",
    "   ",
    "line one\nline two\n\n",
    "🙂" * 30,
    "👨‍👩‍👧‍👦🏳️‍🌈",
    "The kitchen tap is leaking water",
    "厨房水管漏水",
    "The lift is broken again",
    "Noise from the neighbours every night",
    "I would like to order a birthday cake",
    "建议在小区门口加装路灯",
    "I smell gas in the kitchen",
    "电梯里有人被困",
    "TS",
    "/start inv_forged-token",
]
TEXTS = st.one_of(
    st.text(ALPHABET, min_size=1, max_size=60),
    st.sampled_from(SAMPLES),
    st.builds(
        lambda s, n: s * n,
        st.sampled_from(["長", "a", "&", "<b>", "🙂", "\u200b", "ع", "9", "３", "①"]),
        st.integers(1, 5000),
    ),
)
PEOPLE = st.integers(0, 10**6)
PICKS = st.integers(0, 10**6)
SHANGHAI = ZoneInfo("Asia/Shanghai")
STAFF = tuple(range(9))  # by their place in World.people
RESIDENTS = (10, 11)  # li (English) and Wang (Chinese)
FILED_IN_CHINESE = {
    "complaint": "楼道的灯又坏了，晚上很黑",
    "repair": "厨房水龙头一直在滴水",
    "order": "我想订一个生日蛋糕",
}
ANSWERS_IN_CHINESE = ["三号楼大堂", "明天上午", "没有", "好的", "王芳"]
# What staff type when a card's step asks for words (a reply, a result, a reason, a day).
WORK_ANSWERS = [
    "Replaced the bulb; it works again",
    "We called the resident and explained",
    "tomorrow",
    "12-20 15:00",
    "Waiting for the part from the supplier",
    "已经修好了",
]
# A duration the bot wrote with a minus sign ("in -5 minutes"): a moment it got wrong.
NEGATIVE_SPAN = re.compile(r"-\d+(?:\.\d+)? ?(?:seconds?|minutes?|hours?|days?|秒|分钟|小时|天)")
CARD = re.compile(r"\b(?:TS|JY|BX|WT|HF|RW|JJ)-\d{8}-\d{4}\b")  # a message about an item
GROUP_CHAT, CHANNEL = -1001000000001, -1001000000002


# Every draw is made whole, whatever the world looks like (a pick is mapped onto what the
# person has when the rule runs): hypothesis requires draws that do not depend on state.

# --- what may go unanswered ------------------------------------------------------------
# Updates in a private chat that get no answer on purpose. Anything else silent is a bug.
SILENT = {
    # Telegram sends an edit of an earlier message again as a whole; the bot acts on what
    # people send, not on corrections of it (handlers.common.PRIVATE: messages only).
    "edited_message": "an edited message is not acted on",
    # Past the flood notice, nothing a person sends is acted on or answered (handlers.flood).
    "flood": "held by the flood limit after its notice",
}


class ErrorLog(logging.Handler):
    """Every ERROR the bot logs (an exception its error handler caught, a refused reply),
    and every warning of the error handler (an update it could not handle)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or record.name == "handlers.errors":
            self.records.append(record)

    def report(self) -> str:
        """Each record with its exception, so the failure names its cause."""
        lines = []
        for record in self.records[:3]:
            lines.append(f"{record.levelname} {record.name}: {record.getMessage()}")
            if record.exc_info and record.exc_info[1] is not None:
                lines += traceback.format_exception(*record.exc_info)
        return "\n".join(lines)


@pytest.fixture
def errors() -> Iterator[ErrorLog]:
    handler = ErrorLog()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)


def _nth(items: list[T], index: int) -> T:
    return items[index % len(items)]


class World:
    """The desk, its people and the clock, shared by every example; a rule runs its
    coroutine on the test's event loop (hypothesis runs in a worker thread)."""

    def __init__(self, desk: DeskHarness, errors: ErrorLog) -> None:
        self.desk = desk
        self.errors = errors
        self.loop = asyncio.get_running_loop()
        self.people: list[Persona] = []
        self.roles: dict[int, str] = {}
        self.clock: time_machine.Traveller | None = None
        self._traveller: time_machine.travel | None = None
        self.sent = 0  # updates the people sent
        self.steps: deque[str] = deque(maxlen=RECENT_STEPS)
        self.step_count = 0
        self.kinds: Counter[str] = Counter()
        self.silences: Counter[str] = Counter()
        self.expected_silence: dict[int, str] = {}  # update id → why
        self.registry = Registry()
        self.seen_data: list[str] = []  # callback data shown to anyone, for forgeries
        self.timing: dict[str, float] = {"act": 0.0, "check": 0.0}
        self.mark = 0  # the event log's length when the step began
        self.broken: str | None = None  # what broke, with the steps that led to it

    # --- building the world ---
    async def build(self) -> None:
        desk = self.desk
        desk.allow_escaping_slips = True  # people type "&amp;" and "<b>"; it may be quoted
        desk.sim.after_update = self._after_update
        staff = [
            ("butler", await enroll(desk, 9101, "Butler", "Customer service", "B")),
            ("engineer", await enroll(desk, 9102, "Department staff", "Engineering", "B")),
            ("concierge", await enroll(desk, 9103, "Department staff", "Concierge", "No zone")),
            ("supervisor", await enroll(desk, 9104, "Duty supervisor", "Customer service", "B")),
            ("chief", await enroll(desk, 9105, "Chief butler", "Customer service", "No zone")),
            ("senior", await enroll(desk, 9106, "Senior butler", "Customer service", "B")),
            (
                "agent",
                await enroll(desk, 9107, "Customer-service agent", "Customer service", "No zone"),
            ),
            ("guard", await enroll(desk, 9108, "Department staff", "Security", "No zone")),
            ("head", await enroll(desk, 9109, "Project head", "Customer service", "No zone")),
        ]
        admin = desk.sim.user(ADMIN, first_name="Admin", language_code="en")
        li = desk.sim.user(9201, language_code="en")
        await register(li)
        wang = desk.sim.user(9202, language_code="zh-hans")
        await register(wang, name="王芳", language="中文", unit="1201")
        stranger = desk.sim.user(9203, language_code="ar")
        # Items of every family, so cards with their steps are there to tap.
        await file_complaint(li)
        await request_repair(li)
        await order_cake(li, (utcnow().astimezone(SHANGHAI) + timedelta(days=3)).date())
        await li.taps("✍️ Sign")
        people = [*staff, ("admin", admin), ("resident", li), ("resident", wang)]
        people.append(("stranger", stranger))
        self.people = [person for _, person in people]
        self.roles = {person.user_id: role for role, person in people}
        await self.desk.deliver()
        await self.check("the world as built", [])
        self._traveller = time_machine.travel(utcnow(), tick=True)
        self.clock = self._traveller.start()

    async def file(self, person: Persona, what: str, picks: list[int]) -> None:
        """File a whole item; a form that does not go as written (the person was shown
        something else) is left where it stands: the invariants still hold or not."""
        await person.says("/cancel")
        try:
            if person.user["language_code"] != "en":
                await person.says(FILED_IN_CHINESE[what])
                for pick in picks:
                    newest = next(
                        (m for m in reversed(person.transcript[-3:]) if m.inline_buttons()), None
                    )
                    buttons = [
                        b
                        for b in (newest.inline_buttons() if newest else [])
                        if "callback_data" in b
                    ]
                    if buttons:
                        chosen = buttons[0] if pick % 3 else _nth(buttons, pick)
                        await person.taps_data(chosen["callback_data"], message=newest)
                    elif person.buttons():
                        await person.taps(person.buttons()[0])
                    else:
                        await person.says(ANSWERS_IN_CHINESE[pick % len(ANSWERS_IN_CHINESE)])
            elif what == "complaint":
                await file_complaint(person, "The corridor light is out again")
            elif what == "repair":
                await request_repair(person)
            else:
                day = (utcnow().astimezone(SHANGHAI) + timedelta(days=3)).date()
                await order_cake(person, day)
                await person.taps("✍️ Sign")
        except AssertionError:
            self.kinds["form went elsewhere"] += 1

    @staticmethod
    async def answer(person: Persona, picks: list[tuple[int, str]]) -> None:
        """What a card's button asks: a button of the newest keyboard (three times in four:
        the first one, the way forward, as often as any other), else typed text; so items
        get through their lives, not only to their first step."""
        for pick, text in picks:
            newest = next(
                (m for m in reversed(person.transcript[-3:]) if m.inline_buttons()), None
            )
            buttons = [
                b for b in (newest.inline_buttons() if newest else []) if "callback_data" in b
            ]
            if buttons and pick % 4:
                chosen = buttons[0] if pick % 4 == 1 else _nth(buttons, pick)
                await person.taps_data(chosen["callback_data"], message=newest)
            elif not buttons and pick % 2:
                await person.says(_nth(WORK_ANSWERS, pick // 2))  # what staff would type
            else:
                await person.says(text)

    def stop(self) -> None:
        if self._traveller is not None:
            self._traveller.stop()

    async def _after_update(self) -> None:
        """Right after an update: what it handed over to send (the rest of the outbox,
        due for other reasons, is delivered after the answers were counted)."""
        assert self.desk.desk.outbox is not None
        await self.desk.desk.outbox.deliver_mine()

    # --- running steps from hypothesis's thread ---
    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    @property
    def over(self) -> bool:
        """An invariant broke, or the run's updates are sent: rules do nothing more."""
        return self.broken is not None or self.sent >= UPDATES

    def step(self, label: str, action: Callable[[], Awaitable[Any]]) -> None:
        """One rule: do it, then check everything. The first failure is kept, not raised:
        the world has moved on, so hypothesis must not replay the example (it would show
        something else), nor see it stop early (it would call its draws flaky, hiding the
        failure); the example ends with rules that do nothing, and the test reports it."""
        if self.over:
            return
        self.step_count += 1
        self.steps.append(f"{self.step_count} ({self.sent} updates): {label}")
        kind = label.split(" ", 2)[1] if " " in label else label
        self.kinds[kind] += 1
        try:
            self.run(self._step(label, action))
        except Exception as exc:
            self.broken = self.report(label, exc)

    async def _step(self, label: str, action: Callable[[], Awaitable[Any]]) -> None:
        self.desk.sim.fed.clear()
        self.mark = self.desk.api.mark()
        t0 = time.perf_counter()
        await action()
        fed = list(self.desk.sim.fed)
        self.sent += len(fed)
        # The periodic outbox sender's run: what is due goes out, delivered replies' rows
        # are deleted (until then they read "sending").
        await self.desk.deliver()
        t1 = time.perf_counter()
        await self.check(label, fed)
        t2 = time.perf_counter()
        self.timing["act"] += t1 - t0
        self.timing["check"] += t2 - t1

    def report(self, label: str, exc: BaseException) -> str:
        lines = [
            f"step {self.step_count} broke after {self.sent} updates: {label}",
            "".join(traceback.format_exception_only(exc)).strip(),
        ]
        if self.errors.records:
            lines += ["", "logged:", self.errors.report()]
        if self.desk.api.refusals:
            lines += ["", "refused requests:", *self._refused()]
        if not isinstance(exc, AssertionError):
            lines += ["", *traceback.format_exception(exc)]
        lines += ["", "the steps before it:", *self.steps]
        return "\n".join(lines)

    def _refused(self) -> list[str]:
        """The requests Telegram refused, as far as the simulation can tell them again:
        every text over its limit, with its beginning, else the last requests made."""
        found = []
        for method, params in self.desk.api.calls:
            text = params.get("text")
            if isinstance(text, str):
                shown = render(text, params.get("parse_mode"), params.get("entities")).text
                if len(shown) > MAX_TEXT:
                    found.append(
                        f"{method} to {params.get('chat_id')}, {len(shown)} long: {shown[:300]!r}"
                    )
        return found or [f"{m} {str(p)[:300]}" for m, p in self.desk.api.calls[-3:]]

    # --- the invariants ---
    async def check(self, label: str, fed: list[Fed]) -> None:
        desk = self.desk
        desk.assert_no_refusals()
        assert not self.errors.records, f"logged:\n{self.errors.report()}"
        async with desk.desk.engine.connect() as conn:
            stuck = (
                await conn.execute(
                    sql(
                        "select id, status, purpose, chat_id, attempts, created_at, sent_at, "
                        "lease_until, last_error, substr(text, 1, 60) from outbox "
                        "where status in ('failed', 'sending') order by id"
                    )
                )
            ).all()
        assert not stuck, f"outbox rows left: {[tuple(row) for row in stuck]}"
        for one in fed:
            self._check_answered(one)
        for chat in (GROUP_CHAT, CHANNEL):
            said = [m.body[:80] for m in desk.api.messages(chat)]
            assert not said, f"the bot wrote in a group or channel {chat}: {said}"
        for chat, message in desk.api.events_from(self.mark):
            shown = NEGATIVE_SPAN.search(message.plain)
            assert not shown, f"told {chat} of a span below zero: {message.plain[:300]!r}"
        async with desk.desk.sessions() as session:
            # The items that changed; every item now and then (a change with no event).
            everything = self.step_count % FULL_CHECK_EVERY == 0
            self.registry = await read_registry(
                session,
                desk.desk.policy,
                desk.desk.settings.tz,
                self.registry,
                everything=everything,
            )
        problems = self.registry.problems
        assert not problems, "items disagree with themselves:\n" + "\n".join(problems[:10])
        self._remember_buttons(fed)

    def _check_answered(self, fed: Fed) -> None:
        update_id = int(fed.update["update_id"])
        answers = self.desk.sim.answers(fed)
        why_silent = self.expected_silence.pop(update_id, None)
        if fed.chat_type != "private":
            assert not answers, f"update {update_id} in a {fed.chat_type} chat got {answers}"
            self.silences[fed.chat_type or "no chat"] += 1
            return
        if "edited_message" in fed.update:
            why_silent = "edited_message"
        if why_silent is not None:
            assert not answers, f"update {update_id} ({SILENT[why_silent]}) got {answers}"
            self.silences[why_silent] += 1
            return
        assert answers, f"update {update_id} from a person got no answer: {fed.update}"
        if fed.query_id is not None:
            assert "answerCallbackQuery" in answers, f"tap {update_id} left unanswered"

    def _remember_buttons(self, fed: list[Fed]) -> None:
        for one in fed:
            for message in self.desk.api.events_between(one.chat_id, one.start, one.end):
                for button in message.inline_buttons():
                    data = button.get("callback_data")
                    if data and data not in self.seen_data:
                        self.seen_data.append(data)
        del self.seen_data[:-500]

    # --- what people see ---
    @staticmethod
    def keyboards(person: Persona) -> list[SentMessage]:
        return [m for m in person.transcript[-8:] if not m.deleted and m.inline_buttons()]

    @staticmethod
    def stale_buttons(person: Persona) -> list[tuple[SentMessage, str]]:
        """Buttons the person was shown and no longer has: older keyboards, and the
        keyboards of messages edited since."""
        found = []
        for message in person.transcript[-30:]:
            for before in message.edits:
                markup = SentMessage(0, 0, None, None, None, before["reply_markup"], None, {})
                found += [
                    (message, b["callback_data"])
                    for b in markup.inline_buttons()
                    if "callback_data" in b
                ]
        shown = World.keyboards(person)
        for message in person.transcript[-30:-8]:
            if message not in shown:
                found += [
                    (message, b["callback_data"])
                    for b in message.inline_buttons()
                    if "callback_data" in b
                ]
        return found


def _forge(data: str, number: int) -> str:
    """Callback data of a real shape with other values: another item, a huge or negative
    id, an unknown action."""
    forged = re.sub(r"\d+", lambda m: str(number - 3 if number % 2 else 10**19), data, count=1)
    if number % 5 == 0:
        parts = forged.split(":")
        parts[min(1, len(parts) - 1)] = "zz"
        forged = ":".join(parts)
    return forged.encode()[:64].decode(errors="ignore")  # Telegram's limit: 64 bytes


def machine(world: World) -> type[RuleBasedStateMachine]:
    """The rules, bound to the world (hypothesis makes a machine per example)."""

    def person(who: int) -> Persona:
        return _nth(world.people, who)

    def name(who: Persona) -> str:
        return f"{world.roles[who.user_id]}:{who.user_id}"

    class DeskMachine(RuleBasedStateMachine):
        @rule(who=PEOPLE, text=TEXTS)
        def says(self, who: int, text: str) -> None:
            p = person(who)
            world.step(f"{name(p)} says {text[:60]!r} ({len(text)} chars)", lambda: p.says(text))

        @rule(
            who=PEOPLE,
            command=st.sampled_from(COMMANDS),
            argument=st.one_of(
                st.just(""),
                TEXTS,
                st.sampled_from(["TS", "3-1202", "3-1202 on", "1-101 a reason"]),
                st.sampled_from(["off", "JJ", "BX", "WT", "HF", "RW", "inv_x"]),
            ),
            ref=st.booleans(),
        )
        def command(self, who: int, command: str, argument: str, ref: bool) -> None:
            p = person(who)
            if ref and world.registry.references:
                argument = f"{_nth(world.registry.references, len(argument))} {argument}"
            text = f"{command} {argument}".strip()
            world.step(f"{name(p)} command {text[:60]!r}", lambda: p.says(text))

        @rule(who=PEOPLE, pick=PICKS, pick2=PICKS)
        def taps_shown(self, who: int, pick: int, pick2: int) -> None:
            p = person(who)
            shown = World.keyboards(p)
            if not shown:
                return self.says(who, "hello")
            message = _nth(shown, pick)
            buttons = [b for b in message.inline_buttons() if "callback_data" in b]
            if not buttons:
                return self.says(who, "hello")
            button = _nth(buttons, pick2)
            world.step(
                f"{name(p)} taps {button['text']!r} ({button['callback_data']})",
                lambda: p.taps_data(button["callback_data"], message=message),
            )

        @rule(who=PEOPLE, answers=st.lists(st.tuples(PICKS, TEXTS), min_size=1, max_size=6))
        def follows(self, who: int, answers: list[tuple[int, str]]) -> None:
            """Carry on the dialogue at hand: the newest keyboard's buttons, or typed
            answers where none is offered."""
            p = person(who)

            async def go() -> None:
                for pick, text in answers:
                    newest = p.transcript[-1] if p.transcript else None
                    buttons = [
                        b
                        for b in (newest.inline_buttons() if newest else [])
                        if "callback_data" in b
                    ]
                    reply = p.buttons()
                    if buttons and pick % 4:
                        await p.taps_data(_nth(buttons, pick)["callback_data"], message=newest)
                    elif reply and pick % 4:
                        await p.taps(_nth(reply, pick))
                    else:
                        await p.says(text)

            world.step(f"{name(p)} follows {len(answers)} steps", go)

        @rule(
            who=st.sampled_from(RESIDENTS),
            what=st.sampled_from(["complaint", "repair", "order"]),
            picks=st.lists(PICKS, min_size=8, max_size=8),
        )
        def files(self, who: int, what: str, picks: list[int]) -> None:
            """A resident files a whole item (staff then have its card to work): in
            English by the book, in Chinese by the likeliest offers of a typed message."""
            p = world.people[who]
            world.step(f"{name(p)} files a {what}", lambda: world.file(p, what, picks))

        @rule(
            who=st.sampled_from(STAFF),
            item=PICKS,
            picks=st.lists(st.tuples(PICKS, TEXTS), min_size=2, max_size=10),
        )
        def works(self, who: int, item: int, picks: list[tuple[int, str]]) -> None:
            """A member of staff opens an item's card and works it: a button, then what
            it asks (a button of the newest keyboard, or typed text)."""
            p = world.people[who]
            if not world.registry.references:
                return self.says(who, "/desk")
            reference = _nth(world.registry.references, item)

            async def go() -> None:
                await p.says(f"/ticket {reference}")
                await world.answer(p, picks)

            world.step(f"{name(p)} works {reference} ({len(picks)} steps)", go)

        @rule(
            who=st.sampled_from(STAFF),
            card=PICKS,
            picks=st.lists(st.tuples(PICKS, TEXTS), min_size=1, max_size=6),
        )
        def works_card(self, who: int, card: int, picks: list[tuple[int, str]]) -> None:
            """A member of staff acts on one of the cards they were sent (a new item, a
            reminder, a transfer) and answers what it asks."""
            p = world.people[who]
            cards = [m for m in p.transcript[-15:] if not m.deleted and CARD.search(m.body)]
            if not cards:
                return self.works(who, card, picks)
            message = _nth(cards, card)

            async def go() -> None:
                buttons = [b for b in message.inline_buttons() if "callback_data" in b]
                if buttons:
                    await p.taps_data(_nth(buttons, card)["callback_data"], message=message)
                await world.answer(p, picks)

            world.step(f"{name(p)} works_card {message.message_id}", go)

        @rule(who=PEOPLE, pick=PICKS)
        def taps_stale(self, who: int, pick: int) -> None:
            p = person(who)
            stale = World.stale_buttons(p)
            if not stale:
                return self.taps_forged(who, pick, pick)
            message, data = _nth(stale, pick)
            world.step(f"{name(p)} taps stale {data}", lambda: p.taps_data(data, message=message))

        @rule(who=PEOPLE, pick=PICKS, number=st.integers(-5, 10**6))
        def taps_forged(self, who: int, pick: int, number: int) -> None:
            """Someone else's button (a staff card's, say), or a real shape with other values."""
            p = person(who)
            if not world.seen_data or not p.transcript:
                return self.says(who, "/start")
            data = _nth(world.seen_data, pick)
            if number % 3:
                data = _forge(data, number)
            world.step(f"{name(p)} taps forged {data!r}", lambda: p.taps_data(data))

        @rule(
            who=PEOPLE,
            raw=st.one_of(
                st.text(ALPHABET, min_size=1, max_size=20),
                st.builds(
                    lambda prefix, rest: f"{prefix}:{rest}",
                    st.sampled_from(sorted(CallbackData._registry)),
                    st.text(ALPHABET, max_size=20),
                ),
            ),
        )
        def taps_random(self, who: int, raw: str) -> None:
            p = person(who)
            data = raw if len(raw.encode()) <= 64 else raw[:10]
            if not p.transcript:
                return self.says(who, "/start")
            world.step(f"{name(p)} taps random {data!r}", lambda: p.taps_data(data))

        @rule(who=PEOPLE, pick=PICKS)
        def menu(self, who: int, pick: int) -> None:
            p = person(who)
            labels = p.buttons()
            if not labels:
                return self.says(who, "/menu")
            label = _nth(labels, pick)
            world.step(f"{name(p)} presses {label!r}", lambda: p.taps(label))

        @rule(who=PEOPLE, pick=PICKS, text=TEXTS)
        def replies_to(self, who: int, pick: int, text: str) -> None:
            """Quotes one of the bot's messages (an item's reference in it, say)."""
            p = person(who)
            quoted = [m for m in p.transcript[-20:] if not m.deleted]
            if not quoted:
                return self.says(who, text)
            message = _nth(quoted, pick)
            world.step(
                f"{name(p)} replies to message {message.message_id} with {text[:40]!r}",
                lambda: p.replies_to(message, text),
            )

        @rule(who=PEOPLE, caption=st.none() | TEXTS)
        def photo(self, who: int, caption: str | None) -> None:
            p = person(who)
            caption = caption[:1024] if caption else None
            world.step(f"{name(p)} photo {caption!r:.40}", lambda: p.sends_photo(caption))

        @rule(who=PEOPLE, seconds=st.integers(1, 300))
        def voice(self, who: int, seconds: int) -> None:
            p = person(who)
            world.step(f"{name(p)} voice {seconds}s", lambda: p.sends_voice(seconds))

        @rule(who=PEOPLE, what=st.sampled_from(["document", "sticker", "location"]))
        def attachment(self, who: int, what: str) -> None:
            p = person(who)
            send = {
                "document": p.sends_document,
                "sticker": p.sends_sticker,
                "location": p.sends_location,
            }[what]
            world.step(f"{name(p)} {what}", send)

        @rule(who=PEOPLE, own=st.booleans())
        def contact(self, who: int, own: bool) -> None:
            p = person(who)
            world.step(f"{name(p)} contact own={own}", lambda: p.shares_contact(own=own))

        @rule(who=PEOPLE, pick=PICKS, text=TEXTS)
        def edits(self, who: int, pick: int, text: str) -> None:
            p = person(who)
            typed = [m for m in p.sent if "text" in m or "caption" in m]
            if not typed:
                return self.says(who, text)
            message = _nth(typed, pick)
            world.step(
                f"{name(p)} edits message {message['message_id']} to {text[:40]!r}",
                lambda: p.edits(message, text),
            )

        @rule(who=PEOPLE, text=TEXTS | st.sampled_from(COMMANDS))
        def in_group(self, who: int, text: str) -> None:
            p = person(who)
            world.step(
                f"{name(p)} in_group {text[:40]!r}", lambda: p.says_in_group(GROUP_CHAT, text)
            )

        @rule(text=TEXTS)
        def channel_post(self, text: str) -> None:
            world.step(
                f"channel channel_post {text[:40]!r}",
                lambda: world.desk.sim.channel_post(CHANNEL, text),
            )

        @rule(
            jump=st.one_of(
                st.integers(1, 59).map(lambda m: timedelta(minutes=m)),
                st.integers(1, 12).map(lambda h: timedelta(hours=h)),
                st.integers(1, 2).map(lambda d: timedelta(days=d)),
            )
        )
        def clock(self, jump: timedelta) -> None:
            async def go() -> None:
                assert world.clock is not None
                world.clock.shift(jump)
                desk = world.desk.desk
                await fire_due_alarms(desk)
                await send_yearly_wishes(desk)
                await push_reports(desk)
                await expire_idle_dialogues(desk)

            world.step(f"clock jumps +{jump}", go)

        @rule(
            who=PEOPLE,
            texts=st.lists(
                st.tuples(TEXTS, st.sampled_from([False, False, False, True])),
                min_size=5,
                max_size=9,
            ),
        )
        def floods(self, who: int, texts: list[tuple[str, bool]]) -> None:
            """Faster than the flood limit (3 a minute here), some of it in a group: the
            4th private message gets the notice, the later ones silence; what is said in
            the group is none of the bot's business, and counts for nothing."""
            p = person(who)
            bot_data = world.desk.application.bot_data

            async def go() -> None:
                bot_data[GATE_KEY] = FloodGate(3, timedelta(minutes=1))
                private = 0
                try:
                    for text, in_group in texts:
                        if in_group:
                            await p.says_in_group(GROUP_CHAT, text)
                            continue
                        await p.says(text)
                        private += 1
                        if private > 4:  # the 5th on: held
                            update = world.desk.sim.fed[-1].update
                            world.expected_silence[int(update["update_id"])] = "flood"
                finally:
                    del bot_data[GATE_KEY]  # back to the harness's (generous) limit

            world.step(f"{name(p)} floods {len(texts)} messages", go)

    return DeskMachine


def run_examples(world: World) -> None:
    """Hypothesis's side, in a worker thread: examples until the run's updates are sent
    or an invariant broke (a run of hypothesis begins with its simplest example, all of
    the first rule: so a few long runs rather than many short ones)."""
    rules = machine(world)
    while not world.over:
        # Steps send 1.6 updates on average: a run somewhat short of the rest, then more.
        left = max(2, (UPDATES - world.sent) // (2 * STEPS_PER_EXAMPLE))
        run_state_machine_as_test(
            rules,
            settings=settings(
                max_examples=left,
                stateful_step_count=STEPS_PER_EXAMPLE,
                deadline=None,
                database=None,
                phases=(Phase.generate,),  # the world outlives examples: no replay, no shrink
                suppress_health_check=list(HealthCheck),
            ),
        )


@pytest.mark.long
async def test_random_updates_from_everyone(desk: DeskHarness, errors: ErrorLog) -> None:
    world = World(desk, errors)
    await world.build()
    began = time.perf_counter()
    try:
        await asyncio.to_thread(run_examples, world)
    finally:
        world.stop()
    if world.broken is not None:
        desk.api.refusals.clear()  # reported here, with the steps that led to them
        pytest.fail(world.broken, pytrace=False)
    took = time.perf_counter() - began
    reached = await desk.column(
        "select kind || ' ' || count(*) from ticket_events group by kind order by kind"
    )
    statuses = await desk.column(
        "select status || ' ' || count(*) from tickets group by status order by status"
    )
    print(
        f"\n{world.sent} updates in {world.step_count} steps, {took:.1f} s "
        f"(acting {world.timing['act']:.1f} s, checking {world.timing['check']:.1f} s); "
        f"steps {dict(world.kinds)}; silent {dict(world.silences)}; "
        f"items {statuses}; timeline events {reached}"
    )

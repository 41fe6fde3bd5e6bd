"""Random updates from every kind of person, through the real bot on the simulated Bot API.

Residents, staff, managers and a stranger type text of any script and length (HTML-like
included), send commands with random arguments, tap the buttons they were shown (and stale,
forged and random callback data), send photos, contacts, stickers, locations and files,
while the clock jumps ahead and the sweeps fire. After every step: the bot made no request
Telegram refuses, raised nothing its error handler had to catch, and left no outbox row
failed. `FUZZ_UPDATES` sets how many updates to send (a few thousand by default).
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

import pytest
import time_machine
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bot.clock import utcnow
from scheduler.sweep import fire_due_alarms
from tests.conftest import DeskHarness
from tests.dialogues.helpers import enroll, file_complaint, register
from tests.sim import Persona

T = TypeVar("T")
UPDATES = int(os.environ.get("FUZZ_UPDATES", "1200"))
STEPS_PER_EXAMPLE = 40

COMMANDS = (
    "/start",
    "/menu",
    "/help",
    "/cancel",
    "/profile",
    "/desk",
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
    "/nonsense",
)
ALPHABET = st.characters(
    codec="utf-8",
    categories=("L", "N", "P", "S", "Zs", "Cf", "Mn"),
)
TEXTS = st.one_of(
    st.text(ALPHABET, min_size=1, max_size=60),
    st.sampled_from(
        [
            "<b>bold</b>",
            "&amp; & &lt;",
            "</i>",
            "3-1202",
            "1202",
            "Li Lei",
            "+8613800138000",
            "12-20 15:00",
            "tomorrow",
            "0",
            "-5",
            "99999999999",
            "مرحبا بالعالم",
            "a\u200bb\u200dc",
            "🙂" * 30,
        ]
    ),
    st.builds(lambda s, n: s * n, st.sampled_from(["長", "a", "&", "<b>"]), st.integers(1, 5000)),
)


class ErrorLog(logging.Handler):
    """Every ERROR the bot logs: an exception its error handler caught, a refused reply."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def errors() -> Iterator[ErrorLog]:
    handler = ErrorLog()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)


async def _people(desk: DeskHarness) -> list[Persona]:
    staff = [
        await enroll(desk, 9101, "Butler", "Customer service", "B"),
        await enroll(desk, 9102, "Department staff", "Engineering", "B"),
        await enroll(desk, 9103, "Department staff", "Concierge", "No zone"),
        await enroll(desk, 9104, "Duty supervisor", "Customer service", "No zone"),
        await enroll(desk, 9105, "Chief butler", "Customer service", "No zone"),
    ]
    li = desk.sim.user(9201, language_code="en")
    await register(li)
    wang = desk.sim.user(9202, language_code="zh-hans")
    await register(wang, name="王芳", language="中文", unit="1201")
    await file_complaint(li)
    stranger = desk.sim.user(9203, language_code="en")
    return [*staff, li, wang, stranger]


CHOICES = ["tap"] * 6 + ["menu"] * 2 + ["say"] * 3 + ["command"] * 2
CHOICES += ["forged", "photo", "contact", "sticker", "location", "document", "clock"]
FORGED = st.one_of(
    st.text(ALPHABET, min_size=1, max_size=20),
    st.sampled_from(["t|acc|1", "t|res|999", "rg|o|1", "x|y|1", "dt|x|y|z|w", "sv|1|0|9"]),
)


@dataclass(frozen=True)
class Step:
    """One thing someone does. Drawn whole, whatever the world looks like, so the draws
    never depend on the state the earlier steps left (the world outlives each example)."""

    who: int
    choice: str
    pick: int  # which message, button, command …
    pick2: int
    text: str
    forged: str
    flag: bool


STEPS = st.builds(
    Step,
    who=st.integers(0, 10**6),
    choice=st.sampled_from(CHOICES),
    pick=st.integers(0, 10**6),
    pick2=st.integers(0, 10**6),
    text=TEXTS,
    forged=FORGED,
    flag=st.booleans(),
)


def _nth(items: list[T], index: int) -> T:
    return items[index % len(items)]


async def _act(step: Step, person: Persona) -> None:
    """Do the step, or the nearest thing the person can do now (a text, by default)."""
    shown = [m for m in person.transcript[-6:] if not m.deleted and m.inline_buttons()]
    if step.choice == "tap" and shown:
        message = _nth(shown, step.pick)
        button = _nth(message.inline_buttons(), step.pick2)
        if "callback_data" in button:
            await person.taps_data(button["callback_data"], message=message)
            return
    if step.choice == "menu" and person.buttons():
        await person.taps(_nth(person.buttons(), step.pick))
        return
    if step.choice == "command":
        argument = "" if step.flag else _nth([step.text, "TS", "3-1202"], step.pick2)
        await person.says(f"{_nth(list(COMMANDS), step.pick)} {argument}".strip()[:4096])
        return
    if step.choice == "forged" and len(step.forged.encode()) <= 64:
        await person.taps_data(step.forged)
        return
    if step.choice == "photo":
        await person.sends_photo(step.text[:1024] if step.flag else None)
        return
    if step.choice == "contact":
        await person.shares_contact(own=step.flag)
        return
    if step.choice == "sticker":
        await person.sends_sticker()
        return
    if step.choice == "location":
        await person.sends_location()
        return
    if step.choice == "document":
        await person.sends_document()
        return
    await person.says(step.text[:4096])


async def _check(desk: DeskHarness, errors: ErrorLog, step: str) -> None:
    desk.assert_no_refusals()
    assert not errors.records, f"{step}: {[r.getMessage() for r in errors.records[:3]]}"
    stuck = await desk.column(
        "select status from outbox where status in ('failed', 'sending') order by id"
    )
    assert not stuck, f"{step}: outbox rows {stuck}"


class World:
    """The desk's people, enrolled once for all examples, and a clock the test moves."""

    def __init__(self) -> None:
        self.people: list[Persona] = []
        self.clock: time_machine.Coordinates | None = None
        self.sent = 0


@pytest.fixture
async def world(desk: DeskHarness) -> AsyncIterator[World]:
    found = World()
    found.people = await _people(desk)
    traveller = time_machine.travel(utcnow(), tick=True)
    found.clock = traveller.start()
    yield found
    traveller.stop()


@settings(
    max_examples=max(1, UPDATES // STEPS_PER_EXAMPLE),
    deadline=None,
    database=None,
    phases=(Phase.generate,),  # the world outlives examples: nothing to replay or shrink
    suppress_health_check=list(HealthCheck),
)
@given(steps=st.lists(STEPS, min_size=STEPS_PER_EXAMPLE, max_size=STEPS_PER_EXAMPLE))
async def test_random_updates_from_everyone(
    desk: DeskHarness, errors: ErrorLog, world: World, steps: list[Step]
) -> None:
    desk.allow_escaping_slips = True  # people type "&amp;" and "<b>"; the bot may quote them
    assert world.clock is not None
    for step in steps:
        if step.choice == "clock":
            world.clock.shift(timedelta(days=1) if step.flag else timedelta(hours=1))
            await fire_due_alarms(desk.desk)
            await desk.deliver()
            await _check(desk, errors, "sweep")
            continue
        person = _nth(world.people, step.who)
        await _act(step, person)
        world.sent += 1
        await _check(desk, errors, f"update {world.sent} from {person.user_id}: {step}")

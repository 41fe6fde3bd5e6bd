"""Steps that many dialogue tests share: registering a resident, filing a complaint."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING

import time_machine

from scheduler.sweep import fire_due_alarms
from tests.sim import Persona

if TYPE_CHECKING:
    from tests.conftest import DeskHarness

ADMIN = 9100


async def register(
    person: Persona,
    *,
    name: str = "Li Lei",
    building: str = "Building 3",
    floor: str = "12",
    unit: str = "1202",
    language: str = "English",
) -> None:
    """Register as most do: /start, the language switch if Telegram's language is not the
    one wanted, the shared contact (phone and name), the home from the pickers, Confirm."""
    await person.says("/start")
    if language in person.buttons():
        await person.taps(language)
    await person.shares_contact("+8613800138000", name=name)
    await person.taps(building)
    if floor:
        await person.taps(floor)
    await person.taps(unit)
    await person.taps("Confirm" if language == "English" else "确认")


async def file_complaint(person: Persona, text: str = "The lobby lift is stuck again") -> None:
    await fill_complaint(person, text)
    await person.taps("Confirm")


async def fill_complaint(person: Persona, text: str = "The lobby lift is stuck again") -> None:
    """Everything up to the summary, so a test can change the world before confirming."""
    await person.taps("📝 Complaint")
    await person.taps("Facilities (lifts, lights, water, power, A/C)")
    await person.says(text)
    await person.says("Lobby of building 3")


async def enroll(
    desk: DeskHarness,
    user_id: int,
    role: str,
    department: str,
    zone: str,
    name: str | None = None,
) -> Persona:
    """A staff member invited by the administrator and enrolled through the invite link
    (`name`: their Telegram first name, to tell apart several of one role; else the role)."""
    admin = desk.sim.user(ADMIN, first_name="Admin", language_code="en")
    await admin.says("/invite")
    await admin.taps(role)
    await admin.taps(department)
    await admin.taps(zone)
    token = re.search(r"start=(inv_[A-Za-z0-9_-]+)", admin.last_text)
    assert token, admin.last_text
    person = desk.sim.user(user_id, first_name=name or role, language_code="en")
    await person.says(f"/start {token.group(1)}")
    return person


async def at(desk: DeskHarness, moment: datetime) -> int:
    """Let the clock reach `moment`: sweep what is due and deliver what it said."""
    with time_machine.travel(moment, tick=False):
        fired = await fire_due_alarms(desk.desk)
        await desk.deliver()
    return fired


def told(person: Persona, text: str) -> int:
    return sum(text in m.body for m in person.transcript)

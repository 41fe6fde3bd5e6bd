"""Steps that many dialogue tests share: registering a resident, filing a complaint."""

from __future__ import annotations

from tests.sim import Persona


async def register(
    person: Persona,
    *,
    name: str = "Li Lei",
    building: str = "Building 3",
    floor: str = "12",
    unit: str = "1202",
    language: str = "English",
) -> None:
    """Walk the whole onboarding dialogue with buttons and a shared contact."""
    await person.says("/start")
    await person.taps(language)
    await person.says(name)
    await person.taps(building)
    if floor:
        await person.taps(floor)
    await person.taps(unit)
    await person.shares_contact("+8613800138000")
    await person.taps("Confirm" if language == "English" else "确认")


async def file_complaint(person: Persona, text: str = "The lobby lift is stuck again") -> None:
    await fill_complaint(person, text)
    await person.taps("Confirm")


async def fill_complaint(person: Persona, text: str = "The lobby lift is stuck again") -> None:
    """Everything up to the summary, so a test can change the world before confirming."""
    await person.taps("📝 Complaint")
    await person.taps("Facilities (lifts, lights, water, power, A/C)")
    await person.says(text)
    await person.taps("Skip")
    await person.taps("A common area")
    await person.says("Lobby of building 3")
    await person.taps("No particular date")

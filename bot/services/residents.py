"""Registering residents and changing their profile."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.birthdays import addressed
from bot.domain.residents import ResidentCard
from storage.models import Resident
from storage.repositories import card_of
from storage.uow import UnitOfWork


class UnknownUnit(LookupError):
    """The unit is not (or no longer) part of the estate."""


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    building: str
    unit: str
    phone: str
    language: str


async def save_profile(
    uow: UnitOfWork,
    *,
    estate_code: str,
    telegram_user_id: int,
    chat_id: int,
    profile: Profile,
    now: datetime,
) -> ResidentCard:
    """Create the resident on first contact, or overwrite their profile afterwards."""
    unit = await uow.estate.unit(estate_code, profile.building, profile.unit)
    if unit is None:
        raise UnknownUnit(f"{profile.building}-{profile.unit}")
    resident = await uow.residents.by_telegram_id(telegram_user_id)
    if resident is None:
        resident = Resident(telegram_user_id=telegram_user_id, created_at=now, confidential=False)
        uow.residents.add(resident)
    resident.chat_id = chat_id
    resident.name, resident.phone, resident.language = (
        profile.name,
        profile.phone,
        profile.language,
    )
    resident.unit_id, resident.unit = unit.id, unit
    resident.updated_at = now
    await uow.flush()
    return card_of(resident)


def profile_of(resident: ResidentCard) -> Profile:
    return Profile(
        name=resident.name,
        building=resident.building_code,
        unit=resident.unit_code,
        phone=resident.phone,
        language=resident.language,
    )


async def resident_card(uow: UnitOfWork, resident_id: int) -> ResidentCard | None:
    return await uow.residents.card_by_id(resident_id)


async def birthday_wishes(uow: UnitOfWork, resident_id: int) -> date | None:
    """The birthday the project sends wishes on each year, if the resident asked for them."""
    person = await uow.residents.get(resident_id)
    if person is None or not person.birthday_wishes:
        return None
    return person.birthday


async def people_birthdays(uow: UnitOfWork, resident_id: int) -> list[tuple[str, date]]:
    """The birthdays of the resident's people the project wishes on each year, as the desk
    names them to the resident ("your daughter Lily") with the day."""
    return [
        (addressed(kept.whom), kept.day)
        for kept in await uow.residents.birthdays(resident_id)
        if kept.day is not None
    ]


async def withdraw_birthday_wishes(uow: UnitOfWork, resident_id: int, now: datetime) -> None:
    """Withdrawn from the profile: no more wishes, for them or theirs, and the dates are
    forgotten."""
    person = await uow.residents.get(resident_id)
    if person is not None:
        person.birthday_wishes = False
        person.birthday = None
    for kept in await uow.residents.birthdays(resident_id):
        kept.wishes, kept.day, kept.updated_at = False, None, now

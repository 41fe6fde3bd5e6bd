"""Residents, and the one-statement snapshot every update starts with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.residents import ResidentCard
from bot.domain.staff import Department, Role, StaffMember
from storage.models import (
    Birthday,
    Building,
    Dialogue,
    Estate,
    Resident,
    Staff,
    Unit,
)

# Statements run on every update are built once: building and keying a statement costs
# several times what SQLite needs to run it.
_ANCHOR = select(bindparam("uid", type_=BigInteger).label("uid")).subquery()
SNAPSHOT = (
    select(
        Resident.id,
        Resident.name,
        Resident.phone,
        Resident.language,
        Resident.chat_id,
        Resident.unit_id,
        Building.code,
        Building.name,
        Unit.code,
        Dialogue.flow,
        Dialogue.step,
        Dialogue.data,
        Dialogue.language,
        Dialogue.expires_at,
        Building.zone,
        Building.estate_id,
        Staff.id,
        Staff.name,
        Staff.role,
        Staff.department,
        Staff.zone,
        Staff.estate_id,
        Staff.language,
        Staff.chat_id,
        Staff.active,
    )
    .select_from(_ANCHOR)
    .outerjoin(Resident, Resident.telegram_user_id == _ANCHOR.c.uid)
    .outerjoin(Unit, Unit.id == Resident.unit_id)
    .outerjoin(Building, Building.id == Unit.building_id)
    .outerjoin(Dialogue, Dialogue.user_id == _ANCHOR.c.uid)
    .outerjoin(Staff, Staff.telegram_user_id == _ANCHOR.c.uid)
)


class ResidentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_telegram_id(self, telegram_user_id: int) -> Resident | None:
        return await self.session.scalar(
            select(Resident).where(Resident.telegram_user_id == telegram_user_id)
        )

    def add(self, resident: Resident) -> None:
        self.session.add(resident)

    async def get(self, resident_id: int) -> Resident | None:
        return await self.session.get(Resident, resident_id)

    async def card_by_id(self, resident_id: int) -> ResidentCard | None:
        resident = await self.session.get(Resident, resident_id)
        return card_of(resident) if resident is not None else None

    async def card_at(
        self, estate_code: str, building_code: str, unit_code: str
    ) -> ResidentCard | None:
        """The resident registered at a unit (the earliest, if several share it)."""
        resident = await self.session.scalar(
            select(Resident)
            .join(Unit, Unit.id == Resident.unit_id)
            .join(Building, Building.id == Unit.building_id)
            .join(Estate, Estate.id == Building.estate_id)
            .where(
                Estate.code == estate_code, Building.code == building_code, Unit.code == unit_code
            )
            .order_by(Resident.id)
            .limit(1)
        )
        return card_of(resident) if resident is not None else None

    async def claim_birthdays(self, day: date, year: int) -> list[Resident]:
        """Residents who asked for yearly wishes and have their birthday today, not yet
        wished this year: marked wished in the same statement, so never twice."""
        due = select(Resident.id).where(
            Resident.birthday_wishes.is_(True),
            Resident.birthday.is_not(None),
            or_(Resident.wished_year.is_(None), Resident.wished_year < year),
        )
        candidates = [
            rid
            for rid, birthday in await self.session.execute(
                select(Resident.id, Resident.birthday).where(Resident.id.in_(due))
            )
            if birthday is not None and (birthday.month, birthday.day) == (day.month, day.day)
        ]
        if not candidates:
            return []
        result = await self.session.scalars(
            update(Resident)
            .where(
                Resident.id.in_(candidates),
                or_(Resident.wished_year.is_(None), Resident.wished_year < year),
            )
            .values(wished_year=year)
            .returning(Resident),
            execution_options={"synchronize_session": False},
        )
        return list(result)

    async def birthday_of(self, resident_id: int, key: str) -> Birthday | None:
        """A birthday of someone of the resident's (their own is on the resident)."""
        return await self.session.scalar(
            select(Birthday).where(Birthday.resident_id == resident_id, Birthday.whom_key == key)
        )

    def add_birthday(self, birthday: Birthday) -> None:
        self.session.add(birthday)

    async def birthdays(self, resident_id: int) -> list[Birthday]:
        """The resident's people's birthdays the project wishes on every year."""
        query = (
            select(Birthday)
            .where(
                Birthday.resident_id == resident_id,
                Birthday.wishes.is_(True),
                Birthday.day.is_not(None),
            )
            .order_by(Birthday.id)
        )
        return list(await self.session.scalars(query))

    async def claim_people_birthdays(self, day: date, year: int) -> list[tuple[Resident, str]]:
        """The birthdays of residents' people today, with consent, not yet wished this year:
        marked wished in the same statement, so never twice. (resident, whom) each."""
        rows = await self.session.execute(
            select(Birthday.id, Birthday.day).where(
                Birthday.wishes.is_(True),
                Birthday.day.is_not(None),
                or_(Birthday.wished_year.is_(None), Birthday.wished_year < year),
            )
        )
        candidates = [
            bid
            for bid, born in rows
            if born is not None and (born.month, born.day) == (day.month, day.day)
        ]
        if not candidates:
            return []
        claimed = await self.session.execute(
            update(Birthday)
            .where(
                Birthday.id.in_(candidates),
                or_(Birthday.wished_year.is_(None), Birthday.wished_year < year),
            )
            .values(wished_year=year)
            .returning(Birthday.resident_id, Birthday.whom),
            execution_options={"synchronize_session": False},
        )
        found = [(int(rid), str(whom)) for rid, whom in claimed]
        people = {
            r.id: r
            for r in await self.session.scalars(
                select(Resident).where(Resident.id.in_({rid for rid, _ in found}))
            )
        }
        return [(people[rid], whom) for rid, whom in found if rid in people]

    async def snapshot(self, telegram_user_id: int) -> Snapshot:
        """Who is writing (resident, staff, or both) and where they are in a dialogue: one
        Core statement per update.

        This is the hottest query of the bot, so it skips ORM object loading entirely.
        """
        connection = await self.session.connection()
        row = (await connection.execute(SNAPSHOT, {"uid": telegram_user_id})).one()
        card = None
        if row[0] is not None:
            card = ResidentCard(
                id=row[0],
                name=row[1],
                phone=row[2],
                language=row[3],
                chat_id=row[4],
                unit_id=row[5],
                building_code=row[6] or "",
                building_name=row[7] or "",
                unit_code=row[8] or "",
                zone=row[14] or "",
                estate_id=row[15],
            )
        dialogue = None
        if row[9] is not None:
            dialogue = StoredDialogue(
                flow=row[9],
                step=row[10],
                data=dict(row[11] or {}),
                language=row[12],
                expires_at=row[13],
            )
        staff = None
        if row[16] is not None:
            staff = StaffMember(
                id=row[16],
                name=row[17],
                role=Role(row[18]),
                department=Department(row[19]),
                zone=row[20],
                estate_id=row[21],
                language=row[22],
                chat_id=row[23],
                active=bool(row[24]),
            )
        return Snapshot(card, staff, dialogue)


def card_of(resident: Resident) -> ResidentCard:
    unit = resident.unit
    return ResidentCard(
        id=resident.id,
        name=resident.name,
        phone=resident.phone,
        language=resident.language,
        chat_id=resident.chat_id,
        unit_id=resident.unit_id,
        building_code=unit.building.code if unit else "",
        building_name=unit.building.name if unit else "",
        unit_code=unit.code if unit else "",
        zone=unit.building.zone if unit else "",
        estate_id=unit.building.estate_id if unit else None,
    )


@dataclass(frozen=True, slots=True)
class Snapshot:
    resident: ResidentCard | None
    staff: StaffMember | None
    dialogue: StoredDialogue | None


@dataclass(frozen=True, slots=True)
class StoredDialogue:
    flow: str
    step: str
    data: dict[str, Any]
    language: str
    expires_at: datetime

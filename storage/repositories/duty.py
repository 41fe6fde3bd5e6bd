"""The duty roster (/duty) and the Start shift / End shift taps."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.duty import Mark
from bot.domain.tickets import OPEN_STATUSES
from storage.models import DutyMark, DutyRosterEntry, Ticket

# Read with every item filed (who is on duty): built once, as building a statement and its
# cache key costs more than SQLite takes to run it.
ROSTERED = select(DutyRosterEntry.staff_id, DutyRosterEntry.shift).where(
    DutyRosterEntry.estate_id == bindparam("estate_id"), DutyRosterEntry.day == bindparam("day")
)
MARKS = select(DutyMark.staff_id, DutyMark.on, DutyMark.created_at).where(
    DutyMark.estate_id == bindparam("estate_id"), DutyMark.created_at >= bindparam("since")
)


class DutyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        # The roster and the shift marks are read once per unit of work: a sweep asks who
        # is on duty for each of thousands of late items. Changing either forgets them.
        self._rostered: dict[tuple[int, date], list[tuple[int, str]]] = {}
        self._marks: dict[tuple[int, datetime], list[Mark]] = {}

    async def rostered(self, estate_id: int, day: date) -> list[tuple[int, str]]:
        """Everyone rostered on that day: staff id and shift."""
        key = (estate_id, day)
        if key not in self._rostered:
            rows = await self._read(ROSTERED, {"estate_id": estate_id, "day": day})
            self._rostered[key] = [(staff_id, shift) for staff_id, shift in rows]
        return list(self._rostered[key])

    async def week(self, estate_id: int, first: date, last: date) -> list[tuple[int, date, str]]:
        rows = await self.session.execute(
            select(DutyRosterEntry.staff_id, DutyRosterEntry.day, DutyRosterEntry.shift).where(
                DutyRosterEntry.estate_id == estate_id,
                DutyRosterEntry.day >= first,
                DutyRosterEntry.day <= last,
            )
        )
        return [(s, d, shift) for s, d, shift in rows.all()]

    async def set(
        self,
        estate_id: int,
        staff_id: int,
        days: list[date],
        shift: str,
        *,
        on: bool,
        by: int | None,
        now: datetime,
    ) -> None:
        """Put someone on (or take them off) a shift on each of these days."""
        self._rostered.clear()
        await self.session.execute(
            delete(DutyRosterEntry).where(
                DutyRosterEntry.staff_id == staff_id,
                DutyRosterEntry.day.in_(days),
                DutyRosterEntry.shift == shift,
            )
        )
        if on:
            self.session.add_all(
                DutyRosterEntry(
                    estate_id=estate_id,
                    staff_id=staff_id,
                    day=day,
                    shift=shift,
                    set_by_staff_id=by,
                    created_at=now,
                )
                for day in days
            )
        await self.session.flush()

    async def marks(self, estate_id: int, since: datetime) -> list[Mark]:
        key = (estate_id, since)
        if key not in self._marks:
            rows = await self._read(MARKS, {"estate_id": estate_id, "since": since})
            self._marks[key] = [Mark(staff_id, on, at) for staff_id, on, at in rows]
        return list(self._marks[key])

    async def _read(self, statement: Any, params: dict[str, Any]) -> list[Any]:
        """Read on the connection (through the session a Core statement takes the ORM's
        path, slower than the database runs it); what this unit of work changed is flushed
        first, as the session would (a shift mark just made counts)."""
        session = self.session
        if session.new or session.dirty or session.deleted:
            await session.flush()
        connection = await session.connection()
        return list((await connection.execute(statement, params)).all())

    def mark(self, estate_id: int, staff_id: int, *, on: bool, now: datetime) -> None:
        self._marks.clear()
        self.session.add(DutyMark(estate_id=estate_id, staff_id=staff_id, on=on, created_at=now))

    async def morning_items(self, estate_id: int, night_from: datetime) -> list[Ticket]:
        """What a morning digest reads: the estate's open items, and those filed since
        the night began (whatever became of them)."""
        found = await self.session.scalars(
            select(Ticket)
            .where(
                Ticket.estate_id == estate_id,
                or_(
                    Ticket.status.in_([s.value for s in OPEN_STATUSES]),
                    Ticket.created_at >= night_from,
                ),
            )
            .order_by(Ticket.id)
            .limit(2000)
        )
        return list(found)

"""Pushed reports and ledgers (claimed once per estate and period), acknowledgements, and
the day's ledger: what was followed up and what was finished."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.tickets import EventKind
from storage.models import Acknowledgement, Dispatch, Estate, Staff, Ticket, TicketEvent
from storage.repositories._common import is_postgres

FOLLOWED_UP = (
    EventKind.FOLLOWUP_ANSWERED.value,
    EventKind.PHONE_FOLLOWUP.value,
    EventKind.FOLLOWUP_NO_RESPONSE.value,
)
FINISHED = (EventKind.RESOLVED.value, EventKind.RESULT_ACCEPTED.value)
Signature = tuple[str, str, datetime]  # who (name, role) acknowledged, and when


class DispatchRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def estates(self) -> list[int]:
        return [int(i) for i in await self.session.scalars(select(Estate.id))]

    async def claim(
        self, kind: str, estate_id: int, start: date, end: date, now: datetime
    ) -> int | None:
        """The dispatch's id if this call is the one that sends it; None if another process
        (or an earlier run) already did. The insert is the lock: unique per period."""
        dialect = postgresql if is_postgres(self.session) else sqlite
        statement = (
            dialect.insert(Dispatch)
            .values(
                kind=kind, estate_id=estate_id, period_start=start, period_end=end, created_at=now
            )
            .on_conflict_do_nothing()
            .returning(Dispatch.id)
        )
        found = (await self.session.execute(statement)).scalar()
        return int(found) if found is not None else None

    async def get(self, dispatch_id: int) -> Dispatch | None:
        return await self.session.get(Dispatch, dispatch_id)

    async def month(self, kind: str, estate_id: int, start: date, end: date) -> list[Dispatch]:
        query = (
            select(Dispatch)
            .where(
                Dispatch.kind == kind,
                Dispatch.estate_id == estate_id,
                Dispatch.period_start >= start,
                Dispatch.period_start < end,
            )
            .order_by(Dispatch.period_start)
        )
        return list(await self.session.scalars(query))

    async def acknowledge(
        self, subject: str, subject_id: int, staff_id: int, now: datetime
    ) -> bool:
        """False if they had acknowledged it already."""
        dialect = postgresql if is_postgres(self.session) else sqlite
        statement = (
            dialect.insert(Acknowledgement)
            .values(subject=subject, subject_id=subject_id, staff_id=staff_id, created_at=now)
            .on_conflict_do_nothing()
        )
        result = await self.session.execute(statement)
        return bool(getattr(result, "rowcount", 0))

    async def acknowledged(
        self, subject: str, subject_ids: list[int]
    ) -> dict[int, list[tuple[str, str, datetime]]]:
        """Who acknowledged each: name, role, when."""
        if not subject_ids:
            return {}
        query = (
            select(Acknowledgement.subject_id, Staff.name, Staff.role, Acknowledgement.created_at)
            .join(Staff, Staff.id == Acknowledgement.staff_id)
            .where(Acknowledgement.subject == subject, Acknowledgement.subject_id.in_(subject_ids))
            .order_by(Acknowledgement.created_at)
        )
        found: dict[int, list[Signature]] = {}
        for subject_id, name, role, at in await self.session.execute(query):
            found.setdefault(int(subject_id), []).append((str(name), str(role), at))
        return found

    async def ledger(
        self, estate_id: int, start: datetime, end: datetime
    ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """(reference, what happened) for the day's follow-ups and for what was finished."""

        async def of(kinds: tuple[str, ...]) -> list[tuple[str, str]]:
            query = (
                select(Ticket.reference, TicketEvent.kind)
                .join(Ticket, Ticket.id == TicketEvent.ticket_id)
                .where(
                    Ticket.estate_id == estate_id,
                    TicketEvent.kind.in_(kinds),
                    TicketEvent.created_at >= start,
                    TicketEvent.created_at < end,
                )
                .order_by(TicketEvent.created_at, TicketEvent.id)
            )
            return [(str(r), str(k)) for r, k in await self.session.execute(query)]

        return await of(FOLLOWED_UP), await of(FINISHED)

"""The handover book: its entries, the open items they carry over, and how each ended."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.handover import Book, CarriedItem
from bot.domain.tickets import OPEN_STATUSES, EventKind
from storage.models import Handover, HandoverItem, Staff, Ticket, TicketEvent

OPEN = [s.value for s in OPEN_STATUSES]


class HandoverRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def touched_open(
        self, estate_id: int, start: datetime, end: datetime
    ) -> list[tuple[int, str, str]]:
        """Items staff worked on during the shift that are still open: id, reference,
        what it is about."""
        touched = select(TicketEvent.ticket_id).where(
            TicketEvent.actor_kind == "staff",
            TicketEvent.created_at >= start,
            TicketEvent.created_at < end,
        )
        filed = select(Ticket.id).where(Ticket.created_at >= start, Ticket.created_at < end)
        query = (
            select(Ticket.id, Ticket.reference, Ticket.description)
            .where(
                Ticket.estate_id == estate_id,
                Ticket.status.in_(OPEN),
                Ticket.id.in_(touched.union(filed)),
            )
            .order_by(Ticket.created_at)
            .limit(50)
        )
        return [(int(i), str(r), str(d)) for i, r, d in await self.session.execute(query)]

    async def add(self, handover: Handover, ticket_ids: list[int]) -> Handover:
        self.session.add(handover)
        await self.session.flush()
        for ticket_id in ticket_ids:
            self.session.add(
                HandoverItem(handover_id=handover.id, ticket_id=ticket_id, carried=True)
            )
        await self.session.flush()
        return handover

    async def get(self, handover_id: int) -> Handover | None:
        return await self.session.get(Handover, handover_id)

    async def sign(self, handover_id: int, staff_id: int, now: datetime) -> bool:
        """The book's signature; False if someone signed it already (the first one counts)."""
        result = await self.session.execute(
            update(Handover)
            .where(Handover.id == handover_id, Handover.signed_at.is_(None))
            .values(signed_by_staff_id=staff_id, signed_at=now),
            execution_options={"synchronize_session": False},
        )
        row = await self.session.get(Handover, handover_id)
        if row is not None:
            await self.session.refresh(row)
        return bool(getattr(result, "rowcount", 0))

    async def unsigned(self, estate_id: int, before: datetime) -> list[tuple[Handover, str]]:
        """Books written before this moment nobody has signed yet, oldest first, each with
        its writer's name."""
        query = (
            select(Handover, Staff.name)
            .join(Staff, Staff.id == Handover.written_by_staff_id)
            .where(
                Handover.estate_id == estate_id,
                Handover.signed_at.is_(None),
                Handover.created_at < before,
            )
            .order_by(Handover.created_at, Handover.id)
        )
        return [(row, str(name)) for row, name in await self.session.execute(query)]

    async def count_unsigned(self, estate_id: int, before: datetime) -> int:
        query = select(func.count(Handover.id)).where(
            Handover.estate_id == estate_id,
            Handover.signed_at.is_(None),
            Handover.created_at < before,
        )
        return int(await self.session.scalar(query) or 0)

    def add_item(self, handover_id: int, ticket_id: int) -> None:
        self.session.add(
            HandoverItem(handover_id=handover_id, ticket_id=ticket_id, note_ticket=True)
        )

    async def carried(self, handover_id: int) -> list[CarriedItem]:
        """Each item the book carried over: still open, or finished by whom and when."""
        finisher = (
            select(Staff.name)
            .join(TicketEvent, TicketEvent.actor_id == Staff.id)
            .where(
                TicketEvent.ticket_id == Ticket.id,
                TicketEvent.actor_kind == "staff",
                TicketEvent.kind.in_([EventKind.RESOLVED.value, EventKind.RESULT_ACCEPTED.value]),
            )
            .order_by(TicketEvent.id.desc())
            .limit(1)
            .correlate(Ticket)
            .scalar_subquery()
        )
        query = (
            select(
                Ticket.id,
                Ticket.reference,
                Ticket.description,
                Ticket.status,
                finisher,
                func.coalesce(Ticket.resolved_at, Ticket.closed_at),
            )
            .join(HandoverItem, HandoverItem.ticket_id == Ticket.id)
            .where(HandoverItem.handover_id == handover_id, HandoverItem.carried.is_(True))
            .order_by(Ticket.created_at)
        )
        return [
            CarriedItem(
                int(i),
                str(ref),
                str(text),
                status in OPEN,
                None if status in OPEN else (str(who) if who else None),
                None if status in OPEN else at,
            )
            for i, ref, text, status, who, at in await self.session.execute(query)
        ]


def book_of(row: Handover, signer: Staff | None = None) -> Book:
    return Book(
        id=row.id,
        shift=row.shift,
        shift_start=row.shift_start,
        shift_end=row.shift_end,
        people=row.people,
        matters=row.matters,
        notes=tuple(row.notes or ()),
        made=dict(row.made or {}),
        written_at=row.created_at,
        signed_by=(signer.name, signer.role) if signer is not None else None,
        signed_at=row.signed_at,
    )

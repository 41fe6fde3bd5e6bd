"""Pushed reports and ledgers (claimed once per estate and period), acknowledgements, and
the day's ledger: what was followed up and what was finished."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.domain.ledger import DayLedger, LedgerSignatures, Signature
from bot.domain.tickets import EventKind, TicketStatus
from storage.models import Acknowledgement, Dispatch, Estate, Staff, Ticket, TicketEvent
from storage.repositories._common import is_postgres

FOLLOWED_UP = (
    EventKind.FOLLOWUP_ANSWERED.value,
    EventKind.PHONE_FOLLOWUP.value,
    EventKind.FOLLOWUP_NO_RESPONSE.value,
)
FINISHED = (EventKind.RESOLVED.value, EventKind.RESULT_ACCEPTED.value)


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

    async def day_ledger(
        self, estate_id: int, start: datetime, end: datetime, now: datetime, internal: list[str]
    ) -> DayLedger:
        """The day's requests (not the staff's own tasks and visits, `internal`): filed,
        answered, finished, and late (a first answer or a resolution due that day, by now,
        and missed), with the day's follow-ups."""
        followed, finished = await self.ledger(estate_id, start, end)
        requests = and_(Ticket.estate_id == estate_id, Ticket.kind.not_in(internal))
        filed = select(Ticket.reference, Ticket.description).where(
            requests, Ticket.created_at >= start, Ticket.created_at < end
        )
        answered = select(Ticket.reference, Ticket.first_answered_at).where(
            requests, Ticket.first_answered_at >= start, Ticket.first_answered_at < end
        )
        cut = min(end, now)
        done = func.coalesce(Ticket.resolved_at, Ticket.closed_at)
        answer_late = and_(
            Ticket.first_answer_due_at >= start,
            Ticket.first_answer_due_at < cut,
            or_(
                Ticket.first_answered_at.is_(None),
                Ticket.first_answered_at > Ticket.first_answer_due_at,
            ),
        )
        resolve_late = and_(
            Ticket.resolve_due_at >= start,
            Ticket.resolve_due_at < cut,
            Ticket.status != TicketStatus.WAITING.value,
            or_(done.is_(None), done > Ticket.resolve_due_at),
        )
        late = select(Ticket.reference, answer_late, resolve_late).where(
            requests, Ticket.cancelled_at.is_(None), or_(answer_late, resolve_late)
        )
        order = (Ticket.created_at, Ticket.id)
        return DayLedger(
            filed=[
                (str(r), str(d)) for r, d in await self.session.execute(filed.order_by(*order))
            ],
            answered=[
                (str(r), at)
                for r, at in await self.session.execute(
                    answered.order_by(Ticket.first_answered_at, Ticket.id)
                )
                if at is not None
            ],
            finished=finished,
            late=[
                (str(r), "answer" if a else "resolve")
                for r, a, _ in await self.session.execute(late.order_by(*order))
            ],
            followed=followed,
        )

    async def sign_ledger(
        self, dispatch_id: int, duty: bool, staff_id: int, now: datetime
    ) -> bool:
        """One of the ledger's two signatures (the staff on duty's or the supervisor's);
        False if that one is signed already (the first signature counts)."""
        if duty:
            by, at = Dispatch.duty_signed_by_staff_id, Dispatch.duty_signed_at
        else:
            by, at = Dispatch.supervisor_signed_by_staff_id, Dispatch.supervisor_signed_at
        result = await self.session.execute(
            update(Dispatch)
            .where(Dispatch.id == dispatch_id, at.is_(None))
            .values({by: staff_id, at: now}),
            execution_options={"synchronize_session": False},
        )
        found = await self.session.get(Dispatch, dispatch_id)
        if found is not None:
            await self.session.refresh(found)
        return bool(getattr(result, "rowcount", 0))

    async def ledger_signatures(self, dispatch_ids: list[int]) -> dict[int, LedgerSignatures]:
        """Who signed each ledger, on duty and as supervisor, and when."""
        if not dispatch_ids:
            return {}
        duty, supervisor = aliased(Staff), aliased(Staff)
        query = (
            select(
                Dispatch.id,
                duty.name,
                duty.role,
                Dispatch.duty_signed_at,
                supervisor.name,
                supervisor.role,
                Dispatch.supervisor_signed_at,
            )
            .outerjoin(duty, duty.id == Dispatch.duty_signed_by_staff_id)
            .outerjoin(supervisor, supervisor.id == Dispatch.supervisor_signed_by_staff_id)
            .where(Dispatch.id.in_(dispatch_ids))
        )
        found: dict[int, LedgerSignatures] = {}
        for i, d_name, d_role, d_at, s_name, s_role, s_at in await self.session.execute(query):
            found[int(i)] = LedgerSignatures(
                (str(d_name), str(d_role), d_at) if d_at is not None else None,
                (str(s_name), str(s_role), s_at) if s_at is not None else None,
            )
        return found

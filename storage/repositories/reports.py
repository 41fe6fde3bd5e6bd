"""The weekly and monthly analysis, computed in SQL: counts grouped in the database,
medians and 90th percentiles read as one row at the right offset of a sorted column (the
same on SQLite and PostgreSQL), repeat problems as a GROUP BY … HAVING.

Everything is limited to the reader's remit (bot.domain.permissions.Remit).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.domain.permissions import Remit
from bot.domain.registry import NO_FILTERS, Filters
from bot.domain.reports import Period, Repeat, Timing, percentile_offset
from bot.domain.tickets import EventKind, LocationKind, TicketKind
from storage.models import (
    Attachment,
    Building,
    Emergency,
    MoneyEntry,
    Resident,
    Staff,
    SurveyAnswer,
    Ticket,
    TicketEvent,
    Unit,
)
from storage.repositories._common import is_postgres
from storage.repositories.registry import filter_clause, remit_clause


def _seconds(session: AsyncSession, later: Any, earlier: Any) -> ColumnElement[Any]:
    if is_postgres(session):
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


class ReportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _filed(self, remit: Remit, start: datetime, end: datetime) -> ColumnElement[bool]:
        return and_(remit_clause(remit), Ticket.created_at >= start, Ticket.created_at < end)

    async def counts(
        self, remit: Remit, period: Period, tz: ZoneInfo
    ) -> dict[str, dict[str, int]]:
        """Items filed in the period, grouped by each dimension ("" for none)."""
        start, end = period.bounds(tz)
        where = self._filed(remit, start, end)
        found: dict[str, dict[str, int]] = {}
        dimensions: dict[str, Any] = {
            "kind": Ticket.kind,
            "category": Ticket.category,
            "department": Ticket.department,
            "severity": Ticket.severity,
            "channel": Ticket.channel,
        }
        for name, column in dimensions.items():
            query = select(column, func.count(Ticket.id)).where(where).group_by(column)
            found[name] = {
                str(key or ""): int(n) for key, n in (await self.session.execute(query)).all()
            }
        buildings = (
            select(Building.name, func.count(Ticket.id))
            .join(Unit, Unit.id == Ticket.unit_id)
            .join(Building, Building.id == Unit.building_id)
            .where(where)
            .group_by(Building.name)
        )
        found["building"] = {
            str(name): int(n) for name, n in (await self.session.execute(buildings)).all()
        }
        return found

    async def total(self, remit: Remit, period: Period, tz: ZoneInfo) -> int:
        """Items filed in the period (the previous period's, for the trend)."""
        start, end = period.bounds(tz)
        query = select(func.count(Ticket.id)).where(self._filed(remit, start, end))
        return int((await self.session.execute(query)).scalar() or 0)

    async def timing(
        self, remit: Remit, period: Period, tz: ZoneInfo, *, first_answer: bool
    ) -> Timing:
        """First answers given (or items resolved) in the period: median, 90th percentile
        and the share within the promise."""
        start, end = period.bounds(tz)
        done = Ticket.first_answered_at if first_answer else Ticket.resolved_at
        due = Ticket.first_answer_due_at if first_answer else Ticket.resolve_due_at
        began = Ticket.created_at
        where = and_(
            remit_clause(remit),
            done.is_not(None),
            done >= start,
            done < end,
            Ticket.kind.not_in([TicketKind.TASK.value, TicketKind.VISIT.value]),
        )
        summary = select(
            func.count(Ticket.id),
            func.coalesce(func.sum(case((and_(due.is_not(None), done <= due), 1), else_=0)), 0),
        ).where(where)
        count, met = (await self.session.execute(summary)).one()
        count = int(count or 0)
        if not count:
            return Timing(0, None, None, 0)
        took = _seconds(self.session, done, began).label("took")
        ordered = select(took).where(where).order_by(took.asc(), Ticket.id.asc())

        async def at(share: float) -> float:
            row = await self.session.execute(ordered.offset(percentile_offset(count, share)))
            return float(round(row.scalars().first() or 0.0))  # whole seconds

        return Timing(count, await at(0.5), await at(0.9), int(met or 0))

    async def reopened(self, remit: Remit, period: Period, tz: ZoneInfo) -> int:
        """Items reopened in the period (a reopening is an event)."""
        start, end = period.bounds(tz)
        query = (
            select(func.count(func.distinct(TicketEvent.ticket_id)))
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .where(
                remit_clause(remit),
                TicketEvent.kind == EventKind.REOPENED.value,
                TicketEvent.created_at >= start,
                TicketEvent.created_at < end,
            )
        )
        return int((await self.session.execute(query)).scalar() or 0)

    async def cancelled(self, remit: Remit, period: Period, tz: ZoneInfo) -> int:
        """Items cancelled in the period (an order either side called off): counted as
        cancelled by when that happened, never among the resolved or the still open."""
        start, end = period.bounds(tz)
        query = select(func.count(Ticket.id)).where(
            remit_clause(remit), Ticket.cancelled_at >= start, Ticket.cancelled_at < end
        )
        return int((await self.session.execute(query)).scalar() or 0)

    async def emergencies(self, remit: Remit, period: Period, tz: ZoneInfo) -> tuple[int, int]:
        """Emergencies reported in the period, and how many of them (by when the tap came)
        the reporter said were none: the keywords misfired."""
        start, end = period.bounds(tz)
        joined = select(func.count(Emergency.id)).join(Ticket, Ticket.id == Emergency.ticket_id)
        reported = joined.where(
            remit_clause(remit), Emergency.created_at >= start, Emergency.created_at < end
        )
        misfired = joined.where(
            remit_clause(remit), Emergency.misfire_at >= start, Emergency.misfire_at < end
        )
        return (
            int((await self.session.execute(reported)).scalar() or 0),
            int((await self.session.execute(misfired)).scalar() or 0),
        )

    async def ratings(self, remit: Remit, period: Period, tz: ZoneInfo) -> dict[int, int]:
        """Ratings residents gave in the period's follow-ups, 1-5."""
        start, end = period.bounds(tz)
        answered = select(TicketEvent.ticket_id).where(
            TicketEvent.kind == EventKind.FOLLOWUP_ANSWERED.value,
            TicketEvent.created_at >= start,
            TicketEvent.created_at < end,
        )
        query = (
            select(Ticket.rating, func.count(Ticket.id))
            .where(remit_clause(remit), Ticket.rating.is_not(None), Ticket.id.in_(answered))
            .group_by(Ticket.rating)
        )
        return {int(r or 0): int(n) for r, n in (await self.session.execute(query)).all()}

    async def events(self, remit: Remit, period: Period, tz: ZoneInfo, kind: EventKind) -> int:
        start, end = period.bounds(tz)
        query = (
            select(func.count(TicketEvent.id))
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .where(
                remit_clause(remit),
                TicketEvent.kind == kind.value,
                TicketEvent.created_at >= start,
                TicketEvent.created_at < end,
            )
        )
        return int((await self.session.execute(query)).scalar() or 0)

    async def repeats(
        self, remit: Remit, end: datetime, window: timedelta, at_least: int
    ) -> list[Repeat]:
        """The same category at the same building (own homes) or place (common areas), at
        least `at_least` times in the `window` before `end`."""
        place = case(
            (Ticket.location_kind == LocationKind.OWN_UNIT.value, Building.name),
            else_=func.lower(func.trim(Ticket.location_text)),
        )
        where = and_(
            remit_clause(remit),
            Ticket.created_at >= end - window,
            Ticket.created_at < end,
            Ticket.category.is_not(None),
            Ticket.kind.in_([TicketKind.COMPLAINT.value, TicketKind.REPAIR.value]),
        )
        grouped = (
            select(Ticket.category, place.label("place"), func.count(Ticket.id))
            .outerjoin(Unit, Unit.id == Ticket.unit_id)
            .outerjoin(Building, Building.id == Unit.building_id)
            .where(where, place.is_not(None))
            .group_by(Ticket.category, place)
            .having(func.count(Ticket.id) >= at_least)
            .order_by(func.count(Ticket.id).desc(), Ticket.category)
            .limit(20)
        )
        found = []
        for category, spot, count in (await self.session.execute(grouped)).all():
            refs = (
                select(Ticket.reference)
                .outerjoin(Unit, Unit.id == Ticket.unit_id)
                .outerjoin(Building, Building.id == Unit.building_id)
                .where(where, Ticket.category == category, place == spot)
                .order_by(Ticket.created_at)
                .limit(10)
            )
            references = tuple(str(r) for r in (await self.session.scalars(refs)).all())
            found.append(Repeat(str(category), str(spot), int(count), references))
        return found

    async def followups_by(
        self, estate_id: int, roles: list[str], start: datetime, end: datetime
    ) -> list[tuple[int, str, str, int]]:
        """Follow-ups each person of these roles did: calls recorded and visits done."""
        calls = (
            select(TicketEvent.actor_id.label("who"), func.count(TicketEvent.id).label("n"))
            .where(
                TicketEvent.kind == EventKind.PHONE_FOLLOWUP.value,
                TicketEvent.actor_kind == "staff",
                TicketEvent.created_at >= start,
                TicketEvent.created_at < end,
            )
            .group_by(TicketEvent.actor_id)
            .subquery()
        )
        visits = (
            select(Ticket.assignee_staff_id.label("who"), func.count(Ticket.id).label("n"))
            .where(
                Ticket.kind == TicketKind.VISIT.value,
                Ticket.resolved_at >= start,
                Ticket.resolved_at < end,
            )
            .group_by(Ticket.assignee_staff_id)
            .subquery()
        )
        query = (
            select(
                Staff.id,
                Staff.name,
                Staff.role,
                func.coalesce(calls.c.n, 0) + func.coalesce(visits.c.n, 0),
            )
            .outerjoin(calls, calls.c.who == Staff.id)
            .outerjoin(visits, visits.c.who == Staff.id)
            .where(Staff.estate_id == estate_id, Staff.active.is_(True), Staff.role.in_(roles))
            .order_by(Staff.role, Staff.name)
        )
        return [
            (int(i), str(name), str(role), int(n or 0))
            for i, name, role, n in (await self.session.execute(query)).all()
        ]

    async def weekly(
        self, remit: Remit, weeks: list[date], tz: ZoneInfo, filters: Filters = NO_FILTERS
    ) -> list[tuple[date, dict[str, int], float | None]]:
        """For the chart: items by category filed each week, and the share of first
        answers in time that week (`filters`: the Mini App's, within the remit)."""
        found = []
        for monday in weeks:
            start = datetime.combine(monday, datetime.min.time(), tz)
            end = start + timedelta(days=7)
            where = self._filed(remit, start, end)
            if not filters.empty:
                where = and_(where, filter_clause(filters))
            query = select(Ticket.category, func.count(Ticket.id)).where(where)
            by = {
                str(c or ""): int(n)
                for c, n in (await self.session.execute(query.group_by(Ticket.category))).all()
            }
            kept = select(
                func.count(Ticket.id),
                func.sum(
                    case((Ticket.first_answered_at <= Ticket.first_answer_due_at, 1), else_=0)
                ),
            ).where(where, Ticket.first_answered_at.is_not(None))
            answered, met = (await self.session.execute(kept)).one()
            share = int(met or 0) / int(answered) if answered else None
            found.append((monday, by, share))
        return found

    async def survey(self, estate_id: int, survey_id: int) -> dict[int, tuple[float, int]]:
        query = (
            select(SurveyAnswer.question, func.avg(SurveyAnswer.rating), func.count())
            .where(SurveyAnswer.survey_id == survey_id)
            .group_by(SurveyAnswer.question)
        )
        return {
            int(q): (float(avg), int(n)) for q, avg, n in (await self.session.execute(query)).all()
        }


class RegistryRow(NamedTuple):
    """An item as the registry lists it (the select below names its columns alike)."""

    reference: str
    kind: str
    created_at: datetime
    channel: str
    resident: str | None
    phone: str | None
    building: str | None
    unit: str | None
    category: str | None
    description: str
    location_kind: str | None
    location_text: str | None
    photos: int
    department: str | None
    requested_by: date | None
    nature: str | None
    severity: str | None
    status: str
    owner: str | None
    assignee: str | None
    owner_staff_id: int | None
    assignee_staff_id: int | None
    confidential: bool | None
    first_answer_due_at: datetime | None
    first_answered_at: datetime | None
    resolve_due_at: datetime | None
    resolved_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    result: str | None
    solved: bool | None
    rating: int | None
    feedback: str | None
    reopen_count: int | None
    service: str | None
    stage: str | None


async def stream_registry(
    session: AsyncSession, remit: Remit, start: datetime, end: datetime, batch: int = 1000
) -> AsyncIterator[list[RegistryRow]]:
    """Items filed in [start, end), in batches, joined with what the form names: the
    resident, building and unit, the people, the result (the last resolution's note)."""
    owner = aliased(Staff)
    assignee = aliased(Staff)
    result = (
        select(TicketEvent.note)
        .where(TicketEvent.ticket_id == Ticket.id, TicketEvent.kind == EventKind.RESOLVED.value)
        .order_by(TicketEvent.id.desc())
        .limit(1)
        .correlate(Ticket)
        .scalar_subquery()
    )
    photos = (
        select(func.count(Attachment.id))
        .where(Attachment.ticket_id == Ticket.id, Attachment.kind == "photo")
        .correlate(Ticket)
        .scalar_subquery()
    )
    query = (
        select(
            Ticket.reference,
            Ticket.kind,
            Ticket.created_at,
            Ticket.channel,
            func.coalesce(Resident.name, Ticket.contact_name).label("resident"),
            func.coalesce(Resident.phone, Ticket.contact_phone).label("phone"),
            Building.name.label("building"),
            Unit.code.label("unit"),
            Ticket.category,
            Ticket.description,
            Ticket.location_kind,
            Ticket.location_text,
            photos.label("photos"),
            Ticket.department,
            Ticket.requested_by,
            Ticket.nature,
            Ticket.severity,
            Ticket.status,
            owner.name.label("owner"),
            assignee.name.label("assignee"),
            Ticket.owner_staff_id,
            Ticket.assignee_staff_id,
            Resident.confidential.label("confidential"),
            Ticket.first_answer_due_at,
            Ticket.first_answered_at,
            Ticket.resolve_due_at,
            Ticket.resolved_at,
            Ticket.cancelled_at,
            Ticket.cancel_reason,
            result.label("result"),
            Ticket.solved,
            Ticket.rating,
            Ticket.feedback,
            Ticket.reopen_count,
            Ticket.service,
            Ticket.stage,
        )
        .outerjoin(Resident, Resident.id == Ticket.resident_id)
        .outerjoin(Unit, Unit.id == Ticket.unit_id)
        .outerjoin(Building, Building.id == Unit.building_id)
        .outerjoin(owner, owner.id == Ticket.owner_staff_id)
        .outerjoin(assignee, assignee.id == Ticket.assignee_staff_id)
        .where(remit_clause(remit), Ticket.created_at >= start, Ticket.created_at < end)
        .order_by(Ticket.created_at, Ticket.id)
    )
    async for rows in _batches(session, query, RegistryRow, batch):
        yield rows


async def count_registry(
    session: AsyncSession, remit: Remit, start: datetime, end: datetime
) -> int:
    """How many rows stream_registry would give: an export of many says so first."""
    query = select(func.count(Ticket.id)).where(
        remit_clause(remit), Ticket.created_at >= start, Ticket.created_at < end
    )
    return int((await session.execute(query)).scalar_one())


class MoneyRow(NamedTuple):
    """A money entry as the registry's money trail lists it."""

    reference: str
    service: str | None
    created_at: datetime
    kind: str
    amount: Decimal | None
    number: str | None
    note: str | None
    staff: str | None


async def stream_money(
    session: AsyncSession, remit: Remit, start: datetime, end: datetime, batch: int = 1000
) -> AsyncIterator[list[MoneyRow]]:
    """The money trail of the orders filed in the period, entry by entry, oldest first."""
    query = (
        select(
            Ticket.reference,
            Ticket.service,
            MoneyEntry.created_at,
            MoneyEntry.kind,
            MoneyEntry.amount,
            MoneyEntry.number,
            MoneyEntry.note,
            Staff.name.label("staff"),
        )
        .join(Ticket, Ticket.id == MoneyEntry.ticket_id)
        .outerjoin(Staff, Staff.id == MoneyEntry.staff_id)
        .where(remit_clause(remit), Ticket.created_at >= start, Ticket.created_at < end)
        .order_by(Ticket.reference, MoneyEntry.id)
    )
    async for rows in _batches(session, query, MoneyRow, batch):
        yield rows


_Shape = TypeVar("_Shape", RegistryRow, MoneyRow)


async def _batches(
    session: AsyncSession, query: Select[*tuple[Any, ...]], shape: type[_Shape], batch: int
) -> AsyncIterator[list[_Shape]]:
    """Rows from a server-side cursor, a batch at a time: memory stays flat however many.
    Read on the session's connection, not through the ORM, as named tuples, not rows
    read by name: for the tens of thousands of rows of a month that costs a fraction."""
    connection = await session.connection()
    result_set = await connection.stream(query.execution_options(yield_per=batch))
    if tuple(result_set.keys()) != shape._fields:
        raise RuntimeError(f"columns {tuple(result_set.keys())} read as {shape._fields}")
    make = shape._make
    async for rows in result_set.partitions(batch):
        yield [make(row) for row in rows]

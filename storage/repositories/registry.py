"""The registry as staff and managers ask it: /status counts, the lists behind them, /find.

Every query carries the reader's remit (bot.domain.permissions.Remit) as a WHERE clause, so
a butler's /status counts only what their cards would show them; counting is one pass in
SQL (SUM(CASE …) per line), never rows pulled into Python.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.orders import OrderStage
from bot.domain.permissions import Remit
from bot.domain.registry import (
    BY_SEVERITY,
    BY_STATUS,
    NO_FILTERS,
    Filters,
    Line,
    Search,
    SearchKind,
    Today,
)
from bot.domain.tickets import OPEN_STATUSES, TicketFacts, TicketKind, TicketStatus
from storage.models import Building, HandoverItem, Resident, SavedSearch, Ticket, Unit
from storage.repositories.tickets import facts_of

OPEN = [s.value for s in OPEN_STATUSES]
FINISHED_ORDER = [OrderStage.SETTLED.value, OrderStage.CANCELLED.value]


def remit_clause(remit: Remit) -> ColumnElement[bool]:
    """`can_view` as SQL: the estate, and — unless they see everything — their department,
    their zone, or items they own, are assigned or were escalated to."""
    estate = Ticket.estate_id == remit.estate_id
    if remit.everything and remit.sees_confidential:
        return estate
    named = [
        Ticket.owner_staff_id == remit.staff_id,
        Ticket.assignee_staff_id == remit.staff_id,
        Ticket.escalated_to_staff_id == remit.staff_id,
    ]
    if remit.granted_tickets:
        named.append(Ticket.id.in_(sorted(remit.granted_tickets)))
    if remit.granted_residents:
        named.append(Ticket.resident_id.in_(sorted(remit.granted_residents)))
    wide: list[ColumnElement[bool]] = []
    if remit.everything:
        wide.append(Ticket.id.is_not(None))
    if remit.department:
        wide.append(Ticket.department == remit.department)
    if remit.zone:
        wide.append(Ticket.zone == remit.zone)
    if not wide:
        return and_(estate, or_(*named))
    # A confidential resident's items: only the people named on them (and managers).
    secret = select(Resident.id).where(Resident.confidential.is_(True))
    open_to_all = or_(Ticket.resident_id.is_(None), Ticket.resident_id.not_in(secret))
    return and_(estate, or_(*named, and_(open_to_all, or_(*wide))))


def line_clause(line: Line, today: Today, staff_id: int) -> ColumnElement[bool]:
    """Which items a line of /status counts (and its list shows)."""
    open_ = Ticket.status.in_(OPEN)
    if line in BY_STATUS:
        return Ticket.status == BY_STATUS[line].value
    if line in BY_SEVERITY:
        severity = BY_SEVERITY[line]
        if severity is None:
            return and_(open_, Ticket.severity.is_(None))
        return and_(open_, Ticket.severity == severity.value)
    answer_late = and_(
        open_,
        Ticket.status != TicketStatus.REVIEW.value,
        Ticket.first_answered_at.is_(None),
        Ticket.first_answer_due_at < today.now,
    )
    resolve_late = and_(
        open_,
        Ticket.status != TicketStatus.WAITING.value,
        Ticket.resolve_due_at < today.now,
    )
    clauses: dict[Line, ColumnElement[bool]] = {
        Line.ANSWER_OVERDUE: answer_late,
        Line.RESOLVE_OVERDUE: resolve_late,
        Line.OVERDUE: or_(answer_late, resolve_late),
        Line.DUE_TODAY: and_(
            open_, Ticket.resolve_due_at >= today.now, Ticket.resolve_due_at < today.end
        ),
        Line.AWAITING_FOLLOWUP: Ticket.status == TicketStatus.RESOLVED.value,
        Line.REOPENED_EVER: and_(open_, Ticket.reopen_count > 0),
        Line.ORDERS_TODAY: and_(
            Ticket.kind == TicketKind.CONCIERGE.value,
            Ticket.service_at >= today.start,
            Ticket.service_at < today.end,
            Ticket.stage.not_in(FINISHED_ORDER),
        ),
        Line.CARRIED_OVER: and_(
            open_,
            Ticket.id.in_(select(HandoverItem.ticket_id).where(HandoverItem.carried.is_(True))),
        ),
        Line.MINE: and_(
            open_,
            or_(Ticket.owner_staff_id == staff_id, Ticket.assignee_staff_id == staff_id),
        ),
    }
    return clauses[line]


def filter_clause(filters: Filters) -> ColumnElement[bool]:
    """The Mini App's filters as one condition, ANDed with the remit (so never wider). A
    building is matched through the item's unit, as the reports count buildings."""
    parts: list[ColumnElement[bool]] = []
    if filters.zone is not None:
        parts.append(Ticket.zone == filters.zone)
    if filters.department is not None:
        parts.append(Ticket.department == filters.department)
    if filters.kind is not None:
        parts.append(Ticket.kind == filters.kind)
    if filters.building is not None:
        units = select(Unit.id).join(Building, Unit.building_id == Building.id)
        parts.append(Ticket.unit_id.in_(units.where(Building.code == filters.building)))
    if filters.filed_from is not None:
        parts.append(Ticket.created_at >= filters.filed_from)
    if filters.filed_until is not None:
        parts.append(Ticket.created_at < filters.filed_until)
    return and_(true(), *parts)


def _narrowed(remit: Remit, filters: Filters) -> ColumnElement[bool]:
    """The remit, and the filters when there are any (the chat commands' SQL is unchanged)."""
    clause = remit_clause(remit)
    return clause if filters.empty else and_(clause, filter_clause(filters))


def _order_of(line: Line) -> tuple[ColumnElement[Any], ...]:
    """Most urgent first: what is due soonest (or was due longest ago)."""
    if line is Line.ORDERS_TODAY:
        return (Ticket.service_at.asc(), Ticket.id.asc())
    if line in (Line.ANSWER_OVERDUE,):
        return (Ticket.first_answer_due_at.asc(), Ticket.id.asc())
    if line in (Line.RESOLVE_OVERDUE, Line.DUE_TODAY, Line.OVERDUE):
        return (Ticket.resolve_due_at.asc(), Ticket.id.asc())
    return (Ticket.created_at.desc(), Ticket.id.desc())


class RegistryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def counts(
        self,
        remit: Remit,
        today: Today,
        lines: tuple[Line, ...],
        filters: Filters = NO_FILTERS,
    ) -> dict[Line, int]:
        """Every line's count in one scan of the items not closed."""
        columns = [
            func.coalesce(
                func.sum(case((line_clause(line, today, remit.staff_id), 1), else_=0)), 0
            ).label(line.value)
            for line in lines
        ]
        query = select(*columns).where(
            _narrowed(remit, filters), Ticket.status != TicketStatus.CLOSED.value
        )
        row = (await self.session.execute(query)).one()
        return {line: int(row[index] or 0) for index, line in enumerate(lines)}

    async def page(
        self,
        remit: Remit,
        line: Line,
        today: Today,
        *,
        page: int,
        per_page: int,
        filters: Filters = NO_FILTERS,
    ) -> tuple[list[TicketFacts], int]:
        where = and_(_narrowed(remit, filters), line_clause(line, today, remit.staff_id))
        return await self._page(where, _order_of(line), page, per_page)

    async def search(
        self, remit: Remit, search: Search, *, tz: ZoneInfo, page: int, per_page: int
    ) -> tuple[list[TicketFacts], int]:
        where = and_(remit_clause(remit), self._search_clause(search, tz))
        return await self._page(
            where, (Ticket.created_at.desc(), Ticket.id.desc()), page, per_page
        )

    @staticmethod
    def _search_clause(search: Search, tz: ZoneInfo) -> ColumnElement[bool]:
        if search.kind is SearchKind.REFERENCE:
            return Ticket.reference == search.text
        if search.kind is SearchKind.DATES:
            assert search.start is not None
            assert search.end is not None
            start = datetime.combine(search.start, time(0), tz)
            end = datetime.combine(search.end, time(0), tz) + timedelta(days=1)
            return and_(Ticket.created_at >= start, Ticket.created_at < end)
        if search.kind is SearchKind.UNIT:
            units = select(Unit.id).join(Building, Unit.building_id == Building.id)
            units = units.where(func.lower(Unit.code) == (search.unit or "").lower())
            if search.building:
                wanted = search.building.lower()
                units = units.where(
                    or_(func.lower(Building.code) == wanted, func.lower(Building.name) == wanted)
                )
            return Ticket.unit_id.in_(units)
        words = f"%{_escaped(search.text.lower())}%"
        named = select(Resident.id).where(func.lower(Resident.name).like(words, escape="\\"))
        return or_(
            func.lower(Ticket.description).like(words, escape="\\"),
            func.lower(Ticket.location_text).like(words, escape="\\"),
            Ticket.resident_id.in_(named),
            func.lower(Ticket.contact_name).like(words, escape="\\"),
        )

    async def _page(
        self,
        where: ColumnElement[bool],
        order: tuple[ColumnElement[Any], ...],
        page: int,
        per_page: int,
    ) -> tuple[list[TicketFacts], int]:
        total = int(
            (await self.session.execute(select(func.count(Ticket.id)).where(where))).scalar() or 0
        )
        query = (
            select(Ticket).where(where).order_by(*order).offset(page * per_page).limit(per_page)
        )
        rows = (await self.session.scalars(query)).unique().all()
        return [facts_of(row) for row in rows], total

    # --- /find's words, kept so its page buttons can name them by id ---
    async def remember(self, staff_id: int, text: str, now: datetime) -> int:
        saved = SavedSearch(staff_id=staff_id, text=text[:200], created_at=now)
        self.session.add(saved)
        await self.session.flush()
        return saved.id

    async def recall(self, search_id: int, staff_id: int) -> str | None:
        saved = await self.session.get(SavedSearch, search_id)
        return saved.text if saved is not None and saved.staff_id == staff_id else None


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

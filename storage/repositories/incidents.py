"""Incidents and the items linked to them; notices to residents and their taps."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, Select, bindparam, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.incidents import FaultWindow, IncidentStatus, Report, Tally
from bot.domain.tickets import TicketStatus
from storage.models import (
    Building,
    EstateNotice,
    Incident,
    IncidentItem,
    NoticeReply,
    Resident,
    Ticket,
    Unit,
)
from storage.repositories._common import is_postgres

# Read with every item filed: built once, as building a statement and its cache key costs
# more than the database takes to run it.
BUILDING_AT = (
    select(Building)
    .join(Unit, Unit.building_id == Building.id)
    .where(Unit.id == bindparam("unit_id"))
)
ACTIVE_NOTICES = (
    select(EstateNotice)
    .where(
        EstateNotice.estate_id == bindparam("estate_id"),
        EstateNotice.category == bindparam("category"),
        EstateNotice.starts_at <= bindparam("now"),
        EstateNotice.ends_at >= bindparam("now"),
    )
    .order_by(EstateNotice.id.desc())
)


class IncidentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def building_of(self, unit_id: int | None) -> int | None:
        if unit_id is None:
            return None
        found = await self.session.execute(select(Unit.building_id).where(Unit.id == unit_id))
        return found.scalar()

    async def reports(
        self, estate_id: int, building_id: int, category: str, since: datetime, until: datetime
    ) -> list[Report]:
        """Items of this category in this building filed between the two moments, each
        `linked` if it is in an open incident (one resolved leaves its items out of the
        next)."""
        in_open = _open_incident_items().subquery()
        query = _of_fault(
            select(Ticket.id, Ticket.created_at, Ticket.status, in_open.c.ticket_id),
            estate_id,
            building_id,
            category,
            since,
            until,
        )
        query = query.outerjoin(in_open, in_open.c.ticket_id == Ticket.id)
        rows = await self.session.execute(query.order_by(Ticket.created_at, Ticket.id))
        return [
            Report(int(i), building_id, category, at, TicketStatus(status), linked is not None)
            for i, at, status, linked in rows
        ]

    async def tally(self, estate_id: int, window: FaultWindow) -> Tally:
        """The other reports in `window`, counted here rather than read: how many, and the
        latest in an open incident. Two statements built once, whatever the number of
        reports (a report's filing runs them)."""
        params = {
            "estate_id": estate_id,
            "building_id": window.building_id,
            "category": window.category,
            "since": window.since,
            "until": window.until,
            "statuses": sorted(status.value for status in window.statuses),
            "excluding": window.excluding,
        }
        count = await self.session.scalar(_TALLY_COUNT, params)
        latest = await self.session.scalar(_TALLY_LATEST, params)
        return Tally(int(count or 0), latest)

    async def of_ticket(self, ticket_id: int) -> Incident | None:
        query = (
            select(Incident)
            .join(IncidentItem, IncidentItem.incident_id == Incident.id)
            .where(IncidentItem.ticket_id == ticket_id)
        )
        return (await self.session.execute(query)).scalar()

    async def following(self, ticket_id: int) -> bool:
        """Whether the item follows another's lead in an open incident (its own alarms
        stop while it does: the lead's ring)."""
        query = (
            select(IncidentItem.id)
            .join(Incident, Incident.id == IncidentItem.incident_id)
            .where(
                IncidentItem.ticket_id == ticket_id,
                Incident.status == IncidentStatus.OPEN.value,
                Incident.lead_ticket_id.is_distinct_from(ticket_id),
            )
        )
        return (await self.session.scalar(query)) is not None

    async def get(self, incident_id: int) -> Incident | None:
        return await self.session.get(Incident, incident_id)

    async def open_for(self, notice_id: int) -> Incident | None:
        query = select(Incident).where(
            Incident.notice_id == notice_id, Incident.status == IncidentStatus.OPEN.value
        )
        return (await self.session.execute(query)).scalar()

    async def create(
        self,
        *,
        estate_id: int,
        building_id: int | None,
        category: str | None,
        lead_ticket_id: int | None,
        staff_id: int | None,
        now: datetime,
        notice_id: int | None = None,
    ) -> Incident:
        incident = Incident(
            estate_id=estate_id,
            building_id=building_id,
            category=category,
            lead_ticket_id=lead_ticket_id,
            notice_id=notice_id,
            status=IncidentStatus.OPEN.value,
            created_by_staff_id=staff_id,
            created_at=now,
        )
        self.session.add(incident)
        await self.session.flush()
        return incident

    async def link(
        self, incident_id: int, ticket_id: int, staff_id: int | None, now: datetime
    ) -> None:
        self.session.add(
            IncidentItem(
                incident_id=incident_id,
                ticket_id=ticket_id,
                linked_by_staff_id=staff_id,
                linked_at=now,
            )
        )
        await self.session.flush()

    async def unlink(self, ticket_id: int) -> None:
        await self.session.execute(delete(IncidentItem).where(IncidentItem.ticket_id == ticket_id))

    async def members(self, incident_id: int) -> list[int]:
        """The linked items' ids, in the order they were linked."""
        query = (
            select(IncidentItem.ticket_id)
            .where(IncidentItem.incident_id == incident_id)
            .order_by(IncidentItem.id)
        )
        return [int(i) for i in (await self.session.execute(query)).scalars()]

    # --- notices -------------------------------------------------------------------------
    async def add_notice(self, notice: EstateNotice) -> EstateNotice:
        self.session.add(notice)
        await self.session.flush()
        return notice

    async def notice(self, notice_id: int) -> EstateNotice | None:
        return await self.session.get(EstateNotice, notice_id)

    async def readers(
        self, estate_id: int, scope: str, target: str | None
    ) -> list[tuple[int, int, str]]:
        """Registered residents a notice reaches (id, chat, language): of one building (by
        code), of one zone, or of the whole estate."""
        query = (
            select(Resident.id, Resident.chat_id, Resident.language)
            .join(Unit, Unit.id == Resident.unit_id)
            .join(Building, Building.id == Unit.building_id)
            .where(Building.estate_id == estate_id, Resident.chat_id.is_not(None))
            .order_by(Resident.id)
        )
        if scope == "building":
            query = query.where(Building.code == target)
        elif scope == "zone":
            query = query.where(Building.zone == target)
        rows = await self.session.execute(query)
        return [(int(i), int(c or 0), str(lang)) for i, c, lang in rows]

    async def building_at(self, unit_id: int | None) -> Building | None:
        """The building of a unit, in one read (what a new report's checks need of it)."""
        if unit_id is None:
            return None
        return await self.session.scalar(BUILDING_AT, {"unit_id": unit_id})

    async def active_notices(
        self, estate_id: int, building: Building, category: str, now: datetime
    ) -> list[EstateNotice]:
        """Planned works and outages of this category running now where this building is."""
        params = {"estate_id": estate_id, "category": category, "now": now}
        found = (await self.session.execute(ACTIVE_NOTICES, params)).scalars()
        return [
            n
            for n in found
            if n.scope == "estate"
            or (n.scope == "building" and n.target == building.code)
            or (n.scope == "zone" and n.target == building.zone)
        ]

    async def reply(self, notice_id: int, resident_id: int, answer: str, now: datetime) -> bool:
        """False when this resident gave this answer already."""
        values = {
            "notice_id": notice_id,
            "resident_id": resident_id,
            "answer": answer,
            "created_at": now,
        }
        dialect = postgresql if is_postgres(self.session) else sqlite
        statement = dialect.insert(NoticeReply).values(**values).on_conflict_do_nothing()
        result = await self.session.execute(statement)
        return bool(getattr(result, "rowcount", 0))


def _of_fault(
    query: Select[Any],
    estate_id: int | BindParameter[Any],
    building_id: int | BindParameter[Any],
    category: str | BindParameter[Any],
    since: datetime | BindParameter[Any],
    until: datetime | BindParameter[Any],
) -> Select[Any]:
    """Items of one fault (a category in a building) filed between the two moments."""
    return query.join(Unit, Unit.id == Ticket.unit_id).where(
        Ticket.estate_id == estate_id,
        Unit.building_id == building_id,
        Ticket.category == category,
        Ticket.created_at >= since,
        Ticket.created_at <= until,
    )


def _open_incident_items() -> Select[Any]:
    """The ids of items in an open incident (one resolved leaves its items out of the next)."""
    return (
        select(IncidentItem.ticket_id)
        .join(Incident, Incident.id == IncidentItem.incident_id)
        .where(Incident.status == IncidentStatus.OPEN.value)
    )


def _tally_counted() -> Select[Any]:
    """A `FaultWindow`'s reports, its values bound by name (`tally`)."""
    return _of_fault(
        select(Ticket.id),
        bindparam("estate_id"),
        bindparam("building_id"),
        bindparam("category"),
        bindparam("since"),
        bindparam("until"),
    ).where(
        Ticket.status.in_(bindparam("statuses", expanding=True)),
        Ticket.id != bindparam("excluding"),
    )


_TALLY_COUNT = select(func.count()).select_from(_tally_counted().subquery())
# An IN list, not a join: SQLite then checks each report against the (usually empty) list
# of linked items instead of joining incidents for every report.
_TALLY_LATEST = (
    _tally_counted()
    .where(Ticket.id.in_(_open_incident_items()))
    .order_by(Ticket.created_at.desc(), Ticket.id.desc())
    .limit(1)
)

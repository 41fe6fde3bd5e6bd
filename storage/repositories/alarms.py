"""Alarms: the moments something must happen to an item, claimed once when due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, exists, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.deadlines import AlarmKind
from bot.domain.tickets import OPEN_STATUSES, TicketStatus
from storage.models import Alarm, Ticket
from storage.repositories._common import is_postgres

_ALARMS: Table = Alarm.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class Due:
    """A claimed alarm: fire it now (its claim commits with what the firing did)."""

    id: int
    ticket_id: int
    kind: AlarmKind
    due_at: datetime


def _claim(skip_locked: bool) -> Any:
    moment = _ALARMS.c.due_at.type
    due = (
        select(_ALARMS.c.id)
        .where(_ALARMS.c.fired_at.is_(None), _ALARMS.c.due_at <= bindparam("now", type_=moment))
        .order_by(_ALARMS.c.due_at, _ALARMS.c.id)
        .limit(bindparam("limit"))
    )
    if skip_locked:
        due = due.with_for_update(skip_locked=True)
    return (
        update(_ALARMS)
        .where(_ALARMS.c.id.in_(due.scalar_subquery()))
        .values(fired_at=bindparam("fired", type_=moment))
        .returning(_ALARMS.c.id, _ALARMS.c.ticket_id, _ALARMS.c.kind, _ALARMS.c.due_at)
    )


CLAIM = {False: _claim(False), True: _claim(True)}


def _insert(dialect: Any) -> Any:
    """Plan an alarm unless that very one (item, kind, due time) is already there."""
    return (
        dialect.insert(_ALARMS)
        .values(
            ticket_id=bindparam("ticket_id"),
            kind=bindparam("kind"),
            due_at=bindparam("due_at", type_=_ALARMS.c.due_at.type),
        )
        .on_conflict_do_nothing(index_elements=["ticket_id", "kind", "due_at"])
    )


INSERT = {"sqlite": _insert(sqlite), "postgresql": _insert(postgresql)}
PENDING = select(_ALARMS.c.id, _ALARMS.c.kind, _ALARMS.c.due_at).where(
    _ALARMS.c.ticket_id == bindparam("ticket_id"), _ALARMS.c.fired_at.is_(None)
)


class AlarmRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def replan(
        self,
        ticket_id: int,
        planned: list[tuple[AlarmKind, datetime]],
        *,
        now: datetime,
        not_if_past: frozenset[AlarmKind] = frozenset(),
    ) -> None:
        """Make the item's pending alarms the plan; fired ones stay as history. A planned
        alarm of a `not_if_past` kind whose moment has already gone (a reminder that a
        deadline is near, when it is already here) is not added."""
        connection = await self.session.connection()
        pending = (await connection.execute(PENDING, {"ticket_id": ticket_id})).all()
        have = {(row.kind, row.due_at) for row in pending}
        wanted = {
            (kind.value, due)
            for kind, due in planned
            if kind not in not_if_past or due > now or (kind.value, due) in have
        }
        stale = [row.id for row in pending if (row.kind, row.due_at) not in wanted]
        if stale:
            await connection.execute(delete(_ALARMS).where(_ALARMS.c.id.in_(stale)))
        new = [
            {"ticket_id": ticket_id, "kind": kind, "due_at": due}
            for kind, due in sorted(wanted - have)
        ]
        if new:
            await connection.execute(INSERT[connection.dialect.name], new)

    async def claim(self, now: datetime, *, limit: int) -> list[Due]:
        """Take due alarms for this process alone (SKIP LOCKED on PostgreSQL)."""
        connection = await self.session.connection()
        rows = await connection.execute(
            CLAIM[is_postgres(self.session)], {"now": now, "fired": now, "limit": limit}
        )
        return sorted(
            (Due(r.id, r.ticket_id, AlarmKind(r.kind), r.due_at) for r in rows),
            key=lambda d: (d.due_at, d.id),
        )

    async def unplanned(self, after_id: int, limit: int) -> list[int]:
        """Items that should be watched but have no alarm at all (filed before alarms)."""
        watched = [s.value for s in OPEN_STATUSES] + [TicketStatus.RESOLVED.value]
        query = (
            select(Ticket.id)
            .where(
                Ticket.id > after_id,
                Ticket.status.in_(watched),
                ~exists().where(_ALARMS.c.ticket_id == Ticket.id),
            )
            .order_by(Ticket.id)
            .limit(limit)
        )
        return list(await self.session.scalars(query))

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
KNOWN = select(_ALARMS.c.id, _ALARMS.c.kind, _ALARMS.c.due_at, _ALARMS.c.fired_at).where(
    _ALARMS.c.ticket_id == bindparam("ticket_id")
)
Key = tuple[str, datetime]


@dataclass
class _Known:
    """An item's alarms: pending ones by key (with their row id, 0 if not written yet),
    and the keys of those that already fired (they never fire again)."""

    pending: dict[Key, int]
    fired: set[Key]


class AlarmRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        # A sweep replans many items: their alarms are read at once and the changes
        # written at once (`batch` … `write_batch`).
        self._batch: dict[int, _Known] | None = None
        self._stale: list[int] = []
        self._new: dict[tuple[int, str, datetime], dict[str, Any]] = {}

    async def batch(self, ticket_ids: list[int]) -> None:
        connection = await self.session.connection()
        columns = (_ALARMS.c.id, _ALARMS.c.ticket_id, _ALARMS.c.kind)
        rows = await connection.execute(
            select(*columns, _ALARMS.c.due_at, _ALARMS.c.fired_at).where(
                _ALARMS.c.ticket_id.in_(sorted(set(ticket_ids)))
            )
        )
        self._batch = {ticket_id: _Known({}, set()) for ticket_id in ticket_ids}
        for row in rows:
            _remember(self._batch[row.ticket_id], row)

    async def write_batch(self) -> None:
        connection = await self.session.connection()
        if self._stale:
            await connection.execute(delete(_ALARMS).where(_ALARMS.c.id.in_(self._stale)))
        if self._new:
            await connection.execute(INSERT[connection.dialect.name], list(self._new.values()))
        self._batch, self._stale, self._new = None, [], {}

    async def replan(
        self,
        ticket_id: int,
        planned: list[tuple[AlarmKind, datetime]],
        *,
        now: datetime,
        not_if_past: frozenset[AlarmKind] = frozenset(),
        new_item: bool = False,
    ) -> None:
        """Make the item's pending alarms the plan; fired ones stay as history and are
        never planned again. A planned alarm of a `not_if_past` kind whose moment has gone
        (a reminder that a deadline is near, when it is already here) is not added."""
        known = _Known({}, set()) if new_item else await self._known(ticket_id)
        wanted = {
            (kind.value, due)
            for kind, due in planned
            if kind not in not_if_past or due > now or (kind.value, due) in known.pending
        } - known.fired
        stale = [key for key in known.pending if key not in wanted]
        new = sorted(wanted - known.pending.keys())
        if self._batch is not None and ticket_id in self._batch:
            for key in stale:
                row_id = known.pending.pop(key)
                if row_id:
                    self._stale.append(row_id)
                self._new.pop((ticket_id, *key), None)
            for kind, due in new:
                known.pending[(kind, due)] = 0
                self._new[(ticket_id, kind, due)] = {
                    "ticket_id": ticket_id,
                    "kind": kind,
                    "due_at": due,
                }
            return
        connection = await self.session.connection()
        if stale:
            ids = [known.pending[key] for key in stale]
            await connection.execute(delete(_ALARMS).where(_ALARMS.c.id.in_(ids)))
        if new:
            rows = [{"ticket_id": ticket_id, "kind": kind, "due_at": due} for kind, due in new]
            await connection.execute(INSERT[connection.dialect.name], rows)

    async def _known(self, ticket_id: int) -> _Known:
        if self._batch is not None and ticket_id in self._batch:
            return self._batch[ticket_id]
        connection = await self.session.connection()
        known = _Known({}, set())
        for row in await connection.execute(KNOWN, {"ticket_id": ticket_id}):
            _remember(known, row)
        return known

    async def claim(self, now: datetime, *, limit: int) -> list[Due]:
        """Take due alarms for this process alone (SKIP LOCKED on PostgreSQL)."""
        connection = await self.session.connection()
        rows = await connection.execute(
            CLAIM[is_postgres(self.session)], {"now": now, "fired": now, "limit": limit}
        )
        kinds = AlarmKind._value2member_map_  # a plain look-up: a sweep claims thousands
        found = [Due(r.id, r.ticket_id, kinds[r.kind], r.due_at) for r in rows]  # type: ignore[arg-type]
        found.sort(key=lambda d: (d.due_at, d.id))
        return found

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


def _remember(known: _Known, row: Any) -> None:
    if row.fired_at is None:
        known.pending[(row.kind, row.due_at)] = row.id
    else:
        known.fired.add((row.kind, row.due_at))

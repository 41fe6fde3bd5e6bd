"""Repositories: the only place that builds SQL. They never commit; the unit of work does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, bindparam, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.estate import BuildingPlan, EstatePlan
from bot.domain.residents import ResidentCard
from storage.models import (
    Building,
    Dialogue,
    Estate,
    Invite,
    OutboxMessage,
    ReferenceCounter,
    Resident,
    SensitiveView,
    Staff,
    Ticket,
    TicketEvent,
    Unit,
)


def _is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


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
    )
    .select_from(_ANCHOR)
    .outerjoin(Resident, Resident.telegram_user_id == _ANCHOR.c.uid)
    .outerjoin(Unit, Unit.id == Resident.unit_id)
    .outerjoin(Building, Building.id == Unit.building_id)
    .outerjoin(Dialogue, Dialogue.user_id == _ANCHOR.c.uid)
)
DROP_DIALOGUE = delete(Dialogue).where(Dialogue.user_id == bindparam("uid", type_=BigInteger))
_DIALOGUE_FIELDS = ("chat_id", "flow", "step", "data", "language", "updated_at", "expires_at")


def _upsert_dialogue(dialect: Any) -> Any:
    insert = dialect.insert(Dialogue)
    return insert.on_conflict_do_update(
        index_elements=[Dialogue.user_id],
        set_={name: insert.excluded[name] for name in _DIALOGUE_FIELDS},
    )


SAVE_DIALOGUE = {"sqlite": _upsert_dialogue(sqlite), "postgresql": _upsert_dialogue(postgresql)}


def _next_sequence(dialect: Any) -> Any:
    insert = dialect.insert(ReferenceCounter).values(
        prefix=bindparam("prefix"), day=bindparam("day"), last=1
    )
    return insert.on_conflict_do_update(
        index_elements=[ReferenceCounter.prefix, ReferenceCounter.day],
        set_={"last": ReferenceCounter.last + 1},
    ).returning(ReferenceCounter.last)


NEXT_SEQUENCE = {"sqlite": _next_sequence(sqlite), "postgresql": _next_sequence(postgresql)}


def _claim_outbox(skip_locked: bool) -> Any:
    moment = OutboxMessage.__table__.c.not_before.type
    now = bindparam("now", type_=moment)
    due = (
        select(OutboxMessage.id)
        .where(
            or_(
                (OutboxMessage.status == "pending") & (OutboxMessage.not_before <= now),
                (OutboxMessage.status == "sending") & (OutboxMessage.lease_until <= now),
            )
        )
        .order_by(OutboxMessage.id)
        .limit(bindparam("limit"))
    )
    if skip_locked:
        due = due.with_for_update(skip_locked=True)
    return (
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due.scalar_subquery()))
        .values(
            status="sending",
            lease_until=bindparam("lease_until", type_=moment),
            attempts=OutboxMessage.attempts + 1,
        )
        .returning(OutboxMessage)
    )


CLAIM_OUTBOX = {False: _claim_outbox(False), True: _claim_outbox(True)}


class EstateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def sync(self, plan: EstatePlan) -> None:
        """Make the database hold the plan's buildings and units; never delete what is used."""
        estate = await self.session.scalar(select(Estate).where(Estate.code == plan.code))
        if estate is None:
            estate = Estate(code=plan.code, name=plan.name)
            self.session.add(estate)
            await self.session.flush()
        estate.name = plan.name
        existing = {
            b.code: b
            for b in await self.session.scalars(
                select(Building).where(Building.estate_id == estate.id)
            )
        }
        for position, item in enumerate(plan.buildings):
            building = existing.get(item.code)
            if building is None:
                building = Building(estate_id=estate.id, code=item.code)
                self.session.add(building)
            building.name, building.zone, building.position = item.name, item.zone, position
            await self.session.flush()
            known = set(
                await self.session.scalars(
                    select(Unit.code).where(Unit.building_id == building.id)
                )
            )
            wanted = set(item.units)
            self.session.add_all(
                Unit(building_id=building.id, code=code, active=True)
                for code in item.units
                if code not in known
            )
            if known - wanted:
                await self.session.execute(
                    update(Unit)
                    .where(Unit.building_id == building.id, Unit.code.in_(known - wanted))
                    .values(active=False)
                )
        await self.session.flush()

    async def plan(self) -> EstatePlan | None:
        """The estate as stored (the first one: a process serves one estate)."""
        estate = await self.session.scalar(select(Estate).order_by(Estate.id).limit(1))
        if estate is None:
            return None
        buildings = list(
            await self.session.scalars(
                select(Building)
                .where(Building.estate_id == estate.id)
                .order_by(Building.position, Building.id)
            )
        )
        units: dict[int, list[str]] = {b.id: [] for b in buildings}
        rows = await self.session.execute(
            select(Unit.building_id, Unit.code)
            .where(Unit.building_id.in_(units), Unit.active.is_(True))
            .order_by(Unit.id)
        )
        for building_id, code in rows:
            units[building_id].append(code)
        return EstatePlan(
            id=estate.id,
            code=estate.code,
            name=estate.name,
            buildings=tuple(
                BuildingPlan(b.code, b.name, b.zone, tuple(units[b.id]))
                for b in buildings
                if units[b.id]
            ),
        )

    async def unit(self, estate_code: str, building_code: str, unit_code: str) -> Unit | None:
        return await self.session.scalar(
            select(Unit)
            .join(Building, Unit.building_id == Building.id)
            .join(Estate, Building.estate_id == Estate.id)
            .where(
                Estate.code == estate_code,
                Building.code == building_code,
                Unit.code == unit_code,
                Unit.active.is_(True),
            )
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

    async def snapshot(
        self, telegram_user_id: int
    ) -> tuple[ResidentCard | None, StoredDialogue | None]:
        """Who is writing and where they are in a dialogue: one Core statement per update.

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
        return card, dialogue


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
class StoredDialogue:
    flow: str
    step: str
    data: dict[str, Any]
    language: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class TicketPage:
    items: list[Ticket]
    total: int


class TicketRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def next_sequence(self, prefix: str, day: str) -> int:
        """Hand out the next daily number atomically, even with several processes."""
        statement = NEXT_SEQUENCE[self.session.get_bind().dialect.name]
        result = await self.session.execute(statement, {"prefix": prefix, "day": day})
        return int(result.scalar_one())

    async def add(self, ticket: Ticket, events: list[TicketEvent]) -> None:
        self.session.add(ticket)
        await self.session.flush()
        for event in events:
            event.ticket_id = ticket.id
        self.session.add_all(events)

    async def get(self, ticket_id: int, *, for_update: bool = False) -> Ticket | None:
        """With for_update, concurrent actions on one item queue up instead of racing."""
        if for_update and _is_postgres(self.session):
            # OF tickets: the eager-loaded unit and building are outer-joined, and
            # PostgreSQL refuses to lock the nullable side of an outer join.
            return await self.session.scalar(
                select(Ticket)
                .where(Ticket.id == ticket_id)
                .with_for_update(of=Ticket.__table__)
                .execution_options(populate_existing=True)
            )
        return await self.session.get(Ticket, ticket_id)

    async def by_reference(self, reference: str) -> Ticket | None:
        return await self.session.scalar(select(Ticket).where(Ticket.reference == reference))

    def add_event(self, event: TicketEvent) -> None:
        self.session.add(event)

    async def for_resident(self, resident_id: int, *, limit: int, offset: int = 0) -> TicketPage:
        query = (
            select(Ticket)
            .where(Ticket.resident_id == resident_id)
            .order_by(Ticket.created_at.desc(), Ticket.id.desc())
            .limit(limit)
            .offset(offset)
        )
        total = await self.session.scalar(
            select(func.count()).select_from(Ticket).where(Ticket.resident_id == resident_id)
        )
        return TicketPage(items=list(await self.session.scalars(query)), total=int(total or 0))

    async def events(self, ticket_id: int) -> list[TicketEvent]:
        return list(
            await self.session.scalars(
                select(TicketEvent)
                .where(TicketEvent.ticket_id == ticket_id)
                .order_by(TicketEvent.created_at, TicketEvent.id)
            )
        )


class DialogueRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: int) -> Dialogue | None:
        return await self.session.get(Dialogue, user_id)

    async def save(
        self,
        *,
        user_id: int,
        chat_id: int,
        flow: str,
        step: str,
        data: dict[str, Any],
        language: str,
        now: datetime,
        idle: timedelta,
    ) -> None:
        """One upsert statement: this runs on every dialogue step, so it skips the ORM flush."""
        values = {
            "chat_id": chat_id,
            "flow": flow,
            "step": step,
            "data": dict(data),
            "language": language,
            "updated_at": now,
            "expires_at": now + idle,
        }
        connection = await self.session.connection()
        await connection.execute(
            SAVE_DIALOGUE[connection.dialect.name], {"user_id": user_id, **values}
        )

    async def drop(self, user_id: int) -> None:
        connection = await self.session.connection()
        await connection.execute(DROP_DIALOGUE, {"uid": user_id})

    async def claim_expired(self, now: datetime, limit: int = 100) -> list[Dialogue]:
        """Remove and return idle dialogues; one statement, so two processes never share one."""
        due = select(Dialogue.user_id).where(Dialogue.expires_at <= now).limit(limit)
        if _is_postgres(self.session):
            due = due.with_for_update(skip_locked=True)
        result = await self.session.scalars(
            delete(Dialogue)
            .where(Dialogue.user_id.in_(due.scalar_subquery()))
            .returning(Dialogue),
            execution_options={"synchronize_session": False},
        )
        return list(result)


class OutboxRepository:
    def __init__(self, session: AsyncSession, lease: timedelta | None = None) -> None:
        self.session = session
        self.lease = lease
        self.leased: list[OutboxMessage] = []

    def add(
        self,
        *,
        chat_id: int,
        text: str,
        purpose: str,
        now: datetime,
        reply_markup: dict[str, Any] | None = None,
        ticket_id: int | None = None,
    ) -> OutboxMessage:
        row = OutboxMessage(
            chat_id=chat_id,
            text=text,
            reply_markup=reply_markup,
            purpose=purpose,
            ticket_id=ticket_id,
            status="pending",
            attempts=0,
            not_before=now,
            created_at=now,
        )
        if self.lease is not None:
            # Written already claimed by this process, which sends it right after commit.
            row.status, row.lease_until, row.attempts = "sending", now + self.lease, 1
            self.leased.append(row)
        self.session.add(row)
        return row

    async def claim(self, now: datetime, *, limit: int, lease: timedelta) -> list[OutboxMessage]:
        """Take due rows (and rows whose sender died mid-lease) for this sender alone."""
        statement = CLAIM_OUTBOX[_is_postgres(self.session)]
        result = await self.session.scalars(
            statement,
            {"now": now, "lease_until": now + lease, "limit": limit},
            execution_options={"synchronize_session": False},
        )
        return sorted(result, key=lambda row: row.id)

    async def finish(self, row_id: int, **values: Any) -> None:
        await self.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values)
        )

    async def by_status(self, status: str) -> list[OutboxMessage]:
        return list(
            await self.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.status == status)
                .order_by(OutboxMessage.id)
            )
        )


class StaffRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_telegram_id(self, telegram_user_id: int) -> Staff | None:
        return await self.session.scalar(
            select(Staff).where(Staff.telegram_user_id == telegram_user_id)
        )

    async def get(self, staff_id: int) -> Staff | None:
        return await self.session.get(Staff, staff_id)

    def add(self, staff: Staff) -> None:
        self.session.add(staff)

    async def all(self, estate_id: int) -> list[Staff]:
        return list(
            await self.session.scalars(
                select(Staff).where(Staff.estate_id == estate_id).order_by(Staff.id)
            )
        )

    async def active(
        self,
        estate_id: int,
        *,
        roles: list[str] | None = None,
        department: str | None = None,
        zone: str | None = None,
    ) -> list[Staff]:
        query = select(Staff).where(Staff.estate_id == estate_id, Staff.active.is_(True))
        if roles is not None:
            query = query.where(Staff.role.in_(roles))
        if department is not None:
            query = query.where(Staff.department == department)
        if zone is not None:
            query = query.where(Staff.zone == zone)
        return list(await self.session.scalars(query.order_by(Staff.id)))


class InviteRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, invite: Invite) -> None:
        self.session.add(invite)

    async def by_hash(self, token_hash: str) -> Invite | None:
        return await self.session.scalar(select(Invite).where(Invite.token_hash == token_hash))

    async def use(self, invite_id: int, staff_id: int, now: datetime) -> bool:
        """Mark used only if still unused: one statement, so a link can't be used twice."""
        result = await self.session.execute(
            update(Invite)
            .where(Invite.id == invite_id, Invite.used_at.is_(None))
            .values(used_at=now, used_by_staff_id=staff_id)
            .returning(Invite.id)
        )
        return result.scalar_one_or_none() is not None


class AccessLogRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def record(
        self,
        *,
        staff_id: int,
        resident_id: int | None,
        ticket_id: int | None,
        what: str,
        now: datetime,
    ) -> None:
        self.session.add(
            SensitiveView(
                staff_id=staff_id,
                resident_id=resident_id,
                ticket_id=ticket_id,
                what=what,
                created_at=now,
            )
        )

"""Services on a real SQLite database in memory: the rules with their storage, in milliseconds
(`stored_world`: on a migrated SQLite file and on PostgreSQL, where the two must agree).

No Telegram here; what people would be told is read from the outbox rows the services wrote.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import StaticPool

from bot.config import DEFAULTS_DIR, SAMPLE_ESTATE
from bot.domain.residents import ResidentCard
from bot.domain.staff import Department, Role, StaffMember
from bot.domain.tickets import Draft, LocationKind, TicketKind
from bot.files import load_estate
from bot.i18n import load_catalogues
from bot.policy import Policy, load_policy
from bot.services.actions import ItemContext
from bot.services.notifier import Notifier
from bot.services.residents import Profile, save_profile
from bot.services.tickets import Filed, file_ticket
from bot.services.workflow import ActionContext
from bot.views import Views
from storage.db import create_engine, create_sessionmaker
from storage.models import Base, OutboxMessage, Staff, Ticket
from storage.repositories.staff import member_of
from storage.uow import UnitOfWork

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
TZ = ZoneInfo("Asia/Shanghai")
VIEWS = Views(load_catalogues(), TZ)
POLICY = load_policy(DEFAULTS_DIR / "policy.toml")


@dataclass
class World:
    """One unit of work on a fresh database, with the sample estate loaded."""

    uow: UnitOfWork
    policy: Policy
    estate_id: int
    _next_user: int = 1000

    async def staff(
        self,
        role: Role,
        department: Department = Department.CUSTOMER_SERVICE,
        zone: str | None = None,
        name: str = "Staff",
    ) -> StaffMember:
        self._next_user += 1
        row = Staff(
            estate_id=self.estate_id,
            telegram_user_id=self._next_user,
            chat_id=self._next_user,
            name=name,
            role=role.value,
            department=department.value,
            zone=zone,
            language="en",
            active=True,
            created_at=NOW,
        )
        self.uow.staff.add(row)
        await self.uow.flush()
        return member_of(row)

    async def resident(self, building: str = "3", unit: str = "1202") -> ResidentCard:
        self._next_user += 1
        return await save_profile(
            self.uow,
            estate_code="sample-garden",
            telegram_user_id=self._next_user,
            chat_id=self._next_user,
            profile=Profile("Li Lei", building, unit, "+8613800138000", "en"),
            now=NOW,
        )

    async def file(
        self, resident: ResidentCard, category: str = "facilities", now: datetime = NOW
    ) -> Filed:
        draft = Draft(
            TicketKind.COMPLAINT, "Lift stuck", category, (), LocationKind.COMMON_AREA, "Lobby"
        )
        return await file_ticket(
            self.uow,
            self.notifier(),
            resident=resident,
            draft=draft,
            policy=self.policy,
            tz=TZ,
            now=now,
        )

    def notifier(self) -> Notifier:
        return Notifier(self.uow, VIEWS)

    def acting(self, member: StaffMember, now: datetime = NOW) -> ActionContext:
        return ActionContext(self.uow, now, self.policy, TZ, self.notifier(), actor=member)

    def clock(self, now: datetime = NOW) -> ItemContext:
        """Changes the clock makes (a sweep), or a resident."""
        return ItemContext(self.uow, now, self.policy, TZ, self.notifier())

    def add_ticket(self, reference: str, created: datetime, **values: object) -> Ticket:
        """An item row as the registry holds it, without the dialogue that files one."""
        row: dict[str, object] = {
            "reference": reference,
            "kind": "complaint",
            "category": "facilities",
            "status": "accepted",
            "channel": "bot",
            "estate_id": self.estate_id,
            "description": f"Item {reference}",
            "created_at": created,
            "updated_at": created,
            "paused_s": 0,
            "reopen_count": 0,
        }
        row.update(values)
        ticket = Ticket(**row)
        self.uow.session.add(ticket)
        return ticket

    async def ticket(self, ticket_id: int) -> Ticket:
        found = await self.uow.tickets.get(ticket_id)
        assert found is not None
        return found

    async def told(self, person: StaffMember | ResidentCard) -> list[str]:
        """Texts queued for one person, oldest first."""
        await self.uow.flush()
        queued = select(OutboxMessage).where(OutboxMessage.chat_id == person.chat_id)
        return [row.text for row in await self.uow.session.scalars(queued.order_by("id"))]


@asynccontextmanager
async def _world_on(engine: AsyncEngine) -> AsyncIterator[World]:
    try:
        async with UnitOfWork(create_sessionmaker(engine)) as uow:
            await uow.estate.sync(load_estate(SAMPLE_ESTATE))
            plan = await uow.estate.plan()
            assert plan is not None
            assert plan.id is not None
            yield World(uow, POLICY, plan.id)
    finally:
        await engine.dispose()


@pytest.fixture
async def world() -> AsyncIterator[World]:
    engine = create_engine("sqlite+aiosqlite:///:memory:", poolclass=StaticPool)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    async with _world_on(engine) as made:
        yield made


@pytest.fixture
async def stored_world(migrated_url: str) -> AsyncIterator[World]:
    """`world` on a migrated SQLite file and again on PostgreSQL where one is reachable:
    for rules whose SQL (or whose columns) the two databases must agree on."""
    async with _world_on(create_engine(migrated_url)) as made:
        yield made

"""Storage on a real database: SQLite always, PostgreSQL when one is reachable."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy import text as sa_text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import migrate
from bot.config import DEFAULTS_DIR, SAMPLE_ESTATE
from bot.domain.tickets import Draft, LocationKind, TicketKind
from bot.files import load_estate
from bot.i18n import load_catalogues
from bot.policy import load_policy
from bot.services.notifier import Notifier
from bot.services.residents import Profile, save_profile
from bot.services.tickets import Filed, file_ticket
from bot.views import Views
from storage.db import create_engine, create_sessionmaker
from storage.models import Base, HandledUpdate, OutboxStatus
from storage.uow import UnitOfWork

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 24, 16, 30, tzinfo=UTC)  # 00:30 on the 25th in Shanghai
TABLES = {
    "estates",
    "buildings",
    "units",
    "residents",
    "staff",
    "tickets",
    "ticket_attachments",
    "ticket_events",
    "reference_counters",
    "dialogues",
    "outbox",
}


@pytest.fixture
async def sessions(migrated_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(migrated_url)
    try:
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()


def test_migrations_upgrade_from_empty_and_downgrade_back(database_url: str) -> None:
    migrate.upgrade(database_url)

    async def tables() -> set[str]:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as conn:
                return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        finally:
            await engine.dispose()

    assert asyncio.run(tables()) >= TABLES
    migrate.downgrade(database_url, "base")
    assert asyncio.run(tables()) <= {"alembic_version"}
    migrate.upgrade(database_url)
    assert asyncio.run(tables()) >= TABLES


def test_the_migrations_build_exactly_the_models(database_url: str) -> None:
    """A model changed without a migration (or the reverse) fails here, on both databases."""
    migrate.upgrade(database_url)

    async def differences() -> list[object]:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(
                    lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata)
                )
        finally:
            await engine.dispose()

    assert asyncio.run(differences()) == []


def test_people_mid_dialogue_keep_their_place_across_the_upgrade(database_url: str) -> None:
    """Migration 0003 names flows instead of coding them; stored steps carry on."""
    migrate.upgrade(database_url, "0002")

    async def run(sql: str, **params: object) -> list[tuple[object, ...]]:
        engine = create_engine(database_url)
        try:
            async with engine.begin() as conn:
                result = await conn.execute(sa_text(sql), params)
                return [tuple(row) for row in result] if result.returns_rows else []
        finally:
            await engine.dispose()

    insert = (
        "insert into dialogues (user_id, chat_id, flow, step, data, language, updated_at,"
        " expires_at) values (:u, :u, :f, :s, :d, 'en', :t, :t)"
    )
    asyncio.run(run(insert, u=1, f="cp", s="category", d='{"photos": []}', t=NOW))
    asyncio.run(run(insert, u=2, f="st", s="text", d='{"mode": "rep", "ticket": 5}', t=NOW))
    migrate.upgrade(database_url)
    rows = asyncio.run(run("select user_id, flow, data from dialogues order by user_id"))
    assert [row[1] for row in rows] == ["complaint", "staff_input"]
    data = rows[1][2] if isinstance(rows[1][2], dict) else json.loads(str(rows[1][2]))
    assert data == {"ask": "reply", "ticket": 5}


async def _resident(uow: UnitOfWork, user_id: int) -> int:
    await uow.estate.sync(load_estate(SAMPLE_ESTATE))
    resident = await save_profile(
        uow,
        estate_code="sample-garden",
        telegram_user_id=user_id,
        chat_id=user_id,
        profile=Profile("Li", "3", "1202", "+8613800138000", "en"),
        now=NOW,
    )
    await uow.session.flush()
    return resident.id


async def file_leak(uow: UnitOfWork, user_id: int) -> Filed:
    resident = (await uow.residents.snapshot(user_id)).resident
    assert resident is not None
    draft = Draft(TicketKind.COMPLAINT, "Leak", "facilities", ("p1", "p2"), LocationKind.OWN_UNIT)
    return await file_ticket(
        uow,
        Notifier(uow, Views(load_catalogues(), SHANGHAI)),
        resident=resident,
        draft=draft,
        policy=load_policy(DEFAULTS_DIR / "policy.toml"),
        tz=SHANGHAI,
        now=NOW,
    )


async def test_filing_stores_ticket_events_photos_and_outbox_atomically(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with UnitOfWork(sessions) as uow:
        await _resident(uow, 11)
        await uow.commit()
    async with UnitOfWork(sessions) as uow:
        snapshot = await uow.residents.snapshot(11)
        resident = snapshot.resident
        assert resident is not None
        assert snapshot.dialogue is None
        assert snapshot.staff is None
        assert resident.home == "Building 3 1202"
        resident_id = resident.id
        filed = await file_leak(uow, 11)
        # Not committed: rolling back must leave nothing behind.
    async with UnitOfWork(sessions) as uow:
        assert (await uow.tickets.for_resident(resident_id, limit=10)).total == 0
        filed = await file_leak(uow, 11)
        await uow.commit()
    # Local date in Shanghai is already the 25th.
    assert filed.reference == "TS-20261125-0001"
    async with UnitOfWork(sessions) as uow:
        ticket = await uow.tickets.get(filed.ticket_id)
        assert ticket is not None
        assert [a.file_id for a in ticket.attachments] == ["p1", "p2"]
        assert ticket.created_at == NOW
        # Filed at 00:30: the night duty has it, promised for 09:00 the next morning.
        assert ticket.first_answer_due_at == datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
        assert len(await uow.tickets.events(ticket.id)) == 1
        pending = await uow.outbox.by_status(OutboxStatus.PENDING)
        assert len(pending) == 2  # the acknowledgement, and what happens at night
        assert f"registered as <b>{filed.reference}</b>" in pending[0].text


async def test_reference_sequence_is_unique_under_concurrency(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async def take() -> int:
        async with UnitOfWork(sessions) as uow:
            value = await uow.tickets.next_sequence("TS", "20261124")
            await uow.commit()
            return value

    values = await asyncio.gather(*(take() for _ in range(20)))
    assert sorted(values) == list(range(1, 21))


async def test_outbox_claim_is_exclusive_and_leases_expire(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with UnitOfWork(sessions) as uow:
        for n in range(5):
            uow.outbox.add(chat_id=1, text=f"m{n}", purpose="test", now=NOW)
        await uow.commit()

    async def claim(at: datetime) -> list[str]:
        async with UnitOfWork(sessions) as uow:
            rows = await uow.outbox.claim(at, limit=3, lease=timedelta(minutes=2))
            await uow.commit()
            return [row.text for row in rows]

    first, second = await asyncio.gather(claim(NOW), claim(NOW))
    assert sorted(first + second) == ["m0", "m1", "m2", "m3", "m4"]
    assert await claim(NOW + timedelta(minutes=1)) == []
    assert sorted(await claim(NOW + timedelta(minutes=3))) == ["m0", "m1", "m2"]


async def test_what_waits_for_a_commit_that_fails_never_runs(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """A turn's unit of work commits again after a failed commit (to record its replies):
    what waited for the failed one must not run for changes that were rolled back."""
    ran: list[str] = []
    async with UnitOfWork(sessions) as uow:
        assert await uow.updates.claim(7001, NOW)
        await uow.commit()
    async with UnitOfWork(sessions) as uow:
        uow.session.add(HandledUpdate(update_id=7001, handled_at=NOW))  # written at commit
        uow.after_commit(lambda: ran.append("rolled back"))
        with pytest.raises(IntegrityError):
            await uow.commit()
        await uow.session.rollback()
        uow.after_commit(lambda: ran.append("committed"))
        await uow.commit()
    assert ran == ["committed"]


async def test_idle_dialogues_are_claimed_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with UnitOfWork(sessions) as uow:
        for user in (1, 2):
            await uow.dialogues.save(
                user_id=user,
                chat_id=user,
                flow="cp",
                step="category",
                data={"photos": []},
                language="en",
                now=NOW,
                idle=timedelta(minutes=30 * user),
            )
        await uow.commit()

    async def sweep(at: datetime) -> list[int]:
        async with UnitOfWork(sessions) as uow:
            rows = await uow.dialogues.claim_expired(at)
            await uow.commit()
            return [row.user_id for row in rows]

    later = NOW + timedelta(minutes=45)
    results = await asyncio.gather(sweep(later), sweep(later))
    assert sorted(results[0] + results[1]) == [1]
    async with UnitOfWork(sessions) as uow:
        kept = await uow.dialogues.get(2)
        assert kept is not None
        assert kept.data == {"photos": []}
        assert kept.expires_at == NOW + timedelta(minutes=60)


async def test_estate_sync_is_idempotent_and_keeps_used_units(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    plan = load_estate(SAMPLE_ESTATE)
    async with UnitOfWork(sessions) as uow:
        await uow.estate.sync(plan)
        await uow.estate.sync(plan)
        await uow.commit()
    async with UnitOfWork(sessions) as uow:
        stored = await uow.estate.plan()
        assert stored is not None
        assert [b.code for b in stored.buildings] == [b.code for b in plan.buildings]
        assert stored.buildings[0].units == plan.buildings[0].units

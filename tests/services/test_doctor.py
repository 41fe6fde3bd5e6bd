"""`python -m bot doctor`'s database checks: schema, outbox backlog and failed rows, late
alarms (on SQLite, and on PostgreSQL where one is reachable)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from alembic.script import ScriptDirectory
from sqlalchemy import update

from bot import migrate
from bot.doctor import Finding, check_database
from bot.policy import DoctorPolicy
from storage.models import Alarm, OutboxMessage, OutboxStatus
from tests.conftest import make_settings
from tests.services.conftest import NOW, World


def by_check(findings: list[Finding]) -> dict[str, Finding]:
    return {f.check: f for f in findings}


async def test_a_quiet_desk_passes(stored_world: World, migrated_url: str) -> None:
    await stored_world.uow.commit()
    found = by_check(await check_database(make_settings(migrated_url), DoctorPolicy(), NOW))
    assert all(f.ok for f in found.values()), found
    assert "schema current" in found["database"].detail
    assert set(found) == {"database", "outbox", "alarms"}


async def test_late_messages_failed_rows_and_overdue_alarms_fail(
    stored_world: World, migrated_url: str
) -> None:
    world = stored_world
    await world.file(await world.resident())
    await world.uow.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == 1)
        .values(status=OutboxStatus.FAILED.value, last_error="Bad Request: chat not found")
    )
    world.uow.session.add(
        OutboxMessage(chat_id=42, text="owed", purpose="reply", not_before=NOW, created_at=NOW)
    )
    await world.uow.commit()
    settings = make_settings(migrated_url)

    # Just filed: its messages are owed now, its alarms are days away: nothing is late yet.
    fresh = by_check(await check_database(settings, DoctorPolicy(), NOW))
    assert not fresh["outbox"].ok
    assert "1 failed rows" in fresh["outbox"].detail
    assert "waiting" not in fresh["outbox"].detail
    assert fresh["alarms"].ok

    # A week on and nothing sent or swept: no process is running.
    later = by_check(await check_database(settings, DoctorPolicy(), NOW + timedelta(days=7)))
    assert "waiting over 10 min" in later["outbox"].detail
    assert not later["alarms"].ok
    assert "alarms overdue" in later["alarms"].detail
    assert "python -m bot sweep" in later["alarms"].detail

    # Once fired, none is overdue any more.
    await world.uow.session.execute(update(Alarm).values(fired_at=NOW))
    await world.uow.commit()
    swept = by_check(await check_database(settings, DoctorPolicy(), NOW + timedelta(days=7)))
    assert swept["alarms"].ok


def test_a_schema_behind_or_missing_says_migrate(sqlite_url: str) -> None:
    missing = asyncio.run(check_database(make_settings(sqlite_url), DoctorPolicy(), NOW))
    assert [(f.check, f.ok) for f in missing] == [("database", False)]
    assert "does not exist" in missing[0].detail
    assert "python -m bot migrate" in missing[0].detail

    script = ScriptDirectory.from_config(migrate.alembic_config(sqlite_url))
    oldest = [r.revision for r in script.walk_revisions()][-1]
    migrate.upgrade(sqlite_url, oldest)
    behind = asyncio.run(check_database(make_settings(sqlite_url), DoctorPolicy(), NOW))
    assert [(f.check, f.ok) for f in behind] == [("database", False)]
    assert f"is at {oldest}" in behind[0].detail
    assert "python -m bot migrate" in behind[0].detail

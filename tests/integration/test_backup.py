"""`python -m bot backup` / `restore`: a backup taken while residents keep filing restores
every item it holds with its whole timeline and its alarms; restore only into an empty
database; PostgreSQL goes through pg_dump / pg_restore (or prints the command)."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import backup
from bot.__main__ import EXIT_BACKUP, main
from bot.domain.residents import ResidentCard
from bot.domain.tickets import Draft, LocationKind, TicketKind
from bot.services.notifier import Notifier
from bot.services.residents import Profile, save_profile
from bot.services.tickets import file_ticket
from storage.db import create_engine, create_sessionmaker
from storage.models import Alarm, Ticket, TicketEvent
from storage.uow import UnitOfWork
from tests.conftest import TEST_TOKEN, fresh_postgres, pg_url
from tests.services.conftest import NOW, POLICY, TZ, VIEWS

WRITERS = 4
DRAFT = Draft(
    TicketKind.COMPLAINT, "Lift stuck", "facilities", (), LocationKind.COMMON_AREA, "Hall"
)

Snapshot = dict[str, tuple[list[tuple[str, str | None]], list[tuple[str, str]]]]


async def _resident(sessions: object, user: int) -> ResidentCard:
    async with UnitOfWork(sessions) as uow:  # type: ignore[arg-type]
        card = await save_profile(
            uow,
            estate_code="sample-garden",
            telegram_user_id=user,
            chat_id=user,
            profile=Profile("Li Lei", "3", "1202", "+8613800138000", "en"),
            now=NOW,
        )
        await uow.commit()
    return card


async def _file_one(sessions: object, resident: ResidentCard) -> str:
    async with UnitOfWork(sessions) as uow:  # type: ignore[arg-type]
        filed = await file_ticket(
            uow,
            Notifier(uow, VIEWS),
            resident=resident,
            draft=DRAFT,
            policy=POLICY,
            tz=TZ,
            now=NOW,
        )
        ticket = await uow.tickets.get(filed.ticket_id)
        assert ticket is not None
        reference = ticket.reference
        await uow.commit()
    return reference


async def _snapshot(url: str) -> Snapshot:
    """Every item by reference, with its timeline and its alarms."""
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            tickets = {t.id: t.reference for t in await session.scalars(select(Ticket))}
            found: Snapshot = {ref: ([], []) for ref in tickets.values()}
            for event in await session.scalars(select(TicketEvent).order_by(TicketEvent.id)):
                found[tickets[event.ticket_id]][0].append((event.kind, event.status))
            for alarm in await session.scalars(select(Alarm).order_by(Alarm.id)):
                found[tickets[alarm.ticket_id]][1].append((alarm.kind, alarm.due_at.isoformat()))
    finally:
        await engine.dispose()
    return found


async def test_a_backup_taken_mid_traffic_restores_every_item_timeline_and_alarm(
    migrated_sqlite_template: Path, tmp_path: Path
) -> None:
    live = tmp_path / "desk.db"
    shutil.copyfile(migrated_sqlite_template, live)
    url = f"sqlite+aiosqlite:///{live}"
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    residents = [await _resident(sessions, 5000 + n) for n in range(WRITERS)]
    committed: list[str] = []
    stop = asyncio.Event()
    enough = [asyncio.Event() for _ in range(3)]

    async def writer(resident: ResidentCard) -> None:
        while not stop.is_set():
            committed.append(await _file_one(sessions, resident))
            for n, event in enumerate(enough):
                if len(committed) >= 20 * (n + 1):
                    event.set()
            await asyncio.sleep(0)

    writers = [asyncio.create_task(writer(r)) for r in residents]
    backups: list[tuple[Path, set[str]]] = []
    try:
        for n in range(3):  # three backups, each while all four keep filing
            await enough[n].wait()
            before = set(committed)
            target = tmp_path / f"backup-{n}.db"
            await asyncio.to_thread(backup.backup, url, target)
            backups.append((target, before))
        await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.gather(*writers)
        await engine.dispose()
    source = await _snapshot(url)
    assert len(source) == len(committed)

    for n, (file, before) in enumerate(backups):
        restored_path = tmp_path / f"restored-{n}.db"
        backup.restore(f"sqlite+aiosqlite:///{restored_path}", file)
        restored = await _snapshot(f"sqlite+aiosqlite:///{restored_path}")
        assert before <= restored.keys()  # every item filed before the backup began
        for reference, (timeline, alarms) in restored.items():
            # Whole, never half an item: exactly its timeline and alarms in the live database.
            assert timeline, reference
            assert alarms, reference
            assert (timeline, alarms) == source[reference]
    assert len(backups[-1][1]) < len(committed)  # the residents kept filing afterwards


def test_restore_refuses_a_database_that_is_not_empty(
    migrated_sqlite_template: Path, tmp_path: Path
) -> None:
    occupied = tmp_path / "desk.db"
    shutil.copyfile(migrated_sqlite_template, occupied)
    with pytest.raises(backup.BackupError, match="not empty"):
        backup.restore(f"sqlite:///{occupied}", migrated_sqlite_template)
    not_ours = tmp_path / "other.db"
    sqlite3.connect(not_ours).close()
    with pytest.raises(backup.BackupError, match="not a backup"):
        backup.restore(f"sqlite:///{tmp_path / 'new.db'}", not_ours)


def test_backup_refuses_to_overwrite_a_file(
    migrated_sqlite_template: Path, tmp_path: Path
) -> None:
    taken = tmp_path / "taken.db"
    taken.write_text("keep me")
    with pytest.raises(backup.BackupError, match="exists already"):
        backup.backup(f"sqlite:///{migrated_sqlite_template}", taken)
    assert taken.read_text() == "keep me"


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    monkeypatch.setenv("BOT_TOKEN", TEST_TOKEN)


@pytest.mark.usefixtures("cli_env")
def test_the_commands_back_up_and_restore(
    migrated_sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{migrated_sqlite_template}")
    assert main(["backup", str(tmp_path / "b.db")]) == 0
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'fresh' / 'desk.db'}")
    assert main(["restore", str(tmp_path / "b.db")]) == 0
    assert main(["restore", str(tmp_path / "b.db")]) == EXIT_BACKUP  # no longer empty


@pytest.mark.usefixtures("cli_env")
def test_without_pg_dump_the_exact_command_is_printed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://desk:s3cret@db.example:5433/desk")
    monkeypatch.setattr(backup.shutil, "which", lambda _name: None)
    assert main(["backup", str(tmp_path / "desk.dump")]) == EXIT_BACKUP
    printed = capsys.readouterr().err
    assert (
        f"pg_dump --format=custom --file={tmp_path / 'desk.dump'} "
        "--dbname=postgresql://desk@db.example:5433/desk (with PGPASSWORD set)"
    ) in printed
    assert "s3cret" not in printed


@pytest.mark.skipif(
    shutil.which("pg_dump") is None or shutil.which("pg_restore") is None,
    reason="pg_dump / pg_restore are not installed",
)
def test_a_postgresql_round_trip(migrated_postgres_template: str, tmp_path: Path) -> None:
    admin = pg_url()
    assert admin is not None

    async def file_some(url: str) -> None:
        engine = create_engine(url)
        sessions = create_sessionmaker(engine)
        resident = await _resident(sessions, 6001)
        for _ in range(3):
            await _file_one(sessions, resident)
        await engine.dispose()

    dump = tmp_path / "desk.dump"
    with fresh_postgres(admin, template=migrated_postgres_template) as live:
        asyncio.run(file_some(live))
        ran = backup.backup(live, dump)
        assert ran is not None
        assert ran.ran
        source = asyncio.run(_snapshot(live))
    with fresh_postgres(admin) as empty:
        restored = backup.restore(empty, dump)
        assert restored is not None
        assert restored.ran
        assert asyncio.run(_snapshot(empty)) == source
        assert len(source) == 3
        with pytest.raises(backup.BackupError, match="not empty"):
            backup.restore(empty, dump)

"""The managers' view over a large registry: /status, the monthly report, a month's export.

    python -m bench.registry_reports [--sqlite-items 100000] [--postgres-items 1000000]
                                     [--keep-postgres NAME]

Three years of items are generated (bulk statements): complaints, repairs, suggestions and
orders across the estate's buildings and zones, most closed, some open, late, waiting or
reopened, with answer and resolution times, ratings and a timeline event each. Then, on a
fresh database each (SQLite, and PostgreSQL when one is reachable):

- /status for the chief butler (the whole estate) and a zone's butler (their remit);
- the monthly report for the last full month (every figure, with the trend and quotas);
- the export of that month (the .xlsx as sent), with the process's peak memory meanwhile,
  and the CPU and peak memory of the child process that writes the file.

Targets: /status and the report under 2 s on PostgreSQL and 1 s on SQLite, the export
under 4 s, the bot's and the writer's memory together under 200 MB during the export.

Generating a million items takes minutes: `--keep-postgres NAME` keeps the PostgreSQL data
set in the database NAME and reuses it on the next run when it holds as many items
(`--sqlite-items 0` skips SQLite).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import io
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

from bench.alarm_sweep import _postgres
from bot import migrate
from bot.config import DEFAULTS_DIR, SAMPLE_ESTATE
from bot.domain.permissions import remit_of, staff_viewer
from bot.domain.repairs import RepairType
from bot.domain.reports import last_full_month
from bot.files import load_estate
from bot.i18n import load_catalogues
from bot.policy import load_policy
from bot.services import export, registry, reports
from bot.views import Views
from storage.db import create_engine, create_sessionmaker
from storage.models import Estate, Resident, Staff, Ticket, TicketEvent, Unit
from storage.repositories.staff import member_of
from storage.uow import UnitOfWork
from tests.conftest import fresh_postgres

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
YEARS = 3
CATEGORIES = [
    "facilities",
    "service_attitude",
    "service_quality",
    "environment",
    "security",
    "neighbours",
    "fees",
    "incident",
    "other",
]
TARGETS = {"sqlite": 1.0, "postgresql": 2.0}
EXPORT_TARGET, MEMORY_TARGET_MB = 4.0, 200


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _rss_mb(pid: int | None = None, field: str = "VmRSS") -> float:
    try:
        with open(f"/proc/{pid or os.getpid()}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) / 1024
    except OSError:  # a child that has just ended
        pass
    return 0.0


def _children_peak_mb() -> float:
    """The largest peak of this process's children so far: their own, after they started
    (a child's rusage counts the parent's pages it shared before exec)."""
    try:
        with open(f"/proc/self/task/{os.getpid()}/children", encoding="ascii") as listed:
            children = [int(pid) for pid in listed.read().split()]
    except OSError:
        return 0.0
    return max((_rss_mb(pid, "VmHWM") for pid in children), default=0.0)


async def _generate(url: str, items: int) -> None:
    engine = create_engine(url)
    try:
        async with UnitOfWork(create_sessionmaker(engine)) as uow:
            await uow.estate.sync(load_estate(SAMPLE_ESTATE))
            await uow.commit()
        async with engine.begin() as conn:
            units = [int(u) for u in (await conn.execute(select(Unit.id))).scalars()]
            estate_id = (await conn.execute(select(Estate.id))).scalar_one()
            staff = [
                {
                    "estate_id": estate_id,
                    "telegram_user_id": 70_000 + n,
                    "chat_id": 70_000 + n,
                    "name": name,
                    "role": role,
                    "department": "customer_service",
                    "zone": zone,
                    "language": "en",
                    "active": True,
                    "created_at": NOW,
                }
                for n, (name, role, zone) in enumerate(
                    [
                        ("Chief", "chief_butler", None),
                        ("Senior", "senior_butler", None),
                        ("Butler A", "butler", "A"),
                        ("Butler B", "butler", "B"),
                    ]
                )
            ]
            await conn.execute(insert(Staff), staff)
            resident = (
                await conn.execute(
                    insert(Resident).returning(Resident.id),
                    [
                        {
                            "telegram_user_id": 80_000,
                            "chat_id": 80_000,
                            "name": "Li Lei",
                            "phone": "+8613800138000",
                            "unit_id": units[0],
                            "language": "en",
                            "confidential": False,
                            "created_at": NOW,
                            "updated_at": NOW,
                        }
                    ],
                )
            ).scalar_one()
            span = timedelta(days=365 * YEARS).total_seconds()
            chunk = 10_000
            for start in range(0, items, chunk):
                rows = [
                    _row(n, items, span, units, resident, estate_id)
                    for n in range(start, min(start + chunk, items))
                ]
                ids = (
                    (
                        await conn.execute(
                            insert(Ticket).returning(Ticket.id, sort_by_parameter_order=True), rows
                        )
                    )
                    .scalars()
                    .all()
                )
                events = [
                    {
                        "ticket_id": ticket_id,
                        "created_at": row["resolved_at"] or row["created_at"],
                        "kind": "followup_answered" if row["rating"] else "created",
                        "actor_kind": "resident" if row["rating"] else "system",
                    }
                    for ticket_id, row in zip(ids, rows, strict=True)
                ]
                await conn.execute(insert(TicketEvent), events)
        if engine.dialect.name == "postgresql":
            # What autovacuum does soon after on a real server (test servers run it off):
            # without statistics the planner guesses a handful of rows.
            async with engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text("ANALYZE"))
    finally:
        await engine.dispose()


def _row(
    n: int, items: int, span: float, units: list[int], resident: int, estate: int
) -> dict[str, Any]:
    created = NOW - timedelta(seconds=span * (items - n) / items)
    recent = NOW - created < timedelta(days=10)
    status = (
        ("new", "accepted", "in_progress", "waiting", "resolved")[n % 5] if recent else "closed"
    )
    answered = created + timedelta(minutes=10 + n % 110)
    resolved = created + timedelta(hours=6 + n % 90) if status in ("resolved", "closed") else None
    kind = "repair" if n % 10 == 0 else "suggestion" if n % 17 == 0 else "complaint"
    return {
        "reference": f"TS-BENCH-{n:08d}",
        "kind": kind,
        "category": None if kind == "suggestion" else _category(kind, n),
        "status": status,
        "severity": ("general", "important", "major", None)[n % 4],
        "channel": ("bot", "phone", "visit")[n % 3],
        "resident_id": resident,
        "unit_id": units[n % len(units)],
        "estate_id": estate,
        "zone": "AB"[n % 2],
        "location_kind": "common_area" if n % 3 else "own_unit",
        "location_text": f"Lobby {n % 50}",
        "description": f"Item {n}: the lift in the lobby stops between floors",
        "department": ("engineering", "environment", "security")[n % 3],
        "created_at": created,
        "updated_at": created,
        "clock_started_at": created,
        "first_answer_due_at": created + timedelta(hours=1),
        "first_answered_at": answered,
        "resolve_due_at": created + timedelta(days=2),
        "resolved_at": resolved,
        "closed_at": resolved if status == "closed" else None,
        "rating": 1 + n % 5 if resolved and n % 4 == 0 else None,
        "paused_s": 0,
        "reopen_count": 1 if n % 50 == 0 else 0,
    }


def _category(kind: str, n: int) -> str:
    if kind == "repair":
        return list(RepairType)[n % len(RepairType)].value
    return CATEGORIES[n % len(CATEGORIES)]


async def _measure(url: str) -> dict[str, float]:
    engine = create_engine(url)
    policy = load_policy(DEFAULTS_DIR / "policy.toml")
    views = Views(load_catalogues(), TZ)
    figures: dict[str, float] = {}
    try:
        sessions = create_sessionmaker(engine)
        async with UnitOfWork(sessions) as uow:
            people = list(await uow.session.scalars(select(Staff).order_by(Staff.id)))
            chief, butler = member_of(people[0]), member_of(people[2])
            for name, member in (("status (chief)", chief), ("status (butler)", butler)):
                started = time.perf_counter()
                await registry.status(uow, member, NOW, TZ)
                figures[name] = time.perf_counter() - started
            remit = remit_of(staff_viewer(chief))
            assert remit is not None
            month = last_full_month(NOW.astimezone(TZ).date())
            started = time.perf_counter()
            found = await reports.figures(uow, remit, month, policy, TZ)
            figures["monthly report"] = time.perf_counter() - started
            figures["items in the month"] = found.total
            peak = _rss_mb()
            before, writer_peak = peak, 0.0

            async def sample() -> None:
                nonlocal peak, writer_peak
                while True:
                    peak = max(peak, _rss_mb())
                    writer_peak = max(writer_peak, _children_peak_mb())
                    await asyncio.sleep(0.01)

            sampler = asyncio.create_task(sample())
            writer_cpu = _children_cpu()
            started, cpu = time.perf_counter(), time.process_time()
            data, listed = await export.registry_workbook(
                uow, chief, remit, month, views, "en", policy, NOW
            )
            figures["export"] = time.perf_counter() - started
            # The bot's own CPU time (every thread): what a busy machine does not inflate.
            figures["export cpu"] = time.process_time() - cpu
            # The spreadsheet is written by a child process: its CPU and its peak memory.
            figures["writer cpu"] = _children_cpu() - writer_cpu
            figures["writer peak MB"] = writer_peak
            sampler.cancel()
            peak = max(peak, _rss_mb())
            figures["export rows"] = listed
            figures["export kB"] = len(data) / 1024
            figures["rss before MB"] = before
            figures["rss peak MB"] = peak
    finally:
        await engine.dispose()
    return figures


# The spreadsheet libraries compared on the export's shape: the same synthetic rows
# (text, whole numbers, decimals, dates and times as dates, empty cells), each library in a
# fresh process so its peak memory is its own.
WRITERS = ("openpyxl", "xlsxwriter", "pyexcelerate", "rustpy-xlsxwriter")
WRITER_COLUMNS = 32


def _synthetic_rows(rows: int) -> list[list[object]]:
    # Spreadsheets have no time zones: the export writes local times without one.
    start = datetime(2026, 10, 1, 8, 0, tzinfo=TZ).replace(tzinfo=None)
    made: list[list[object]] = []
    for n in range(rows):
        at = start + timedelta(minutes=n)
        row: list[object] = [
            f"C2610-{n:06d}",
            "Complaint",
            at,
            "Telegram",
            f"Resident {n % 997}",
            f"B{n % 12 + 1}",
            f"{n % 30 + 1:02d}{n % 4 + 1:02d}",
            f"+86 138 {n % 10_000:04d} {n % 7_919:04d}",
            CATEGORIES[n % len(CATEGORIES)],
            "The lift on the east side stops between floors and the door opens slowly",
            None,
            n % 4,
            "Engineering",
            at.date() + timedelta(days=3),
            "Public",
            "Medium",
            "Closed",
            "Wang Wei",
            "Li Na",
            at + timedelta(hours=2),
            at + timedelta(minutes=37),
            "Yes",
            at + timedelta(days=2),
            at + timedelta(days=1, hours=5),
            "Yes",
            None,
            None,
            "Replaced the door sensor",
            "Yes",
            n % 5 + 1,
            "Fast and polite" if n % 3 else None,
            n % 2 * 1.5,
        ]
        made.append(row[:WRITER_COLUMNS])
    return made


def _write_with(writer: str, rows: list[list[object]], header: list[str]) -> bytes:
    buffer = io.BytesIO()
    if writer == "openpyxl":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("Registry")
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        book.save(buffer)
    elif writer == "xlsxwriter":
        import xlsxwriter

        options = {"constant_memory": True, "default_date_format": "yyyy-mm-dd hh:mm"}
        with xlsxwriter.Workbook(buffer, options) as xbook:
            xsheet = xbook.add_worksheet("Registry")
            xsheet.write_row(0, 0, header)
            for number, row in enumerate(rows, 1):
                xsheet.write_row(number, 0, row)
    elif writer == "rustpy-xlsxwriter":
        import rustpy_xlsxwriter

        # Rows as mappings by column name, streamed (constant-memory mode is its default).
        records = (dict(zip(header, row, strict=True)) for row in rows)
        rustpy_xlsxwriter.write_worksheet(
            records, buffer, sheet_name="Registry", datetime_format="yyyy-mm-dd hh:mm"
        )
    else:
        from pyexcelerate import Format, Style
        from pyexcelerate import Workbook as FastBook

        fast = FastBook()
        fast_sheet = fast.new_sheet("Registry", data=[header, *rows])
        # PyExcelerate writes a date as a bare number unless its column has a date format.
        for column, value in enumerate(rows[0] if rows else [], 1):
            if isinstance(value, date):
                shown = "yyyy-mm-dd hh:mm" if isinstance(value, datetime) else "yyyy-mm-dd"
                fast_sheet.set_col_style(column, Style(format=Format(shown)))
        fast.save(buffer)
    return buffer.getvalue()


def _measure_writer(writer: str, rows: int) -> None:
    """One library in this (fresh) process: seconds to write, peak memory, and the file
    read back to check every date came out a date."""
    made = _synthetic_rows(rows)
    header = [f"column {n + 1}" for n in range(WRITER_COLUMNS)]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started, cpu = time.perf_counter(), time.process_time()
    data = _write_with(writer, made, header)
    took, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    first = next(sheet.iter_rows(min_row=2, max_row=2, values_only=True))
    dated = isinstance(first[2], datetime) and isinstance(first[13], datetime)
    print(
        f"  {writer:<17} {took:6.2f} s (CPU {cpu:5.2f} s)  peak {peak:4.0f} MB "
        f"(+{peak - before:.0f} MB for the file)  {len(data) / 1024:,.0f} kB  "
        f"dates {'as dates' if dated else 'NOT dates'}"
    )


def _compare_writers(rows: int) -> None:
    print(f"\nwriting {rows:,} rows x {WRITER_COLUMNS} cells (each library in a fresh process)")
    for writer in WRITERS:
        if importlib.util.find_spec(writer.replace("-", "_")) is None:
            print(f"  {writer:<17} not installed, skipped")
            continue
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.registry_reports",
                "--writer",
                writer,
                "--rows",
                str(rows),
            ],
            check=True,
        )


def _report(database: str, items: int, generated: float, figures: dict[str, float]) -> None:
    target = TARGETS[database]
    print(f"\n{database}: {items:,} items over {YEARS} years (generated in {generated:.0f} s)")
    for name in ("status (chief)", "status (butler)", "monthly report"):
        verdict = "ok" if figures[name] < target else f"OVER the {target:.0f} s target"
        print(f"  {name:<16} {figures[name]:.3f} s  ({verdict})")
    export_verdict = (
        "ok" if figures["export"] < EXPORT_TARGET else f"OVER the {EXPORT_TARGET:.0f} s target"
    )
    print(
        f"  export           {figures['export']:.3f} s for {figures['export rows']:.0f} rows, "
        f"{figures['export kB']:.0f} kB ({export_verdict}; the bot's CPU "
        f"{figures['export cpu']:.2f} s, the writer's {figures['writer cpu']:.2f} s)"
    )
    both = figures["rss peak MB"] + figures["writer peak MB"]
    memory = "ok" if both < MEMORY_TARGET_MB else f"OVER the {MEMORY_TARGET_MB} MB target"
    print(
        f"  memory           {figures['rss before MB']:.0f} MB before, "
        f"{figures['rss peak MB']:.0f} MB at the export's peak, the writer "
        f"{figures['writer peak MB']:.0f} MB: {both:.0f} MB together ({memory})"
    )


def _measured(database: str, url: str, items: int, generated: float) -> None:
    """Measure in a fresh process, as the bot would run: memory is the bot's, not the
    generator's."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.registry_reports",
            "--measure",
            url,
            "--database",
            database,
            "--items",
            str(items),
            "--generated",
            f"{generated:.1f}",
        ],
        check=True,
    )


def _kept(admin: str, name: str, items: int) -> tuple[str, float]:
    """The kept data set's URL and how long generating it took (0 when it was reused): the
    database is made afresh unless it is migrated and holds exactly `items` items."""
    import asyncpg

    parsed = make_url(admin)
    url = parsed.set(database=name).render_as_string(hide_password=False)

    async def admin_sql(sql: str) -> None:
        conn = await asyncpg.connect(
            host=parsed.host,
            port=parsed.port or 5432,
            user=parsed.username,
            password=parsed.password,
            database=parsed.database,
        )
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    async def held() -> int | None:
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                return int((await conn.execute(select(func.count(Ticket.id)))).scalar_one())
        except Exception:  # missing, or not (yet) migrated: made afresh
            return None
        finally:
            await engine.dispose()

    if asyncio.run(held()) == items:
        print(f"\npostgresql: reusing the {items:,} items kept in {name}")
        return url, 0.0
    asyncio.run(admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    asyncio.run(admin_sql(f'CREATE DATABASE "{name}"'))
    migrate.upgrade(url)
    started = time.perf_counter()
    asyncio.run(_generate(url, items))
    return url, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite-items", type=int, default=100_000)
    parser.add_argument("--postgres-items", type=int, default=1_000_000)
    parser.add_argument(
        "--keep-postgres",
        metavar="NAME",
        help="keep the PostgreSQL data set in database NAME and reuse it when it fits",
    )
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--items", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--generated", type=float, help=argparse.SUPPRESS)
    parser.add_argument(
        "--rows",
        type=int,
        default=28_310,
        help="rows each spreadsheet library writes in the comparison (0 skips it)",
    )
    parser.add_argument(
        "--writers-only", action="store_true", help="only compare the spreadsheet libraries"
    )
    parser.add_argument("--writer", choices=WRITERS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.writer:
        _measure_writer(args.writer, args.rows)
        return 0
    if args.measure:
        _report(args.database, args.items, args.generated, asyncio.run(_measure(args.measure)))
        return 0
    if args.rows:
        _compare_writers(args.rows)
    if args.writers_only:
        return 0
    if args.sqlite_items:
        with tempfile.TemporaryDirectory() as workdir:
            url = f"sqlite+aiosqlite:///{Path(workdir) / 'reports.db'}"
            migrate.upgrade(url)
            started = time.perf_counter()
            asyncio.run(_generate(url, args.sqlite_items))
            _measured("sqlite", url, args.sqlite_items, time.perf_counter() - started)
    admin = _postgres()
    if admin is None:
        print("\npostgresql: not reachable, skipped")
        return 0
    if args.keep_postgres:
        url, generated = _kept(admin, args.keep_postgres, args.postgres_items)
        _measured("postgresql", url, args.postgres_items, generated)
        return 0
    with fresh_postgres(admin, "desk_bench") as url:
        migrate.upgrade(url)
        started = time.perf_counter()
        asyncio.run(_generate(url, args.postgres_items))
        _measured("postgresql", url, args.postgres_items, time.perf_counter() - started)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The registry (登记表) as a spreadsheet managers sign off: one row per item with the
columns of the registration form, due times met or missed, a cancellation's time and
reason, the follow-up's verdict; the orders' money trail on a second sheet; repeat
problems on a third.

Rows are streamed from the database in batches; each batch is made into cells on a worker
thread and written by rust_xlsxwriter (its constant-memory mode: one row in memory) in a
child process while the next batch is fetched (see workbook_writer, and the benchmark's
comparison of the libraries). Rows are made of plain cells: text, numbers and empty cells;
times and days are numbers that their column's date format shows as dates.
Residents' names and phones are included only for readers allowed to see them (a
confidential resident's only for managers and the staff named on the item; others read
it masked), and the export is recorded in the access log.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo

from bot.domain.permissions import Remit, can_see_resident, shows_name, staff_viewer
from bot.domain.reports import Period
from bot.domain.staff import StaffMember
from bot.htmltext import plain
from bot.policy import Policy
from bot.services.workbook_writer import DAY_FORMAT, TIME_FORMAT, WorkbookWriter, frame
from bot.views import Views
from bot.views.report import label
from storage.repositories.reports import (
    MoneyRow,
    RegistryRow,
    count_registry,
    stream_money,
    stream_registry,
)
from storage.uow import UnitOfWork

REGISTRY_COLUMNS = (
    "reference",
    "kind",
    "received",
    "channel",
    "resident",
    "building",
    "unit",
    "phone",
    "category",
    "content",
    "location",
    "photos",
    "department",
    "wanted_by",
    "nature",
    "severity",
    "status",
    "owner",
    "assignee",
    "answer_due",
    "answered",
    "answer_met",
    "resolve_due",
    "resolved",
    "resolve_met",
    "cancelled",
    "cancel_reason",
    "result",
    "solved",
    "rating",
    "comment",
    "reopened",
    "service",
    "stage",
)
MONEY_COLUMNS = ("reference", "service", "at", "entry", "amount", "number", "note", "staff")
REPEAT_COLUMNS = ("category", "place", "times", "references")
# Columns holding a time or a day, and how each is shown.
REGISTRY_DATES = {
    "received": TIME_FORMAT,
    "wanted_by": DAY_FORMAT,
    "answer_due": TIME_FORMAT,
    "answered": TIME_FORMAT,
    "resolve_due": TIME_FORMAT,
    "resolved": TIME_FORMAT,
    "cancelled": TIME_FORMAT,
}
MONEY_DATES = {"at": TIME_FORMAT}
# Day zero of spreadsheet dates (as Excel and LibreOffice count since 1 March 1900).
SPREADSHEET_DAY_ZERO = date(1899, 12, 30)
UNIX_DAY_ZERO = 25569  # 1970-01-01 in spreadsheet days
_Row = TypeVar("_Row")


async def registry_size(uow: UnitOfWork, remit: Remit, period: Period, tz: ZoneInfo) -> int:
    """The rows the registry of the period will have (its items), counted before it is built."""
    start, end = period.bounds(tz)
    return await count_registry(uow.session, remit, start, end)


async def registry_workbook(
    uow: UnitOfWork,
    member: StaffMember,
    remit: Remit,
    period: Period,
    views: Views,
    language: str,
    policy: Policy,
    now: datetime,
) -> tuple[bytes, int]:
    """The .xlsx file and how many items it lists."""
    tz = views.tz
    start, end = period.bounds(tz)
    viewer = staff_viewer(member)
    personal = can_see_resident(viewer, estate_id=remit.estate_id, zone=None)
    masked = views.texts.text(language, "privacy.masked")
    labels = _Labels(views, language)
    when = _Times(tz)

    def registry(rows: Sequence[RegistryRow]) -> list[list[object]]:
        made = []
        for row in rows:
            resident = phone = None
            if personal:
                named = member.id in (row.owner_staff_id, row.assignee_staff_id)
                if shows_name(viewer, confidential=bool(row.confidential), named=named):
                    resident, phone = row.resident, row.phone
                else:
                    resident = phone = masked
            made.append(_registry_row(row, labels, when, resident=resident, phone=phone))
        return made

    def money(rows: Sequence[MoneyRow]) -> list[list[object]]:
        return [
            [
                row.reference,
                row.service,
                when(row.created_at),
                plain(label(views, language, "export.money", str(row.kind))),
                float(row.amount) if isinstance(row.amount, Decimal) else None,
                row.number,
                row.note,
                row.staff,
            ]
            for row in rows
        ]

    def header(prefix: str, columns: tuple[str, ...]) -> list[object]:
        return [plain(views.t(language, f"{prefix}{c}")) for c in columns]

    sheets = [
        (
            plain(views.t(language, "export.sheet_registry")),
            header("export.col_", REGISTRY_COLUMNS),
            _dated(REGISTRY_COLUMNS, REGISTRY_DATES),
        ),
        (
            plain(views.t(language, "export.sheet_money")),
            header("export.col_money_", MONEY_COLUMNS),
            _dated(MONEY_COLUMNS, MONEY_DATES),
        ),
        (
            plain(views.t(language, "export.sheet_repeats")),
            header("export.col_repeat_", REPEAT_COLUMNS),
            {},
        ),
    ]
    # Cells are made on a worker thread (the event loop keeps serving people) and written
    # by a child process (its own core) while the next batch is read.
    worker = ThreadPoolExecutor(1, thread_name_prefix="export")
    loop = asyncio.get_running_loop()

    def framed(
        sheet: int, make: Callable[[Sequence[_Row]], list[list[object]]]
    ) -> Callable[[list[_Row]], Awaitable[bytes]]:
        def made(rows: list[_Row]) -> Awaitable[bytes]:
            return loop.run_in_executor(worker, lambda: frame(("append", sheet, make(rows))))

        return made

    book = await WorkbookWriter.start(sheets)
    try:
        listed = await _pipelined(
            stream_registry(uow.session, remit, start, end), framed(0, registry), book.send
        )
        await _pipelined(stream_money(uow.session, remit, start, end), framed(1, money), book.send)
        rules = policy.reports
        found = await uow.reports.repeats(
            remit, end, timedelta(days=rules.repeat_days), rules.repeat_times
        )
        repeats: list[list[object]] = [
            [
                plain(label(views, language, "category", repeat.category)),
                repeat.place,
                repeat.count,
                ", ".join(repeat.references),
            ]
            for repeat in found
        ]
        await book.send(frame(("append", 2, repeats)))
        data = await book.close()
    except BaseException:
        await book.discard()
        raise
    finally:
        worker.shutdown(wait=False)
    if personal and listed:
        uow.access_log.record(
            staff_id=member.id, resident_id=None, ticket_id=None, what="export", now=now
        )
    return data, listed


def _dated(columns: tuple[str, ...], formats: dict[str, str]) -> dict[int, str]:
    return {number: formats[name] for number, name in enumerate(columns) if name in formats}


async def _pipelined(
    batches: AsyncIterator[list[_Row]],
    framed: Callable[[list[_Row]], Awaitable[bytes]],
    send: Callable[[bytes], Awaitable[None]],
) -> int:
    """Fetch the next batch while this one is made into cells and the child writes the one
    before: the database, the bot and the writer each work on their own core meanwhile."""
    queue: asyncio.Queue[list[_Row] | None] = asyncio.Queue(maxsize=2)

    async def fetch() -> None:
        try:
            async for rows in batches:
                await queue.put(rows)
        finally:
            await queue.put(None)

    async def store() -> int:
        count = 0
        while (rows := await queue.get()) is not None:
            await send(await framed(rows))
            count += len(rows)
        return count

    async with asyncio.TaskGroup() as group:  # one failing stops the other
        group.create_task(fetch())
        stored = group.create_task(store())
    return stored.result()


class _Labels:
    """Catalogue labels as cells (plain text), each looked up once per export: a month is
    tens of thousands of rows."""

    def __init__(self, views: Views, language: str) -> None:
        self._views, self._language = views, language
        self._found: dict[tuple[str, str | None], str | None] = {}

    def __call__(self, key: str) -> str:
        found = self._found.get((key, None))
        if found is None:
            found = self._found[key, None] = self._views.texts.text(self._language, key)
        return found

    def kind(self, kind: str) -> str:
        found = self._found.get(("kind", kind))
        if found is None:
            found = self._found["kind", kind] = plain(self._views.kind(self._language, kind))
        return found

    def category(self, kind: str, category: str | None) -> str | None:
        if not category:
            return None
        found = self._found.get((kind, category))
        if found is None:
            key = f"repair.type_{category}" if kind == "repair" else f"category.{category}"
            texts = self._views.texts
            found = texts.text(self._language, key) if texts.has(self._language, key) else category
            self._found[kind, category] = found
        return found


def _registry_row(
    row: RegistryRow, t: _Labels, when: _Times, *, resident: str | None, phone: str | None
) -> list[object]:
    """One item's cells, in the order of REGISTRY_COLUMNS; None leaves a cell empty."""
    kind = row.kind
    if row.location_kind == "own_unit":
        location = f"{row.building or ''} {row.unit or ''}".strip() or None
    else:
        location = row.location_text
    wanted = row.requested_by
    return [
        row.reference,
        t.kind(kind),
        when(row.created_at),
        t(f"channel.{row.channel}"),
        resident,
        row.building,
        row.unit,
        phone,
        t.category(kind, row.category),
        row.description,
        location,
        int(row.photos or 0),
        t(f"department.{row.department}") if row.department else None,
        (wanted - SPREADSHEET_DAY_ZERO).days if isinstance(wanted, date) else None,
        t(f"nature.{row.nature}") if row.nature else None,
        t(f"severity.{row.severity or 'unset'}"),
        t(f"status.{row.status}"),
        row.owner,
        row.assignee,
        when(row.first_answer_due_at),
        when(row.first_answered_at),
        _met(t, row.first_answered_at, row.first_answer_due_at, row.cancelled_at),
        when(row.resolve_due_at),
        when(row.resolved_at),
        _met(t, row.resolved_at, row.resolve_due_at, row.cancelled_at),
        when(row.cancelled_at),
        row.cancel_reason,
        row.result,
        _yes_no(t, row.solved),
        row.rating,
        row.feedback,
        int(row.reopen_count or 0),
        row.service,
        row.stage,
    ]


class _Times:
    """Times as spreadsheets keep them: days since their day zero, the time of day as the
    fraction, to the second (what XlsxWriter makes of a datetime). Spreadsheets have no
    time zones, so it is the desk's local time, as people read it. The zone's offset is
    looked up once per hour (a month's export converts over a hundred thousand times); in
    an hour during which the offset changes, each time is converted on its own."""

    def __init__(self, tz: ZoneInfo) -> None:
        self._tz = tz
        self._offsets: dict[int, int | None] = {}

    def __call__(self, value: datetime | None) -> float | None:
        if value is None:
            return None
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        seconds = math.floor(aware.timestamp())
        hour = seconds // 3600
        offsets = self._offsets
        if hour not in offsets:
            first, last = self._offset(hour * 3600), self._offset(hour * 3600 + 3599)
            offsets[hour] = first if first == last else None
        offset = offsets[hour]
        if offset is None:
            offset = self._offset(seconds)
        days, rest = divmod(seconds + offset, 86400)
        return days + UNIX_DAY_ZERO + rest / 86400

    def _offset(self, seconds: int) -> int:
        shown = datetime.fromtimestamp(seconds, self._tz).utcoffset()
        return int(shown.total_seconds()) if shown is not None else 0


def _met(t: _Labels, done: object, due: object, cancelled: object) -> str | None:
    """Met or missed; not done yet is pending, unless the item was cancelled: its clock
    stopped with it, so it is neither late nor in time."""
    if not isinstance(due, datetime):
        return None
    if not isinstance(done, datetime):
        return t("export.cancelled" if isinstance(cancelled, datetime) else "export.pending")
    return _yes_no(t, _utc(done) <= _utc(due))


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _yes_no(t: _Labels, value: object) -> str | None:
    if value is None:
        return None
    return t("common.yes" if value else "common.no")

"""The registry (登记表) as a spreadsheet managers sign off: one row per item with the
columns of the registration form, due times met or missed, a cancellation's time and
reason, the follow-up's verdict; the orders' money trail on a second sheet; repeat
problems on a third.

Rows are streamed from the database in batches and kept as plain values; XlsxWriter
writes the file at the end, in a worker thread, row by row (its constant-memory mode). Of
the libraries the benchmark compares it is the fastest whose file every reader opens as
written (PyExcelerate is faster still but leaves out the sheet's dimensions, so readers
that trust them see short rows). Dates stay dates: their columns carry a date format.
Residents' names and phones are included only for readers allowed to see them (a
confidential resident's only for managers and the staff named on the item; others read
it masked), and the export is recorded in the access log.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup

from bot.domain.permissions import Remit, can_see_resident, shows_name, staff_viewer
from bot.domain.reports import Period
from bot.domain.staff import StaffMember
from bot.policy import Policy
from bot.views import Views
from bot.views.report import label
from storage.repositories.reports import count_registry, stream_money, stream_registry
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
TIME_FORMAT, DAY_FORMAT = "yyyy-mm-dd h:mm:ss", "yyyy-mm-dd"
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
    personal = can_see_resident(staff_viewer(member), estate_id=remit.estate_id, zone=None)
    sheet = [_cells([views.t(language, f"export.col_{c}") for c in REGISTRY_COLUMNS])]
    t = _labels(views, language)
    viewer = staff_viewer(member)
    masked = views.texts.text(language, "privacy.masked")

    def write(rows: list[dict[str, Any]]) -> None:
        for row in rows:
            named = member.id in (row["owner_staff_id"], row["assignee_staff_id"])
            shown = shows_name(viewer, confidential=bool(row["confidential"]), named=named)
            if personal and not shown:
                row = {**row, "resident": masked, "phone": masked}
            sheet.append(_registry_row(views, language, tz, row, personal=personal, t=t))

    listed = await _pipelined(stream_registry(uow.session, remit, start, end), write)
    money: list[list[object]] = [
        _cells([views.t(language, f"export.col_money_{c}") for c in MONEY_COLUMNS])
    ]
    async for rows in stream_money(uow.session, remit, start, end):
        for row in rows:
            money.append(
                _cells(
                    [
                        row["reference"],
                        row["service"] or "",
                        _local(row["created_at"], tz),
                        label(views, language, "export.money", str(row["kind"])),
                        float(row["amount"]) if isinstance(row["amount"], Decimal) else None,
                        row["number"] or "",
                        row["note"] or "",
                        row["staff"] or "",
                    ]
                )
            )
    repeats: list[list[object]] = [
        _cells([views.t(language, f"export.col_repeat_{c}") for c in REPEAT_COLUMNS])
    ]
    rules = policy.reports
    found = await uow.reports.repeats(
        remit, end, timedelta(days=rules.repeat_days), rules.repeat_times
    )
    for repeat in found:
        repeats.append(
            _cells(
                [
                    label(views, language, "category", repeat.category),
                    repeat.place,
                    repeat.count,
                    ", ".join(repeat.references),
                ]
            )
        )
    if personal and listed:
        uow.access_log.record(
            staff_id=member.id, resident_id=None, ticket_id=None, what="export", now=now
        )
    sheets: list[tuple[str, list[list[object]], dict[int, str]]] = [
        (
            str(views.t(language, "export.sheet_registry")),
            sheet,
            _dated(REGISTRY_COLUMNS, REGISTRY_DATES),
        ),
        (str(views.t(language, "export.sheet_money")), money, _dated(MONEY_COLUMNS, MONEY_DATES)),
        (str(views.t(language, "export.sheet_repeats")), repeats, {}),
    ]
    return await asyncio.to_thread(_xlsx, sheets), listed


def _dated(columns: tuple[str, ...], formats: dict[str, str]) -> dict[int, str]:
    return {number: formats[name] for number, name in enumerate(columns, 1) if name in formats}


def _xlsx(sheets: list[tuple[str, list[list[object]], dict[int, str]]]) -> bytes:
    """The workbook's bytes: each sheet's rows, written as they come (XlsxWriter's constant
    memory mode), times in the time format and days in the day format."""
    # Loaded when first needed: most processes never export.
    import xlsxwriter

    buffer = io.BytesIO()
    options = {
        "constant_memory": True,
        "default_date_format": TIME_FORMAT,
        # A resident's text is text, even when it starts with "=" or looks like a link.
        "strings_to_formulas": False,
        "strings_to_urls": False,
    }
    with xlsxwriter.Workbook(buffer, options) as book:
        formats = {shown: book.add_format({"num_format": shown}) for shown in (DAY_FORMAT,)}
        for name, rows, dated in sheets:
            written = book.add_worksheet(name)
            days = [(c - 1, formats[f]) for c, f in dated.items() if f in formats]
            for number, row in enumerate(rows):
                written.write_row(number, 0, row)
                for column, shown in days:
                    if isinstance(row[column], date):
                        written.write_datetime(number, column, row[column], shown)
            rows.clear()
    return buffer.getvalue()


async def _pipelined(
    batches: AsyncIterator[list[dict[str, Any]]], write: Callable[[list[dict[str, Any]]], None]
) -> int:
    """Fetch the next batch while a worker thread writes this one: the export takes about
    as long as the slower of the two, and the event loop keeps serving people meanwhile."""
    queue: asyncio.Queue[list[dict[str, Any]] | None] = asyncio.Queue(maxsize=2)

    async def fetch() -> None:
        try:
            async for rows in batches:
                await queue.put(rows)
        finally:
            await queue.put(None)

    async def store() -> int:
        count = 0
        while (rows := await queue.get()) is not None:
            await asyncio.to_thread(write, rows)
            count += len(rows)
        return count

    async with asyncio.TaskGroup() as group:  # one failing stops the other
        group.create_task(fetch())
        stored = group.create_task(store())
    return stored.result()


def _labels(views: Views, language: str) -> Callable[[str], str]:
    """Labels by key, each looked up once per export (a month is tens of thousands of rows)."""
    cache: dict[str, str] = {}

    def t(key: str) -> str:
        found = cache.get(key)
        if found is None:
            found = cache[key] = views.texts.text(language, key)
        return found

    return t


def _registry_row(
    views: Views,
    language: str,
    tz: ZoneInfo,
    row: dict[str, Any],
    *,
    personal: bool,
    t: Callable[[str], str],
) -> list[object]:
    own = row["location_kind"] == "own_unit"
    location = (
        f"{row['building'] or ''} {row['unit'] or ''}".strip() if own else row["location_text"]
    )
    values = [
        row["reference"],
        views.kind(language, str(row["kind"])),
        _local(row["created_at"], tz),
        t(f"channel.{row['channel']}"),
        (row["resident"] or "") if personal else "",
        row["building"] or "",
        row["unit"] or "",
        (row["phone"] or "") if personal else "",
        _category(views, language, str(row["kind"]), row["category"], t),
        row["description"],
        location or "",
        int(row["photos"] or 0),
        t(f"department.{row['department']}") if row["department"] else "",
        row["requested_by"] if isinstance(row["requested_by"], date) else None,
        t(f"nature.{row['nature']}") if row["nature"] else "",
        t(f"severity.{row['severity'] or 'unset'}"),
        t(f"status.{row['status']}"),
        row["owner"] or "",
        row["assignee"] or "",
        _local(row["first_answer_due_at"], tz),
        _local(row["first_answered_at"], tz),
        _met(t, row["first_answered_at"], row["first_answer_due_at"], row["cancelled_at"]),
        _local(row["resolve_due_at"], tz),
        _local(row["resolved_at"], tz),
        _met(t, row["resolved_at"], row["resolve_due_at"], row["cancelled_at"]),
        _local(row["cancelled_at"], tz),
        row["cancel_reason"] or "",
        row["result"] or "",
        _yes_no(t, row["solved"]),
        row["rating"],
        row["feedback"] or "",
        int(row["reopen_count"] or 0),
        row["service"] or "",
        row["stage"] or "",
    ]
    return _cells(values)


def _cells(values: list[object]) -> list[object]:
    """Cells as PyExcelerate takes them: an empty cell costs nothing to write (an empty
    string is a cell of its own), and a catalogue's HTML-safe text becomes plain `str`
    (the library escapes text itself, with `str` methods a safe-HTML string overrides)."""
    return [
        None if value == "" else str(value) if isinstance(value, Markup) else value
        for value in values
    ]


def _local(value: object, tz: ZoneInfo) -> datetime | None:
    """Spreadsheets have no time zones: the desk's local time, as people read it."""
    if not isinstance(value, datetime):
        return None
    aware = value if value.tzinfo else value.replace(tzinfo=ZoneInfo("UTC"))
    return aware.astimezone(tz).replace(tzinfo=None, microsecond=0)


def _category(
    views: Views, language: str, kind: str, category: str | None, t: Callable[[str], str]
) -> str:
    if not category:
        return ""
    key = f"repair.type_{category}" if kind == "repair" else f"category.{category}"
    return t(key) if views.texts.has(language, key) else category


def _met(t: Callable[[str], str], done: object, due: object, cancelled: object) -> str:
    """Met or missed; not done yet is pending, unless the item was cancelled: its clock
    stopped with it, so it is neither late nor in time."""
    if not isinstance(due, datetime):
        return ""
    if not isinstance(done, datetime):
        return t("export.cancelled" if isinstance(cancelled, datetime) else "export.pending")
    return _yes_no(t, _utc(done) <= _utc(due))


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo("UTC"))


def _yes_no(t: Callable[[str], str], value: object) -> str:
    if value is None:
        return ""
    return t("common.yes" if value else "common.no")

"""The registry (登记表) as a spreadsheet managers sign off: one row per item with the
columns of the registration form, due times met or missed, a cancellation's time and
reason, the follow-up's verdict; the orders' money trail on a second sheet; repeat
problems on a third.

Rows are streamed from the database in batches into a write-only workbook (openpyxl keeps
written rows on disk, not in memory), so a month of a large estate stays small in RAM.
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
    from openpyxl import Workbook  # loaded when first needed: most processes never export

    tz = views.tz
    start, end = period.bounds(tz)
    personal = can_see_resident(staff_viewer(member), estate_id=remit.estate_id, zone=None)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(views.t(language, "export.sheet_registry"))
    sheet.append([views.t(language, f"export.col_{c}") for c in REGISTRY_COLUMNS])
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
    money = book.create_sheet(views.t(language, "export.sheet_money"))
    money.append([views.t(language, f"export.col_money_{c}") for c in MONEY_COLUMNS])
    async for rows in stream_money(uow.session, remit, start, end):
        for row in rows:
            money.append(
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
    repeats = book.create_sheet(views.t(language, "export.sheet_repeats"))
    repeats.append([views.t(language, f"export.col_repeat_{c}") for c in REPEAT_COLUMNS])
    rules = policy.reports
    found = await uow.reports.repeats(
        remit, end, timedelta(days=rules.repeat_days), rules.repeat_times
    )
    for repeat in found:
        repeats.append(
            [
                label(views, language, "category", repeat.category),
                repeat.place,
                repeat.count,
                ", ".join(repeat.references),
            ]
        )
    if personal and listed:
        uow.access_log.record(
            staff_id=member.id, resident_id=None, ticket_id=None, what="export", now=now
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), listed


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
    # An empty cell costs nothing to write; an empty string is a cell of its own.
    return [value if value != "" else None for value in values]


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

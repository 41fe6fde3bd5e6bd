"""The registry (登记表) as a spreadsheet managers sign off: one row per item with the
columns of the registration form, due times met or missed, the follow-up's verdict; the
orders' money trail on a second sheet; repeat problems on a third.

Rows are streamed from the database in batches into a write-only workbook (openpyxl keeps
written rows on disk, not in memory), so a month of a large estate stays small in RAM.
Residents' names and phones are included only for readers allowed to see them, and the
export is recorded in the access log.
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from bot.domain.permissions import Remit, can_see_resident, staff_viewer
from bot.domain.reports import Period
from bot.domain.staff import StaffMember
from bot.policy import Policy
from bot.views import Views
from bot.views.report import label
from storage.repositories.reports import stream_money, stream_registry
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
    book = Workbook(write_only=True)
    sheet = book.create_sheet(views.t(language, "export.sheet_registry"))
    sheet.append([views.t(language, f"export.col_{c}") for c in REGISTRY_COLUMNS])
    listed = 0
    async for rows in stream_registry(uow.session, remit, start, end):
        for row in rows:
            sheet.append(_registry_row(views, language, tz, row, personal=personal))
        listed += len(rows)
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


def _registry_row(
    views: Views, language: str, tz: ZoneInfo, row: dict[str, Any], *, personal: bool
) -> list[object]:
    t = views.t
    own = row["location_kind"] == "own_unit"
    location = (
        f"{row['building'] or ''} {row['unit'] or ''}".strip() if own else row["location_text"]
    )
    return [
        row["reference"],
        t(language, f"kind.{row['kind']}"),
        _local(row["created_at"], tz),
        t(language, f"channel.{row['channel']}"),
        (row["resident"] or "") if personal else "",
        row["building"] or "",
        row["unit"] or "",
        (row["phone"] or "") if personal else "",
        views.category(language, str(row["kind"]), row["category"]) if row["category"] else "",
        row["description"],
        location or "",
        int(row["photos"] or 0),
        t(language, f"department.{row['department']}") if row["department"] else "",
        row["requested_by"] if isinstance(row["requested_by"], date) else None,
        t(language, f"nature.{row['nature']}") if row["nature"] else "",
        t(language, f"severity.{row['severity'] or 'unset'}"),
        t(language, f"status.{row['status']}"),
        row["owner"] or "",
        row["assignee"] or "",
        _local(row["first_answer_due_at"], tz),
        _local(row["first_answered_at"], tz),
        _met(views, language, row["first_answered_at"], row["first_answer_due_at"]),
        _local(row["resolve_due_at"], tz),
        _local(row["resolved_at"], tz),
        _met(views, language, row["resolved_at"], row["resolve_due_at"]),
        row["result"] or "",
        _yes_no(views, language, row["solved"]),
        row["rating"],
        row["feedback"] or "",
        int(row["reopen_count"] or 0),
        row["service"] or "",
        row["stage"] or "",
    ]


def _local(value: object, tz: ZoneInfo) -> datetime | None:
    """Spreadsheets have no time zones: the desk's local time, as people read it."""
    if not isinstance(value, datetime):
        return None
    aware = value if value.tzinfo else value.replace(tzinfo=ZoneInfo("UTC"))
    return aware.astimezone(tz).replace(tzinfo=None, microsecond=0)


def _met(views: Views, language: str, done: object, due: object) -> str:
    if not isinstance(due, datetime):
        return ""
    if not isinstance(done, datetime):
        return views.t(language, "export.pending")
    return _yes_no(views, language, _utc(done) <= _utc(due))


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo("UTC"))


def _yes_no(views: Views, language: str, value: object) -> str:
    if value is None:
        return ""
    return views.t(language, "common.yes" if value else "common.no")

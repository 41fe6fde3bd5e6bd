"""What the Mini App reads, as plain data ready for JSON: the /status board, the list behind
a line, an item's card with its timeline, the report's chart.

Read-only, and built from what the chat commands use (bot.services.registry for the board
and its lists, bot.services.items' access rule and bot.views.card for the card,
bot.services.reports and bot.views.report for the chart), so the figures are the ones
/status shows the same reader, within the same remit. Texts come from the catalogues in
the reader's language as plain text: the page inserts them with `textContent`, so nothing
is escaped here and nothing twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.estate import EstatePlan
from bot.domain.kinds import kinds
from bot.domain.permissions import remit_of, staff_viewer
from bot.domain.registry import STATUS_SCREEN, Filters, Line
from bot.domain.reports import Period, PeriodKind, parse_period
from bot.domain.staff import Department, StaffMember
from bot.domain.tickets import TicketFacts
from bot.domain.validation import Invalid
from bot.htmltext import plain
from bot.services import access, registry, reports
from bot.services.items import links_of
from bot.views import Views, timeline_line
from bot.views.card import card
from bot.views.report import report_chart
from storage.repositories.staff import member_of
from storage.uow import UnitOfWork

PER_PAGE = 20
MAX_PAGE = 10_000
CHART_WEEKS = 12  # the chart's weeks when no period is chosen
# The texts the page itself shows (its buttons, headings, messages), in the reader's
# language; every other text comes with the data it labels.
PAGE_TEXTS = (
    "webapp.title",
    "webapp.board",
    "webapp.chart",
    "webapp.back",
    "webapp.loading",
    "webapp.failed",
    "webapp.refused",
    "webapp.filters",
    "webapp.zone",
    "webapp.building",
    "webapp.department",
    "webapp.kind",
    "webapp.period",
    "webapp.any",
    "webapp.period_any",
    "webapp.period_week",
    "webapp.period_month",
    "webapp.period_range",
    "webapp.from",
    "webapp.to",
    "webapp.apply",
    "webapp.reset",
    "webapp.timeline",
    "registry.empty",
    "button.previous",
    "button.next",
)
# Before the reader is known (no signed data yet): what the page's frame says, both languages.
SHELL_TEXTS = ("webapp.title", "webapp.loading", "webapp.refused", "webapp.failed")


class BadRequest(ValueError):
    """A parameter the API does not understand; the message is for the reader."""


async def reader(uow: UnitOfWork, telegram_user_id: int) -> StaffMember | None:
    """The active staff member Telegram says opened the app (their role, zone and estate
    as the database has them); None for anyone else, a deactivated member included."""
    row = await uow.staff.by_telegram_id(telegram_user_id)
    if row is None:
        return None
    member = member_of(row)
    if not member.active or remit_of(staff_viewer(member)) is None:
        return None
    return member


def _text(views: Views, language: str, key: str, /, **values: object) -> str:
    return plain(views.t(language, key, **values))


def shell_texts(views: Views) -> dict[str, dict[str, str]]:
    """The page's frame in every language, for before (or instead of) a signed reader."""
    return {
        language: {key: _text(views, language, key) for key in SHELL_TEXTS}
        for language in views.texts.languages
    }


def me(views: Views, member: StaffMember, plan: EstatePlan) -> dict[str, Any]:
    """Who reads (from the database), the page's texts and the filters' choices."""
    language = member.language
    return {
        "language": language,
        "who": _text(
            views,
            language,
            "webapp.who",
            name=member.name,
            role=views.t(language, f"role.{member.role.value}"),
        ),
        "texts": {key: _text(views, language, key) for key in PAGE_TEXTS},
        "options": {
            "zone": [{"value": z, "label": z} for z in plan.zones()],
            "building": [{"value": b.code, "label": b.name} for b in plan.buildings],
            "department": [
                {"value": d.value, "label": _text(views, language, f"department.{d.value}")}
                for d in Department
            ],
            "kind": [
                {"value": k.code, "label": plain(views.kind(language, k.code))} for k in kinds()
            ],
        },
    }


def filters_of(
    args: Mapping[str, str], today: date, tz: ZoneInfo, views: Views, language: str
) -> Filters:
    """The filters a request names (zone, building, department, kind; `period` week or
    month, or `from` and `to` days, of filing). BadRequest for a value not understood."""
    department = args.get("department") or None
    if department is not None and department not in {d.value for d in Department}:
        raise BadRequest(_text(views, language, "webapp.bad_filter"))
    kind = args.get("kind") or None
    if kind is not None and kind not in {k.code for k in kinds()}:
        raise BadRequest(_text(views, language, "webapp.bad_filter"))
    zone, building = args.get("zone") or None, args.get("building") or None
    if any(value is not None and len(value) > 64 for value in (zone, building)):
        raise BadRequest(_text(views, language, "webapp.bad_filter"))
    period = period_of(args, today, views, language)
    start, end = period.bounds(tz) if period is not None else (None, None)
    return Filters(zone, building, department, kind, start, end)


def period_of(args: Mapping[str, str], today: date, views: Views, language: str) -> Period | None:
    """`from` and `to` (inclusive days), or `period` week or month, as /report reads them;
    None: any time."""
    first, last, named = args.get("from"), args.get("to"), args.get("period")
    if first or last:
        found = parse_period(f"{first or last} {last or first}", today)
    elif named:
        found = parse_period(named, today) if named in ("week", "month") else Invalid("")
    else:
        return None
    if isinstance(found, Invalid):
        raise BadRequest(_text(views, language, "report.bad_period"))
    return found


def page_of(args: Mapping[str, str]) -> int:
    raw = args.get("page") or "0"
    if not raw.isdigit() or int(raw) > MAX_PAGE:
        raise BadRequest("page")
    return int(raw)


def line_of(args: Mapping[str, str], views: Views, language: str) -> Line:
    wanted = args.get("line", "")
    shown = {line.value for group in STATUS_SCREEN for line in group}
    if wanted not in shown:
        raise BadRequest(_text(views, language, "webapp.bad_filter"))
    return Line(wanted)


async def board(
    uow: UnitOfWork,
    views: Views,
    member: StaffMember,
    filters: Filters,
    now: datetime,
) -> dict[str, Any]:
    """The lines of /status in its groups and order, each with its count."""
    counts = await registry.status(uow, member, now, views.tz, filters)
    language = member.language
    return {
        "title": _text(views, language, "registry.status_title"),
        "groups": [
            [
                {
                    "line": line.value,
                    "label": _text(views, language, f"registry.line_{line.value}"),
                    "count": counts.get(line, 0),
                }
                for line in group
            ]
            for group in STATUS_SCREEN
        ],
    }


def _item(views: Views, language: str, item: TicketFacts) -> dict[str, Any]:
    due = item.resolve_due_at or item.first_answer_due_at
    return {
        "id": item.id,
        "reference": item.reference,
        "kind": plain(views.kind(language, item.kind.value)),
        "status": _text(views, language, f"status.{item.status.value}"),
        "due": views.moment(language, due) if due else "—",
        "description": item.description[:200],
    }


async def listing(
    uow: UnitOfWork,
    views: Views,
    member: StaffMember,
    line: Line,
    filters: Filters,
    page: int,
    now: datetime,
) -> dict[str, Any]:
    """A page of a line's items, most urgent first, as /status's lists order them."""
    found = await registry.listing(
        uow, member, line, now, views.tz, page, filters=filters, per_page=PER_PAGE
    )
    language = member.language
    return {
        "title": _text(views, language, f"registry.line_{line.value}"),
        "head": _text(
            views,
            language,
            "registry.list_head",
            total=found.total,
            page=found.page + 1,
            pages=found.pages,
        ),
        "page": found.page,
        "pages": found.pages,
        "total": found.total,
        "items": [_item(views, language, item) for item in found.items],
    }


async def item_card(
    uow: UnitOfWork, views: Views, member: StaffMember, ticket_id: int, now: datetime
) -> dict[str, Any] | None:
    """The item's card as /ticket shows it (its buttons left out: the app only reads) and
    its whole timeline; None if the reader may not see it (as a missing item reads). A
    view allowed only by access granted beyond the remit is logged, as in the chat."""
    item = await uow.tickets.facts(ticket_id)
    if item is None:
        return None
    viewer = await access.may_view(uow, member, item, now)
    if viewer is None:
        return None
    language = member.language
    screen = card(views, language, item, viewer, links=await links_of(uow, item.id))
    entries = await uow.tickets.timeline(item.id)
    return {
        "id": item.id,
        "reference": item.reference,
        "status": _text(views, language, f"status.{item.status.value}"),
        "card": plain(screen.text),
        "timeline_title": _text(views, language, "webapp.timeline"),
        "timeline": [
            plain(timeline_line(views, language, entry, note=True, limit=1000))
            for entry in entries
        ],
    }


def chart_period(period: Period | None, today: date) -> Period:
    """The chosen period, or the last CHART_WEEKS weeks to today."""
    if period is not None:
        return period
    end = today + timedelta(days=1)
    return Period(PeriodKind.RANGE, end - timedelta(weeks=CHART_WEEKS), end)


async def chart(
    uow: UnitOfWork,
    views: Views,
    member: StaffMember,
    period: Period,
    filters: Filters,
) -> bytes:
    """The report's chart (a PNG) for the period, within the remit and the filters; drawn
    off the event loop, so the bot keeps answering meanwhile."""
    remit = remit_of(staff_viewer(member))
    if remit is None:
        raise BadRequest("no remit")
    weeks = await reports.weekly(uow, remit, period, views.tz, filters)
    return await asyncio.to_thread(report_chart, views, member.language, weeks)


def today_of(now: datetime, tz: ZoneInfo) -> date:
    return now.astimezone(tz).date()

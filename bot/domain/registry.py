"""What managers and staff ask the registry: the lines of /status (each a list of items),
and what /find understands (a reference, a unit, a date range, or words)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.references import looks_like_reference
from bot.domain.tickets import Severity, TicketStatus


class Line(StrEnum):
    """One line of /status, and the list of items behind it."""

    NEW = "new"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"
    REVIEW = "review"
    REOPENED = "reopened"
    GENERAL = "sev_general"
    IMPORTANT = "sev_important"
    MAJOR = "sev_major"
    UNCLASSIFIED = "sev_unset"
    ANSWER_OVERDUE = "answer_overdue"
    RESOLVE_OVERDUE = "resolve_overdue"
    DUE_TODAY = "due_today"
    AWAITING_FOLLOWUP = "followup"
    REOPENED_EVER = "reopened_ever"
    ORDERS_TODAY = "orders_today"
    CARRIED_OVER = "carried"
    # Lists without a line of their own on /status:
    OVERDUE = "overdue"  # either clock missed
    MINE = "mine"  # owned by or assigned to the reader


BY_STATUS = {
    Line.NEW: TicketStatus.NEW,
    Line.ACCEPTED: TicketStatus.ACCEPTED,
    Line.IN_PROGRESS: TicketStatus.IN_PROGRESS,
    Line.WAITING: TicketStatus.WAITING,
    Line.REVIEW: TicketStatus.REVIEW,
    Line.REOPENED: TicketStatus.REOPENED,
}
BY_SEVERITY = {
    Line.GENERAL: Severity.GENERAL,
    Line.IMPORTANT: Severity.IMPORTANT,
    Line.MAJOR: Severity.MAJOR,
    Line.UNCLASSIFIED: None,
}
# The order /status shows them in, in groups.
STATUS_SCREEN = (
    (Line.ANSWER_OVERDUE, Line.RESOLVE_OVERDUE, Line.DUE_TODAY, Line.CARRIED_OVER),
    tuple(BY_STATUS),
    tuple(BY_SEVERITY),
    (Line.AWAITING_FOLLOWUP, Line.REOPENED_EVER, Line.ORDERS_TODAY),
)


@dataclass(frozen=True, slots=True)
class Today:
    """ "Now" and the desk's day around it, for due-today and orders-today."""

    now: datetime
    start: datetime
    end: datetime

    @classmethod
    def of(cls, now: datetime, tz: ZoneInfo) -> Today:
        day = now.astimezone(tz).date()
        start = datetime.combine(day, time(0), tz)
        return cls(now, start, start + timedelta(days=1))


@dataclass(frozen=True, slots=True)
class Filters:
    """What the managers' Mini App narrows the registry to: a zone, a building (its code),
    a department, a kind, and when items were filed (from inclusive, until exclusive).
    Always within the reader's remit, never beyond it; empty, it narrows nothing (the chat
    commands pass none)."""

    zone: str | None = None
    building: str | None = None
    department: str | None = None
    kind: str | None = None
    filed_from: datetime | None = None
    filed_until: datetime | None = None

    @property
    def empty(self) -> bool:
        return self == NO_FILTERS

    def any_time(self) -> Filters:
        """The same, whenever filed (the chart's weeks choose their own time)."""
        return Filters(self.zone, self.building, self.department, self.kind)


NO_FILTERS = Filters()


class SearchKind(StrEnum):
    REFERENCE = "reference"
    UNIT = "unit"
    DATES = "dates"
    WORDS = "words"


@dataclass(frozen=True, slots=True)
class Search:
    kind: SearchKind
    text: str = ""
    building: str | None = None  # a unit search: "3-1202" names the building, "1202" not
    unit: str | None = None
    start: date | None = None
    end: date | None = None  # inclusive


_UNIT = re.compile(r"^(?:(?P<b>[A-Za-z0-9]{1,8})\s*[-栋#]\s*)?(?P<u>\d{3,5}[A-Za-z]?)室?$")
_DAY = r"(\d{4}-\d{1,2}-\d{1,2})"
_RANGE = re.compile(rf"^{_DAY}\s*(?:\.\.|~|to|至|-{{2}}|\s)\s*{_DAY}$")


def parse_search(text: str) -> Search | None:
    """A reference, a unit ("3-1202", "1202"), a date range ("2026-11-01 2026-11-20"), or
    words to look for in what residents wrote and in their names (2 characters at least)."""
    raw = " ".join(text.split())
    if not raw:
        return None
    if looks_like_reference(raw):
        return Search(SearchKind.REFERENCE, raw.upper())
    found = _RANGE.match(raw)
    if found:
        try:
            start, end = (date.fromisoformat(_padded(d)) for d in found.groups())
        except ValueError:
            return None
        return Search(SearchKind.DATES, raw, start=min(start, end), end=max(start, end))
    unit = _UNIT.match(raw)
    if unit:
        return Search(SearchKind.UNIT, raw, building=unit.group("b"), unit=unit.group("u"))
    if len(raw) < 2:
        return None
    return Search(SearchKind.WORDS, raw[:100])


def _padded(day: str) -> str:
    year, month, dom = day.split("-")
    return f"{year}-{int(month):02d}-{int(dom):02d}"

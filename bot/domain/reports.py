"""What the reports say and over which days: the periods people ask for, and the figures
of the weekly and monthly analysis (the storage layer computes them in SQL).

A period is local calendar days, the end exclusive. "week" and "month" asked on demand
run to today; the pushed reports cover the last full week (Monday to Sunday) and month.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.validation import Invalid


class PeriodKind(StrEnum):
    WEEK = "week"
    MONTH = "month"
    RANGE = "range"


@dataclass(frozen=True, slots=True)
class Period:
    kind: PeriodKind
    start: date
    end: date  # exclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def previous(self) -> Period:
        """The period just before, as long (a month: the calendar month before)."""
        if self.kind is PeriodKind.MONTH and self.start.day == 1:
            start = (self.start - timedelta(days=1)).replace(day=1)
            if self.end.day == 1:  # a whole month: the whole month before
                return Period(self.kind, start, self.start)
            return Period(self.kind, start, min(start + (self.end - self.start), self.start))
        return Period(self.kind, self.start - (self.end - self.start), self.start)

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        return (
            datetime.combine(self.start, time(0), tz),
            datetime.combine(self.end, time(0), tz),
        )


MAX_DAYS = 3 * 366
_RANGE = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})\s+(?:to\s+|至\s*|~\s*)?(\d{4}-\d{1,2}-\d{1,2})$")


def parse_period(text: str, today: date) -> Period | Invalid:
    """ "week" (this week so far), "month" (this month so far), or two dates, inclusive."""
    raw = " ".join(text.lower().split())
    if raw in ("", "week", "w", "本周", "周"):
        return week_so_far(today)
    if raw in ("month", "m", "本月", "月"):
        return Period(PeriodKind.MONTH, today.replace(day=1), today + timedelta(days=1))
    found = _RANGE.match(raw)
    if not found:
        return Invalid("report.bad_period")
    try:
        first, last = (date.fromisoformat(_padded(d)) for d in found.groups())
    except ValueError:
        return Invalid("report.bad_period")
    first, last = min(first, last), max(first, last)
    if (last - first).days >= MAX_DAYS:
        return Invalid("report.too_long", {"count": MAX_DAYS})
    return Period(PeriodKind.RANGE, first, last + timedelta(days=1))


def _padded(day: str) -> str:
    year, month, dom = day.split("-")
    return f"{year}-{int(month):02d}-{int(dom):02d}"


def week_so_far(today: date) -> Period:
    monday = today - timedelta(days=today.weekday())
    return Period(PeriodKind.WEEK, monday, today + timedelta(days=1))


def last_full_week(today: date) -> Period:
    monday = today - timedelta(days=today.weekday() + 7)
    return Period(PeriodKind.WEEK, monday, monday + timedelta(days=7))


def last_full_month(today: date) -> Period:
    end = today.replace(day=1)
    return Period(PeriodKind.MONTH, (end - timedelta(days=1)).replace(day=1), end)


# --- the figures -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Timing:
    """How long the first answer (or the resolution) took, against the promise."""

    count: int  # items that got one in the period
    median_s: float | None
    p90_s: float | None
    met: int  # within the promise

    @property
    def share_met(self) -> float | None:
        return self.met / self.count if self.count else None


@dataclass(frozen=True, slots=True)
class Repeat:
    """The same kind of problem at the same place, again and again (to be studied)."""

    category: str
    place: str
    count: int
    references: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Quota:
    """Follow-ups a manager did this month against the policy's quota."""

    staff_id: int
    name: str
    role: str
    done: int
    needed: int

    @property
    def met(self) -> bool:
        return self.done >= self.needed


Week = tuple[date, dict[str, int], float | None]  # Monday, items by category, share in time


@dataclass(frozen=True, slots=True)
class Figures:
    period: Period
    total: int
    by_kind: dict[str, int]
    by_category: dict[str, int]
    by_building: dict[str, int]
    by_department: dict[str, int]
    by_severity: dict[str, int]
    by_channel: dict[str, int]
    first_answer: Timing
    resolution: Timing
    reopened: int
    cancelled: int  # called off in the period: neither resolved nor still open
    ratings: dict[int, int]  # 1-5: how many
    no_response: int
    suggestions: int
    repeats: list[Repeat]
    quotas: list[Quota]
    previous_total: int
    previous_first_answer: Timing
    previous_resolution: Timing
    weekly: list[Week] = field(default_factory=list)
    survey: dict[str, tuple[float, int]] = field(default_factory=dict)  # question: avg, n
    # Emergencies reported in the period, and those whose reporter said they were none
    # (the keywords misfired: a list to tune).
    emergencies: tuple[int, int] = (0, 0)

    @property
    def rated(self) -> int:
        return sum(self.ratings.values())

    @property
    def satisfaction(self) -> float | None:
        rated = self.rated
        return sum(r * n for r, n in self.ratings.items()) / rated if rated else None

    @property
    def reopen_rate(self) -> float | None:
        return self.reopened / self.total if self.total else None


def trend(now: float | None, before: float | None) -> str:
    """An arrow for the direction against the previous period."""
    if now is None or before is None or abs(now - before) < 1e-9:
        return "→"
    return "↑" if now > before else "↓"


def percentile_offset(count: int, share: float) -> int:
    """Which row (0-based, ascending) holds the percentile: nearest rank."""
    if count <= 0:
        return 0
    rank = max(int(-(-share * count // 1)), 1)  # ceil(share × count), at least 1
    return min(rank, count) - 1


class DispatchKind(StrEnum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    LEDGER = "ledger"


def due_dispatches(
    local_now: datetime,
    *,
    weekly_day: int,
    weekly_at: time,
    monthly_day: int,
    monthly_at: time,
    ledger_at: time,
) -> list[tuple[DispatchKind, Period]]:
    """The latest weekly report, monthly report and ledger whose time (local) has come.
    Sending is claimed per period, so asking again, or after downtime, never repeats one;
    after downtime the latest of each goes out once."""
    tz = local_now.tzinfo
    today = local_now.date()

    def latest(day: date, at: time, step_back: Callable[[date], date]) -> date:
        return day if datetime.combine(day, at, tz) <= local_now else step_back(day)

    monday = today - timedelta(days=today.weekday())
    week_due = latest(monday + timedelta(days=weekly_day), weekly_at, lambda d: d - timedelta(7))
    month_due = latest(
        today.replace(day=monthly_day),
        monthly_at,
        lambda d: (d.replace(day=1) - timedelta(days=1)).replace(day=monthly_day),
    )
    ledger_day = latest(today, ledger_at, lambda d: d - timedelta(days=1))
    return [
        (DispatchKind.WEEKLY, last_full_week(week_due)),
        (DispatchKind.MONTHLY, last_full_month(month_due)),
        (DispatchKind.LEDGER, Period(PeriodKind.RANGE, ledger_day, ledger_day + timedelta(1))),
    ]

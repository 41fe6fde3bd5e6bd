"""The house's promises as times, and the moments something must happen about them.

An item's due times are data on its row; `plan` turns an item's state into the alarms it
needs now (remind at 80 %, tell the ladder when late and twice late, ask the resident the
day after, …). Whenever an item changes, its plan is computed again and stored; a sweep
fires what is due. Everything here is plain arithmetic on aware datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.kinds import find as find_kind
from bot.domain.tickets import OPEN_STATUSES, Nature, Severity, TicketKind, TicketStatus


class AlarmKind(StrEnum):
    ANSWER_SOON = "answer_soon"  # the assignee, at 80 % of the first-answer time
    ANSWER_LATE = "answer_late"  # the duty supervisor and the owner; unaccepted: offered on
    ANSWER_TWICE_LATE = "answer_late_2x"  # the senior butler (major: chief, project head)
    RESOLVE_SOON = "resolve_soon"
    RESOLVE_LATE = "resolve_late"
    RESOLVE_TWICE_LATE = "resolve_late_2x"
    REPORT_SOON = "report_soon"  # a department, before its report-back time
    REPORT_LATE = "report_late"
    WAITING_DATE = "waiting_date"  # the day the resident was told they would hear from us
    MONTH_OLD = "month_old"  # a valid complaint open this long becomes major
    FOLLOWUP_ASK = "followup_ask"  # was it solved? (回访)
    FOLLOWUP_REMIND = "followup_remind"
    FOLLOWUP_CLOSE = "followup_close"  # no answer: closed, the desk phones instead
    SERVICE_SOON = "service_soon"  # an order's delivery (or a visit) is near: its staff
    SERVICE_LATE = "service_late"  # not delivered at the agreed time: the ladder
    BIRTHDAY_WISHES = "birthday_wishes"  # the project's wishes, on the day
    ESCALATION_UNSEEN = "escalation_unseen"  # a manager did not tap Seen: the next rung
    EMERGENCY_PAGE = "emergency_page"  # page again: nobody said they are on the way


class FollowupState(StrEnum):
    ASKED = "asked"
    REMINDED = "reminded"
    ANSWERED = "answered"
    NO_RESPONSE = "no_response"  # closed; waiting for the desk's phone call
    PHONED = "phoned"


@dataclass(frozen=True, slots=True)
class ServiceClock:
    """When promises run: all day every day (the house default), or only in opening hours
    on days the office is open (optional in the policy)."""

    tz: ZoneInfo
    opens: time | None = None
    closes: time | None = None
    closed_days: frozenset[date] = frozenset()

    @property
    def always(self) -> bool:
        return self.opens is None or self.closes is None

    def add(self, start: datetime, span: timedelta) -> datetime:
        """The moment `span` of service time after `start`."""
        if self.always or span <= timedelta(0):
            return start + span
        assert self.opens is not None
        assert self.closes is not None
        left, moment = span, start.astimezone(self.tz)
        for _ in range(3660):  # ten years of days: a policy can't promise beyond that
            day = moment.date()
            opens = datetime.combine(day, self.opens, self.tz)
            closes = datetime.combine(day, self.closes, self.tz)
            if day not in self.closed_days and moment < closes:
                moment = max(moment, opens)
                if moment + left <= closes:
                    return moment + left
                left -= closes - moment
            moment = datetime.combine(day + timedelta(days=1), time(0), self.tz)
        raise ValueError("the promise never ends within the service hours")


@dataclass(frozen=True, slots=True)
class Promise:
    first_answer_due_at: datetime
    resolve_due_at: datetime


def end_of_day(day: date, tz: ZoneInfo) -> datetime:
    """A resident's "solve by 12 Dec" means by the end of that day, their time."""
    return datetime.combine(day + timedelta(days=1), time(0), tz)


def promise(
    start: datetime,
    first_answer: timedelta,
    resolve: timedelta,
    *,
    clock: ServiceClock,
    requested_by: date | None = None,
    longest: timedelta | None = None,
) -> Promise:
    """Due times counted from `start` (filing, reopening, the 30-day upgrade). The
    resident's own "solve by" date replaces the policy's resolve time, earlier or later
    ("two days, or when you ask"), but never later than `longest` after the start (the
    policy's maximum); a date already over when the promises start again (a reopening
    after it) no longer counts."""
    resolve_due = clock.add(start, resolve)
    if requested_by is not None:
        wanted = end_of_day(requested_by, clock.tz)
        if longest is not None:
            wanted = min(wanted, start + longest)
        if wanted > start:
            resolve_due = wanted
    first_due = min(clock.add(start, first_answer), resolve_due)
    return Promise(first_due, resolve_due)


def followup_moment(resolved_at: datetime, days: int, at: time, tz: ZoneInfo) -> datetime:
    """The follow-up question goes out `days` later at `at` local time (not at night)."""
    day = resolved_at.astimezone(tz).date() + timedelta(days=days)
    return datetime.combine(day, at, tz)


def in_the_day(moment: datetime, at: time, tz: ZoneInfo) -> datetime:
    """A follow-up due on some day is asked at the policy's time of that day."""
    return datetime.combine(moment.astimezone(tz).date(), at, tz)


@dataclass(frozen=True, slots=True)
class Rules:
    """The policy numbers the plan needs."""

    remind_at: float
    major_after: timedelta
    followup_days: int
    followup_at: time
    followup_remind_after: timedelta
    followup_close_after: timedelta
    tz: ZoneInfo
    service_reminders: tuple[timedelta, ...] = ()  # before a delivery or visit
    wishes_at: time = time(9)


@dataclass(frozen=True, slots=True)
class Clocks:
    """An item's state as far as time is concerned."""

    kind: TicketKind
    status: TicketStatus
    nature: Nature | None
    severity: Severity | None
    created_at: datetime
    clock_started_at: datetime | None
    first_answer_due_at: datetime | None
    first_answered_at: datetime | None
    resolve_due_at: datetime | None
    paused_s: int
    waiting_until: date | None
    report_from_at: datetime | None
    report_due_at: datetime | None
    resolved_at: datetime | None
    followup: FollowupState | None
    followup_asked_at: datetime | None
    service_at: datetime | None = None
    service_done: bool = False
    wish_on: date | None = None
    followup_due_at: datetime | None = None  # a window of its own (repairs)
    page_next_at: datetime | None = None  # an emergency nobody is on the way to yet
    escalation_climb_at: datetime | None = None  # escalated, not yet seen: climbs then


def _ladder(
    soon: AlarmKind,
    late: AlarmKind,
    twice: AlarmKind | None,
    start: datetime,
    due: datetime,
    used_elsewhere: timedelta,
    rules: Rules,
) -> list[tuple[AlarmKind, datetime]]:
    """Remind at the policy's share of the time, tell when late, and when twice late."""
    window = max(due - start - used_elsewhere, timedelta(0))
    alarms = [(soon, due - window * (1 - rules.remind_at)), (late, due)]
    if twice is not None:
        alarms.append((twice, due + window))
    return alarms


def plan(item: Clocks, rules: Rules) -> list[tuple[AlarmKind, datetime]]:
    """Every alarm the item needs in its present state (fired ones are kept apart)."""
    alarms: list[tuple[AlarmKind, datetime]] = []
    start = item.clock_started_at or item.created_at
    working = item.status in OPEN_STATUSES and item.status is not TicketStatus.REVIEW
    if item.first_answered_at is None and item.first_answer_due_at and working:
        alarms += _ladder(
            AlarmKind.ANSWER_SOON,
            AlarmKind.ANSWER_LATE,
            AlarmKind.ANSWER_TWICE_LATE,
            start,
            item.first_answer_due_at,
            timedelta(0),
            rules,
        )
    paused = item.status is TicketStatus.WAITING
    # An agreed time (a delivery, a visit) is the promise: its own ladder replaces this one.
    agreed = item.service_at is not None and not item.service_done
    if item.resolve_due_at and item.status in OPEN_STATUSES and not paused and not agreed:
        alarms += _ladder(
            AlarmKind.RESOLVE_SOON,
            AlarmKind.RESOLVE_LATE,
            AlarmKind.RESOLVE_TWICE_LATE,
            start,
            item.resolve_due_at,
            timedelta(seconds=item.paused_s),
            rules,
        )
    if item.report_due_at and item.report_from_at and working and not paused:
        alarms += _ladder(
            AlarmKind.REPORT_SOON,
            AlarmKind.REPORT_LATE,
            None,
            item.report_from_at,
            item.report_due_at,
            timedelta(0),
            rules,
        )
    if paused and item.waiting_until is not None:
        alarms.append(
            (AlarmKind.WAITING_DATE, datetime.combine(item.waiting_until, time(9), rules.tz))
        )
    if becomes_major(item):
        alarms.append((AlarmKind.MONTH_OLD, item.created_at + rules.major_after))
    if item.service_at is not None and not item.service_done and item.status in OPEN_STATUSES:
        alarms += [
            (AlarmKind.SERVICE_SOON, item.service_at - ahead) for ahead in rules.service_reminders
        ]
        alarms.append((AlarmKind.SERVICE_LATE, item.service_at))
    if item.wish_on is not None and item.status is not TicketStatus.CLOSED:
        moment = datetime.combine(item.wish_on, rules.wishes_at, rules.tz)
        alarms.append((AlarmKind.BIRTHDAY_WISHES, moment))
    if item.escalation_climb_at is not None and item.status in OPEN_STATUSES:
        alarms.append((AlarmKind.ESCALATION_UNSEEN, item.escalation_climb_at))
    if item.page_next_at is not None and item.status in OPEN_STATUSES:
        alarms.append((AlarmKind.EMERGENCY_PAGE, item.page_next_at))
    alarms += _followup(item, rules)
    # Stored and compared in UTC (aware datetimes in other zones compare slower).
    return [(kind, due.astimezone(UTC)) for kind, due in alarms]


def becomes_major(item: Clocks) -> bool:
    """A valid (or not yet classified) complaint left open long enough becomes major."""
    entry = find_kind(item.kind)
    return (
        entry is not None
        and entry.upgrades
        and item.status in OPEN_STATUSES
        and item.nature in (None, Nature.VALID)
        and item.severity is not Severity.MAJOR
    )


def _followup(item: Clocks, rules: Rules) -> list[tuple[AlarmKind, datetime]]:
    entry = find_kind(item.kind)
    if entry is None or not entry.followup or item.status is not TicketStatus.RESOLVED:
        return []
    if item.nature is Nature.INVALID:
        return []  # out of scope: no satisfaction follow-up on another company's work
    if item.resolved_at is None:
        return []
    if item.followup is None:
        if item.followup_due_at is not None:  # a window of its own: that day, in the day
            ask = in_the_day(item.followup_due_at, rules.followup_at, rules.tz)
        else:
            ask = followup_moment(
                item.resolved_at, rules.followup_days, rules.followup_at, rules.tz
            )
        return [(AlarmKind.FOLLOWUP_ASK, ask)]
    asked = item.followup_asked_at or item.resolved_at
    if item.followup is FollowupState.ASKED:
        return [(AlarmKind.FOLLOWUP_REMIND, asked + rules.followup_remind_after)]
    if item.followup is FollowupState.REMINDED:
        remind = asked + rules.followup_remind_after
        return [(AlarmKind.FOLLOWUP_CLOSE, remind + rules.followup_close_after)]
    return []


def paused_for(paused_at: datetime, now: datetime) -> timedelta:
    """Time spent waiting, to be added to the resolve time when work resumes."""
    return max(now - paused_at, timedelta(0))


def lateness(due: datetime, now: datetime) -> timedelta:
    return max(now - due, timedelta(0))

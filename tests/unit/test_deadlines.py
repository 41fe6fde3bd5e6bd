"""The promises as times: the resident's date, opening hours, the plan of alarms."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.deadlines import (
    AlarmKind,
    Clocks,
    FollowupState,
    Rules,
    ServiceClock,
    end_of_day,
    followup_moment,
    plan,
    promise,
)
from bot.domain.tickets import Nature, Severity, TicketKind, TicketStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")
ALWAYS = ServiceClock(SHANGHAI)
OFFICE = ServiceClock(SHANGHAI, time(9), time(18), frozenset({date(2026, 10, 1)}))
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, a Tuesday
RULES = Rules(
    remind_at=0.8,
    major_after=timedelta(days=30),
    followup_days=1,
    followup_at=time(10),
    followup_remind_after=timedelta(hours=24),
    followup_close_after=timedelta(hours=48),
    tz=SHANGHAI,
)


def test_the_residents_own_date_replaces_the_resolve_time_earlier_or_later() -> None:
    hours = (timedelta(hours=1), timedelta(hours=48))
    longest = timedelta(days=14)

    def due(day: date, start: datetime = NOW) -> datetime:
        return promise(
            start, *hours, clock=ALWAYS, requested_by=day, longest=longest
        ).resolve_due_at

    assert due(date(2026, 11, 24)) == end_of_day(date(2026, 11, 24), SHANGHAI)  # sooner
    later = promise(NOW, *hours, clock=ALWAYS, requested_by=date(2026, 12, 4), longest=longest)
    assert later.resolve_due_at == end_of_day(date(2026, 12, 4), SHANGHAI)  # they asked later
    assert later.first_answer_due_at == NOW + timedelta(hours=1)  # the answer is still owed
    assert due(date(2026, 12, 24)) == NOW + longest  # never beyond the policy's maximum
    reopened = NOW + timedelta(days=20)  # a reopening after their date: the policy's time
    assert due(date(2026, 12, 4), reopened) == reopened + timedelta(hours=48)


def test_opening_hours_carry_a_promise_over_the_night_and_closed_days() -> None:
    evening = datetime(2026, 11, 24, 17, 30, tzinfo=SHANGHAI)
    assert OFFICE.add(evening, timedelta(hours=1)) == datetime(
        2026, 11, 25, 9, 30, tzinfo=SHANGHAI
    )
    before_holiday = datetime(2026, 9, 30, 17, 0, tzinfo=SHANGHAI)
    assert OFFICE.add(before_holiday, timedelta(hours=2)) == datetime(
        2026, 10, 2, 10, 0, tzinfo=SHANGHAI
    )
    assert ALWAYS.add(evening, timedelta(hours=1)) == evening + timedelta(hours=1)


@given(
    start=st.datetimes(
        min_value=datetime(2026, 1, 1),  # noqa: DTZ001
        max_value=datetime(2027, 1, 1),  # noqa: DTZ001
        timezones=st.just(SHANGHAI),
    ),
    hours=st.integers(1, 200),
)
def test_service_time_is_never_less_than_the_promise(start: datetime, hours: int) -> None:
    due = OFFICE.add(start, timedelta(hours=hours))
    assert due - start >= timedelta(hours=hours)
    local = due.astimezone(SHANGHAI)
    assert time(9) <= local.time() <= time(18)


def clocks(**changes: object) -> Clocks:
    base = Clocks(
        kind=TicketKind.COMPLAINT,
        status=TicketStatus.ACCEPTED,
        nature=None,
        severity=None,
        created_at=NOW,
        clock_started_at=NOW,
        first_answer_due_at=NOW + timedelta(hours=1),
        first_answered_at=None,
        resolve_due_at=NOW + timedelta(hours=48),
        paused_s=0,
        waiting_until=None,
        report_from_at=None,
        report_due_at=None,
        resolved_at=None,
        followup=None,
        followup_asked_at=None,
    )
    return _replace(base, changes)


def _replace(item: Clocks, changes: dict[str, object]) -> Clocks:
    return replace(item, **changes)  # type: ignore[arg-type]


def test_the_plan_of_a_new_item() -> None:
    alarms = dict(plan(clocks(), RULES))
    assert alarms[AlarmKind.ANSWER_SOON] == NOW + timedelta(minutes=48)
    assert alarms[AlarmKind.ANSWER_LATE] == NOW + timedelta(hours=1)
    assert alarms[AlarmKind.ANSWER_TWICE_LATE] == NOW + timedelta(hours=2)
    assert alarms[AlarmKind.RESOLVE_SOON] == NOW + timedelta(hours=38.4)
    assert alarms[AlarmKind.RESOLVE_TWICE_LATE] == NOW + timedelta(hours=96)
    assert alarms[AlarmKind.MONTH_OLD] == NOW + timedelta(days=30)


def test_answered_waiting_major_and_resolved_items_need_fewer_alarms() -> None:
    answered = dict(plan(clocks(first_answered_at=NOW), RULES))
    assert AlarmKind.ANSWER_LATE not in answered
    waiting = dict(
        plan(clocks(status=TicketStatus.WAITING, waiting_until=date(2026, 11, 26)), RULES)
    )
    assert AlarmKind.RESOLVE_LATE not in waiting  # the resolve clock is paused
    assert waiting[AlarmKind.WAITING_DATE] == datetime(2026, 11, 26, 9, tzinfo=SHANGHAI)
    major = dict(plan(clocks(severity=Severity.MAJOR, nature=Nature.VALID), RULES))
    assert AlarmKind.MONTH_OLD not in major
    invalid = dict(plan(clocks(nature=Nature.INVALID), RULES))
    assert AlarmKind.MONTH_OLD not in invalid


def test_the_follow_up_is_asked_the_next_morning_then_reminded_then_closed() -> None:
    resolved_at = datetime(2026, 11, 24, 22, 0, tzinfo=SHANGHAI)
    resolved = clocks(status=TicketStatus.RESOLVED, resolved_at=resolved_at)
    ask = dict(plan(resolved, RULES))[AlarmKind.FOLLOWUP_ASK]
    assert ask == datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)
    asked = _replace(resolved, {"followup": FollowupState.ASKED, "followup_asked_at": ask})
    assert dict(plan(asked, RULES))[AlarmKind.FOLLOWUP_REMIND] == ask + timedelta(hours=24)
    reminded = _replace(asked, {"followup": FollowupState.REMINDED})
    close = dict(plan(reminded, RULES))[AlarmKind.FOLLOWUP_CLOSE]
    assert close == ask + timedelta(hours=72)
    assert plan(_replace(reminded, {"followup": FollowupState.ANSWERED}), RULES) == []
    assert followup_moment(resolved_at, 0, time(10), SHANGHAI) == datetime(
        2026, 11, 24, 10, 0, tzinfo=SHANGHAI
    )


@pytest.mark.parametrize("status", [TicketStatus.CLOSED, TicketStatus.REVIEW])
def test_no_resolve_reminders_for_an_item_under_review_or_closed(status: TicketStatus) -> None:
    kinds = {kind for kind, _ in plan(clocks(status=status), RULES)}
    assert AlarmKind.ANSWER_SOON not in kinds
    if status is TicketStatus.CLOSED:
        assert AlarmKind.RESOLVE_LATE not in kinds


def test_an_agreed_time_has_its_own_ladder_in_place_of_the_resolve_one() -> None:
    rules = replace(RULES, service_reminders=(timedelta(hours=24), timedelta(hours=2)))
    delivery = NOW + timedelta(days=2)
    order = clocks(kind=TicketKind.CONCIERGE, service_at=delivery, resolve_due_at=delivery)
    alarms = plan(order, rules)
    soon = sorted(due for kind, due in alarms if kind is AlarmKind.SERVICE_SOON)
    assert soon == [delivery - timedelta(hours=24), delivery - timedelta(hours=2)]
    assert (AlarmKind.SERVICE_LATE, delivery) in alarms
    assert not {AlarmKind.RESOLVE_SOON, AlarmKind.RESOLVE_LATE} & {k for k, _ in alarms}
    delivered = dict(plan(_replace(order, {"service_done": True}), rules))
    assert AlarmKind.SERVICE_LATE not in delivered
    assert AlarmKind.RESOLVE_LATE in delivered  # still to be settled by the promise


def test_birthday_wishes_at_the_policys_hour_and_a_repairs_own_follow_up_day() -> None:
    wishes = dict(plan(clocks(wish_on=date(2026, 11, 27)), RULES))[AlarmKind.BIRTHDAY_WISHES]
    assert wishes == datetime(2026, 11, 27, 9, tzinfo=SHANGHAI)
    due = NOW + timedelta(days=3)
    repair = clocks(
        kind=TicketKind.REPAIR,
        status=TicketStatus.RESOLVED,
        resolved_at=NOW,
        followup_due_at=due,
    )
    assert dict(plan(repair, RULES))[AlarmKind.FOLLOWUP_ASK] == due
    night = replace(repair, followup_due_at=datetime(2026, 11, 27, 23, 30, tzinfo=SHANGHAI))
    ask = dict(plan(night, RULES))[AlarmKind.FOLLOWUP_ASK]
    assert ask == datetime(2026, 11, 27, 10, tzinfo=SHANGHAI)  # in the day, never at night

"""Who is on duty: the running shift, the roster corrected by Start/End shift taps, the
night, and the next morning's promise."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.domain.duty import Mark, Roster, is_night, next_morning, on_duty, roster_of, shift_at
from bot.domain.staff import Department, Role, StaffMember

TZ = ZoneInfo("Asia/Shanghai")
SHIFTS = {"day": "08:00-20:00", "night": "20:00-08:00"}


def _member(i: int) -> StaffMember:
    return StaffMember(i, f"p{i}", Role.SUPERVISOR, Department.CUSTOMER_SERVICE, None, 1, "en", i)


def test_the_night_shift_after_midnight_belongs_to_the_day_it_started() -> None:
    shift = shift_at(SHIFTS, datetime(2026, 12, 3, 2, 0, tzinfo=TZ), TZ)
    assert (shift.name, shift.day.day) == ("night", 2)
    assert shift_at(SHIFTS, datetime(2026, 12, 3, 8, 0, tzinfo=TZ), TZ).name == "day"
    assert is_night(SHIFTS, "day", datetime(2026, 12, 3, 20, 0, tzinfo=TZ), TZ)
    assert not is_night(SHIFTS, "day", datetime(2026, 12, 3, 19, 59, tzinfo=TZ), TZ)


def test_the_next_morning_is_today_after_midnight_and_tomorrow_before() -> None:
    at = time(9)
    assert next_morning(datetime(2026, 12, 3, 2, 0, tzinfo=TZ), at, TZ).day == 3
    assert next_morning(datetime(2026, 12, 3, 22, 0, tzinfo=TZ), at, TZ).day == 4


def test_without_a_roster_everyone_is_on_duty_and_taps_correct_a_roster() -> None:
    staff = [_member(1), _member(2), _member(3)]
    moment = datetime(2026, 12, 3, 10, 0, tzinfo=TZ)
    assert on_duty(staff, Roster(), moment) == staff
    shift = shift_at(SHIFTS, moment, TZ)
    earlier = datetime(2026, 12, 2, 10, 0, tzinfo=TZ)
    marks = [
        Mark(2, True, datetime(2026, 12, 3, 8, 5, tzinfo=TZ)),
        Mark(1, False, datetime(2026, 12, 3, 9, 0, tzinfo=TZ)),
        Mark(3, True, earlier),  # yesterday's tap does not count today
    ]
    roster = roster_of([1], True, marks, shift)
    assert [p.id for p in on_duty(staff, roster, moment)] == [2]

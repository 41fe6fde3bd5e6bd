"""Who is on duty: the running shift, the roster corrected by Start/End shift taps, the
night, and the next morning's promise."""

from __future__ import annotations

import re
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import DEFAULTS_DIR, ConfigError
from bot.domain.duty import Mark, Roster, is_night, next_morning, on_duty, roster_of, shift_at
from bot.domain.staff import Department, Role, StaffMember
from bot.policy import Policy, load_policy
from bot.services import duty as duty_service
from storage.models import Ticket

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


NIGHT_POLICY = (
    "next_morning = { complaint = { important = 10:30:00 }, suggestion = 10:00:00,"
    " repair = { default = 09:00:00, important = 08:00:00, major = 07:30:00 } }"
)


def _policy_with(tmp_path: Path, line: str) -> Policy:
    source = (DEFAULTS_DIR / "policy.toml").read_text(encoding="utf-8")
    found = re.search(r"^next_morning = .*$", source, flags=re.MULTILINE)
    assert found is not None
    path = tmp_path / "policy.toml"
    path.write_text(source.replace(found.group(), line), encoding="utf-8")
    return load_policy(path)


def test_the_next_morning_promise_is_per_kind_and_severity(tmp_path: Path) -> None:
    duty = _policy_with(tmp_path, NIGHT_POLICY).duty
    assert duty.morning_at("repair", None) == time(9)  # unclassified: general, the default
    assert duty.morning_at("repair", "important") == time(8)
    assert duty.morning_at("repair", "major") == time(7, 30)
    assert duty.morning_at("suggestion", "major") == time(10)  # one time for every severity
    assert duty.morning_at("complaint", "important") == time(10, 30)
    assert duty.morning_at("complaint", None) is None  # not named, no default: the usual
    assert duty.morning_at("concierge", None) is None  # a kind not named: the usual
    night = datetime(2026, 12, 3, 2, 0, tzinfo=TZ)
    policy = _policy_with(tmp_path, NIGHT_POLICY)
    for severity, hour in ((None, 9), ("important", 8)):
        ticket = Ticket(kind="repair", severity=severity, created_at=night)
        assert duty_service.morning_promise(ticket, policy, TZ) == datetime(
            2026, 12, 3, hour, 0, tzinfo=TZ
        )


def test_the_default_policy_keeps_one_morning_per_kind_and_refuses_an_unknown_severity(
    tmp_path: Path,
) -> None:
    duty = load_policy(DEFAULTS_DIR / "policy.toml").duty
    assert duty.morning_at("complaint", "important") == time(9)
    assert duty.morning_at("suggestion", None) == time(10)
    with pytest.raises(ConfigError, match="next_morning"):
        _policy_with(tmp_path, "next_morning = { repair = { urgent = 09:00:00 } }")

"""Checks on what people type, returning a reason key the dialogue can explain."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import phonenumbers

NAME_MAX = 40
DATE_FORMATS = (
    re.compile(r"^(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?$"),
    re.compile(r"^(?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?$"),
)


@dataclass(frozen=True, slots=True)
class Invalid:
    """Why an input was refused: a catalogue key plus values for its placeholders."""

    reason: str
    values: dict[str, object] | None = None


def clean_text(text: str | None, *, max_chars: int) -> str | Invalid:
    """Accept free text that is not empty, not a command and not overlong."""
    value = (text or "").strip()
    if not value:
        return Invalid("invalid.empty_text")
    if value.startswith("/"):
        return Invalid("invalid.command_in_text")
    if len(value) > max_chars:
        return Invalid("invalid.too_long", {"count": max_chars, "length": len(value)})
    return value


WHOLE_NUMBER_DIGITS = 9


def whole_number(text: str | None) -> int | None:
    """A whole number as people type it: decimal digits of any script (full-width "３"
    too), at most nine; None for anything else. ("①" and "²" are digits to `str.isdigit`
    but no number to `int`, and `int` refuses a string of thousands of digits.)"""
    raw = (text or "").strip()
    if not raw.isdecimal() or len(raw) > WHOLE_NUMBER_DIGITS:
        return None
    return int(raw)


def clean_name(text: str | None) -> str | Invalid:
    """Accept a person's name as people write it, in any script."""
    value = clean_text(text, max_chars=NAME_MAX)
    if isinstance(value, Invalid):
        if value.reason == "invalid.too_long":
            return Invalid("invalid.name_too_long", {"count": NAME_MAX})
        return value
    value = " ".join(value.split())
    if not any(ch.isalpha() for ch in value):
        return Invalid("invalid.name_letters")
    return value


def clean_phone(text: str | None, *, region: str = "CN") -> str | Invalid:
    """Normalise a phone number to E.164, accepting local and international forms."""
    raw = (text or "").strip()
    if not raw:
        return Invalid("invalid.phone")
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return Invalid("invalid.phone")
    if not phonenumbers.is_valid_number(number):
        return Invalid("invalid.phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_requested_date(text: str | None, *, today: date, max_days: int) -> date | Invalid:
    """Read a wished-for date (2026-12-01, 12/1, 12月1日) that lies ahead, within reach: a
    day without a year that has passed this year is next year's."""
    return _day(text or "", today=today, max_days=max_days, wrap_after=0)


def _day(text: str, *, today: date, max_days: int, wrap_after: int) -> date | Invalid:
    """A typed day; one without a year more than `wrap_after` days gone is next year's."""
    raw = text.strip().replace(" ", "")
    for pattern in DATE_FORMATS:
        match = pattern.match(raw)
        if not match:
            continue
        parts = match.groupdict()
        month, day = int(parts["m"]), int(parts["d"])
        if parts.get("y"):
            try:
                value = date(int(parts["y"]), month, day)
            except ValueError:
                return Invalid("invalid.date")
        else:
            found = _without_year(month, day, today=today, wrap_after=wrap_after)
            if found is None:
                return Invalid("invalid.date")
            value = found
        if value < today and wrap_after == 0:
            return Invalid("invalid.date_past")
        if value > today + timedelta(days=max_days):
            return Invalid("invalid.date_far", {"count": max_days})
        return value
    return Invalid("invalid.date")


def _without_year(month: int, day: int, *, today: date, wrap_after: int) -> date | None:
    """The first of last year's, this year's and next year's day that is not more than
    `wrap_after` days gone: "12-31" typed on New Year's Day is the day before (gone), not
    the last day of the year begun; "1-5" typed in December is next year's."""
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            value = date(year, month, day)
        except ValueError:
            continue  # 2-29 outside a leap year
        if (today - value).days <= wrap_after:
            return value
    return None


TIME_OF_DAY = re.compile(r"^(?P<h>\d{1,2})[:：点.](?P<m>\d{2})?分?$|^(?P<hh>\d{1,2})点$")


def parse_time_of_day(text: str | None) -> time | Invalid:
    """ "15:00", "9:30", "15点", "15点30"."""
    raw = (text or "").strip().replace(" ", "")
    match = TIME_OF_DAY.match(raw)
    if not match:
        return Invalid("invalid.time")
    hour = int(match.group("h") or match.group("hh"))
    minute = int(match.group("m") or 0)
    if hour > 23 or minute > 59:
        return Invalid("invalid.time")
    return time(hour, minute)


def parse_moment(
    text: str | None, *, today: date, tz: ZoneInfo, max_days: int
) -> datetime | Invalid:
    """A day and a time as people type them: "12-20 15:00", "2026-12-20 9:30", "12月20日 15点"."""
    raw = (text or "").strip()
    parts = raw.rsplit(maxsplit=1) if " " in raw else _split_chinese(raw)
    if len(parts) != 2:
        return Invalid("invalid.moment")
    # A day already gone is kept (and reported as past by the caller), unless it is so
    # long gone that it means next year's ("1-5" typed in December).
    day = _day(parts[0], today=today, max_days=max_days, wrap_after=180)
    if isinstance(day, Invalid):
        return day
    clock = parse_time_of_day(parts[1])
    if isinstance(clock, Invalid):
        return Invalid("invalid.moment")
    return datetime.combine(day, clock, tz)


def _split_chinese(raw: str) -> list[str]:
    match = re.match(r"^(.*?日)(.+)$", raw)
    return [match.group(1), match.group(2)] if match else [raw]

"""Who is on duty now: the one question paging, night routing and "late" messages ask.

With no roster the department's whole staff counts as on duty (the desk's behaviour
before rosters existed). Shifts and the roster (`Roster`) say otherwise when they exist:
the staff rostered for the shift running now (set by managers with /duty), plus those who
tapped *Start shift*, minus those who tapped *End shift* during it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.handover import shift_span
from bot.domain.staff import StaffMember


@dataclass(frozen=True, slots=True)
class Roster:
    """Who works when: staff ids on duty at a moment (filled from shifts and /duty)."""

    on: frozenset[int] = field(default_factory=frozenset)
    known: bool = False  # False: no roster at all, everyone counts as on duty


def on_duty(
    staff: Iterable[StaffMember], roster: Roster | None, when: datetime
) -> list[StaffMember]:
    """The staff among `staff` who are on duty at `when`."""
    people = [p for p in staff if p.active]
    if roster is None or not roster.known:
        return people
    return [p for p in people if p.id in roster.on]


@dataclass(frozen=True, slots=True)
class ShiftNow:
    """The shift running at a moment: its name, the day it started on, and its span."""

    name: str
    day: date
    start: datetime
    end: datetime


def shift_at(shifts: Mapping[str, str], when: datetime, tz: ZoneInfo) -> ShiftNow:
    """The shift whose span holds `when` (the latest started, when spans overlap)."""
    local = when.astimezone(tz)
    running = []
    for name, span in shifts.items():
        start, end = shift_span(span, local)
        if start <= local < end:
            running.append(ShiftNow(name, start.date(), start, end))
    if not running:  # a gap between shifts: the last one to end still answers
        name, span = next(iter(shifts.items()))
        start, end = shift_span(span, local)
        return ShiftNow(name, start.date(), start, end)
    return max(running, key=lambda s: s.start)


def is_night(shifts: Mapping[str, str], day_shift: str, when: datetime, tz: ZoneInfo) -> bool:
    """Outside the day shift."""
    start, end = shift_span(shifts[day_shift], when.astimezone(tz))
    return not start <= when < end


def next_morning(when: datetime, at: time, tz: ZoneInfo) -> datetime:
    """The next `at` local time after `when` (tonight's 02:00 → this morning's 09:00)."""
    local = when.astimezone(tz)
    moment = datetime.combine(local.date(), at, tz)
    if moment <= local:
        moment = datetime.combine(local.date() + timedelta(days=1), at, tz)
    return moment


@dataclass(frozen=True, slots=True)
class Mark:
    """A tap on *Start shift* (`on`) or *End shift*, and when."""

    staff_id: int
    on: bool
    at: datetime


def roster_of(
    rostered: Iterable[int], any_rostered: bool, marks: Iterable[Mark], shift: ShiftNow
) -> Roster:
    """The roster of the running shift: who was rostered for it, corrected by the taps
    made since it started. Without any roster for that day, everyone is on duty."""
    on = set(rostered)
    for mark in sorted(marks, key=lambda m: m.at):
        if mark.at < shift.start:
            continue
        if mark.on:
            on.add(mark.staff_id)
        else:
            on.discard(mark.staff_id)
    return Roster(frozenset(on), known=any_rostered)

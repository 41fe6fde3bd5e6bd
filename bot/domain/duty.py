"""Who is on duty now: the one question paging, night routing and "late" messages ask.

With no roster the department's whole staff counts as on duty (the desk's behaviour
before rosters existed). Shifts and the roster (`Roster`) say otherwise when they exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

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

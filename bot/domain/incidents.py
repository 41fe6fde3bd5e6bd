"""Incidents: many residents' reports of one fault, handled as one (one owner, one set of
promises, one answer to all), each reporter still followed up on their own item."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.tickets import OPEN_STATUSES, TicketStatus


class IncidentStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class Report:
    """What the rules need of an item to group it: where, what, when, and how it stands."""

    id: int
    building_id: int | None
    category: str | None
    created_at: datetime
    status: TicketStatus
    linked: bool = False  # in an open incident


@dataclass(frozen=True, slots=True)
class FaultWindow:
    """Which other reports count with a new one (for `cluster` in memory, and for the
    registry to count where the reports are stored): the same fault, still open, filed within the
    policy's window before it. A fault reported hundreds of times is then counted, not read.
    A report without a building or a category has none: it groups with no other."""

    building_id: int
    category: str
    since: datetime
    until: datetime
    excluding: int  # the new report itself
    statuses: frozenset[TicketStatus] = OPEN_STATUSES

    def holds(self, report: Report) -> bool:
        """Whether `report` counts with the new one (the registry's count applies the same
        conditions in SQL)."""
        return (
            report.id != self.excluding
            and (report.building_id, report.category) == (self.building_id, self.category)
            and report.status in self.statuses
            and self.since <= report.created_at <= self.until
        )


def window_of(new: Report, within: timedelta) -> FaultWindow | None:
    if new.building_id is None or new.category is None:
        return None
    since = new.created_at - within
    return FaultWindow(new.building_id, new.category, since, new.created_at, new.id)


def cluster(new: Report, others: Sequence[Report], within: timedelta) -> list[Report]:
    """The open reports of `new`'s fault filed within `within` before it (itself included),
    oldest first: the candidates to link into one incident."""
    window = window_of(new, within)
    found = [r for r in others if window is not None and window.holds(r)]
    return sorted([*found, new], key=lambda r: (r.created_at, r.id))


@dataclass(frozen=True, slots=True)
class Tally:
    """A fault's reports as a new one's check needs them: how many, and the latest of them
    already in an open incident (by filing time, then id)."""

    count: int
    latest_linked: int | None = None

    def with_new(self) -> Tally:
        """The new report counted too (it is in no incident yet)."""
        return Tally(self.count + 1, self.latest_linked)


def tally(found: Sequence[Report]) -> Tally:
    """The tally of reports read one by one (`cluster`'s result): what the registry's count
    of a `FaultWindow` must agree with."""
    linked = joins(found)
    return Tally(len(found), linked.id if linked is not None else None)


def offer_due(found: Tally, reports: int) -> bool:
    """The desk is offered the link when a fault's reports, none of them in an incident
    yet, reach the policy's number, and again each time as many more have come: a card
    for every further report would bury the desk in cards about one fault. Once some are
    linked, a new report joins them instead (`joins`)."""
    if found.count == 0 or found.latest_linked is not None:
        return False
    return found.count >= reports and found.count % reports == 0


def joins(found: Sequence[Report]) -> Report | None:
    """The latest report of the fault already in an open incident: a new report joins that
    incident, since the desk has judged these reports one fault."""
    linked = [r for r in found if r.linked]
    return linked[-1] if linked else None


def lead_of(found: Sequence[Report]) -> Report:
    """The incident's lead: the first report, whose owner and promises the others follow."""
    return min(found, key=lambda r: (r.created_at, r.id))

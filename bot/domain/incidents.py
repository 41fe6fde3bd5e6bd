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


def same_fault(a: Report, b: Report) -> bool:
    """The same category in the same building (an item without either groups with none)."""
    return (
        a.building_id is not None
        and a.category is not None
        and (a.building_id, a.category) == (b.building_id, b.category)
    )


def cluster(new: Report, others: Sequence[Report], within: timedelta) -> list[Report]:
    """The open reports of `new`'s fault filed within `within` before it (itself included),
    oldest first: the candidates to link into one incident."""
    found = [
        r
        for r in others
        if r.id != new.id
        and same_fault(r, new)
        and r.status in OPEN_STATUSES
        and new.created_at - within <= r.created_at <= new.created_at
    ]
    return sorted([*found, new], key=lambda r: (r.created_at, r.id))


def offer_due(found: Sequence[Report], reports: int) -> bool:
    """The desk is offered the link when a fault's reports, none of them in an incident
    yet, reach the policy's number, and again each time as many more have come: a card
    for every further report would bury the desk in cards about one fault. Once some are
    linked, a new report joins them instead (`joins`)."""
    if not found or any(r.linked for r in found):
        return False
    return len(found) >= reports and len(found) % reports == 0


def joins(found: Sequence[Report]) -> Report | None:
    """The latest report of the fault already in an open incident: a new report joins that
    incident, since the desk has judged these reports one fault."""
    linked = [r for r in found if r.linked]
    return linked[-1] if linked else None


def lead_of(found: Sequence[Report]) -> Report:
    """The incident's lead: the first report, whose owner and promises the others follow."""
    return min(found, key=lambda r: (r.created_at, r.id))

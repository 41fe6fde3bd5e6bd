"""Who may see which item: the one place that decides, so no screen can forget a rule."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ViewerKind(StrEnum):
    RESIDENT = "resident"
    STAFF = "staff"


@dataclass(frozen=True, slots=True)
class Viewer:
    kind: ViewerKind
    id: int


@dataclass(frozen=True, slots=True)
class TicketScope:
    """The facts about an item that access decisions depend on."""

    resident_id: int | None
    owner_staff_id: int | None = None
    assignee_staff_id: int | None = None


def can_view(viewer: Viewer, ticket: TicketScope) -> bool:
    """Residents see only their own items; staff rights arrive with staff enrollment."""
    if viewer.kind is ViewerKind.RESIDENT:
        return ticket.resident_id is not None and ticket.resident_id == viewer.id
    return viewer.id in (ticket.owner_staff_id, ticket.assignee_staff_id)

"""Who may see and do what: the one place that decides, so no screen can forget a rule.

Residents see only their own items. Staff see items of their department or zone, or where
they are first-ask owner or assignee; managers see everything in their estate. A deactivated
staff member may do nothing. Callback data is untrusted: every action is checked here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.staff import DESK_ROLES, MANAGERS, STAFF_ADMINS
from bot.domain.tickets import OPEN_STATUSES, TicketStatus


class ViewerKind(StrEnum):
    RESIDENT = "resident"
    STAFF = "staff"


class Action(StrEnum):
    VIEW = "view"
    ACCEPT = "accept"
    REPLY = "reply"
    NOTE = "note"
    CLASSIFY = "classify"
    TRANSFER = "transfer"
    WAIT = "wait"
    RESOLVE = "resolve"
    REVIEW = "review"  # accept a department's result, or send it back
    MESSAGE = "message"  # a resident adding a message to their own item
    SEE_PHONE = "see_phone"  # the resident's phone: only for the people handling the item


@dataclass(frozen=True, slots=True)
class Viewer:
    kind: ViewerKind
    id: int
    role: str | None = None
    department: str | None = None
    zone: str | None = None
    estate_id: int | None = None
    active: bool = True


@dataclass(frozen=True, slots=True)
class TicketScope:
    """The facts about an item that access decisions depend on."""

    resident_id: int | None
    owner_staff_id: int | None = None
    assignee_staff_id: int | None = None
    department: str | None = None
    zone: str | None = None
    estate_id: int | None = None
    status: str = TicketStatus.NEW.value


def can_view(viewer: Viewer, ticket: TicketScope) -> bool:
    if viewer.kind is ViewerKind.RESIDENT:
        return ticket.resident_id is not None and ticket.resident_id == viewer.id
    if not viewer.active or viewer.estate_id is None or viewer.estate_id != ticket.estate_id:
        return False
    if viewer.role in MANAGERS or viewer.id in (ticket.owner_staff_id, ticket.assignee_staff_id):
        return True
    if ticket.department is not None and ticket.department == viewer.department:
        return True
    return bool(viewer.zone) and viewer.zone == ticket.zone


def can(viewer: Viewer, action: Action, ticket: TicketScope) -> bool:
    """The single permission check for every view and action on an item."""
    if not can_view(viewer, ticket):
        return False
    if action is Action.VIEW:
        return True
    is_open = TicketStatus(ticket.status) in OPEN_STATUSES
    if viewer.kind is ViewerKind.RESIDENT:
        return action is Action.MESSAGE and is_open
    if action is Action.MESSAGE:
        return False
    if action is Action.SEE_PHONE:
        return viewer.id in (ticket.owner_staff_id, ticket.assignee_staff_id)
    if action is Action.REVIEW:
        return ticket.status == TicketStatus.REVIEW and (
            viewer.id == ticket.owner_staff_id or viewer.role in DESK_ROLES
        )
    return is_open


def can_manage_staff(viewer: Viewer, *, is_admin: bool) -> bool:
    """Inviting, re-roling and deactivating staff: administrators and senior managers."""
    return is_admin or (
        viewer.kind is ViewerKind.STAFF and viewer.active and viewer.role in STAFF_ADMINS
    )

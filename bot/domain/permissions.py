"""Who may see and do what: the one place that decides, so no screen can forget a rule.

Residents see only their own items. Staff see items of their department or zone, or where
they are first-ask owner or assignee; the customer-service desk (no zone) and managers see
everything in their estate. A resident's (or an item's) access granted beyond one's remit,
approved and still running, counts as in the remit. Items of a resident who asked for
confidential service are seen only by the staff named on them (owner, assignee, the one it
was escalated to), by managers, and under a grant. A deactivated
staff member may do nothing. Callback data is untrusted: every action is checked here, and
the item's state machine (bot.domain.lifecycle) is asked first.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.domain.kinds import kind_allows
from bot.domain.lifecycle import Action, Situation, allows
from bot.domain.staff import (
    DESK_ROLES,
    GRANT_ANY,
    MANAGERS,
    RANK,
    Department,
    Role,
    StaffMember,
    grantable_roles,
)
from bot.domain.tickets import TicketStatus

__all__ = ["Action", "Remit", "TicketScope", "Viewer", "ViewerKind", "can", "can_view", "remit_of"]


class ViewerKind(StrEnum):
    RESIDENT = "resident"
    STAFF = "staff"


@dataclass(frozen=True, slots=True)
class Viewer:
    kind: ViewerKind
    id: int
    role: str | None = None
    department: str | None = None
    zone: str | None = None
    estate_id: int | None = None
    active: bool = True
    # Access beyond the remit, approved and not yet expired (bot.services.access).
    granted_residents: frozenset[int] = frozenset()
    granted_tickets: frozenset[int] = frozenset()


def staff_viewer(member: StaffMember) -> Viewer:
    return Viewer(
        ViewerKind.STAFF,
        member.id,
        role=member.role.value,
        department=member.department.value,
        zone=member.zone,
        estate_id=member.estate_id,
        active=member.active,
    )


def resident_viewer(resident_id: int) -> Viewer:
    return Viewer(ViewerKind.RESIDENT, resident_id)


class Scoped(Protocol):
    """An item as stored or as read for a screen: what access decisions read of it."""

    @property
    def id(self) -> int: ...
    @property
    def confidential(self) -> bool: ...
    @property
    def resident_id(self) -> int | None: ...
    @property
    def owner_staff_id(self) -> int | None: ...
    @property
    def assignee_staff_id(self) -> int | None: ...
    @property
    def department(self) -> str | None: ...
    @property
    def zone(self) -> str | None: ...
    @property
    def estate_id(self) -> int | None: ...
    @property
    def status(self) -> str: ...
    @property
    def escalated_to_staff_id(self) -> int | None: ...
    @property
    def awaiting_call(self) -> bool: ...
    @property
    def kind(self) -> str: ...
    @property
    def stage(self) -> str | None: ...
    @property
    def service(self) -> str | None: ...
    @property
    def reviewer_staff_id(self) -> int | None: ...


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
    escalated_to_staff_id: int | None = None
    awaiting_call: bool = False
    kind: str | None = None
    stage: str | None = None
    service: str | None = None
    reviewer_staff_id: int | None = None  # a major result: only this person checks it
    id: int | None = None
    confidential: bool = False  # the resident asked for confidential service

    @classmethod
    def of(cls, item: Scoped) -> TicketScope:
        return cls(
            resident_id=item.resident_id,
            owner_staff_id=item.owner_staff_id,
            assignee_staff_id=item.assignee_staff_id,
            department=item.department,
            zone=item.zone,
            estate_id=item.estate_id,
            status=str(item.status),
            escalated_to_staff_id=item.escalated_to_staff_id,
            awaiting_call=item.awaiting_call,
            kind=str(item.kind),
            stage=item.stage,
            service=item.service,
            reviewer_staff_id=item.reviewer_staff_id,
            id=item.id,
            confidential=bool(item.confidential),
        )

    @property
    def situation(self) -> Situation:
        return Situation(
            TicketStatus(self.status),
            has_owner=self.owner_staff_id is not None,
            has_assignee=self.assignee_staff_id is not None,
            escalated=self.escalated_to_staff_id is not None,
            awaiting_call=self.awaiting_call,
            kind=self.kind,
            stage=self.stage,
            service=self.service,
        )


def can_view(viewer: Viewer, ticket: TicketScope) -> bool:
    if viewer.kind is ViewerKind.RESIDENT:
        return ticket.resident_id is not None and ticket.resident_id == viewer.id
    if not viewer.active or viewer.estate_id is None or viewer.estate_id != ticket.estate_id:
        return False
    involved = (ticket.owner_staff_id, ticket.assignee_staff_id, ticket.escalated_to_staff_id)
    if viewer.role in MANAGERS or viewer.id in involved or granted(viewer, ticket):
        return True
    if ticket.confidential:
        return False  # confidential service: the people named on it, managers, grants
    if ticket.department is not None and ticket.department == viewer.department:
        return True
    if not viewer.zone:
        # The customer-service desk serves every zone (it takes the calls and is the
        # fallback owner); other zone-less staff see their department's items only.
        return viewer.department == Department.CUSTOMER_SERVICE
    return viewer.zone == ticket.zone


def granted(viewer: Viewer, ticket: TicketScope) -> bool:
    """An approved, running grant covers the item (its resident, or the item itself)."""
    if ticket.id is not None and ticket.id in viewer.granted_tickets:
        return True
    return ticket.resident_id is not None and ticket.resident_id in viewer.granted_residents


@dataclass(frozen=True, slots=True)
class Remit:
    """`can_view` for many items at once: what the registry's queries filter on (the
    storage layer turns it into SQL; a property test holds the two to the same answers)."""

    estate_id: int
    staff_id: int
    everything: bool  # managers, and the customer-service desk that has no zone
    department: str | None
    zone: str | None
    sees_confidential: bool = True  # managers; others only items they are named on
    granted_residents: frozenset[int] = frozenset()
    granted_tickets: frozenset[int] = frozenset()


def remit_of(viewer: Viewer) -> Remit | None:
    """None: a resident, or staff who may see nothing (deactivated, no estate)."""
    if viewer.kind is not ViewerKind.STAFF or not viewer.active or viewer.estate_id is None:
        return None
    desk = not viewer.zone and viewer.department == Department.CUSTOMER_SERVICE
    return Remit(
        estate_id=viewer.estate_id,
        staff_id=viewer.id,
        everything=viewer.role in MANAGERS or desk,
        department=viewer.department,
        zone=viewer.zone or None,
        sees_confidential=viewer.role in MANAGERS,
        granted_residents=viewer.granted_residents,
        granted_tickets=viewer.granted_tickets,
    )


def can(viewer: Viewer, action: Action, ticket: TicketScope) -> bool:
    """The single permission check for every view and action on an item."""
    if not can_view(viewer, ticket):
        return False
    if action in (Action.VIEW, Action.PHOTOS):
        return True
    situation = ticket.situation
    if not (allows(action, situation) and kind_allows(action, situation)):
        return False
    if viewer.kind is ViewerKind.RESIDENT:
        return action is Action.MESSAGE
    return _staff_may(viewer, action, ticket)


def _staff_may(viewer: Viewer, action: Action, ticket: TicketScope) -> bool:
    handling = viewer.id in (ticket.owner_staff_id, ticket.assignee_staff_id)
    desk = viewer.role in DESK_ROLES
    if action is Action.MESSAGE:
        return False
    if action is Action.ADVANCE:
        return True  # anyone who may work on the item takes its next step
    if action is Action.SEE_PHONE:
        return handling
    if action is Action.CLASSIFY:
        return desk
    if action in (Action.ACCEPT_RESULT, Action.SEND_BACK):
        if ticket.reviewer_staff_id is not None:  # a major result: the CS manager checks it
            return viewer.id == ticket.reviewer_staff_id
        owner = ticket.owner_staff_id
        return viewer.id == owner or viewer.role in MANAGERS or (owner is None and desk)
    if action in (Action.TAKE_OVER, Action.RETURN):
        return viewer.id == ticket.escalated_to_staff_id
    if action is Action.CLOSE:
        return False  # the resident's answer (or their silence) closes an item, not staff
    if action in (Action.EXTEND, Action.ESCALATE):
        return handling and (action is Action.EXTEND or viewer.role not in GRANT_ANY)
    if action in (Action.REOPEN, Action.RECORD_CALL):
        return viewer.id == ticket.owner_staff_id or desk
    if action is Action.REPLY and ticket.status == TicketStatus.RESOLVED:
        return handling or desk
    if action is Action.ACCEPT:
        situation = ticket.situation
        unclaimed = situation.status in (TicketStatus.NEW, TicketStatus.REOPENED) or (
            not situation.has_assignee
        )
        if unclaimed:
            return True
        # Work under way on an item nobody owns: the desk takes first-ask responsibility.
        return ticket.owner_staff_id is None and desk and viewer.id != ticket.assignee_staff_id
    return True


# --- residents' personal data ------------------------------------------------------------
def can_see_resident(
    viewer: Viewer, *, estate_id: int | None, zone: str | None, resident_id: int | None = None
) -> bool:
    """Name with unit, phone: managers estate-wide, staff of a zone their zone, and the
    customer-service desk (no zone) every caller, and whoever holds a running grant for
    the resident; nobody else looks residents up."""
    if viewer.kind is not ViewerKind.STAFF or not viewer.active:
        return False
    if viewer.estate_id is None or viewer.estate_id != estate_id:
        return False
    if viewer.role in MANAGERS:
        return True
    if resident_id is not None and resident_id in viewer.granted_residents:
        return True
    if viewer.zone:
        return viewer.zone == zone
    return viewer.department == Department.CUSTOMER_SERVICE


# --- staff access ---------------------------------------------------------------------------
def shows_name(viewer: Viewer, *, confidential: bool, named: bool) -> bool:
    """A confidential resident's name: only for managers and the staff named on the item
    (owner, assignee); everyone else reads it masked."""
    if not confidential:
        return True
    return viewer.kind is ViewerKind.STAFF and (viewer.role in MANAGERS or named)


def can_mark_confidential(viewer: Viewer) -> bool:
    """Confidential service is recorded by a manager, with the resident's consent."""
    return viewer.kind is ViewerKind.STAFF and viewer.active and viewer.role in MANAGERS


def can_manage_staff(viewer: Viewer, *, is_admin: bool) -> bool:
    """Inviting, re-roling and deactivating staff: administrators and senior managers."""
    if is_admin:
        return True
    if viewer.kind is not ViewerKind.STAFF or not viewer.active or viewer.role is None:
        return False
    return bool(grantable_roles(Role(viewer.role), is_admin=False))


def can_grant(viewer: Viewer | None, role: Role, *, is_admin: bool) -> bool:
    """Invite someone to, or promote someone to, this role."""
    granter = _active_role(viewer)
    return role in grantable_roles(granter, is_admin=is_admin)


def can_change(viewer: Viewer | None, target: StaffMember, *, is_admin: bool) -> bool:
    """Change or withdraw a colleague's access: only below one's own role, never oneself."""
    if is_admin:
        return True
    granter = _active_role(viewer)
    if viewer is None or granter is None or viewer.id == target.id:
        return False
    if viewer.estate_id != target.estate_id:
        return False
    return target.role in grantable_roles(granter, is_admin=False)


def _active_role(viewer: Viewer | None) -> Role | None:
    if viewer is None or viewer.kind is not ViewerKind.STAFF or not viewer.active:
        return None
    return Role(viewer.role) if viewer.role else None


def outranks(first: Role, second: Role) -> bool:
    return RANK[first] > RANK[second]

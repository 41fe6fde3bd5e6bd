"""The permission matrix: every role x every action x (own / other zone / other estate)."""

from __future__ import annotations

import pytest

from bot.domain.permissions import (
    Action,
    TicketScope,
    Viewer,
    ViewerKind,
    can,
    can_manage_staff,
)
from bot.domain.staff import MANAGERS, STAFF_ADMINS, Role
from bot.domain.tickets import TicketStatus

ESTATE, OTHER_ESTATE = 1, 2
STAFF_ID, RESIDENT_ID = 10, 100
STAFF_ACTIONS = [
    a for a in Action if a not in (Action.VIEW, Action.MESSAGE, Action.REVIEW, Action.SEE_PHONE)
]


def ticket(where: str, status: TicketStatus = TicketStatus.NEW) -> TicketScope:
    """own: in the viewer's zone; other_zone: elsewhere, another department; other_estate."""
    return TicketScope(
        resident_id=RESIDENT_ID,
        owner_staff_id=None,
        assignee_staff_id=None,
        department="engineering",
        zone="A" if where == "own" else "B",
        estate_id=OTHER_ESTATE if where == "other_estate" else ESTATE,
        status=status.value,
    )


def staff(role: Role, *, active: bool = True) -> Viewer:
    return Viewer(
        ViewerKind.STAFF,
        STAFF_ID,
        role=role.value,
        department="customer_service",
        zone="A",
        estate_id=ESTATE,
        active=active,
    )


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", [*STAFF_ACTIONS, Action.VIEW])
@pytest.mark.parametrize("where", ["own", "other_zone", "other_estate"])
def test_staff_matrix(role: Role, action: Action, where: str) -> None:
    expected = where == "own" or (where == "other_zone" and role in MANAGERS)
    assert can(staff(role), action, ticket(where)) is expected
    assert can(staff(role, active=False), action, ticket(where)) is False


@pytest.mark.parametrize("role", list(Role))
def test_owner_and_assignee_always_see_their_items(role: Role) -> None:
    scope = TicketScope(
        resident_id=RESIDENT_ID,
        owner_staff_id=STAFF_ID,
        department="x",
        zone="Z",
        estate_id=ESTATE,
    )
    assert can(staff(role), Action.ACCEPT, scope)
    other_estate = TicketScope(
        resident_id=RESIDENT_ID, owner_staff_id=STAFF_ID, estate_id=OTHER_ESTATE
    )
    assert not can(staff(role), Action.VIEW, other_estate)


@pytest.mark.parametrize("role", list(Role))
def test_review_is_for_the_desk_and_the_owner(role: Role) -> None:
    in_review = ticket("own", TicketStatus.REVIEW)
    expected = role is not Role.STAFF
    assert can(staff(role), Action.REVIEW, in_review) is expected
    assert not can(staff(role), Action.REVIEW, ticket("own"))
    department_staff = Viewer(
        ViewerKind.STAFF,
        STAFF_ID,
        role=Role.STAFF.value,
        department="engineering",
        estate_id=ESTATE,
    )
    owned = TicketScope(
        resident_id=RESIDENT_ID,
        owner_staff_id=STAFF_ID,
        estate_id=ESTATE,
        status=TicketStatus.REVIEW.value,
    )
    assert can(department_staff, Action.REVIEW, owned)


@pytest.mark.parametrize("status", list(TicketStatus))
def test_closed_items_take_no_more_actions(status: TicketStatus) -> None:
    is_open = status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED)
    assert can(staff(Role.BUTLER), Action.ACCEPT, ticket("own", status)) is is_open
    assert can(staff(Role.BUTLER), Action.VIEW, ticket("own", status))


@pytest.mark.parametrize("action", list(Action))
def test_residents_see_and_message_only_their_own_items(action: Action) -> None:
    me = Viewer(ViewerKind.RESIDENT, RESIDENT_ID)
    someone = Viewer(ViewerKind.RESIDENT, RESIDENT_ID + 1)
    assert can(me, action, ticket("own")) is (action in (Action.VIEW, Action.MESSAGE))
    assert can(someone, action, ticket("own")) is False


@pytest.mark.parametrize("role", list(Role))
def test_who_manages_staff(role: Role) -> None:
    assert can_manage_staff(staff(role), is_admin=False) is (role in STAFF_ADMINS)
    assert not can_manage_staff(staff(role, active=False), is_admin=False)
    assert can_manage_staff(staff(role, active=False), is_admin=True)


@pytest.mark.parametrize("role", list(Role))
def test_phone_only_for_owner_and_assignee(role: Role) -> None:
    handled = TicketScope(resident_id=RESIDENT_ID, assignee_staff_id=STAFF_ID, estate_id=ESTATE)
    assert can(staff(role), Action.SEE_PHONE, handled)
    # Seeing the item (managers see everything) is not enough to see the resident's phone.
    assert not can(staff(role), Action.SEE_PHONE, ticket("own"))

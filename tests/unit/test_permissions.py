"""The permission matrix: every role x every action x (own / other zone / other estate), the
state machine's say, residents' data, and who may grant which access."""

from __future__ import annotations

import pytest

from bot.domain.lifecycle import Action
from bot.domain.permissions import (
    TicketScope,
    Viewer,
    ViewerKind,
    can,
    can_change,
    can_grant,
    can_manage_staff,
    can_see_resident,
)
from bot.domain.staff import DESK_ROLES, MANAGERS, RANK, Department, Role, StaffMember
from bot.domain.tickets import TicketStatus

ESTATE, OTHER_ESTATE = 1, 2
STAFF_ID, RESIDENT_ID = 10, 100
WORK = [Action.ACCEPT, Action.REPLY, Action.NOTE, Action.TRANSFER, Action.WAIT, Action.RESOLVE]


def ticket(where: str, status: TicketStatus = TicketStatus.NEW, **who: int | None) -> TicketScope:
    """own: in the viewer's zone; other_zone: elsewhere, another department; other_estate."""
    return TicketScope(
        resident_id=RESIDENT_ID,
        owner_staff_id=who.get("owner"),
        assignee_staff_id=who.get("assignee"),
        department="engineering",
        zone="A" if where == "own" else "B",
        estate_id=OTHER_ESTATE if where == "other_estate" else ESTATE,
        status=status.value,
    )


def staff(
    role: Role, *, active: bool = True, department: str = "customer_service", zone: str = "A"
) -> Viewer:
    return Viewer(
        ViewerKind.STAFF,
        STAFF_ID,
        role=role.value,
        department=department,
        zone=zone,
        estate_id=ESTATE,
        active=active,
    )


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", [*WORK, Action.VIEW])
@pytest.mark.parametrize("where", ["own", "other_zone", "other_estate"])
def test_staff_matrix(role: Role, action: Action, where: str) -> None:
    expected = where == "own" or (where == "other_zone" and role in MANAGERS)
    assert can(staff(role), action, ticket(where)) is expected
    assert can(staff(role, active=False), action, ticket(where)) is False


@pytest.mark.parametrize("role", list(Role))
def test_the_customer_service_desk_serves_every_zone(role: Role) -> None:
    desk = staff(role, zone="")
    assert can(desk, Action.VIEW, ticket("other_zone"))
    assert not can(desk, Action.VIEW, ticket("other_estate"))
    engineering = staff(role, zone="", department="security")
    assert can(engineering, Action.VIEW, ticket("other_zone")) is (role in MANAGERS)


@pytest.mark.parametrize("role", list(Role))
def test_classifying_is_the_desks_job(role: Role) -> None:
    assert can(staff(role), Action.CLASSIFY, ticket("own")) is (role in DESK_ROLES)


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
def test_review_is_for_the_owner_or_with_no_owner_the_desk(role: Role) -> None:
    unowned = ticket("own", TicketStatus.REVIEW, assignee=99)
    for action in (Action.ACCEPT_RESULT, Action.SEND_BACK):
        assert can(staff(role), action, unowned) is (role in DESK_ROLES)
        assert not can(staff(role), action, ticket("own"))  # nothing to review yet
        owned_by_other = ticket("own", TicketStatus.REVIEW, owner=77, assignee=99)
        assert can(staff(role), action, owned_by_other) is (role in MANAGERS)
    department_staff = staff(Role.STAFF, department="engineering", zone="")
    owned = ticket("own", TicketStatus.REVIEW, owner=STAFF_ID)
    assert can(department_staff, Action.ACCEPT_RESULT, owned)


def test_accept_is_offered_only_while_someone_must_take_the_item() -> None:
    butler = staff(Role.BUTLER)
    assert can(butler, Action.ACCEPT, ticket("own", TicketStatus.NEW, owner=STAFF_ID))
    taken = ticket("own", TicketStatus.ACCEPTED, owner=STAFF_ID, assignee=STAFF_ID)
    assert not can(butler, Action.ACCEPT, taken)
    handed_to_department = ticket("own", TicketStatus.IN_PROGRESS, owner=5, assignee=None)
    assert can(staff(Role.STAFF, department="engineering"), Action.ACCEPT, handed_to_department)
    # Work under way that nobody owns: the desk (not department staff) takes ownership.
    ownerless = ticket("own", TicketStatus.ACCEPTED, assignee=99)
    assert can(staff(Role.AGENT), Action.ACCEPT, ownerless)
    assert not can(staff(Role.STAFF, department="engineering"), Action.ACCEPT, ownerless)


@pytest.mark.parametrize("status", list(TicketStatus))
def test_closed_items_take_no_more_actions(status: TicketStatus) -> None:
    is_open = status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED)
    assert can(staff(Role.BUTLER), Action.NOTE, ticket("own", status)) is is_open
    assert can(staff(Role.BUTLER), Action.VIEW, ticket("own", status))


@pytest.mark.parametrize("action", list(Action))
def test_residents_see_and_message_only_their_own_items(action: Action) -> None:
    me = Viewer(ViewerKind.RESIDENT, RESIDENT_ID)
    someone = Viewer(ViewerKind.RESIDENT, RESIDENT_ID + 1)
    allowed = (Action.VIEW, Action.MESSAGE, Action.PHOTOS)
    assert can(me, action, ticket("own")) is (action in allowed)
    assert can(someone, action, ticket("own")) is False


@pytest.mark.parametrize("role", list(Role))
def test_phone_only_for_owner_and_assignee(role: Role) -> None:
    handled = TicketScope(resident_id=RESIDENT_ID, assignee_staff_id=STAFF_ID, estate_id=ESTATE)
    assert can(staff(role), Action.SEE_PHONE, handled)
    # Seeing the item (managers see everything) is not enough to see the resident's phone.
    assert not can(staff(role), Action.SEE_PHONE, ticket("own"))


# --- residents' personal data ------------------------------------------------------------
@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("where", ["own_zone", "other_zone", "other_estate"])
def test_looking_up_a_resident_stays_within_ones_remit(role: Role, where: str) -> None:
    zone = "A" if where == "own_zone" else "B"
    estate = OTHER_ESTATE if where == "other_estate" else ESTATE
    zoned = staff(role, zone="A")
    desk_wide = staff(role, zone="")
    department_wide = staff(role, zone="", department="engineering")
    in_estate = where != "other_estate"
    assert can_see_resident(zoned, estate_id=estate, zone=zone) is (
        in_estate and (where == "own_zone" or role in MANAGERS)
    )
    assert can_see_resident(desk_wide, estate_id=estate, zone=zone) is in_estate
    assert can_see_resident(department_wide, estate_id=estate, zone=zone) is (
        in_estate and role in MANAGERS
    )
    assert not can_see_resident(staff(role, active=False), estate_id=ESTATE, zone="A")
    assert not can_see_resident(Viewer(ViewerKind.RESIDENT, 1), estate_id=ESTATE, zone="A")


# --- who may grant access --------------------------------------------------------------------
def member(role: Role, staff_id: int = 55) -> StaffMember:
    return StaffMember(
        id=staff_id,
        name="x",
        role=role,
        department=Department.CUSTOMER_SERVICE,
        zone=None,
        estate_id=ESTATE,
        language="en",
        chat_id=1,
    )


@pytest.mark.parametrize("granter", list(Role))
@pytest.mark.parametrize("role", list(Role))
def test_a_manager_grants_only_roles_below_their_own(granter: Role, role: Role) -> None:
    if granter in (Role.CHIEF_BUTLER, Role.PROJECT_HEAD):
        expected = True
    elif granter is Role.SENIOR_BUTLER:
        expected = RANK[role] < RANK[granter]
    else:
        expected = False  # duty supervisors, butlers, agents, department staff
    viewer = staff(granter)
    assert can_grant(viewer, role, is_admin=False) is expected
    assert can_change(viewer, member(role), is_admin=False) is expected
    assert can_manage_staff(viewer, is_admin=False) is (
        granter in (Role.SENIOR_BUTLER, Role.CHIEF_BUTLER, Role.PROJECT_HEAD)
    )
    assert not can_grant(staff(granter, active=False), role, is_admin=False)


@pytest.mark.parametrize("role", list(Role))
def test_administrators_grant_anything_and_nobody_changes_themselves(role: Role) -> None:
    assert can_grant(None, role, is_admin=True)
    assert can_change(None, member(role), is_admin=True)
    assert can_manage_staff(staff(role, active=False), is_admin=True)
    assert not can_change(staff(Role.CHIEF_BUTLER), member(role, STAFF_ID), is_admin=False)

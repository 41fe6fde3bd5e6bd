"""Who hears of a new item and who owns it (首问责任制), as pure rules over the staff list.

The first-ask owner of an item filed in the bot is the owner role (the butler) of the
resident's zone. With nobody in that role there, the item is offered to the policy's
fallback people (the customer-service desk on duty): the first of them to tap *Accept*
becomes its owner. The department that does the work is always told as well.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.domain.staff import MANAGERS, RANK, Department, Role, StaffMember


@dataclass(frozen=True, slots=True)
class Ownership:
    """The policy's ownership rules."""

    zone_owner_role: Role
    fallback_department: Department
    fallback_roles: frozenset[Role]


@dataclass(frozen=True, slots=True)
class Routing:
    """Where a new item goes: its owner (if any) and everyone to show its card."""

    department: Department
    owner: StaffMember | None
    offered_to: tuple[StaffMember, ...]  # no owner: the desk, first to accept owns it
    department_crew: tuple[StaffMember, ...]


def zone_owner(
    staff: Iterable[StaffMember], zone: str | None, rule: Ownership
) -> StaffMember | None:
    if not zone:
        return None
    return next(
        (p for p in staff if p.active and p.role is rule.zone_owner_role and p.zone == zone),
        None,
    )


def fallback_desk(
    staff: Sequence[StaffMember], rule: Ownership, zone: str | None
) -> list[StaffMember]:
    """The desk on duty for the zone (theirs, or every zone); with nobody there, the
    managers, so nothing waits unseen."""
    desk = [
        p
        for p in staff
        if p.active
        and p.department is rule.fallback_department
        and p.role in rule.fallback_roles
        and (not p.zone or p.zone == zone)
    ]
    return desk or [p for p in staff if p.active and p.role in MANAGERS]


def crew(
    staff: Iterable[StaffMember], department: Department, zone: str | None
) -> list[StaffMember]:
    """A department's people for an item: those of its zone, and those who serve every zone."""
    return [
        p
        for p in staff
        if p.active and p.department is department and (not p.zone or p.zone == zone)
    ]


def route(
    staff: Sequence[StaffMember], *, department: Department, zone: str | None, rule: Ownership
) -> Routing:
    owner = zone_owner(staff, zone, rule)
    offered = () if owner is not None else tuple(fallback_desk(staff, rule, zone))
    told = {p.id for p in offered} | ({owner.id} if owner else set())
    working = tuple(p for p in crew(staff, department, zone) if p.id not in told)
    return Routing(department, owner, offered, working)


def serving(
    staff: Iterable[StaffMember], roles: Iterable[Role], zone: str | None
) -> list[StaffMember]:
    """Everyone in these roles who serves the zone: theirs, or every zone."""
    wanted = set(roles)
    return [p for p in staff if p.active and p.role in wanted and (not p.zone or p.zone == zone)]


def nearest(staff: Iterable[StaffMember], role: Role, zone: str | None) -> StaffMember | None:
    """The one person in a role for the zone: the zone's own, else one serving every zone."""
    found = serving(staff, [role], zone)
    return next((p for p in found if p.zone == zone), None) or next(iter(found), None)


def next_up(
    staff: Iterable[StaffMember], chain: list[Role], role: Role, zone: str | None
) -> StaffMember | None:
    """The first person above `role` in the escalation chain who serves the zone."""
    people = list(staff)
    for higher in (r for r in chain if RANK[r] > RANK[role]):
        found = nearest(people, higher, zone)
        if found is not None:
            return found
    return None

"""Staff who leave hand over their open items (DOMAIN: nothing stays ownerless).

Whoever takes an item over is chosen from the people still here: the zone's owner role
(the butler) for what the leaver owned, a colleague in the same role and department for
what they were doing, and otherwise the fallback desk of the item's zone (with nobody
there, the managers) — the same rules that route a new item (bot.domain.routing).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.routing import Ownership, fallback_desk, nearest, zone_owner
from bot.domain.staff import StaffMember


def _fallback(staff: Sequence[StaffMember], rule: Ownership, zone: str | None) -> StaffMember:
    desk = fallback_desk(staff, rule, zone)
    return next((p for p in desk if p.zone == zone), None) or desk[0]


def new_owner(
    staff: Sequence[StaffMember], leaver: StaffMember, zone: str | None, rule: Ownership
) -> StaffMember | None:
    """Who becomes first-ask owner of the leaver's item in this zone (None: nobody left)."""
    others = [p for p in staff if p.active and p.id != leaver.id]
    found = zone_owner(others, zone, rule) or nearest(others, leaver.role, zone)
    if found is not None:
        return found
    return _fallback(others, rule, zone) if fallback_desk(others, rule, zone) else None


def new_assignee(
    staff: Sequence[StaffMember],
    leaver: StaffMember,
    zone: str | None,
    owner: StaffMember | None,
) -> StaffMember | None:
    """Who carries on with the work the leaver was doing: a colleague in the same role and
    department for the zone, else the item's owner (who hands it on as they see fit)."""
    same = [
        p for p in staff if p.active and p.id != leaver.id and p.department is leaver.department
    ]
    return nearest(same, leaver.role, zone) or owner

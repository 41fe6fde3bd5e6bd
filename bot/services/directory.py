"""Looking residents up (a caller on the phone names their unit): checked and logged.

Every view of a resident's personal data goes through the one permission check
(bot.domain.permissions.can_see_resident) and leaves a line in `sensitive_views`.
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.estate import BuildingPlan, EstatePlan
from bot.domain.permissions import can_see_resident, staff_viewer
from bot.domain.residents import ResidentCard
from bot.domain.staff import StaffMember
from storage.uow import UnitOfWork


class OutsideRemit(PermissionError):
    """The resident lives outside the member's remit; a manager must look instead."""


async def resident_at(
    uow: UnitOfWork,
    member: StaffMember,
    *,
    estate: EstatePlan,
    building: BuildingPlan,
    unit: str,
    now: datetime,
) -> ResidentCard | None:
    """Who is registered at a unit, if anyone. Outside the member's remit this is refused
    before anything is read, so even whether someone lives there stays private."""
    viewer = staff_viewer(member)
    if not can_see_resident(viewer, estate_id=estate.id, zone=building.zone):
        raise OutsideRemit(f"{building.code}-{unit}")
    found = await uow.residents.card_at(estate.code, building.code, unit)
    if found is None:
        return None
    uow.access_log.record(
        staff_id=member.id, resident_id=found.id, ticket_id=None, what="name_unit", now=now
    )
    return found

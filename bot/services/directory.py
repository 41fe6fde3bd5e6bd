"""Looking residents up (a caller on the phone names their unit): checked and logged.

Every view of a resident's personal data goes through the one permission check
(bot.domain.permissions.can_see_resident) and leaves a line in `sensitive_views`. Access
granted beyond one's remit counts while it runs; a confidential resident's name is shown
only to managers (others read it masked, the catalogue's `privacy.masked`, as in the
export). Managers record a resident's consent to confidential service here.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.domain.estate import BuildingPlan, EstatePlan
from bot.domain.permissions import (
    can_mark_confidential,
    can_see_resident,
    shows_name,
    staff_viewer,
)
from bot.domain.residents import ResidentCard
from bot.domain.staff import StaffMember
from bot.services import access
from bot.views import Views
from storage.uow import UnitOfWork


class OutsideRemit(PermissionError):
    """The resident lives outside the member's remit; a manager must look instead."""


async def resident_at(
    uow: UnitOfWork,
    views: Views,
    member: StaffMember,
    *,
    estate: EstatePlan,
    building: BuildingPlan,
    unit: str,
    now: datetime,
) -> ResidentCard | None:
    """Who is registered at a unit, if anyone. Outside the member's remit this is refused
    before anything is read, so even whether someone lives there stays private. A
    confidential resident's name reads masked (in the member's language) but to managers."""
    viewer = staff_viewer(member)
    granted = False
    if not can_see_resident(viewer, estate_id=estate.id, zone=building.zone):
        # Only a running grant for whoever lives there opens it (read to check, not shown).
        viewer = await access.viewer_of(uow, member, now)
        found = await uow.residents.card_at(estate.code, building.code, unit)
        resident_id = found.id if found is not None else None
        if found is None or not can_see_resident(
            viewer, estate_id=estate.id, zone=building.zone, resident_id=resident_id
        ):
            raise OutsideRemit(f"{building.code}-{unit}")
        granted = True
    found = await uow.residents.card_at(estate.code, building.code, unit)
    if found is None:
        return None
    uow.access_log.record(
        staff_id=member.id,
        resident_id=found.id,
        ticket_id=None,
        what="granted_name_unit" if granted else "name_unit",
        now=now,
    )
    row = await uow.privacy.resident(found.id)
    confidential = row is not None and row.confidential
    if not shows_name(viewer, confidential=confidential, named=False):
        return replace(found, name=views.texts.text(member.language, "privacy.masked"))
    return found


class NotManager(PermissionError):
    """Confidential service is recorded by a manager."""


async def mark_confidential(
    uow: UnitOfWork,
    views: Views,
    member: StaffMember,
    *,
    estate: EstatePlan,
    building: BuildingPlan,
    unit: str,
    confidential: bool,
    now: datetime,
) -> ResidentCard | None:
    """Record the resident's consent to confidential service (or its end): from now on
    their items are seen only by the people named on them and by managers, and their
    name is masked for everyone else. The resident is told. None: nobody lives there."""
    if not can_mark_confidential(staff_viewer(member)):
        raise NotManager(member.role.value)
    found = await uow.residents.card_at(estate.code, building.code, unit)
    if found is None:
        return None
    row = await uow.privacy.resident(found.id)
    assert row is not None
    row.confidential = confidential
    row.confidential_at = now if confidential else None
    row.confidential_by_staff_id = member.id if confidential else None
    uow.access_log.record(
        staff_id=member.id,
        resident_id=found.id,
        ticket_id=None,
        what="confidential_on" if confidential else "confidential_off",
        now=now,
    )
    if found.chat_id is not None:
        key = "privacy.confidential_on" if confidential else "privacy.confidential_off"
        uow.outbox.add(
            chat_id=found.chat_id,
            text=views.t(found.language, key),
            purpose=key,
            now=now,
        )
    return found

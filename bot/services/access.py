"""Access beyond one's remit, by approval (客情保密: viewing outside it needs a manager).

A staff member asks to see a resident (by unit) or one item (by reference), with a reason;
the senior butler *and* the chief butler must both approve. The grant then runs for the
policy's hours (`[staff] access_hours`); the permission rules honour it while it runs
(bot.domain.permissions: `Viewer.granted_*`), and every view it allows is logged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.domain.estate import EstatePlan, parse_unit_input
from bot.domain.lifecycle import Action
from bot.domain.permissions import TicketScope, Viewer, can, staff_viewer
from bot.domain.references import looks_like_reference
from bot.domain.routing import nearest
from bot.domain.staff import Role, StaffMember
from bot.domain.tickets import TicketFacts
from bot.views import Button, Screen, Views
from storage.models import AccessGrant
from storage.repositories.privacy import APPROVED, PENDING, REFUSED
from storage.uow import UnitOfWork

APPROVERS = (Role.SENIOR_BUTLER, Role.CHIEF_BUTLER)
Buttons = Callable[[int], tuple[tuple[str, str], ...]]  # grant id → (label key, data)


class NotAllowed(PermissionError):
    """Not an approver of this request, or it is already decided."""


@dataclass(frozen=True, slots=True)
class Asked:
    grant_id: int
    approvers: int  # how many were asked


async def viewer_of(uow: UnitOfWork, member: StaffMember, now: datetime) -> Viewer:
    """The member as the permission rules see them, with the grants running now."""
    viewer = staff_viewer(member)
    grants = await uow.privacy.running(member.id, now)
    if not grants:
        return viewer
    return replace(
        viewer,
        granted_residents=frozenset(g.resident_id for g in grants if g.resident_id),
        granted_tickets=frozenset(g.ticket_id for g in grants if g.ticket_id),
    )


async def may_view(
    uow: UnitOfWork, member: StaffMember, item: TicketFacts, now: datetime | None
) -> Viewer | None:
    """The viewer who may see the item (None: nobody may); a view only a grant allows is
    logged (who, whose, which item, when). Without `now`, grants are not consulted."""
    plain = staff_viewer(member)
    scope = TicketScope.of(item)
    if can(plain, Action.VIEW, scope):
        return plain
    if now is None:
        return None
    viewer = await viewer_of(uow, member, now)
    if viewer == plain or not can(viewer, Action.VIEW, scope):
        return None
    uow.access_log.record(
        staff_id=member.id,
        resident_id=item.resident_id,
        ticket_id=item.id,
        what="granted_view",
        now=now,
    )
    return viewer


async def ask(
    uow: UnitOfWork,
    views: Views,
    member: StaffMember,
    *,
    estate: EstatePlan,
    subject: str,
    reason: str,
    buttons: Buttons,
    now: datetime,
) -> Asked | None:
    """Ask for access to the resident at a unit ("1-1202") or to one item (a reference);
    None: nothing there to grant access to."""
    resident_id: int | None = None
    ticket_id: int | None = None
    zone: str | None = None
    wanted = subject.strip().upper()
    if looks_like_reference(wanted):
        ticket = await uow.tickets.by_reference(wanted)
        if ticket is None or ticket.estate_id != member.estate_id:
            return None
        ticket_id, zone = ticket.id, ticket.zone
    else:
        address = parse_unit_input(subject, estate)
        if address is None:
            return None
        building, unit = address
        found = await uow.residents.card_at(estate.code, building.code, unit)
        if found is None:
            return None
        resident_id, zone, wanted = found.id, building.zone, f"{building.code}-{unit}"
    grant = AccessGrant(
        estate_id=member.estate_id,
        staff_id=member.id,
        resident_id=resident_id,
        ticket_id=ticket_id,
        subject=wanted[:64],
        reason=reason,
        status=PENDING,
        requested_at=now,
    )
    uow.privacy.add_grant(grant)
    await uow.flush()
    staff = [p for p in await uow.staff.members(member.estate_id) if p.id != member.id]
    approvers = [person for role in APPROVERS if (person := nearest(staff, role, zone))]
    for approver in approvers:
        _tell(uow, views, approver, "access.asked", now, buttons(grant.id), grant, member)
    return Asked(grant.id, len(approvers))


async def decide(
    uow: UnitOfWork,
    views: Views,
    approver: StaffMember,
    grant_id: int,
    *,
    approve: bool,
    hours: float,
    now: datetime,
) -> str:
    """One approver's answer; the grant runs once both have approved, and ends at any
    refusal. Returns the grant's status."""
    grant = await uow.privacy.grant(grant_id)
    if (
        grant is None
        or grant.status != PENDING
        or grant.estate_id != approver.estate_id
        or grant.staff_id == approver.id
        or approver.role not in APPROVERS
    ):
        raise NotAllowed(str(grant_id))
    asker = await uow.staff.member(grant.staff_id)
    if not approve:
        grant.status, grant.refused_by_staff_id, grant.decided_at = REFUSED, approver.id, now
        if asker is not None:
            _tell(uow, views, asker, "access.refused", now, (), grant, approver)
        return grant.status
    if approver.role is Role.SENIOR_BUTLER:
        grant.senior_staff_id, grant.senior_at = approver.id, now
    else:
        grant.chief_staff_id, grant.chief_at = approver.id, now
    if grant.senior_at is not None and grant.chief_at is not None:
        grant.status, grant.decided_at = APPROVED, now
        grant.expires_at = now + timedelta(hours=hours)
        if asker is not None:
            _tell(uow, views, asker, "access.granted", now, (), grant, approver)
    return grant.status


def _tell(
    uow: UnitOfWork,
    views: Views,
    reader: StaffMember,
    key: str,
    now: datetime,
    buttons: tuple[tuple[str, str], ...],
    grant: AccessGrant,
    other: StaffMember,
) -> None:
    if reader.chat_id is None:
        return
    language = reader.language
    text = views.t(
        language,
        key,
        name=other.name,
        role=views.t(language, f"role.{other.role.value}"),
        subject=grant.subject,
        reason=grant.reason,
        until=views.moment(language, grant.expires_at) if grant.expires_at else "—",
    )
    row = tuple(Button(views.t(language, label), data) for label, data in buttons)
    screen = Screen(text, (row,) if row else ())
    uow.outbox.add(
        chat_id=reader.chat_id,
        text=screen.text,
        reply_markup=screen.keyboard(),
        purpose=key,
        now=now,
    )

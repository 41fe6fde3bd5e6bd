"""What staff read of items: cards by id or reference, photos, who to transfer to.

Access granted beyond one's remit (bot.services.access) counts while it runs; each view
it allows is logged."""

from __future__ import annotations

from datetime import datetime

from bot.domain.lifecycle import Action
from bot.domain.permissions import Viewer, can, staff_viewer
from bot.domain.references import looks_like_reference
from bot.domain.staff import StaffMember
from bot.domain.tickets import TicketFacts
from bot.domain.timeline import TimelineEntry
from bot.services import access
from bot.services.workflow import Refused
from bot.views import Screen, Views
from bot.views.card import Links, card, scope_of
from storage.repositories.incidents import IncidentRepository
from storage.repositories.tickets import facts_of
from storage.uow import UnitOfWork


async def card_for(
    uow: UnitOfWork,
    views: Views,
    member: StaffMember,
    ticket_id: int,
    now: datetime | None = None,
) -> Screen | None:
    """The item's card as this member sees it, or None if they may not see it."""
    item = await uow.tickets.facts(ticket_id)
    if item is None:
        return None
    viewer = await access.may_view(uow, member, item, now)
    if viewer is None:
        return None
    links = await links_of(uow, item.id)
    return _read_only(card(views, member.language, item, viewer, links=links), viewer, member)


async def links_of(uow: UnitOfWork, ticket_id: int) -> Links:
    """The item's incident, for its card: the lead's reference, if it is in one."""
    incident = await IncidentRepository(uow.session).of_ticket(ticket_id)
    lead = (
        await uow.tickets.get(incident.lead_ticket_id)
        if incident and incident.lead_ticket_id
        else None
    )
    return Links(lead.reference if lead else None)


async def card_by_reference(
    uow: UnitOfWork,
    views: Views,
    member: StaffMember,
    reference: str,
    now: datetime | None = None,
) -> Screen | None:
    """An item's card by its reference (any case), if the member may see it."""
    wanted = reference.strip().upper()
    if not looks_like_reference(wanted):
        return None
    ticket = await uow.tickets.by_reference(wanted)
    if ticket is None:
        return None
    item = facts_of(ticket)
    viewer = await access.may_view(uow, member, item, now)
    if viewer is None:
        return None
    links = await links_of(uow, item.id)
    return _read_only(card(views, member.language, item, viewer, links=links), viewer, member)


def _read_only(screen: Screen, viewer: Viewer, member: StaffMember) -> Screen:
    """Seen under a grant: to read, not to work on (the buttons are the handlers')."""
    return screen if viewer == staff_viewer(member) else Screen(screen.text)


async def check(
    uow: UnitOfWork, member: StaffMember, ticket_id: int, action: Action
) -> TicketFacts:
    """Refused unless the member may take this action on the item now (before asking more)."""
    item = await uow.tickets.facts(ticket_id)
    if item is None or not can(staff_viewer(member), action, scope_of(item)):
        raise Refused(action.value)
    return item


async def photos(uow: UnitOfWork, member: StaffMember, ticket_id: int) -> list[str]:
    item = await uow.tickets.facts(ticket_id)
    if item is None or not can(staff_viewer(member), Action.PHOTOS, scope_of(item)):
        raise Refused("photos")
    return list(item.photos)


async def voices(uow: UnitOfWork, member: StaffMember, ticket_id: int) -> list[str]:
    """Voice notes told as the item's description, for those who may see its photos."""
    item = await uow.tickets.facts(ticket_id)
    if item is None or not can(staff_viewer(member), Action.PHOTOS, scope_of(item)):
        raise Refused("photos")
    return list(item.voices)


async def transfer_targets(uow: UnitOfWork, member: StaffMember) -> list[StaffMember]:
    return [p for p in await uow.staff.members(member.estate_id) if p.id != member.id]


async def timeline_by_reference(
    uow: UnitOfWork, member: StaffMember, reference: str, now: datetime | None = None
) -> list[TimelineEntry] | None:
    """The item's whole timeline (staff read internal notes too), if they may see it."""
    ticket = await uow.tickets.by_reference(reference.strip().upper())
    if ticket is None:
        return None
    viewer = await access.viewer_of(uow, member, now) if now else staff_viewer(member)
    if not can(viewer, Action.VIEW, scope_of(facts_of(ticket))):
        return None
    return await uow.tickets.timeline(ticket.id)

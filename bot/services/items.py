"""What staff read of items: cards by id or reference, photos, who to transfer to."""

from __future__ import annotations

from bot.domain.lifecycle import Action
from bot.domain.permissions import can, staff_viewer
from bot.domain.references import looks_like_reference
from bot.domain.staff import StaffMember
from bot.domain.tickets import TicketFacts
from bot.domain.timeline import TimelineEntry
from bot.services.workflow import Refused
from bot.views import Screen, Views
from bot.views.card import card, scope_of
from storage.repositories.tickets import facts_of
from storage.uow import UnitOfWork


async def card_for(
    uow: UnitOfWork, views: Views, member: StaffMember, ticket_id: int
) -> Screen | None:
    """The item's card as this member sees it, or None if they may not see it."""
    item = await uow.tickets.facts(ticket_id)
    if item is None:
        return None
    viewer = staff_viewer(member)
    if not can(viewer, Action.VIEW, scope_of(item)):
        return None
    return card(views, member.language, item, viewer)


async def card_by_reference(
    uow: UnitOfWork, views: Views, member: StaffMember, reference: str
) -> Screen | None:
    """An item's card by its reference (any case), if the member may see it."""
    wanted = reference.strip().upper()
    if not looks_like_reference(wanted):
        return None
    ticket = await uow.tickets.by_reference(wanted)
    if ticket is None:
        return None
    item, viewer = facts_of(ticket), staff_viewer(member)
    if not can(viewer, Action.VIEW, scope_of(item)):
        return None
    return card(views, member.language, item, viewer)


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


async def transfer_targets(uow: UnitOfWork, member: StaffMember) -> list[StaffMember]:
    return [p for p in await uow.staff.members(member.estate_id) if p.id != member.id]


async def timeline_by_reference(
    uow: UnitOfWork, member: StaffMember, reference: str
) -> list[TimelineEntry] | None:
    """The item's whole timeline (staff read internal notes too), if they may see it."""
    ticket = await uow.tickets.by_reference(reference.strip().upper())
    if ticket is None or not can(staff_viewer(member), Action.VIEW, scope_of(facts_of(ticket))):
        return None
    return await uow.tickets.timeline(ticket.id)

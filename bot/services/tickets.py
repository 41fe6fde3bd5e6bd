"""Filing an item and reading a resident's own items."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.permissions import TicketScope, Viewer, ViewerKind, can_view
from bot.domain.references import day_key, format_reference
from bot.domain.residents import ResidentCard
from bot.domain.tickets import Channel, Draft, Severity, open_ticket
from bot.policy import Policy
from bot.services.notices import Notice
from bot.services.workflow import route_new
from storage.models import Attachment, Staff, Ticket, TicketEvent
from storage.repositories import TicketPage
from storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Filed:
    ticket_id: int
    reference: str
    first_answer_due_at: datetime
    notices: list[Notice] = field(default_factory=list)


AckRenderer = Callable[[Ticket], str]


@dataclass(frozen=True, slots=True)
class OnBehalf:
    """An item staff register for someone who phoned, came to the desk, or wrote.

    The registering staff member is its first-ask owner (首问责任制)."""

    staff: Staff
    channel: Channel
    caller_name: str | None = None
    caller_phone: str | None = None


async def file_ticket(
    uow: UnitOfWork,
    *,
    resident: ResidentCard | None,
    draft: Draft,
    policy: Policy,
    tz: ZoneInfo,
    now: datetime,
    render_ack: AckRenderer,
    on_behalf: OnBehalf | None = None,
) -> Filed:
    """Store the item, its photos and first timeline entry, and queue the acknowledgement."""
    promise = policy.promise(Severity.GENERAL)
    new = open_ticket(
        draft,
        categories=policy.categories.complaint,
        now=now,
        first_answer=promise.first_answer,
        resolve=promise.resolve,
        channel=on_behalf.channel if on_behalf else Channel.BOT,
    )
    local_day = now.astimezone(tz).date()
    prefix = policy.references[new.kind]
    sequence = await uow.tickets.next_sequence(prefix, day_key(local_day))
    ticket = Ticket(
        reference=format_reference(prefix, local_day, sequence),
        kind=new.kind.value,
        category=new.category,
        status=new.status.value,
        channel=new.channel.value,
        resident_id=resident.id if resident else None,
        unit_id=resident.unit_id if resident else None,
        estate_id=resident.estate_id
        if resident
        else on_behalf.staff.estate_id
        if on_behalf
        else None,
        zone=(resident.zone or None) if resident else None,
        contact_name=on_behalf.caller_name if on_behalf else None,
        contact_phone=on_behalf.caller_phone if on_behalf else None,
        location_kind=new.location_kind.value if new.location_kind else None,
        location_text=new.location_text,
        description=new.description,
        requested_by=new.requested_by,
        created_at=now,
        updated_at=now,
        first_answer_due_at=new.first_answer_due_at,
        resolve_due_at=new.resolve_due_at,
        attachments=[Attachment(kind="photo", file_id=f, created_at=now) for f in new.photos],
    )
    events = [
        TicketEvent(
            created_at=now,
            kind=kind.value,
            actor_kind=ViewerKind.STAFF.value if on_behalf else ViewerKind.RESIDENT.value,
            actor_id=on_behalf.staff.id if on_behalf else resident.id if resident else None,
            actor_role=on_behalf.staff.role if on_behalf else None,
            status=new.status.value,
        )
        for kind in new.events
    ]
    if on_behalf is not None:
        ticket.department = policy.department_for(ticket.category).value
        ticket.registered_by_staff_id = on_behalf.staff.id
        ticket.owner_staff_id = ticket.assignee_staff_id = on_behalf.staff.id
        notices: list[Notice] = []
    else:
        notices = await route_new(uow, ticket, policy)
    await uow.tickets.add(ticket, events)
    if resident is not None and resident.chat_id is not None:
        uow.outbox.add(
            chat_id=resident.chat_id,
            text=render_ack(ticket),
            purpose="ticket_ack",
            ticket_id=ticket.id,
            now=now,
        )
    notices = [replace(n, ticket_id=ticket.id) for n in notices]
    return Filed(ticket.id, ticket.reference, new.first_answer_due_at, notices)


async def resident_tickets(
    uow: UnitOfWork, resident: ResidentCard, *, page: int, per_page: int
) -> TicketPage:
    return await uow.tickets.for_resident(
        resident.id, limit=per_page, offset=max(page, 0) * per_page
    )


async def visible_ticket(
    uow: UnitOfWork, viewer: Viewer, ticket_id: int
) -> tuple[Ticket, list[TicketEvent]] | None:
    """The item with its timeline, or None when it does not exist *or* is not the viewer's."""
    ticket = await uow.tickets.get(ticket_id)
    if ticket is None:
        return None
    if not can_view(viewer, TicketScope(resident_id=ticket.resident_id)):
        return None
    return ticket, await uow.tickets.events(ticket.id)

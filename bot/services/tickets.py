"""Filing an item and reading a resident's own items."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.permissions import TicketScope, Viewer, ViewerKind, can_view
from bot.domain.references import day_key, format_reference
from bot.domain.residents import ResidentCard
from bot.domain.tickets import Draft, Severity, open_ticket
from bot.policy import Policy
from bot.services.notices import Notice
from bot.services.workflow import route_new
from storage.models import Attachment, Ticket, TicketEvent
from storage.repositories import TicketPage
from storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Filed:
    ticket_id: int
    reference: str
    first_answer_due_at: datetime
    notices: list[Notice] = field(default_factory=list)


AckRenderer = Callable[[Ticket], str]


async def file_ticket(
    uow: UnitOfWork,
    *,
    resident: ResidentCard,
    draft: Draft,
    policy: Policy,
    tz: ZoneInfo,
    now: datetime,
    render_ack: AckRenderer,
) -> Filed:
    """Store the item, its photos and first timeline entry, and queue the acknowledgement."""
    promise = policy.promise(Severity.GENERAL)
    new = open_ticket(
        draft,
        categories=policy.categories.complaint,
        now=now,
        first_answer=promise.first_answer,
        resolve=promise.resolve,
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
        resident_id=resident.id,
        unit_id=resident.unit_id,
        estate_id=resident.estate_id,
        zone=resident.zone or None,
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
            actor_kind=ViewerKind.RESIDENT.value,
            actor_id=resident.id,
            status=new.status.value,
        )
        for kind in new.events
    ]
    notices = await route_new(uow, ticket, policy)
    await uow.tickets.add(ticket, events)
    if resident.chat_id is not None:
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

"""Suggestions (建议): they reach the customer-service manager (the policy's
`suggestions_to`, the zone's senior butler) as well as the department; the desk records
whether each is adopted, with a short reason, and the resident is told."""

from __future__ import annotations

from collections.abc import Iterable

from bot.domain.item import Item
from bot.domain.lifecycle import Action, IllegalMove
from bot.domain.routing import serving
from bot.domain.staff import DESK_ROLES, StaffMember
from bot.domain.tickets import EventKind, TicketKind, TicketStatus
from bot.domain.workflow import adoption_open
from bot.policy import Policy
from bot.services.actions import ActionContext, Refused
from bot.services.notices import Notice, staff_card, to_resident
from storage.models import Ticket


def with_managers(
    ticket: Ticket,
    staff: Iterable[StaffMember],
    policy: Policy,
    notices: list[Notice],
    *,
    owner: int | None,
) -> list[Notice]:
    """A new suggestion goes to the policy's roles of its zone (the senior butler) too,
    asking them to decide on it (in place of the department's plain card, if they are of
    the department); the owner keeps their own card."""
    if ticket.kind != TicketKind.SUGGESTION:
        return notices
    people = {p.id for p in serving(staff, policy.ownership.suggestions_to, ticket.zone)}
    if owner is not None:
        people.discard(owner)
    kept = [n for n in notices if n.staff_id not in people]
    return kept + [staff_card(i, 0, "notice.new_suggestion") for i in sorted(people)]


async def decide(ctx: ActionContext, ticket_id: int, *, adopted: bool, reason: str) -> None:
    """The desk records whether the suggestion is adopted; the resident hears it with the
    reason. An open suggestion is answered by it (resolved)."""
    ticket = await ctx.load(ticket_id, Action.REPLY)
    reason = reason.strip()
    if ctx.me.role not in DESK_ROLES or not reason:
        raise Refused("adopt")
    if not adoption_open(ticket.kind, ticket.status, ticket.adopted):
        raise Refused("adopt")
    ticket.adopted = adopted
    kind = EventKind.ADOPTED if adopted else EventKind.NOT_ADOPTED
    status = None
    if ticket.status != TicketStatus.RESOLVED:
        try:
            status = Item.of(ticket).next_status(Action.RESOLVE)
        except IllegalMove:
            raise Refused("adopt") from None
        Item.of(ticket).resolved(ctx.now)
    ctx.take_ownership(ticket)
    ctx.record(ticket, kind, status=status, note=reason)
    key = "adopted" if adopted else "not_adopted"
    notices = [to_resident(ticket.id, f"resident.suggestion_{key}", text=reason)]
    notices += ctx.others(ticket, f"notice.suggestion_{key}", text=reason)
    await ctx.done(ticket, notices)

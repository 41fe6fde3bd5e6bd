"""Out-of-scope items (municipal water, power, gas, telecom): not the office's work, but the
desk helps the resident reach the utility and records each contact — who was contacted,
when, and what they said — and the resident is told every step. Nobody asks them whether
another company's work was solved, and what the utility does never reopens the item."""

from __future__ import annotations

from datetime import datetime

from bot.domain.lifecycle import Action
from bot.domain.tickets import EventKind, Nature
from bot.services.actions import ActionContext, Refused
from bot.services.notices import to_resident

CONTACTED_CHARS = 200  # as stored (utility_contacts.contacted)


async def record(
    ctx: ActionContext, ticket_id: int, *, contacted: str, at: datetime, said: str
) -> None:
    """One contact with the utility about an out-of-scope item, told to the resident."""
    ticket = await ctx.load(ticket_id, Action.REPLY)
    if ticket.nature != Nature.INVALID:
        raise Refused("liaison")  # only an item classified out of scope
    contacted, said = contacted.strip()[:CONTACTED_CHARS], said.strip()
    if not contacted or not said or at > ctx.now:
        raise Refused("liaison")
    ctx.uow.tickets.add_utility_contact(
        ticket.id, staff_id=ctx.me.id, contacted=contacted, contacted_at=at, said=said, now=ctx.now
    )
    ctx.record(ticket, EventKind.LIAISON, note=f"{contacted}: {said}")
    notices = [to_resident(ticket.id, "resident.liaison", who=contacted, at=at, said=said)]
    notices += ctx.others(ticket, "notice.liaison", who=contacted)
    await ctx.done(ticket, notices)

"""Beyond one's authority or one's time: escalating up the zone's chain, and asking the
approver of the item's severity for a later resolve time."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from bot.domain.item import Item
from bot.domain.lifecycle import Action
from bot.domain.routing import next_up, serving
from bot.domain.staff import GRANT_ANY
from bot.domain.tickets import EventKind, Severity
from bot.services import duty, incidents
from bot.services.actions import ActionContext, Refused, role_word
from bot.services.notices import staff_card, to_resident, with_buttons
from bot.views.card import extension_buttons
from storage.models import Extension


class ExtensionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


async def escalate(ctx: ActionContext, ticket_id: int, reason: str) -> None:
    """Pass the item to the next person up the zone's chain, who takes it over or sends
    it back with instructions."""
    ticket = await ctx.load(ticket_id, Action.ESCALATE)
    Item.of(ticket).next_status(Action.ESCALATE)
    chain = ctx.policy.deadlines.escalation_chain
    above = next_up(await ctx.staff(ticket), chain, ctx.me.role, ticket.zone)
    if above is None:
        raise Refused("nobody above")
    ticket.escalated_to_staff_id = above.id
    ctx.record(ticket, EventKind.ESCALATED, note=f"{above.role.value}:{above.id}: {reason}")
    notice = staff_card(
        above.id, ticket.id, "notice.escalated_to_you", role=role_word(ctx.me), reason=reason
    )
    if above.is_manager:  # acknowledged by Seen; unseen, it climbs (bot.services.duty)
        notice = duty.expect_seen(ctx, ticket, notice)
    await ctx.done(ticket, [notice])


async def take_over(ctx: ActionContext, ticket_id: int) -> None:
    ticket = await ctx.load(ticket_id, Action.TAKE_OVER)
    before = ticket.assignee_staff_id
    ticket.assignee_staff_id, ticket.escalated_to_staff_id = ctx.me.id, None
    ctx.record(ticket, EventKind.TAKEN_OVER)
    told = {i for i in (before, ticket.owner_staff_id) if i is not None} - {ctx.me.id}
    notices = [
        staff_card(i, ticket.id, "notice.taken_over", role=role_word(ctx.me)) for i in sorted(told)
    ]
    await ctx.done(ticket, notices)


async def send_down(ctx: ActionContext, ticket_id: int, instructions: str) -> None:
    ticket = await ctx.load(ticket_id, Action.RETURN)
    ticket.escalated_to_staff_id = None
    ctx.record(ticket, EventKind.RETURNED, note=instructions)
    await ctx.done(ticket, ctx.others(ticket, "notice.returned", text=instructions))


async def request_extension(
    ctx: ActionContext, ticket_id: int, new_due: datetime, reason: str
) -> None:
    """Ask the approver of the item's severity; only an approved extension moves anything."""
    ticket = await ctx.load(ticket_id, Action.EXTEND)
    Item.of(ticket).next_status(Action.EXTEND)
    if ticket.resolve_due_at is None or new_due <= ticket.resolve_due_at:
        raise Refused("not later")
    extension = Extension(
        ticket_id=ticket.id,
        requested_by_staff_id=ctx.me.id,
        requested_at=ctx.now,
        new_due_at=new_due,
        reason=reason,
        status=ExtensionStatus.PENDING.value,
    )
    ctx.uow.extensions.add(extension)
    await ctx.uow.flush()
    approver = ctx.policy.promise(_severity(ticket.severity)).extension_approved_by
    staff = await ctx.staff(ticket)
    approvers = serving(staff, [approver], ticket.zone) or serving(staff, GRANT_ANY, ticket.zone)
    ctx.record(ticket, EventKind.EXTENSION_ASKED, note=f"{new_due.isoformat()}: {reason}")
    asked = [
        staff_card(
            p.id,
            ticket.id,
            "notice.extension_asked",
            role=role_word(ctx.me),
            until=new_due,
            reason=reason,
        )
        for p in approvers
        if p.id != ctx.me.id
    ]
    notices = [with_buttons(n, extension_buttons(extension.id)) for n in asked]
    await ctx.done(ticket, notices)


async def decide_extension(ctx: ActionContext, extension_id: int, *, approve: bool) -> int:
    """The approver's answer; returns the item's id. Refused once decided, or for anyone
    but the approver of the item's severity (or the chief butler and project head)."""
    extension = await ctx.uow.extensions.get(extension_id, for_update=True)
    if extension is None or extension.status != ExtensionStatus.PENDING:
        raise Refused("decided")
    ticket = await ctx.load(extension.ticket_id, Action.VIEW)
    approver = ctx.policy.promise(_severity(ticket.severity)).extension_approved_by
    if ctx.me.role is not approver and ctx.me.role not in GRANT_ANY:
        raise Refused("not the approver")
    extension.status = (ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED).value
    extension.decided_by_staff_id, extension.decided_at = ctx.me.id, ctx.now
    asker = extension.requested_by_staff_id
    if not approve:
        ctx.record(ticket, EventKind.EXTENSION_REJECTED)
        await ctx.done(ticket, [staff_card(asker, ticket.id, "notice.extension_rejected")])
        return ticket.id
    ticket.resolve_due_at = extension.new_due_at
    ctx.record(ticket, EventKind.EXTENSION_APPROVED, note=extension.new_due_at.isoformat())
    notices = [
        to_resident(ticket.id, "resident.extended", until=extension.new_due_at),
        staff_card(asker, ticket.id, "notice.extension_approved", until=extension.new_due_at),
    ]
    await incidents.spread_promises(ctx, ticket)  # an incident's lead: every reporter
    await ctx.done(ticket, notices)
    return ticket.id


def _severity(value: str | None) -> Severity | None:
    return Severity(value) if value else None

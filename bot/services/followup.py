"""Follow-up (回访) and reopening: asking residents whether it was solved, closing what
they are satisfied with, reopening what they are not — with new promises, back to the
same people, the supervisor told, and for major items an in-person visit."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from bot.domain import lifecycle
from bot.domain.deadlines import FollowupState
from bot.domain.lifecycle import Action
from bot.domain.permissions import resident_viewer
from bot.domain.references import day_key, format_reference
from bot.domain.residents import ResidentCard
from bot.domain.routing import fallback_desk, nearest, serving
from bot.domain.staff import Role
from bot.domain.tickets import (
    Channel,
    EventKind,
    Severity,
    TicketKind,
    TicketStatus,
)
from bot.services.actions import (
    ActionContext,
    ItemContext,
    Refused,
    load,
    owner_and_assignee,
    situation_of,
)
from bot.services.clocks import set_promises
from bot.services.notices import Label, Notice, staff_card, to_resident, with_buttons
from bot.views.followup import solved_buttons
from storage.models import Ticket, TicketEvent

ANSWERABLE = (FollowupState.ASKED, FollowupState.REMINDED, FollowupState.NO_RESPONSE)


class CallOutcome(StrEnum):
    SATISFIED = "satisfied"
    NOT_SATISFIED = "not_satisfied"
    UNREACHABLE = "unreachable"


# --- the clock's side ----------------------------------------------------------------------
async def ask(ctx: ItemContext, ticket: Ticket, *, reminder: bool) -> None:
    """Was it solved? Asked once at the policy's time, and once more if unanswered."""
    if ticket.status != TicketStatus.RESOLVED:
        return
    if reminder and ticket.followup != FollowupState.ASKED:
        return
    if not reminder and ticket.followup is not None:
        return
    if reminder:
        ticket.followup = FollowupState.REMINDED.value
    else:
        ticket.followup, ticket.followup_asked_at = FollowupState.ASKED.value, ctx.now
    ctx.record(ticket, EventKind.FOLLOWUP_ASKED, note="reminder" if reminder else None)
    key = "resident.followup_remind" if reminder else "resident.followup_ask"
    notices: list[Notice] = []
    if ticket.resident_id is not None:
        notices.append(with_buttons(to_resident(ticket.id, key), solved_buttons(ticket.id)))
    else:  # registered for a caller: the desk phones instead
        ticket.followup = FollowupState.NO_RESPONSE.value
        notices += await _phone_list(ctx, ticket)
    await ctx.done(ticket, notices)


async def no_response(ctx: ItemContext, ticket: Ticket) -> None:
    """Still no answer: closed as "no response", and the desk is asked to phone."""
    if ticket.status != TicketStatus.RESOLVED or ticket.followup != FollowupState.REMINDED:
        return
    status = lifecycle.after(Action.CLOSE, situation_of(ticket))
    ticket.followup, ticket.closed_at = FollowupState.NO_RESPONSE.value, ctx.now
    ctx.record(ticket, EventKind.FOLLOWUP_NO_RESPONSE, status=status)
    await ctx.done(ticket, await _phone_list(ctx, ticket))


async def _phone_list(ctx: ItemContext, ticket: Ticket) -> list[Notice]:
    desk = fallback_desk(await ctx.staff(ticket), ctx.policy.ownership.rule, ticket.zone)
    ids = {ticket.owner_staff_id} if ticket.owner_staff_id else {p.id for p in desk}
    return [staff_card(i, ticket.id, "notice.phone_followup") for i in sorted(ids)]


# --- the resident's answers ----------------------------------------------------------------
async def _answerable(ctx: ItemContext, resident: ResidentCard, ticket_id: int) -> Ticket:
    ticket = await load(ctx.uow, resident_viewer(resident.id), ticket_id, Action.VIEW)
    if ticket.followup not in ANSWERABLE:
        raise Refused("not asked")
    return ticket


async def answer_solved(
    ctx: ItemContext, resident: ResidentCard, ticket_id: int, *, solved: bool
) -> None:
    ticket = await _answerable(ctx, resident, ticket_id)
    ticket.solved = solved
    ctx.record(ticket, EventKind.FOLLOWUP_ANSWERED, note="solved" if solved else "not solved")
    notices = [] if solved else await reopen(ctx, ticket, reason="followup.not_solved")
    await ctx.done(ticket, notices)


async def answer_rating(
    ctx: ItemContext, resident: ResidentCard, ticket_id: int, rating: int
) -> bool:
    """Store the rating; returns whether the item was reopened by it (or before it)."""
    if not 1 <= rating <= 5:
        raise Refused("rating")
    ticket = await _answerable(ctx, resident, ticket_id)
    ticket.rating = rating
    ctx.record(ticket, EventKind.FOLLOWUP_ANSWERED, note=f"rating {rating}")
    notices: list[Notice] = []
    unhappy = rating <= ctx.policy.followup.reopen_at_or_below or ticket.solved is False
    finished = ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED)
    if finished and unhappy:
        notices = await reopen(ctx, ticket, reason="followup.low_rating")
    elif ticket.status == TicketStatus.RESOLVED:
        status = lifecycle.after(Action.CLOSE, situation_of(ticket))
        ticket.closed_at = ctx.now
        ctx.record(ticket, EventKind.CLOSED, status=status)
    # Answered (a closed item after all: off the phone list; reopened by "not solved").
    ticket.followup = FollowupState.ANSWERED.value
    await ctx.done(ticket, notices)
    return ticket.status == TicketStatus.REOPENED


async def answer_comment(
    ctx: ItemContext, resident: ResidentCard, ticket_id: int, comment: str
) -> None:
    ticket = await load(ctx.uow, resident_viewer(resident.id), ticket_id, Action.VIEW)
    ticket.feedback = comment
    ctx.resident_said(ticket, resident.id, EventKind.MESSAGE, comment)
    notices = [
        staff_card(i, ticket.id, "notice.followup_comment", text=comment)
        for i in owner_and_assignee(ticket)
    ]
    await ctx.notifier.tell(notices, ctx.now)


# --- the desk's side -----------------------------------------------------------------------
async def record_call(ctx: ActionContext, ticket_id: int, outcome: CallOutcome) -> None:
    """The desk phoned a resident who never answered the follow-up."""
    ticket = await ctx.load(ticket_id, Action.RECORD_CALL)
    ticket.followup = FollowupState.PHONED.value
    if outcome is not CallOutcome.UNREACHABLE:
        ticket.solved = outcome is CallOutcome.SATISFIED
    ctx.record(ticket, EventKind.PHONE_FOLLOWUP, note=outcome.value)
    notices = []
    if outcome is CallOutcome.NOT_SATISFIED:
        notices = await reopen(ctx, ticket, reason="followup.phone_not_satisfied")
    await ctx.done(ticket, notices)


async def reopen_by_staff(ctx: ActionContext, ticket_id: int) -> None:
    """The owner (or the desk) reopens after the resident wrote about a resolved item."""
    ticket = await ctx.load(ticket_id, Action.REOPEN)
    await ctx.done(ticket, await reopen(ctx, ticket, reason="followup.resident_wrote"))


async def reopen(ctx: ItemContext, ticket: Ticket, *, reason: str) -> list[Notice]:
    """Back to work: new promises from now, back to its owner and assignee, the duty
    supervisor told; a major item also gets an in-person visit by the policy's role."""
    status = lifecycle.after(Action.REOPEN, situation_of(ticket))
    set_promises(ticket, ctx.policy, ctx.tz, start=ctx.now)
    ticket.paused_s, ticket.paused_at = 0, None
    ticket.first_answered_at = ticket.resolved_at = ticket.closed_at = None
    ticket.reopen_count = (ticket.reopen_count or 0) + 1
    ctx.record(ticket, EventKind.REOPENED, status=status, note=reason)
    staff = await ctx.staff(ticket)
    people = set(owner_and_assignee(ticket))
    people |= {p.id for p in serving(staff, [Role.SUPERVISOR], ticket.zone)}
    if ctx.actor is not None:
        people.discard(ctx.actor.id)
    notices = [
        staff_card(i, ticket.id, "notice.reopened", why=Label.of(reason)) for i in sorted(people)
    ]
    notices.append(
        to_resident(ticket.id, "resident.reopened", due=ticket.first_answer_due_at or ctx.now)
    )
    severity = Severity(ticket.severity) if ticket.severity else None
    visitor_role = ctx.policy.promise(severity).visit_by
    if visitor_role is not None:
        visitor = nearest(staff, visitor_role, ticket.zone)
        if visitor is not None:
            visit = await _visit(ctx, ticket, visitor.id)
            notices.append(
                staff_card(visitor.id, visit.id, "notice.visit", reference=ticket.reference)
            )
    return notices


async def _visit(ctx: ItemContext, item: Ticket, visitor_id: int) -> Ticket:
    """An in-person follow-up visit, tracked like an item with its own due date."""
    local_day = ctx.now.astimezone(ctx.tz).date()
    prefix = ctx.policy.references[TicketKind.VISIT]
    sequence = await ctx.uow.tickets.next_sequence(prefix, day_key(local_day))
    due = ctx.now + timedelta(days=ctx.policy.followup.visit_days)
    visit = Ticket(
        reference=format_reference(prefix, local_day, sequence),
        kind=TicketKind.VISIT.value,
        category=item.category,
        status=TicketStatus.NEW.value,
        channel=Channel.VISIT.value,
        resident_id=item.resident_id,
        unit_id=item.unit_id,
        estate_id=item.estate_id,
        zone=item.zone,
        location_kind=item.location_kind,
        location_text=item.location_text,
        description=item.reference,
        department=item.department,
        owner_staff_id=visitor_id,
        assignee_staff_id=visitor_id,
        parent_id=item.id,
        created_at=ctx.now,
        updated_at=ctx.now,
        clock_started_at=ctx.now,
        resolve_due_at=due,
        paused_s=0,
        reopen_count=0,
        attachments=[],
    )
    event = TicketEvent(
        created_at=ctx.now,
        kind=EventKind.CREATED.value,
        actor_kind="system",
        status=TicketStatus.NEW.value,
        note=item.reference,
    )
    await ctx.uow.tickets.add(visit, [event])
    ctx.record(item, EventKind.VISIT_CREATED, note=visit.reference)
    await ctx.done(visit, [])
    return visit

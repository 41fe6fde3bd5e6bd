"""Follow-up (回访) and reopening: asking residents whether it was solved, closing what
they are satisfied with, reopening what they are not — with new promises, back to the
same people, the supervisor told, and for major items an in-person visit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.contact import Reach, Telling, desk_task, reach
from bot.domain.deadlines import FollowupState
from bot.domain.item import Item
from bot.domain.kinds import find as find_kind
from bot.domain.lifecycle import Action
from bot.domain.permissions import resident_viewer
from bot.domain.references import day_key, format_reference
from bot.domain.residents import ResidentCard
from bot.domain.routing import fallback_desk, nearest, serving
from bot.domain.staff import Role
from bot.domain.tickets import (
    Channel,
    EventKind,
    Nature,
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
)
from bot.services.clocks import set_promises
from bot.services.notices import Label, Notice, relay, staff_card, to_resident, with_buttons
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
    if ticket.status != TicketStatus.RESOLVED or ticket.nature == Nature.INVALID:
        return  # out of scope: nobody asks whether another company's work was solved
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
    who = await addressee(ctx, ticket)
    task = desk_task(Telling.FOLLOWUP, who.reach)
    notices: list[Notice] = []
    if task is None:
        notices.append(with_buttons(to_resident(ticket.id, key), solved_buttons(ticket.id)))
    else:  # the desk asks them, and the item waits for the answer it records
        ticket.followup = FollowupState.NO_RESPONSE.value
        notices += [
            staff_card(i, ticket.id, task, caller=who.name) for i in await _tasked(ctx, ticket)
        ]
    await ctx.done(ticket, notices)


async def no_response(ctx: ItemContext, ticket: Ticket) -> None:
    """Still no answer: closed as "no response", and the desk is asked to phone."""
    if ticket.status != TicketStatus.RESOLVED or ticket.followup != FollowupState.REMINDED:
        return
    status = Item.of(ticket).next_status(Action.CLOSE)
    ticket.followup, ticket.closed_at = FollowupState.NO_RESPONSE.value, ctx.now
    ctx.record(ticket, EventKind.FOLLOWUP_NO_RESPONSE, status=status)
    notices = [staff_card(i, ticket.id, "notice.phone_followup") for i in await _desk(ctx, ticket)]
    await ctx.done(ticket, notices)


async def _desk(ctx: ItemContext, ticket: Ticket) -> list[int]:
    """Who phones or writes to the resident: the item's first-ask owner, else the desk."""
    if ticket.owner_staff_id is not None:
        return [ticket.owner_staff_id]
    desk = fallback_desk(await ctx.staff(ticket), ctx.policy.ownership.rule, ticket.zone)
    return sorted({p.id for p in desk})


# --- residents the desk answers itself -----------------------------------------------------
@dataclass(frozen=True, slots=True)
class Addressee:
    """How the item's resident (or caller) is reached, and the name the desk asks for."""

    reach: Reach
    name: str


async def addressee(ctx: ItemContext, ticket: Ticket) -> Addressee:
    resident = None
    if ticket.resident_id is not None:
        resident = await ctx.uow.residents.card_by_id(ticket.resident_id)
    in_chat = resident is not None and resident.chat_id is not None
    if resident is not None:
        name = f"{resident.name} ({resident.home})" if resident.home else resident.name
    else:
        name = ticket.contact_name or "—"
    return Addressee(reach(Channel(ticket.channel), in_chat=in_chat), name)


async def _tasked(ctx: ItemContext, ticket: Ticket) -> list[int]:
    """Who gets the desk's task; a task names the resident with their home, a view of
    their data that is logged like any other."""
    ids = await _desk(ctx, ticket)
    for staff_id in ids if ticket.resident_id is not None else []:
        ctx.uow.access_log.record(
            staff_id=staff_id,
            resident_id=ticket.resident_id,
            ticket_id=ticket.id,
            what="name_unit",
            now=ctx.now,
        )
    return ids


async def told(
    ctx: ItemContext, ticket: Ticket, notice: Notice, besides: Sequence[Notice] = ()
) -> list[Notice]:
    """The result as the resident hears it — or, for someone the desk answers (see
    bot.domain.contact), the same words as the desk's task: phone them, or write. The item
    stays resolved until the follow-up, which the desk records in the same way. `besides`:
    the staff's own cards about the change, but one card each for whoever gets the task."""
    who = await addressee(ctx, ticket)
    task = desk_task(Telling.RESULT, who.reach)
    if task is None:
        return [notice, *besides]
    tasks = [relay(i, notice, task, caller=who.name) for i in await _tasked(ctx, ticket)]
    tasked = {n.staff_id for n in tasks}
    return tasks + [n for n in besides if n.staff_id not in tasked]


# --- the resident's answers ----------------------------------------------------------------
async def _answerable(ctx: ItemContext, resident: ResidentCard, ticket_id: int) -> Ticket:
    ticket = await load(ctx.uow, resident_viewer(resident.id), ticket_id, Action.VIEW)
    if ticket.followup not in ANSWERABLE:
        raise Refused("not asked")
    return ticket


def _finished(ticket: Ticket) -> bool:
    """Resolved or closed: what a follow-up answer may reopen (one reopened meanwhile is
    back at work already)."""
    return ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED)


async def answer_solved(
    ctx: ItemContext, resident: ResidentCard, ticket_id: int, *, solved: bool
) -> datetime | None:
    """Solved, or not (reopened): returns the reopened item's first-answer time, to tell
    the resident when they hear from us. An item reopened since it was asked about (the
    resident said "not fixed" on the visit's sign-off) is back at work already: the answer
    is recorded, and the item is not reopened twice."""
    ticket = await _answerable(ctx, resident, ticket_id)
    ticket.solved = solved
    ctx.record(ticket, EventKind.FOLLOWUP_ANSWERED, note="solved" if solved else "not solved")
    notices = (
        []
        if solved or not _finished(ticket)
        else await reopen(ctx, ticket, reason="followup.not_solved")
    )
    await ctx.done(ticket, notices)
    return None if solved else ticket.first_answer_due_at or ctx.now


async def answer_rating(
    ctx: ItemContext, resident: ResidentCard, ticket_id: int, rating: int
) -> datetime | None:
    """Store the rating; if the item was reopened by it (or before it), returns when the
    resident hears from us (its first-answer time), else None."""
    if not 1 <= rating <= 5:
        raise Refused("rating")
    ticket = await _answerable(ctx, resident, ticket_id)
    ticket.rating = rating
    ctx.record(ticket, EventKind.FOLLOWUP_ANSWERED, note=f"rating {rating}")
    notices: list[Notice] = []
    unhappy = rating <= ctx.policy.followup.reopen_at_or_below or ticket.solved is False
    if _finished(ticket) and unhappy:
        notices = await reopen(ctx, ticket, reason="followup.low_rating")
    elif ticket.status == TicketStatus.RESOLVED:
        status = Item.of(ticket).next_status(Action.CLOSE)
        ticket.closed_at = ctx.now
        ctx.record(ticket, EventKind.CLOSED, status=status)
    # Answered (a closed item after all: off the phone list; reopened by "not solved").
    ticket.followup = FollowupState.ANSWERED.value
    await ctx.done(ticket, notices)
    if ticket.status != TicketStatus.REOPENED:
        return None
    return ticket.first_answer_due_at or ctx.now


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
    """The desk phoned (or wrote to) a resident who never answered the follow-up, or whom
    only the desk can ask: not satisfied reopens it; otherwise a resolved item closes, with
    the answer on record (a closed one stays closed)."""
    ticket = await ctx.load(ticket_id, Action.RECORD_CALL)
    ticket.followup = FollowupState.PHONED.value
    if outcome is not CallOutcome.UNREACHABLE:
        ticket.solved = outcome is CallOutcome.SATISFIED
    ctx.record(ticket, EventKind.PHONE_FOLLOWUP, note=outcome.value)
    notices = []
    if outcome is CallOutcome.NOT_SATISFIED:
        notices = await reopen(ctx, ticket, reason="followup.phone_not_satisfied")
    elif ticket.status == TicketStatus.RESOLVED:
        status = Item.of(ticket).next_status(Action.CLOSE)
        ticket.closed_at = ctx.now
        ctx.record(ticket, EventKind.CLOSED, status=status)
    await ctx.done(ticket, notices)


async def reopen_by_staff(ctx: ActionContext, ticket_id: int) -> None:
    """The owner (or the desk) reopens after the resident wrote about a resolved item."""
    ticket = await ctx.load(ticket_id, Action.REOPEN)
    if ticket.nature == Nature.INVALID:
        raise Refused("out of scope")  # the desk records its liaison: no reopening
    await ctx.done(ticket, await reopen(ctx, ticket, reason="followup.resident_wrote"))


async def reopen(ctx: ItemContext, ticket: Ticket, *, reason: str) -> list[Notice]:
    """Back to work: new promises from now, back to its owner and assignee, the duty
    supervisor told; a major item also gets an in-person visit by the policy's role."""
    status = Item.of(ticket).reopened(ctx.now)
    set_promises(ticket, ctx.policy, ctx.tz, start=ctx.now)
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


async def visit_after_result(ctx: ItemContext, ticket: Ticket) -> list[Notice]:
    """Every major complaint (a severity with `visit_by` in the policy) gets an in-person
    visit by the CS manager once the resident is told its result, whatever they answer."""
    entry = find_kind(ticket.kind)
    if entry is None or not entry.followup or ticket.nature == Nature.INVALID:
        return []
    if not ticket.severity:
        return []
    visitor_role = ctx.policy.promise(Severity(ticket.severity)).visit_by
    if visitor_role is None:
        return []
    visitor = nearest(await ctx.staff(ticket), visitor_role, ticket.zone)
    if visitor is None:
        return []
    visit = await _visit(ctx, ticket, visitor.id)
    return [staff_card(visitor.id, visit.id, "notice.visit", reference=ticket.reference)]


async def _visit(ctx: ItemContext, item: Ticket, visitor_id: int) -> Ticket:
    """An in-person follow-up visit, tracked like an item with its own due date; one at a
    time per item (a visit still to be made is the one asked for again)."""
    pending = await ctx.uow.tickets.open_visit(item.id)
    if pending is not None:
        return pending
    local_day = ctx.now.astimezone(ctx.tz).date()
    prefix = ctx.policy.prefix(TicketKind.VISIT)
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

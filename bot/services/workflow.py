"""Staff actions on an item. Each checks permission and the state machine, changes the item,
appends to its timeline, replans its alarms and queues the notices it owes, all in the
caller's unit of work."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.domain import lifecycle
from bot.domain.item import Item
from bot.domain.lifecycle import Action
from bot.domain.permissions import resident_viewer
from bot.domain.residents import ResidentCard
from bot.domain.routing import crew, fallback_desk, nearest, serving
from bot.domain.staff import Department, Role, StaffMember
from bot.domain.tickets import (
    EventKind,
    Nature,
    Severity,
    TicketKind,
    TicketStatus,
    WaitingReason,
)
from bot.domain.workflow import Classification, escalation_roles, result_needs_review
from bot.policy import Policy
from bot.services import followup, incidents
from bot.services.actions import (
    ActionContext,
    ItemContext,
    Refused,
    load,
    owner_and_assignee,
    role_label,
    role_word,
)
from bot.services.clocks import due_times, new_due_told, set_promises, transfer_told
from bot.services.notices import Label, Notice, staff_card, to_resident
from storage.models import Ticket

__all__ = ["ActionContext", "Refused"]


async def accept(ctx: ActionContext, ticket_id: int) -> None:
    ticket = await ctx.load(ticket_id, Action.ACCEPT)
    item = Item.of(ticket)
    before = item.situation
    status = item.next_status(Action.ACCEPT)
    takes_work = before.status in (TicketStatus.NEW, TicketStatus.REOPENED) or not (
        before.has_assignee
    )
    ctx.take_ownership(ticket)
    if takes_work:
        ticket.assignee_staff_id = ctx.me.id
        item.answer(ctx.now)
    ctx.record(ticket, EventKind.ACCEPTED, status=status)
    notices = ctx.others(ticket, "notice.accepted", role=role_word(ctx.me))
    if takes_work:  # the resident hears who has it, and by when it is resolved
        until = ticket.resolve_due_at
        told = (
            to_resident(ticket.id, "resident.accepted", role=role_word(ctx.me), until=until)
            if until is not None
            else to_resident(ticket.id, "resident.accepted_plain", role=role_word(ctx.me))
        )
        notices.insert(0, told)
    await ctx.done(ticket, notices)
    if takes_work:  # an incident's lead: every reporter hears it is taken on
        await incidents.spread_word(ctx, ticket, "resident.accepted_plain", role=role_word(ctx.me))


async def reply(ctx: ActionContext, ticket_id: int, text: str) -> None:
    ticket = await ctx.load(ticket_id, Action.REPLY)
    Item.of(ticket).answer(ctx.now)
    ctx.record(ticket, EventKind.REPLIED, note=text)
    notice = to_resident(ticket.id, "resident.staff_reply", text=text, **ctx.signature())
    await ctx.done(ticket, [notice])
    await incidents.spread_reply(ctx, ticket, text)  # an incident's lead: to every reporter


async def note(ctx: ActionContext, ticket_id: int, text: str) -> None:
    ticket = await ctx.load(ticket_id, Action.NOTE)
    ctx.record(ticket, EventKind.NOTE, note=text)


async def classify(ctx: ActionContext, ticket_id: int, classification: Classification) -> None:
    """Set nature and severity: the promises follow the severity (counted from filing, or
    the last reopening), and important or major items are handed to whoever handles them."""
    ticket = await ctx.load(ticket_id, Action.CLASSIFY)
    ticket.nature, ticket.severity = classification.nature.value, classification.severity.value
    promised = due_times(ticket)
    set_promises(ticket, ctx.policy, ctx.tz, start=ticket.clock_started_at or ticket.created_at)
    label = Label.of(
        f"nature.{classification.nature.value}", f"severity.{classification.severity.value}"
    )
    note_text = f"{classification.nature.value}/{classification.severity.value}"
    notices: list[Notice] = []
    if classification.nature is Nature.INVALID:
        explanation = classification.explanation or ""
        item = Item.of(ticket)
        status = lifecycle.out_of_scope(item.situation)
        item.resolved(ctx.now)
        ctx.record(ticket, EventKind.CLASSIFIED, status=status, note=f"{note_text}: {explanation}")
        explained = to_resident(ticket.id, "resident.out_of_scope", text=explanation)
        notices += await followup.told(ctx, ticket, explained)
    else:
        ctx.record(ticket, EventKind.CLASSIFIED, note=note_text)
        notices += await hand_over(ctx, ticket, classification.severity, exclude=ctx.me.id)
        notices += new_due_told(ticket, promised)  # the resident hears the new date
        await incidents.spread_promises(ctx, ticket)  # an incident's lead: every reporter
    told = {n.staff_id for n in notices}
    others = [
        n for n in ctx.others(ticket, "notice.classified", label=label) if n.staff_id not in told
    ]
    await ctx.done(ticket, notices + others)


async def hand_over(
    ctx: ItemContext, ticket: Ticket, severity: Severity, *, exclude: int | None = None
) -> list[Notice]:
    """Important: the zone's senior butler takes it; major: the chief butler, and the
    project head is told (the policy's `handled_by` and `notify` per severity)."""
    terms = ctx.policy.promise(severity)
    staff = await ctx.staff(ticket)
    notices: list[Notice] = []
    handler = nearest(staff, terms.handled_by, ticket.zone) if terms.handled_by else None
    if handler is not None and ticket.assignee_staff_id != handler.id:
        ticket.assignee_staff_id = handler.id
        ticket.escalated_to_staff_id = None
        ctx.record(ticket, EventKind.HANDED, note=f"{handler.role.value}:{handler.id}")
        notices.append(staff_card(handler.id, ticket.id, f"notice.handed_{severity.value}"))
    roles = escalation_roles(severity, [r.value for r in terms.notify])
    told = {handler.id if handler else None, exclude}
    for person in serving(staff, [Role(r) for r in roles], ticket.zone):
        if person.id not in told:
            notices.append(staff_card(person.id, ticket.id, f"notice.escalated_{severity.value}"))
    return notices


async def ask_supervisor(ctx: ActionContext, ticket_id: int) -> None:
    """The desk cannot judge the item's nature: the customer-service manager (the policy's
    `cannot_judge`, the zone's senior butler) classifies it; with nobody in that role, the
    duty supervisor (else the managers)."""
    ticket = await ctx.load(ticket_id, Action.CLASSIFY)
    staff = await ctx.staff(ticket)
    manager = nearest(staff, ctx.policy.ownership.cannot_judge, ticket.zone)
    judges = [manager] if manager is not None and manager.id != ctx.me.id else []
    judges = judges or serving(staff, [Role.SUPERVISOR], ticket.zone)
    judges = judges or fallback_desk(
        [p for p in staff if p.role is not Role.AGENT], ctx.policy.ownership.rule, ticket.zone
    )
    ctx.record(ticket, EventKind.ASKED_SUPERVISOR, note=",".join(str(p.id) for p in judges))
    notices = [
        staff_card(p.id, ticket.id, "notice.please_classify", role=role_word(ctx.me))
        for p in judges
        if p.id != ctx.me.id
    ]
    await ctx.done(ticket, notices)


async def transfer(
    ctx: ActionContext,
    ticket_id: int,
    *,
    department: Department | None = None,
    staff_id: int | None = None,
    report_by: datetime | None = None,
) -> None:
    """Move the work; the first-ask owner stays accountable (首问责任制). A department
    reports back by `report_by` (default: the policy's report-back time, else the item's
    resolve time)."""
    ticket = await ctx.load(ticket_id, Action.TRANSFER)
    status = Item.of(ticket).next_status(Action.TRANSFER)
    department_before = ticket.department
    targets: list[StaffMember]
    if staff_id is not None:
        person = await ctx.uow.staff.member(staff_id)
        if person is None or not person.active or person.estate_id != ctx.me.estate_id:
            raise Refused("transfer")
        ticket.department, ticket.assignee_staff_id = person.department.value, person.id
        targets, target, where = [person], role_label(person), f"{person.role.value}:{person.id}"
        ticket.report_from_at = ticket.report_due_at = None
    elif department is not None:
        ticket.department, ticket.assignee_staff_id = department.value, None
        targets = crew(await ctx.staff(ticket), department, ticket.zone)
        target, where = Label.of(f"department.{department.value}"), department.value
        ticket.report_from_at = ctx.now
        ticket.report_due_at = report_by or default_report_by(ctx, ticket)
    else:
        raise Refused("transfer")
    ctx.take_ownership(ticket)
    ctx.record(ticket, EventKind.TRANSFERRED, status=status, note=where)
    notices = [
        staff_card(p.id, ticket.id, "notice.transferred_to_you")
        for p in targets
        if p.id != ctx.me.id
    ]
    if ticket.department != department_before:  # the resident hears who has it, and by when
        notices += transfer_told(ticket)
    if ticket.owner_staff_id not in (None, ctx.me.id, *[p.id for p in targets]):
        assert ticket.owner_staff_id is not None
        notices.append(
            staff_card(ticket.owner_staff_id, ticket.id, "notice.transferred", target=target)
        )
    await ctx.done(ticket, notices)


def default_report_by(ctx: ItemContext, ticket: Ticket) -> datetime | None:
    hours = ctx.policy.deadlines.report_back_hours
    if hours is not None:
        return ctx.policy.service_clock(ctx.tz).add(ctx.now, timedelta(hours=hours))
    return ticket.resolve_due_at


async def wait(ctx: ActionContext, ticket_id: int, reason: WaitingReason, until: date) -> None:
    """Waiting for the resident, parts or access: the resident hears the reason and the day
    we will next be in touch; the resolve clock pauses until work resumes."""
    ticket = await ctx.load(ticket_id, Action.WAIT)
    status = Item.of(ticket).next_status(Action.WAIT)
    ticket.waiting_reason, ticket.waiting_until = reason.value, until
    Item.of(ticket).pause(ctx.now)
    Item.of(ticket).answer(ctx.now)
    ctx.record(ticket, EventKind.WAITING, status=status, note=f"{reason.value} {until}")
    await ctx.done(
        ticket,
        [
            to_resident(ticket.id, f"resident.waiting_{reason.value}", day=until),
            *ctx.others(ticket, "notice.waiting", reason=Label.of(f"waiting.{reason.value}")),
        ],
    )
    await incidents.spread_word(ctx, ticket, f"resident.waiting_{reason.value}", day=until)


async def resume_work(ctx: ActionContext, ticket_id: int) -> None:
    ticket = await ctx.load(ticket_id, Action.RESUME)
    status = Item.of(ticket).next_status(Action.RESUME)
    ctx.record(ticket, EventKind.RESUMED, status=status)
    await ctx.done(ticket, ctx.others(ticket, "notice.resumed"))


async def resolve(ctx: ActionContext, ticket_id: int, result: str) -> None:
    """The owner's result reaches the resident; anyone else's goes to the owner's review.
    A major item's result, whoever produced it (the owner, the chief butler), is checked by
    the customer-service manager first (the policy's `review_by`)."""
    ticket = await ctx.load(ticket_id, Action.RESOLVE)
    ctx.take_ownership(ticket)
    checker = await _checker(ctx, ticket)
    if checker is not None:
        needs_review = checker.id != ctx.me.id
    else:
        needs_review = result_needs_review(ctx.me.id, ticket.owner_staff_id)
    status = Item.of(ticket).next_status(Action.RESOLVE, needs_review=needs_review)
    ticket.report_from_at = ticket.report_due_at = None  # the department has reported
    ctx.record(ticket, EventKind.RESOLVED, status=status, note=result)
    if status is TicketStatus.REVIEW:
        if checker is not None:
            ticket.reviewer_staff_id = checker.id
            notices = [staff_card(checker.id, ticket.id, "notice.review_major", result=result)]
            others = ctx.others(ticket, "notice.result_to_check", role=role_word(checker))
            notices += [n for n in others if n.staff_id != checker.id]
            await ctx.done(ticket, notices)
            return
        reviewers = await _reviewers(ctx, ticket)
        notices = [staff_card(i, ticket.id, "notice.review", result=result) for i in reviewers]
        await ctx.done(ticket, notices)
        return
    Item.of(ticket).resolved(ctx.now)
    others = ctx.others(ticket, "notice.resolved")
    if ticket.kind == TicketKind.VISIT:
        await ctx.done(ticket, others)
        return
    result_told = to_resident(ticket.id, "resident.resolved", text=result)
    told = await followup.told(ctx, ticket, result_told, others)
    await ctx.done(ticket, told + await followup.visit_after_result(ctx, ticket))
    await incidents.resolve_linked(ctx, ticket, result)  # an incident's: every item


async def _checker(ctx: ActionContext, ticket: Ticket) -> StaffMember | None:
    """Who checks every result of this item before the resident hears it: the policy's
    `review_by` for its severity (major: the zone's senior butler), if anyone holds it."""
    if not ticket.severity or ticket.nature == Nature.INVALID:
        return None
    role = ctx.policy.promise(Severity(ticket.severity)).review_by
    if role is None:
        return None
    return nearest(await ctx.staff(ticket), role, ticket.zone)


async def _reviewers(ctx: ActionContext, ticket: Ticket) -> list[int]:
    """The owner checks a result; with no owner yet, the desk on duty does."""
    if ticket.owner_staff_id is not None:
        return [ticket.owner_staff_id]
    desk = fallback_desk(await ctx.staff(ticket), ctx.policy.ownership.rule, ticket.zone)
    return [p.id for p in desk if p.id != ctx.me.id]


async def accept_result(ctx: ActionContext, ticket_id: int) -> None:
    """A checked result reaches the resident. On a major item the customer-service
    manager's check is the one that counts: a result accepted by anyone else (it became
    major while it waited) goes on to them."""
    ticket = await ctx.load(ticket_id, Action.ACCEPT_RESULT)
    status = Item.of(ticket).next_status(Action.ACCEPT_RESULT)
    events = await ctx.uow.tickets.events(ticket.id)
    result = next((e.note for e in reversed(events) if e.kind == EventKind.RESOLVED), "") or ""
    ctx.take_ownership(ticket)
    checker = await _checker(ctx, ticket) if ticket.reviewer_staff_id is None else None
    if checker is not None and checker.id != ctx.me.id:
        ticket.reviewer_staff_id = checker.id
        ctx.record(ticket, EventKind.SENT_FOR_CHECK, note=f"{checker.role.value}:{checker.id}")
        notices = [staff_card(checker.id, ticket.id, "notice.review_major", result=result)]
        await ctx.done(ticket, notices)
        return
    ticket.reviewer_staff_id = None
    Item.of(ticket).resolved(ctx.now)
    ctx.record(ticket, EventKind.RESULT_ACCEPTED, status=status)
    result_told = to_resident(ticket.id, "resident.resolved", text=result)
    others = ctx.others(ticket, "notice.result_accepted")
    told = await followup.told(ctx, ticket, result_told, others)
    await ctx.done(ticket, told + await followup.visit_after_result(ctx, ticket))
    await incidents.resolve_linked(ctx, ticket, result)


async def send_back(ctx: ActionContext, ticket_id: int, reason: str) -> None:
    ticket = await ctx.load(ticket_id, Action.SEND_BACK)
    status = Item.of(ticket).next_status(Action.SEND_BACK)
    ctx.take_ownership(ticket)
    ticket.reviewer_staff_id = None  # the next result is checked again
    ctx.record(ticket, EventKind.SENT_BACK, status=status, note=reason)
    await ctx.done(ticket, ctx.others(ticket, "notice.sent_back", reason=reason))


async def contact_phone(ctx: ActionContext, ticket_id: int) -> str:
    """The number to call about an item; every look is logged (who, whose, when)."""
    ticket = await ctx.load(ticket_id, Action.SEE_PHONE)
    resident = await ctx.uow.residents.get(ticket.resident_id) if ticket.resident_id else None
    ctx.uow.access_log.record(
        staff_id=ctx.me.id,
        resident_id=ticket.resident_id,
        ticket_id=ticket.id,
        what="phone",
        now=ctx.now,
    )
    return ticket.contact_phone or (resident.phone if resident else "")


def replies_close_at(policy: Policy, resolved_at: datetime) -> datetime:
    """Until when a resolved item takes the resident's messages (later, they are offered a
    new complaint quoting it): one rule for the refusal and for the item's view, which
    says so before anyone types."""
    return resolved_at + timedelta(days=policy.followup.reopen_window_days)


def within_reopen_window(ctx: ItemContext, ticket: Ticket) -> bool:
    """A resolved item can still be reopened by the resident's word for a while."""
    if ticket.status != TicketStatus.RESOLVED or ticket.resolved_at is None:
        return False
    return ctx.now <= replies_close_at(ctx.policy, ticket.resolved_at)


async def resident_message(
    ctx: ItemContext, resident: ResidentCard, ticket_id: int, text: str
) -> Ticket:
    """A resident's words about an item reach whoever handles it and its owner; about a
    resolved item (within the reopen window) the owner may *Reopen* or *Answer only*.
    Returns the item, whose promise the resident is reminded of."""
    ticket = await load(ctx.uow, resident_viewer(resident.id), ticket_id, Action.MESSAGE)
    resolved = ticket.status == TicketStatus.RESOLVED
    if resolved and not within_reopen_window(ctx, ticket):
        raise Refused("closed")
    ticket.updated_at = ctx.now
    ctx.resident_said(ticket, resident.id, EventKind.MESSAGE, text)
    ids = set(owner_and_assignee(ticket))
    if resolved:
        ids = {ticket.owner_staff_id} if ticket.owner_staff_id is not None else set()
    if not ids:
        desk = fallback_desk(await ctx.staff(ticket), ctx.policy.ownership.rule, ticket.zone)
        ids = {p.id for p in desk}
    key = "notice.resident_message_resolved" if resolved else "notice.resident_message"
    await ctx.notifier.tell(
        [staff_card(i, ticket.id, key, text=text) for i in sorted(ids)], ctx.now
    )
    return ticket

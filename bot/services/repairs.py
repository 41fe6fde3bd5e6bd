"""Repair requests (报修): the work order, the visit the resident agrees to, the work and
its report, the resident's sign-off (or "not fixed", which reopens it), and a follow-up for
every repair at the policy's window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from bot.domain.item import Item
from bot.domain.lifecycle import Action, IllegalMove
from bot.domain.permissions import resident_viewer
from bot.domain.repairs import (
    STATUS,
    RepairStage,
    RepairStep,
    RepairType,
    Reply,
    followup_at,
)
from bot.domain.staff import Department
from bot.domain.tickets import EventKind, TicketStatus
from bot.services import followup
from bot.services.actions import (
    ActionContext,
    ItemContext,
    Refused,
    load,
    owner_and_assignee,
)
from bot.services.followup import reopen
from bot.services.notices import Label, staff_card, to_resident, with_buttons
from bot.services.tickets import WorkOrder
from bot.views.followup import repair_signoff_buttons, visit_buttons
from storage.models import Ticket

DEPARTMENT = Department.ENGINEERING


@dataclass(frozen=True, slots=True)
class Report:
    """What the engineer reports when the work is done."""

    work: str
    warranty: bool
    cost: Decimal | None


def work_order(repair_type: RepairType, windows: list[str], may_enter: bool) -> WorkOrder:
    """A repair request's particulars: the visit windows the resident chose, and whether
    staff may enter when nobody is home."""
    return WorkOrder(
        service=repair_type.value,
        stage=RepairStage.REQUESTED.value,
        details={"windows": windows, "may_enter": may_enter},
        department=DEPARTMENT,
    )


def _type(ticket: Ticket) -> RepairType:
    return RepairType(ticket.service or RepairType.OTHER.value)


async def _repair(ctx: ActionContext, ticket_id: int, which: RepairStep) -> Ticket:
    ticket, _ = await ctx.advance(ticket_id, which.value)
    return ticket


async def schedule(ctx: ActionContext, ticket_id: int, visit_at: datetime) -> None:
    """Propose a visit time; the resident confirms it or asks for another."""
    ticket = await _repair(ctx, ticket_id, RepairStep.SCHEDULE)
    ticket.service_at = visit_at
    Item.of(ticket).answer(ctx.now)
    ctx.record(
        ticket,
        EventKind.STATUS_CHANGED,
        status=STATUS[RepairStage.SCHEDULED],
        note=f"visit {visit_at.isoformat()}",
    )
    ask = to_resident(ticket.id, "repair.visit_proposed", at=visit_at)
    await ctx.done(ticket, [with_buttons(ask, visit_buttons(ticket.id))])


async def start(ctx: ActionContext, ticket_id: int) -> None:
    ticket = await _repair(ctx, ticket_id, RepairStep.START)
    ticket.service_done_at = ctx.now  # the visit took place: its lateness alarm is over
    ctx.record(
        ticket, EventKind.STATUS_CHANGED, status=STATUS[RepairStage.WORKING], note="repair working"
    )
    await ctx.done(ticket, [to_resident(ticket.id, "repair.working")])


async def leak_test(ctx: ActionContext, ticket_id: int, day: date) -> None:
    """A water leak's test has its own date; the follow-up counts from it."""
    ticket = await _repair(ctx, ticket_id, RepairStep.LEAK_TEST)
    details = dict(ticket.details or {})
    details["leak_test"] = day.isoformat()
    ticket.details = details
    ctx.record(ticket, EventKind.NOTE, note=f"leak test {day.isoformat()}")
    checked = _followup_day(ctx, ticket, done_at=ctx.now, leak_test_on=day)
    told = to_resident(ticket.id, "repair.leak_test", day=day, followup=checked)
    await ctx.done(ticket, [told])


def _followup_day(
    ctx: ItemContext, ticket: Ticket, *, done_at: datetime, leak_test_on: date | None
) -> date:
    """The day the resident is asked whether the repair holds (the policy's window)."""
    moment = followup_at(
        _type(ticket),
        done_at=done_at,
        leak_test_on=leak_test_on,
        days=ctx.policy.repairs.followup_days,
        at=ctx.policy.followup.at,
        tz=ctx.tz,
    )
    return moment.astimezone(ctx.tz).date()


async def done(ctx: ActionContext, ticket_id: int, report: Report) -> None:
    """The work is reported: the resident signs it off (or says it is not fixed)."""
    ticket = await _repair(ctx, ticket_id, RepairStep.DONE)
    details = dict(ticket.details or {})
    details.update(work=report.work, warranty=report.warranty)
    ticket.details = details
    ticket.service_done_at = ctx.now
    Item.of(ticket).resolved(ctx.now)
    leak = details.get("leak_test")
    ticket.followup_due_at = followup_at(
        _type(ticket),
        done_at=ctx.now,
        leak_test_on=date.fromisoformat(leak) if isinstance(leak, str) else None,
        days=ctx.policy.repairs.followup_days,
        at=ctx.policy.followup.at,
        tz=ctx.tz,
    )
    if report.cost is not None:
        ctx.uow.tickets.add_money(
            ticket.id,
            "repair_cost",
            report.cost,
            number=None,
            note="warranty" if report.warranty else "paid",
            staff_id=ctx.me.id,
            now=ctx.now,
        )
    ctx.record(ticket, EventKind.RESOLVED, status=TicketStatus.RESOLVED, note=report.work)
    paid = "repair.paid" if not report.warranty else "repair.warranty"
    day = ticket.followup_due_at.astimezone(ctx.tz).date()
    if report.warranty or not report.cost:  # nothing to pay
        told = to_resident(
            ticket.id, "repair.done_free", work=report.work, terms=Label.of(paid), day=day
        )
    else:  # what it costs, and where to pay it
        cost = f"{report.cost:.2f}"
        told = to_resident(
            ticket.id, "repair.done", work=report.work, terms=Label.of(paid), cost=cost, day=day
        )
    told = with_buttons(told, repair_signoff_buttons(ticket.id))
    others = ctx.others(ticket, "notice.resolved")
    await ctx.done(ticket, await followup.told(ctx, ticket, told, others))


# --- the resident's side -------------------------------------------------------------------
async def _replied(ctx: ItemContext, resident_id: int, ticket_id: int, reply: Reply) -> Ticket:
    """The resident's own repair, taking their reply (bot.domain.item: repair_reply);
    Refused if it is not a repair waiting for it (a stale or forged tap)."""
    ticket = await load(ctx.uow, resident_viewer(resident_id), ticket_id, Action.VIEW)
    try:
        Item.of(ticket).repair_reply(reply, ctx.now)
    except IllegalMove as exc:
        raise Refused(str(exc)) from None
    return ticket


async def visit_answer(
    ctx: ItemContext, resident_id: int, ticket_id: int, *, agreed: bool, wanted: str | None
) -> datetime | None:
    """The resident agrees to the proposed visit, or asks for another window; returns the
    visit's time (to say it back to them)."""
    ticket = await _replied(
        ctx, resident_id, ticket_id, Reply.AGREE if agreed else Reply.OTHER_TIME
    )
    ids = owner_and_assignee(ticket)
    if agreed:
        notices = [staff_card(i, ticket.id, "notice.visit_confirmed") for i in ids]
    else:
        details = dict(ticket.details or {})
        details["wanted"] = wanted or ""
        ticket.details = details
        notices = [
            staff_card(i, ticket.id, "notice.visit_other", wanted=wanted or "—") for i in ids
        ]
    said = "visit agreed" if agreed else f"another time: {wanted}"
    ctx.resident_said(ticket, resident_id, EventKind.MESSAGE, said)
    await ctx.done(ticket, notices)
    return ticket.service_at


async def sign_off(
    ctx: ItemContext, resident_id: int, ticket_id: int, *, fixed: bool
) -> datetime | None:
    """Fixed: signed off (the follow-up still comes, at the window). Not fixed: reopened.
    Returns when the resident hears from us next: the follow-up, or the reopened repair's
    first answer."""
    ticket = await _replied(ctx, resident_id, ticket_id, Reply.FIXED if fixed else Reply.NOT_FIXED)
    ctx.resident_said(
        ticket, resident_id, EventKind.MESSAGE, "signed off" if fixed else "not fixed"
    )
    if fixed:
        await ctx.done(ticket, [])
        return ticket.followup_due_at
    # Back to a new visit (bot.domain.item: reopened).
    notices = await reopen(ctx, ticket, reason="repair.reported_not_fixed")
    await ctx.done(ticket, notices)
    return ticket.first_answer_due_at

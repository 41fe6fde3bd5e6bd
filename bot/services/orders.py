"""Concierge orders (委托代办): filing the signed commission form, the staff's steps to
settlement with the money trail, cancellation with the refund, and birthday touches (a
manager goes along; the project's wishes on the day, and each year with consent)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.catalogue import Prepayment, Service
from bot.catalogue import Role as QuestionRole
from bot.domain.birthdays import WISHED, addressed, key_of, whom
from bot.domain.deadlines import promise
from bot.domain.item import Item
from bot.domain.lifecycle import Action, IllegalMove
from bot.domain.orders import (
    MoneyKind,
    OrderStage,
    OrderStep,
    balance,
)
from bot.domain.permissions import resident_viewer
from bot.domain.questions import AnswersInvalid, check_answers
from bot.domain.residents import ResidentCard
from bot.domain.routing import nearest, serving
from bot.domain.staff import Role, StaffMember
from bot.domain.tickets import (
    Channel,
    EventKind,
    Severity,
    TicketFacts,
    TicketKind,
    TicketStatus,
)
from bot.policy import Policy
from bot.services import followup
from bot.services.actions import (
    ActionContext,
    ItemContext,
    Refused,
    load,
    owner_and_assignee,
)
from bot.services.clocks import replan
from bot.services.notices import (
    Notice,
    staff_card,
    to_resident,
    to_resident_plain,
    with_buttons,
)
from bot.services.notifier import Notifier
from bot.services.tickets import Filed, OnBehalf, first_event, next_reference, route_item
from bot.views.followup import wishes_buttons
from storage.models import Birthday, Ticket, TicketEvent
from storage.repositories.tickets import facts_of
from storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class StepInput:
    """What staff enter with a step (each step asks only for its own)."""

    amount: Decimal | None = None  # prepayment, final amount, refund
    number: str | None = None  # receipt, voucher or invoice number
    text: str | None = None  # supplier, received by, cancellation reason
    invoice: bool = False
    pickup: bool = False  # collected at the desk: "ready", not "out for delivery"


async def file_order(
    uow: UnitOfWork,
    notifier: Notifier,
    *,
    resident: ResidentCard,
    service: Service,
    answers: dict[str, str],
    summary: str,
    policy: Policy,
    tz: ZoneInfo,
    now: datetime,
    on_behalf: OnBehalf | None = None,
) -> Filed:
    """The resident's confirmation is their signature on the commission form (业户服务委托单),
    recorded with the time (given by phone or at the desk when staff register it for them:
    `on_behalf`, with its channel and the staff member as first-ask owner). The duty
    supervisor hears of every new order at once. Refused: answers that break the service's
    form (a stale or forged form)."""
    try:
        answers = {key: str(value) for key, value in check_answers(service, answers).items()}
    except AnswersInvalid as exc:
        raise Refused(str(exc)) from None
    service_at = _moment(service, answers, QuestionRole.SERVICE_AT)
    terms = policy.promise(Severity.GENERAL)
    due = promise(now, terms.first_answer, terms.resolve, clock=policy.service_clock(tz))
    reference = await next_reference(uow, policy.prefix(TicketKind.CONCIERGE), tz, now)
    birthday = _day(service, answers) if service.is_birthday(answers) else None
    person = _whom(service, answers) if birthday is not None else None
    ticket = Ticket(
        reference=reference,
        kind=TicketKind.CONCIERGE.value,
        category=None,
        status=TicketStatus.NEW.value,
        channel=(on_behalf.channel if on_behalf else Channel.BOT).value,
        resident_id=resident.id,
        unit_id=resident.unit_id,
        estate_id=resident.estate_id,
        zone=resident.zone or None,
        location_kind="own_unit",
        description=summary,
        service=service.code,
        stage=OrderStage.SUBMITTED.value,
        details=dict(answers),
        service_at=service_at,
        signed_at=now,
        wish_on=birthday,
        wish_for=person,
        created_at=now,
        updated_at=now,
        clock_started_at=now,
        first_answer_due_at=due.first_answer_due_at,
        resolve_due_at=service_at or due.resolve_due_at,
        paused_s=0,
        reopen_count=0,
        attachments=[],
    )
    notices = await route_item(
        uow, ticket, policy, on_behalf, department=service.department, tz=tz
    )
    event = first_event(EventKind.CREATED, TicketStatus.NEW, resident, on_behalf, now)
    await uow.tickets.add(ticket, [event])
    await replan(uow, ticket, policy.alarm_rules(tz), now=now, new_item=True)
    staff = await uow.staff.members(ticket.estate_id) if ticket.estate_id else []
    told = {n.staff_id for n in notices} | {on_behalf.staff.id if on_behalf else None}
    notices += [
        staff_card(p.id, 0, "notice.new_order")
        for p in serving(staff, [Role.SUPERVISOR], ticket.zone)
        if p.id not in told
    ]
    if birthday is not None:
        notices += await _escort(uow, ticket, policy, staff, tz, now)
    notices = [_for(n, ticket.id) for n in notices]
    ack = to_resident_plain(
        ticket.id,
        "order.ack",
        name=resident.name,
        reference=reference,
        due=ticket.first_answer_due_at or due.first_answer_due_at,
    )
    notices.insert(0, ack)
    if birthday is not None and await _not_asked(uow, resident.id, person):
        ask = (
            to_resident_plain(ticket.id, "order.ask_wishes", day=birthday)
            if person is None
            else to_resident_plain(
                ticket.id, "order.ask_wishes_for", day=birthday, whom=addressed(person)
            )
        )
        notices.insert(1, with_buttons(ask, wishes_buttons(ticket.id)))
    item = facts_of(ticket, home=resident.home)
    await notifier.tell(notices, now, item=item, resident=resident)
    return Filed(ticket.id, reference)


def _for(notice: Notice, ticket_id: int) -> Notice:
    """Notices made before the order had an id are about the order."""
    return notice if notice.ticket_id else replace(notice, ticket_id=ticket_id)


def _moment(service: Service, answers: dict[str, str], role: QuestionRole) -> datetime | None:
    question = service.with_role(role)
    value = answers.get(question.id) if question else None
    return datetime.fromisoformat(value) if value else None


def _day(service: Service, answers: dict[str, str]) -> date | None:
    question = service.with_role(QuestionRole.BIRTHDAY)
    value = answers.get(question.id) if question else None
    return date.fromisoformat(value) if value else None


def _whom(service: Service, answers: dict[str, str]) -> str | None:
    """Whose birthday it is ("my daughter Lily"); None: the resident's own (also when the
    service does not ask)."""
    question = service.with_role(QuestionRole.BIRTHDAY_OF)
    return whom(answers.get(question.id)) if question else None


async def _not_asked(uow: UnitOfWork, resident_id: int, person: str | None) -> bool:
    """Yearly wishes are asked about once per person: the resident, or each of theirs."""
    if person is None:
        found = await uow.residents.get(resident_id)
        return found is not None and found.birthday_wishes is None
    return await uow.residents.birthday_of(resident_id, key_of(person)) is None


async def _escort(
    uow: UnitOfWork,
    order: Ticket,
    policy: Policy,
    staff: list[StaffMember],
    tz: ZoneInfo,
    now: datetime,
) -> list[Notice]:
    """A birthday: a manager goes along with the delivery (with a gift, if any), as a task
    on their card with its time."""
    manager = nearest(staff, policy.concierge.birthday_escort, order.zone)
    if manager is None:
        return []
    reference = await next_reference(uow, policy.prefix(TicketKind.TASK), tz, now)
    task = Ticket(
        reference=reference,
        kind=TicketKind.TASK.value,
        status=TicketStatus.NEW.value,
        channel=Channel.BOT.value,
        resident_id=order.resident_id,
        unit_id=order.unit_id,
        estate_id=order.estate_id,
        zone=order.zone,
        location_kind=order.location_kind,
        description=order.reference,
        department=order.department,
        owner_staff_id=manager.id,
        assignee_staff_id=manager.id,
        parent_id=order.id,
        service_at=order.service_at,
        created_at=now,
        updated_at=now,
        clock_started_at=now,
        resolve_due_at=order.service_at,
        paused_s=0,
        reopen_count=0,
        attachments=[],
    )
    event = TicketEvent(
        created_at=now,
        kind=EventKind.CREATED.value,
        actor_kind="system",
        status=TicketStatus.NEW.value,  # like every item's first entry: its timeline says
        note=order.reference,
    )
    await uow.tickets.add(task, [event])
    await replan(uow, task, policy.alarm_rules(tz), now=now, new_item=True)
    return [staff_card(manager.id, task.id, "notice.birthday_escort", reference=order.reference)]


# --- staff's steps -------------------------------------------------------------------------
async def step(ctx: ActionContext, ticket_id: int, which: OrderStep, given: StepInput) -> None:
    """One step of the order, told to the resident; money entered goes to the trail."""
    ticket, status = await ctx.advance(ticket_id, which.value)
    notices: list[Notice] = []
    if which is OrderStep.CONFIRM:
        Item.of(ticket).answer(ctx.now)
        _money(ctx, ticket, MoneyKind.PREPAYMENT, given.amount, given.number)
        notices.append(_told(ticket, "order.confirmed", given, ctx.now))
    elif which is OrderStep.ORDERED:
        _money(ctx, ticket, MoneyKind.PURCHASE, given.amount, given.number, given.text)
        notices.append(to_resident(ticket.id, "order.ordered", at=_agreed(ticket, ctx.now)))
    elif which is OrderStep.OUT:
        key = "order.ready" if given.pickup else "order.out"
        notices.append(to_resident(ticket.id, key, at=_agreed(ticket, ctx.now)))
    elif which is OrderStep.DELIVERED:
        ticket.service_done_at = ctx.now
        details = dict(ticket.details or {})
        details["received_by"] = given.text or ""
        ticket.details = details
        notices.append(to_resident(ticket.id, "order.delivered", by=given.text or "—"))
    elif which is OrderStep.SETTLE:
        notices += await followup.told(ctx, ticket, await _settle(ctx, ticket, given))
    elif which is OrderStep.CANCEL:
        notices += _cancelled(ctx, ticket, given)
    ctx.record(ticket, EventKind.STATUS_CHANGED, status=status, note=f"order {ticket.stage}")
    tasked = {n.staff_id for n in notices}  # the desk's task to pass the result on is enough
    others = ctx.others(ticket, f"notice.order_{ticket.stage}")
    await ctx.done(ticket, notices + [n for n in others if n.staff_id not in tasked])


def _money(
    ctx: ItemContext,
    ticket: Ticket,
    kind: MoneyKind,
    amount: Decimal | None,
    number: str | None = None,
    note: str | None = None,
) -> None:
    ctx.uow.tickets.add_money(
        ticket.id,
        kind.value,
        amount,
        number=number,
        note=note,
        staff_id=ctx.actor.id if ctx.actor else None,
        now=ctx.now,
    )


def _agreed(ticket: Ticket, now: datetime) -> datetime:
    """When the order is delivered (or ready, or done): the time agreed on the form, else
    the time it is promised by; every order has one of them from filing."""
    return ticket.service_at or ticket.resolve_due_at or now


def _told(ticket: Ticket, key: str, given: StepInput, now: datetime) -> Notice:
    at = _agreed(ticket, now)
    if given.amount is None:  # a service paid afterwards: nothing was taken
        return to_resident(ticket.id, f"{key}_plain", at=at)
    return to_resident(
        ticket.id, key, amount=f"{given.amount:.2f}", number=given.number or "—", at=at
    )


async def _settle(ctx: ActionContext, ticket: Ticket, given: StepInput) -> Notice:
    final = given.amount or Decimal(0)
    entries = await ctx.uow.tickets.money(ticket.id)
    owed = balance([(MoneyKind(kind), amount) for kind, amount in entries], final)
    _money(ctx, ticket, MoneyKind.FINAL, final)
    _money(ctx, ticket, MoneyKind.BALANCE, owed)
    if given.invoice:
        _money(ctx, ticket, MoneyKind.INVOICE, None, given.number)
    Item.of(ticket).resolved(ctx.now)  # the resident confirms completion and rates it
    key = "order.settled"
    if owed > 0:
        key = "order.settled_owing"
    elif owed < 0:
        key = "order.settled_refund"
    invoice = given.number if given.invoice and given.number else "—"
    return to_resident(
        ticket.id, key, final=f"{final:.2f}", balance=f"{abs(owed):.2f}", invoice=invoice
    )


def _cancelled(ctx: ItemContext, ticket: Ticket, given: StepInput) -> list[Notice]:
    """Either side's cancellation: closed with its time and reason in the fields the
    registry and the reports read, so it counts as cancelled, never as still pending."""
    ticket.service_done_at = ctx.now  # no more delivery reminders
    ticket.closed_at = ticket.cancelled_at = ctx.now
    ticket.cancel_reason = given.text or None
    _money(ctx, ticket, MoneyKind.REFUND, given.amount, note=given.text)
    reason = given.text or "—"
    if not given.amount:  # nothing was paid: nothing to refund
        return [to_resident(ticket.id, "order.cancelled_unpaid", reason=reason)]
    days = timedelta(days=ctx.policy.concierge.refund_days)
    refund_by = ctx.now.astimezone(ctx.tz).date() + days
    refund = f"{given.amount:.2f}"
    return [
        to_resident(
            ticket.id, "order.cancelled", reason=reason, refund=refund, refund_by=refund_by
        )
    ]


async def cancel_by_resident(
    ctx: ItemContext, resident: ResidentCard, ticket_id: int, reason: str
) -> None:
    """The resident may cancel until delivery; whatever they prepaid is refunded."""
    ticket = await load(ctx.uow, resident_viewer(resident.id), ticket_id, Action.VIEW)
    if ticket.kind != TicketKind.CONCIERGE:
        raise Refused("not an order")
    try:
        _, status = Item.of(ticket).advance(OrderStep.CANCEL.value)
    except IllegalMove:
        raise Refused("cancel") from None
    refund = await prepaid(ctx.uow, ticket.id)
    notices = _cancelled(ctx, ticket, StepInput(amount=refund, text=reason))
    ticket.updated_at = ctx.now
    ctx.enter(ticket, status)
    ctx.resident_said(ticket, resident.id, EventKind.STATUS_CHANGED, f"order cancelled: {reason}")
    notices += [
        staff_card(i, ticket.id, "notice.order_cancelled_by_resident", reason=reason)
        for i in owner_and_assignee(ticket)
    ]
    await ctx.done(ticket, notices)


@dataclass(frozen=True, slots=True)
class StepFacts:
    """What a step's form knows before asking: whether the service takes a prepayment,
    whether it is collected at the desk, the recipient named on the form and what the
    resident has paid so far (the last two are offered as one-tap answers)."""

    prepayment: bool
    pickup: bool
    recipient: str
    paid: Decimal


async def step_facts(uow: UnitOfWork, service: Service | None, item: TicketFacts) -> StepFacts:
    answers = item.details or {}
    recipient = ""
    if service is not None:
        named = (answers.get(q.id) for q in service.questions if q.default == "resident_name")
        recipient = next((str(n) for n in named if n), "")
    return StepFacts(
        prepayment=service is not None and service.prepayment is not Prepayment.NONE,
        pickup=service is not None and service.is_pickup(answers),
        recipient=recipient,
        paid=await prepaid(uow, item.id),
    )


async def prepaid(uow: UnitOfWork, ticket_id: int) -> Decimal:
    """What the resident has paid so far, net of refunds (what a cancellation gives back)."""
    entries = await uow.tickets.money(ticket_id)
    return sum(
        (amount or Decimal(0) for kind, amount in entries if kind == MoneyKind.PREPAYMENT.value),
        Decimal(0),
    )


# --- birthday wishes -----------------------------------------------------------------------
async def wishes_consent(
    uow: UnitOfWork, resident: ResidentCard, ticket_id: int, *, consent: bool, now: datetime
) -> date | None:
    """Asked once after a birthday order; kept as a preference they can withdraw. The
    birthday is kept with the person it is for: the resident's own only for their own
    cake, someone else's (with their name) in the resident's people's birthdays."""
    ticket = await uow.tickets.get(ticket_id)
    person = await uow.residents.get(resident.id)
    if ticket is None or person is None or ticket.resident_id != resident.id:
        raise Refused("not theirs")
    if ticket.wish_on is None:
        raise Refused("not a birthday")
    if ticket.wish_for is None:
        person.birthday_wishes = consent
        person.birthday = ticket.wish_on if consent else None
        return person.birthday
    day = ticket.wish_on if consent else None
    key = key_of(ticket.wish_for)
    kept = await uow.residents.birthday_of(resident.id, key)
    if kept is None:
        kept = Birthday(
            resident_id=resident.id,
            whom=ticket.wish_for,
            whom_key=key,
            wishes=consent,
            day=day,
            ticket_id=ticket.id,
            created_at=now,
        )
        uow.residents.add_birthday(kept)
    kept.whom, kept.wishes, kept.day, kept.ticket_id = ticket.wish_for, consent, day, ticket.id
    kept.updated_at = now
    if await _wished(uow, ticket.id):  # this year's wishes went with the order already
        kept.wished_year = max(kept.wished_year or 0, ticket.wish_on.year)
    return day


async def _wished(uow: UnitOfWork, ticket_id: int) -> bool:
    return any(
        e.kind == EventKind.REMINDED.value and e.note == WISHED
        for e in await uow.tickets.events(ticket_id)
    )

"""The steps of an order or a repair, from its card: one tap each, and a short form when
the step has something to record (an amount, a receipt number, who signed for it, a time).

What each step asks is the table FORMS; the answers are checked here and handed to the
services (bot.services.orders, bot.services.repairs), which own the rules and the trail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum

from telegram.ext import CallbackQueryHandler

from bot.domain.lifecycle import Action
from bot.domain.orders import OrderStep, parse_amount
from bot.domain.repairs import RepairStep
from bot.domain.tickets import TicketFacts, TicketKind
from bot.domain.validation import Invalid, clean_text, parse_requested_date, parse_time_of_day
from bot.htmltext import Html
from bot.services import items, orders, repairs
from bot.services.orders import StepInput
from bot.services.workflow import Refused
from bot.views.service import StepTap, next_steps
from handlers import dialogue
from handlers.cards import Run, StoredCard, action_context, card_origin, finish, show_done
from handlers.common import refuse
from handlers.dialogue import (
    Flow,
    StaleState,
    Step,
    button,
    goto,
    keep_state,
    reprompt,
    state,
    tapped,
)
from handlers.feature import Feature
from handlers.keyboards import grid, show
from handlers.runtime import Input, InputKind, Turn, entry

FLOW = "service_step"
NUMBER_CHARS = 40
SKIP = "-"


class Field(StrEnum):
    """The kinds of answer a step's form takes; each is a dialogue step of its own."""

    AMOUNT = "amount"
    NUMBER = "number"  # a receipt, voucher or invoice number (may be skipped)
    TEXT = "text"
    YESNO = "yesno"
    DAY = "day"
    TIME = "time"


@dataclass(slots=True)
class StepForm:
    """The form of one step of an item: what is known of it, and the answers so far (each
    None until given; the answers are kept as typed, or as the tapped button's value)."""

    ticket: int
    doing: str  # the step (an OrderStep or a RepairStep)
    kind: TicketKind
    asking: str = ""  # the answer asked for now
    card: StoredCard | None = None
    # an order's facts, read when the step was tapped
    prepay: bool = False
    pickup: bool = False
    offer_text: str | None = None  # the recipient, offered as one tap
    offer_amount: str | None = None  # what was paid, offered as one tap when cancelling
    # the answers
    amount: str | None = None
    number: str | None = None  # "-": none
    text: str | None = None
    invoice: str | None = None  # "yes" / "no"
    warranty: str | None = None  # "yes" / "no"
    day: str | None = None  # an ISO date
    time: str | None = None  # HH:MM
    at: datetime | None = None  # the visit: `day` at `time`


ANSWERS = ("amount", "number", "text", "invoice", "warranty", "day", "time")


def _always(form: StepForm) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class Ask:
    name: str  # which answer of StepForm, and (with the step) which question is asked
    field: Field
    only_if: Callable[[StepForm], bool] = _always


FORMS: dict[str, tuple[Ask, ...]] = {
    OrderStep.CONFIRM: (
        Ask("amount", Field.AMOUNT, lambda f: f.prepay),
        Ask("number", Field.NUMBER, lambda f: f.prepay),
    ),
    OrderStep.ORDERED: (Ask("text", Field.TEXT), Ask("number", Field.NUMBER)),
    OrderStep.DELIVERED: (Ask("text", Field.TEXT),),
    OrderStep.SETTLE: (
        Ask("amount", Field.AMOUNT),
        Ask("invoice", Field.YESNO),
        Ask("number", Field.NUMBER, lambda f: f.invoice == "yes"),
    ),
    OrderStep.CANCEL: (Ask("text", Field.TEXT), Ask("amount", Field.AMOUNT)),
    RepairStep.SCHEDULE: (Ask("day", Field.DAY), Ask("time", Field.TIME)),
    RepairStep.LEAK_TEST: (Ask("day", Field.DAY),),
    RepairStep.DONE: (
        Ask("text", Field.TEXT),
        Ask("warranty", Field.YESNO),
        Ask("amount", Field.AMOUNT, lambda f: f.warranty == "no"),
    ),
}
assert all(ask.name in ANSWERS for asks in FORMS.values() for ask in asks)


def question_keys() -> set[str]:
    """Every question the forms ask (each is a text in the catalogues)."""
    return {f"steps.{step}_{ask.name}" for step, asks in FORMS.items() for ask in asks}


# --- the tap on the card ------------------------------------------------------------------------
@entry
async def step_tap(turn: Turn) -> None:
    """A step's button: a stale one (the item has moved on) is refused and the card redrawn."""
    query = turn.update.callback_query
    tap = StepTap.unpack(query.data if query else None)
    if turn.staff is None or tap is None:
        refuse(turn)
        return
    try:
        item = await items.check(turn.uow, turn.staff, tap.ticket, Action.ADVANCE)
        if tap.step not in next_steps(item):
            raise Refused(tap.step)
        form = await _prefill(turn, item, tap.step)
        pending = _pending(form)
        if pending:
            turn.answer()
            form.asking, form.card = pending[0].name, card_origin(turn)
            await dialogue.begin(turn, FLOW, pending[0].field.value, form)
            return
        await _run(form)(action_context(turn), item.id)
    except Refused:
        refuse(turn)
        screen = await items.card_for(turn.uow, turn.views, turn.staff, tap.ticket)
        if screen is not None:
            show(turn, screen, edit=True)
        return
    await show_done(turn, tap.ticket)


async def _prefill(turn: Turn, item: TicketFacts, step: str) -> StepForm:
    form = StepForm(ticket=item.id, doing=step, kind=item.kind)
    if item.kind is not TicketKind.CONCIERGE:
        return form
    services = turn.desk.services
    service = services.service(item.service or "") if services else None
    facts = await orders.step_facts(turn.uow, service, item)
    return replace(
        form,
        prepay=facts.prepayment,
        pickup=facts.pickup,
        offer_text=facts.recipient,
        offer_amount=f"{facts.paid:.2f}",
    )


def _pending(form: StepForm) -> list[Ask]:
    return [
        a for a in FORMS.get(form.doing, ()) if getattr(form, a.name) is None and a.only_if(form)
    ]


def _run(form: StepForm) -> Run:
    """The service call the form's answers make."""
    amount = Decimal(form.amount) if form.amount else None
    text = form.text or None
    if form.kind is TicketKind.CONCIERGE:
        given = StepInput(
            amount=amount,
            number=form.number if form.number and form.number != SKIP else None,
            text=text,
            invoice=form.invoice == "yes",
            pickup=form.pickup,
        )
        step = OrderStep(form.doing)
        return lambda ctx, tid: orders.step(ctx, tid, step, given)
    which = RepairStep(form.doing)
    if which is RepairStep.SCHEDULE:
        at = form.at
        if at is None:
            raise StaleState("a visit without its time")
        return lambda ctx, tid: repairs.schedule(ctx, tid, at)
    if which is RepairStep.LEAK_TEST:
        if form.day is None:
            raise StaleState("a leak test without its day")
        day = date.fromisoformat(form.day)
        return lambda ctx, tid: repairs.leak_test(ctx, tid, day)
    if which is RepairStep.DONE:
        report = repairs.Report(text or "", form.warranty == "yes", amount)
        return lambda ctx, tid: repairs.done(ctx, tid, report)
    return lambda ctx, tid: repairs.start(ctx, tid)


# --- the form, one answer at a time -------------------------------------------------------------
def _form(turn: Turn) -> tuple[StepForm, Ask]:
    """The form, and the answer it asks for now (one this version no longer asks: stale)."""
    form = state(turn, StepForm)
    ask = next((a for a in FORMS.get(form.doing, ()) if a.name == form.asking), None)
    if ask is None:
        raise StaleState(f"no answer {form.asking!r} in the form of {form.doing!r}")
    return form, ask


def _question(form: StepForm) -> str:
    return f"steps.{form.doing}_{form.asking}"


async def _ask_next(turn: Turn, form: StepForm) -> None:
    pending = _pending(form)
    if not pending:
        keep_state(turn, form)
        await finish(turn, _run(form))
        return
    form.asking = pending[0].name
    keep_state(turn, form)
    await goto(turn, pending[0].field.value)


def _today(turn: Turn) -> date:
    return turn.now.astimezone(turn.desk.settings.tz).date()


def _offers(turn: Turn, form: StepForm, ask: Ask) -> list[tuple[str, str]]:
    """One-tap answers: (value, label)."""
    if ask.field is Field.YESNO:
        return [("yes", turn.t("common.yes")), ("no", turn.t("common.no"))]
    if ask.field is Field.NUMBER:
        return [(SKIP, turn.t("steps.no_number"))]
    if ask.field is Field.DAY:
        days = turn.desk.policy.repairs.visit_days
        return [
            (
                (_today(turn) + timedelta(days=n)).isoformat(),
                turn.day(_today(turn) + timedelta(days=n)),
            )
            for n in range(days + 1)
        ]
    if ask.field is Field.TIME:
        starts = [slot.partition("-")[0] for slot in turn.desk.policy.repairs.visit_slots]
        return [(start, start) for start in starts]
    if ask.field is Field.TEXT and form.doing == OrderStep.DELIVERED and form.offer_text:
        return [(form.offer_text, form.offer_text)]
    if ask.field is Field.AMOUNT and form.doing == OrderStep.CANCEL:
        paid = form.offer_amount or "0.00"
        return [(amount, f"¥{amount}") for amount in dict.fromkeys((paid, "0.00"))]
    return []


async def ask_field(turn: Turn) -> None:
    form, ask = _form(turn)
    buttons = [button(turn, label[:60], value) for value, label in _offers(turn, form, ask)]
    turn.reply(turn.t(_question(form)), grid(buttons, 2) if buttons else None)


async def on_field(turn: Turn, inp: Input) -> None:
    form, ask = _form(turn)
    value = tapped(turn, inp)
    offered = dict(_offers(turn, form, ask))
    if value is not None and value not in offered:
        await reprompt(turn, "invalid.use_buttons")
        return
    answer = value if value is not None else _read(turn, ask, inp)
    if isinstance(answer, Invalid):
        await reprompt(turn, answer)
        return
    if ask.field is Field.TIME:
        at = _at(turn, form, answer)
        if isinstance(at, Invalid):
            await reprompt(turn, at)
            return
        form.at = at
    if value is not None:
        turn.edit(Html("{}\n<b>{}</b>").format(turn.t(_question(form)), offered[value]))
    setattr(form, ask.name, answer)  # one of ANSWERS, each a str
    await _ask_next(turn, form)


def _read(turn: Turn, ask: Ask, inp: Input) -> str | Invalid:
    """A typed answer, checked for its kind of field."""
    if ask.field is Field.YESNO:
        return Invalid("invalid.use_buttons")
    if inp.kind is not InputKind.TEXT:
        return Invalid("invalid.need_text")
    if ask.field is Field.AMOUNT:
        amount = parse_amount(inp.text)
        return Invalid("invalid.amount") if amount is None else f"{amount:.2f}"
    if ask.field is Field.NUMBER:
        return clean_text(inp.text, max_chars=NUMBER_CHARS)
    if ask.field is Field.DAY:
        limit = turn.desk.policy.dialogue.max_requested_days
        day = parse_requested_date(inp.text, today=_today(turn), max_days=limit)
        return day if isinstance(day, Invalid) else day.isoformat()
    if ask.field is Field.TIME:
        clock = parse_time_of_day(inp.text)
        return clock if isinstance(clock, Invalid) else clock.strftime("%H:%M")
    return clean_text(inp.text, max_chars=turn.desk.policy.dialogue.max_text_chars)


def _at(turn: Turn, form: StepForm, clock: str) -> datetime | Invalid:
    """The visit's moment: the chosen day at this time, which must lie ahead."""
    if form.day is None:
        raise StaleState("a time without its day")
    day = date.fromisoformat(form.day)
    moment = datetime.combine(day, time.fromisoformat(clock), turn.desk.settings.tz)
    return moment if moment > turn.now else Invalid("order.time_past")


FEATURE = Feature(
    "steps",
    handlers=(CallbackQueryHandler(step_tap, pattern=StepTap.pattern()),),
    flows=(
        Flow(FLOW, {field.value: Step(ask_field, on_field) for field in Field}, staff_only=True),
    ),
)

"""The steps of an order or a repair, from its card: one tap each, and a short form when
the step has something to record (an amount, a receipt number, who signed for it, a time).

What each step asks is the table FORMS; the answers are checked here and handed to the
services (bot.services.orders, bot.services.repairs), which own the rules and the trail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum

from telegram.ext import BaseHandler, CallbackQueryHandler

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
from handlers.cards import Run, action_context, card_origin, finish, show_done
from handlers.common import refuse
from handlers.dialogue import Flow, Step, button, goto, reprompt, tapped
from handlers.dialogue import data as _data
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


Answers = dict[str, object]


def _always(answers: Answers) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class Ask:
    name: str  # where the answer is kept, and (with the step) which question is asked
    field: Field
    only_if: Callable[[Answers], bool] = _always


FORMS: dict[str, tuple[Ask, ...]] = {
    OrderStep.CONFIRM: (
        Ask("amount", Field.AMOUNT, lambda a: bool(a.get("prepay"))),
        Ask("number", Field.NUMBER, lambda a: bool(a.get("prepay"))),
    ),
    OrderStep.ORDERED: (Ask("text", Field.TEXT), Ask("number", Field.NUMBER)),
    OrderStep.DELIVERED: (Ask("text", Field.TEXT),),
    OrderStep.SETTLE: (
        Ask("amount", Field.AMOUNT),
        Ask("invoice", Field.YESNO),
        Ask("number", Field.NUMBER, lambda a: a.get("invoice") == "yes"),
    ),
    OrderStep.CANCEL: (Ask("text", Field.TEXT), Ask("amount", Field.AMOUNT)),
    RepairStep.SCHEDULE: (Ask("day", Field.DAY), Ask("time", Field.TIME)),
    RepairStep.LEAK_TEST: (Ask("day", Field.DAY),),
    RepairStep.DONE: (
        Ask("text", Field.TEXT),
        Ask("warranty", Field.YESNO),
        Ask("amount", Field.AMOUNT, lambda a: a.get("warranty") == "no"),
    ),
}


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
        item = await items.check(turn.uow, turn.staff, tap.ticket, Action.NOTE)
        if tap.step not in next_steps(item):
            raise Refused(tap.step)
        answers = await _prefill(turn, item)
        pending = _pending(tap.step, answers)
        if pending:
            turn.answer()
            answers.update(ticket=item.id, doing=tap.step, card=card_origin(turn))
            await dialogue.begin(
                turn, FLOW, pending[0].field.value, asking=pending[0].name, **answers
            )
            return
        await _run(tap.step, answers)(action_context(turn), item.id)
    except Refused:
        refuse(turn)
        screen = await items.card_for(turn.uow, turn.views, turn.staff, tap.ticket)
        if screen is not None:
            show(turn, screen, edit=True)
        return
    await show_done(turn, tap.ticket)


async def _prefill(turn: Turn, item: TicketFacts) -> Answers:
    if item.kind is not TicketKind.CONCIERGE:
        return {"kind": item.kind.value}
    services = turn.desk.services
    service = services.service(item.service or "") if services else None
    facts = await orders.step_facts(turn.uow, service, item)
    return {
        "kind": item.kind.value,
        "prepay": facts.prepayment,
        "pickup": facts.pickup,
        "offer_text": facts.recipient,
        "offer_amount": f"{facts.paid:.2f}",
    }


def _pending(step: str, answers: Answers) -> list[Ask]:
    return [a for a in FORMS.get(step, ()) if a.name not in answers and a.only_if(answers)]


def _run(step: str, answers: Answers) -> Run:
    """The service call the form's answers make."""

    def amount() -> Decimal | None:
        value = answers.get("amount")
        return Decimal(str(value)) if value not in (None, "") else None

    def text() -> str | None:
        value = answers.get("text")
        return str(value) if value else None

    def number() -> str | None:
        value = answers.get("number")
        return str(value) if value and value != SKIP else None

    if answers.get("kind") == TicketKind.CONCIERGE.value:
        given = StepInput(
            amount=amount(),
            number=number(),
            text=text(),
            invoice=answers.get("invoice") == "yes",
            pickup=bool(answers.get("pickup")),
        )
        return lambda ctx, tid: orders.step(ctx, tid, OrderStep(step), given)
    which = RepairStep(step)
    if which is RepairStep.SCHEDULE:
        at = datetime.fromisoformat(str(answers["at"]))
        return lambda ctx, tid: repairs.schedule(ctx, tid, at)
    if which is RepairStep.LEAK_TEST:
        day = date.fromisoformat(str(answers["day"]))
        return lambda ctx, tid: repairs.leak_test(ctx, tid, day)
    if which is RepairStep.DONE:
        report = repairs.Report(text() or "", answers.get("warranty") == "yes", amount())
        return lambda ctx, tid: repairs.done(ctx, tid, report)
    return lambda ctx, tid: repairs.start(ctx, tid)


# --- the form, one answer at a time -------------------------------------------------------------
def _asking(turn: Turn) -> Ask:
    data = _data(turn)
    return next(a for a in FORMS[str(data["doing"])] if a.name == data["asking"])


def _question(turn: Turn) -> str:
    data = _data(turn)
    return turn.t(f"steps.{data['doing']}_{data['asking']}")


async def _ask_next(turn: Turn) -> None:
    data = _data(turn)
    pending = _pending(str(data["doing"]), data)
    if not pending:
        await finish(turn, _run(str(data["doing"]), data))
        return
    data["asking"] = pending[0].name
    await goto(turn, pending[0].field.value)


def _today(turn: Turn) -> date:
    return turn.now.astimezone(turn.desk.settings.tz).date()


def _offers(turn: Turn, ask: Ask) -> list[tuple[str, str]]:
    """One-tap answers: (value, label)."""
    data = _data(turn)
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
    if (
        ask.field is Field.TEXT
        and data.get("doing") == OrderStep.DELIVERED
        and data.get("offer_text")
    ):
        return [(str(data["offer_text"]), str(data["offer_text"]))]
    if ask.field is Field.AMOUNT and data.get("doing") == OrderStep.CANCEL:
        paid = str(data.get("offer_amount") or "0.00")
        return [(amount, f"¥{amount}") for amount in dict.fromkeys((paid, "0.00"))]
    return []


async def ask_field(turn: Turn) -> None:
    buttons = [button(turn, label[:60], value) for value, label in _offers(turn, _asking(turn))]
    turn.reply(_question(turn), grid(buttons, 2) if buttons else None)


async def on_field(turn: Turn, inp: Input) -> None:
    ask = _asking(turn)
    value = tapped(turn, inp)
    offered = dict(_offers(turn, ask))
    if value is not None and value not in offered:
        await reprompt(turn, "invalid.use_buttons")
        return
    answer = value if value is not None else _read(turn, ask, inp)
    if isinstance(answer, Invalid):
        await reprompt(turn, answer)
        return
    if ask.field is Field.TIME:
        at = _at(turn, answer)
        if isinstance(at, Invalid):
            await reprompt(turn, at)
            return
        _data(turn)["at"] = at.isoformat()
    if value is not None:
        turn.edit(Html("{}\n<b>{}</b>").format(_question(turn), offered[value]))
    _data(turn)[ask.name] = answer
    turn.touch()
    await _ask_next(turn)


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


def _at(turn: Turn, clock: str) -> datetime | Invalid:
    """The visit's moment: the chosen day at this time, which must lie ahead."""
    day = date.fromisoformat(str(_data(turn)["day"]))
    moment = datetime.combine(day, time.fromisoformat(clock), turn.desk.settings.tz)
    return moment if moment > turn.now else Invalid("order.time_past")


dialogue.register_flow(
    Flow(FLOW, {field.value: Step(ask_field, on_field) for field in Field}, staff_only=True)
)

HANDLERS: list[BaseHandler] = [CallbackQueryHandler(step_tap, pattern=StepTap.pattern())]

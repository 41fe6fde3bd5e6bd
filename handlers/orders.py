"""Ordering a service from the catalogue (委托代办): the questions the catalogue asks, a
summary with every answer to confirm (the resident's signature), change or cancel.

The dialogue knows no service: the question engine (handlers.form) asks the chosen
service's questions.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton
from telegram.ext import CallbackQueryHandler

from bot.catalogue import Service
from bot.domain.questions import Question, Role
from bot.domain.tickets import TicketFacts, TicketKind
from bot.htmltext import Html, join
from bot.services import orders
from bot.services.notifier import Notifier
from bot.services.residents import withdraw_birthday_wishes
from bot.services.tickets import Filed, resident_ticket
from bot.services.workflow import Refused, resident_message
from bot.views.followup import WITHDRAW, Wishes, WishesTap
from bot.views.service import CancelOrderTap, resident_may_cancel
from handlers import dialogue, form, intake, my_requests
from handlers.common import item_context
from handlers.dialogue import (
    Flow,
    Signs,
    StaleState,
    Step,
    button,
    keep_state,
    reprompt,
    state,
    summary_step,
    tapped,
    text_step,
)
from handlers.feature import Feature, IntakeForm
from handlers.keyboards import grid
from handlers.menu import Entry, main_menu
from handlers.runtime import Input, Turn, entry

FLOW = "order"
CANCEL_FLOW = "order_cancel"


@dataclass(slots=True)
class Ordering:
    """What an order keeps besides its answers: the service chosen, and who orders it
    (the commission form names them: the summary shows it)."""

    service: str = ""
    name: str = ""
    home: str = ""
    phone: str = ""


@dataclass(slots=True)
class Cancelling:
    """The resident's order being cancelled."""

    ticket: int


def _service(turn: Turn) -> Service:
    services = turn.desk.services
    found = services.service(state(turn, Ordering).service) if services else None
    assert found is not None
    return found


def _catalogue(turn: Turn) -> bool:
    """Something to order at this desk: the menu's entry and /new's form exist only then."""
    return turn.desk.services is not None and bool(turn.desk.services.services)


async def start_order(turn: Turn, subject: intake.Subject | None = None) -> None:
    """`subject`: the registered resident staff take the order for (/new)."""
    if not _catalogue(turn):  # an old keyboard still showing the entry: say why, redraw it
        turn.reply(turn.t("order.none_offered"), main_menu(turn))
        return
    await dialogue.begin(turn, FLOW, "pick", Ordering(), **intake.carrying(subject))


# --- choosing a service ----------------------------------------------------------------------
async def ask_service(turn: Turn) -> None:
    assert turn.desk.services is not None
    buttons = [
        button(turn, s.name.get(turn.language), s.code) for s in turn.desk.services.services
    ]
    turn.reply(turn.t("order.ask_service"), grid(buttons, 1))


async def on_service(turn: Turn, inp: Input) -> None:
    assert turn.desk.services is not None
    chosen = turn.desk.services.service(tapped(turn, inp) or "")
    if chosen is None:
        await reprompt(turn, "invalid.use_buttons")
        return
    who = await intake.resident_of(turn)
    ordering = Ordering(chosen.code)
    if who is not None:
        ordering.name, ordering.home, ordering.phone = who.name, who.home, who.phone
    keep_state(turn, ordering)
    keep_state(turn, form.Asking())
    price = chosen.price.get(turn.language) if chosen.price else ""
    name = turn.esc(chosen.name.get(turn.language))
    turn.edit(turn.t("order.service_chosen", service=name, price=turn.esc(price)))
    await form.next_question(turn)


# --- summary, change, confirm ------------------------------------------------------------------
def _summary(turn: Turn) -> Html:
    service = _service(turn)
    lines: list[str] = [turn.t("order.summary_title", service=service.name.get(turn.language))]
    who = state(turn, Ordering)
    if who.name:
        lines.append(
            turn.t("order.summary_resident", name=who.name, home=who.home, phone=who.phone)
        )
    lines += form.summary_lines(turn)
    if service.price is not None:
        lines.append(service.price.get(turn.language))
    return join("\n", lines)


def _payment(turn: Turn) -> Question | None:
    """The service's payment question, where the form has one (and it applies)."""
    question = _service(turn).with_role(Role.PAYMENT)
    return question if question is not None and question.applies(form.answers_of(turn)) else None


def _payments(turn: Turn) -> list[tuple[str, str]]:
    """The summary's sign buttons: one per way to pay ("✍️ Sign · WeChat Pay")."""
    question = _payment(turn)
    if question is None:
        return []
    return [
        (c.value, turn.t("order.sign_paying", method=c.label.get(turn.language)))
        for c in question.choices
    ]


async def _signed_paying(turn: Turn, method: str) -> None:
    question = _payment(turn)
    if question is None:
        raise StaleState("a payment method for a form without one")
    form.set_answer(turn, question.id, method)
    await _file(turn)


async def _file(turn: Turn) -> None:
    async def filing(who: intake.Filer) -> Filed:
        resident = who.resident
        if resident is None:  # an order is the resident's (staff found them by their unit)
            raise Refused("no resident")
        service = _service(turn)
        return await orders.file_order(
            turn.uow,
            Notifier(turn.uow, turn.views),
            resident=resident,
            service=service,
            answers=form.text_answers(turn),
            summary=service.name.get(resident.language),
            policy=turn.desk.policy,
            tz=turn.desk.settings.tz,
            now=turn.now,
            on_behalf=who.on_behalf,
        )

    def done(who: intake.Filer) -> str:
        return "order.signed" if who.on_behalf is None else "summary.submitted"

    await form.confirm(turn, _summary, filing, done=done)


# --- birthday wishes every year? ----------------------------------------------------------
@entry
async def on_wishes(turn: Turn) -> None:
    query = turn.update.callback_query
    tap = WishesTap.unpack(query.data if query else None)
    if tap is None or turn.resident is None:
        turn.answer(turn.t("common.stale_button"))
        return
    if tap.ticket == WITHDRAW:
        await withdraw_birthday_wishes(turn.uow, turn.resident.id, turn.now)
        turn.edit(turn.t("profile.wishes_withdrawn"))
        return
    try:
        day = await orders.wishes_consent(
            turn.uow, turn.resident, tap.ticket, consent=tap.answer is Wishes.YES, now=turn.now
        )
    except Refused:
        turn.answer(turn.t("common.stale_button"))
        return
    key = "order.wishes_kept" if day else "order.wishes_declined"
    turn.edit(turn.t(key, day=turn.day(day) if day else ""))


# --- the resident cancels, until delivery ----------------------------------------------------
# Offered only while it can succeed: the button follows the same rule as the cancellation
# (`resident_may_cancel`), the rule is checked again at the tap, before the reason is
# asked (a view drawn before the order moved on shows it as it stands instead), and if
# the order is delivered while the reason is typed, the words are not thrown away: they
# reach the concierge as a message on the order.
def _cancel_button(turn: Turn, item: TicketFacts) -> list[InlineKeyboardButton]:
    if not resident_may_cancel(item):
        return []
    tap = CancelOrderTap(item.id).pack()
    return [InlineKeyboardButton(turn.t("order.cancel_button"), callback_data=tap)]


@entry
async def on_cancel_tap(turn: Turn) -> None:
    query = turn.update.callback_query
    tap = CancelOrderTap.unpack(query.data if query else None)
    if tap is None or turn.resident is None:
        turn.answer(turn.t("common.stale_button"))
        return
    if turn.dialogue is not None:
        turn.answer(turn.t("common.finish_first"))
        return
    found = await resident_ticket(turn.uow, turn.resident, tap.ticket)
    if found is None or not resident_may_cancel(found[0]):
        turn.answer(turn.t("order.cannot_cancel"), alert=True)
        if found is not None:
            await my_requests.show_ticket(turn, tap.ticket)  # as it stands, no Cancel
        return
    turn.answer()
    await dialogue.begin(turn, CANCEL_FLOW, "reason", Cancelling(tap.ticket))


async def _cancel(turn: Turn, reason: str) -> None:
    assert turn.resident is not None
    ticket_id = state(turn, Cancelling).ticket
    turn.end()
    try:
        await orders.cancel_by_resident(item_context(turn), turn.resident, ticket_id, reason)
    except Refused:
        # Delivered while the reason was typed: their words still reach the concierge.
        try:
            await resident_message(item_context(turn), turn.resident, ticket_id, reason)
        except Refused:
            turn.reply(turn.t("order.cannot_cancel"), main_menu(turn))
            return
        turn.reply(turn.t("order.cancel_too_late_passed_on"), main_menu(turn))
        return
    turn.reply(turn.t("order.cancel_heard"), main_menu(turn))


FEATURE = Feature(
    "orders",
    handlers=(
        CallbackQueryHandler(on_wishes, pattern=WishesTap.pattern()),
        CallbackQueryHandler(on_cancel_tap, pattern=CancelOrderTap.pattern()),
    ),
    flows=(
        Flow(
            FLOW,
            {
                "pick": Step(ask_service, on_service),
                **form.steps(),
                "summary": summary_step(
                    _summary,
                    _file,
                    confirm="order.sign",
                    note="order.sign_note",
                    columns=1,
                    clear="q",
                    signs=Signs(_payments, _signed_paying),
                ),
            },
            form=_service,
        ),
        Flow(CANCEL_FLOW, {"reason": text_step("order.ask_cancel_reason", _cancel)}),
    ),
    menu=(Entry("menu.order", start_order, 3, available=_catalogue),),
    item_buttons=(_cancel_button,),
    intake_forms=(
        IntakeForm(TicketKind.CONCIERGE, start_order, 3, needs_resident=True, offered=_catalogue),
    ),
)

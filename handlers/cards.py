"""Items as cards: /ticket, the one-tap actions, and the short dialogues some actions need.

A tap is decoded (bot.views.card.CardTap), checked by the services against the permission
rules and the item's state, and the card is redrawn only when what it shows has changed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import StrEnum

from telegram import Message
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.domain.staff import Department
from bot.domain.tickets import Nature, Severity, WaitingReason
from bot.domain.workflow import Classification
from bot.services import items, workflow
from bot.services.notifier import Notifier
from bot.services.workflow import ActionContext, Refused
from bot.views.card import CardAction, CardTap
from handlers import dialogue
from handlers.common import PRIVATE, refuse
from handlers.dialogue import (
    Flow,
    Step,
    button,
    choice_step,
    goto,
    keep,
    reprompt,
    tapped,
    text_step,
)
from handlers.dialogue import data as _data
from handlers.keyboards import grid, markup_of, show
from handlers.output import fingerprint_of
from handlers.runtime import Input, Turn, entry

STAFF_INPUT = "staff_input"


class Ask(StrEnum):
    """What the short dialogue after a card tap asks for."""

    REPLY = "reply"
    NOTE = "note"
    RESULT = "result"
    SEND_BACK = "send_back"
    EXPLAIN = "explain"  # out of scope: the explanation the resident will read


QUESTIONS = {
    Ask.REPLY: "staff.ask_reply",
    Ask.NOTE: "staff.ask_note",
    Ask.RESULT: "staff.ask_result",
    Ask.SEND_BACK: "staff.ask_send_back",
    Ask.EXPLAIN: "staff.ask_explanation",
}
# Taps that need more input first: the dialogue step each one starts at.
NEEDS_INPUT = {
    CardAction.REPLY: ("text", Ask.REPLY),
    CardAction.NOTE: ("text", Ask.NOTE),
    CardAction.RESOLVE: ("text", Ask.RESULT),
    CardAction.SEND_BACK: ("text", Ask.SEND_BACK),
    CardAction.CLASSIFY: ("nature", None),
    CardAction.TRANSFER: ("transfer", None),
    CardAction.WAIT: ("wait", None),
}
Run = Callable[[ActionContext, int], Awaitable[None]]


def _context(turn: Turn) -> ActionContext:
    assert turn.staff is not None
    return ActionContext(
        turn.uow, turn.staff, turn.now, turn.desk.policy, Notifier(turn.uow, turn.views)
    )


# --- /ticket and the card --------------------------------------------------------------------
@entry
async def ticket_command(turn: Turn) -> None:
    """Open an item's card by reference: /ticket TS-20261124-0001."""
    if turn.staff is None:
        refuse(turn)
        return
    text = turn.update.effective_message.text if turn.update.effective_message else ""
    parts = (text or "").split()
    screen = (
        await items.card_by_reference(turn.uow, turn.views, turn.staff, parts[1])
        if len(parts) > 1
        else None
    )
    if screen is None:
        turn.reply(turn.t("staff.ticket_not_found"))
        return
    show(turn, screen)


@entry
async def card_tap(turn: Turn) -> None:
    """A card's button. Forged or stale data is refused and changes nothing."""
    query = turn.update.callback_query
    tap = CardTap.unpack(query.data if query else None)
    if turn.staff is None or tap is None:
        refuse(turn)
        return
    try:
        await _act(turn, tap)
    except Refused:
        refuse(turn)
        await _redraw(turn, tap.ticket)  # a stale card shows what is possible now


async def _act(turn: Turn, tap: CardTap) -> None:
    assert turn.staff is not None
    if tap.action in NEEDS_INPUT:
        await items.check(turn.uow, turn.staff, tap.ticket, tap.action.action)
        await _begin_input(turn, tap)
    elif tap.action is CardAction.PHONE:
        phone = await workflow.contact_phone(_context(turn), tap.ticket)
        turn.answer(turn.t("staff.phone", phone=phone or "—"), alert=True)
    elif tap.action is CardAction.PHOTOS:
        photos = await items.photos(turn.uow, turn.staff, tap.ticket)
        if not photos:
            turn.answer(turn.t("staff.no_photos"))
        turn.photos(photos)
    elif tap.action is CardAction.ACCEPT:
        await workflow.accept(_context(turn), tap.ticket)
        await _done(turn, tap.ticket)
    elif tap.action is CardAction.ACCEPT_RESULT:
        await workflow.accept_result(_context(turn), tap.ticket)
        await _done(turn, tap.ticket)


async def _redraw(turn: Turn, ticket_id: int) -> None:
    if turn.staff is None or turn.update.callback_query is None:
        return
    screen = await items.card_for(turn.uow, turn.views, turn.staff, ticket_id)
    if screen is not None:
        show(turn, screen, edit=True)


async def _done(turn: Turn, ticket_id: int) -> None:
    """After an action: confirm, and redraw the card the action was started from."""
    assert turn.staff is not None
    screen = await items.card_for(turn.uow, turn.views, turn.staff, ticket_id)
    card = (turn.dialogue.data if turn.dialogue else {}).get("card")
    from_card = turn.update.callback_query is not None and not card
    if from_card:
        turn.answer(turn.t("staff.done"))
    elif turn.update.callback_query is not None:
        turn.edit(turn.t("staff.done"))  # the question's buttons go; the card carries on
    else:
        turn.reply(turn.t("staff.done"))
    if screen is None:
        return
    if from_card:
        show(turn, screen, edit=True)
    elif isinstance(card, list) and len(card) == 3:
        turn.edit_message(
            int(card[0]), int(card[1]), screen.text, markup_of(screen), shown=str(card[2])
        )


async def _begin_input(turn: Turn, tap: CardTap) -> None:
    query = turn.update.callback_query
    message = query.message if query else None
    card = (
        [message.chat.id, message.message_id, fingerprint_of(message)]
        if isinstance(message, Message)
        else None
    )
    step, ask = NEEDS_INPUT[tap.action]
    turn.answer()
    await dialogue.begin(
        turn, STAFF_INPUT, step, ticket=tap.ticket, ask=ask.value if ask else None, card=card
    )


# --- the staff input dialogue ---------------------------------------------------------------
def _question(turn: Turn) -> str:
    return turn.t(QUESTIONS[Ask(str(_data(turn)["ask"]))])


async def on_text(turn: Turn, text: str) -> None:
    ask = Ask(str(_data(turn)["ask"]))
    if ask is Ask.EXPLAIN:
        classification = Classification(
            Nature.INVALID, Severity(str(_data(turn)["severity"])), text
        )
        await _finish(turn, lambda ctx, tid: workflow.classify(ctx, tid, classification))
        return
    run = {
        Ask.REPLY: workflow.reply,
        Ask.NOTE: workflow.note,
        Ask.RESULT: workflow.resolve,
        Ask.SEND_BACK: workflow.send_back,
    }[ask]
    await _finish(turn, lambda ctx, tid: run(ctx, tid, text))


def _natures(turn: Turn) -> list[tuple[str, str]]:
    return [(n.value, turn.t(f"nature.{n.value}")) for n in Nature]


def _severities(turn: Turn) -> list[tuple[str, str]]:
    return [(v.value, turn.t(f"severity.{v.value}")) for v in Severity]


def _reasons(turn: Turn) -> list[tuple[str, str]]:
    return [(r.value, turn.t(f"waiting.{r.value}")) for r in WaitingReason]


async def _classify(turn: Turn, value: str, label: str) -> None:
    turn.edit(turn.t("staff.severity_chosen", choice=label))
    nature = Nature(str(_data(turn)["nature"]))
    if nature is Nature.INVALID:
        _data(turn).update(severity=value, ask=Ask.EXPLAIN.value)
        await goto(turn, "text")
        return
    classification = Classification(nature, Severity(value))
    await _finish(turn, lambda ctx, tid: workflow.classify(ctx, tid, classification))


async def _wait(turn: Turn, value: str, label: str) -> None:
    reason = WaitingReason(value)
    await _finish(turn, lambda ctx, tid: workflow.wait(ctx, tid, reason))


async def ask_transfer(turn: Turn) -> None:
    buttons = [button(turn, turn.t(f"department.{d.value}"), f"d.{d.value}") for d in Department]
    if turn.staff is not None:
        people = await items.transfer_targets(turn.uow, turn.staff)
        buttons += [
            button(turn, f"👤 {p.name} · {turn.t(f'role.{p.role.value}')}", f"p.{p.id}")
            for p in people
        ]
    turn.reply(turn.t("staff.ask_transfer"), grid(buttons, 2))


async def on_transfer(turn: Turn, inp: Input) -> None:
    value = tapped(turn, inp) or ""
    kind, _, target = value.partition(".")
    if kind == "d" and target in set(Department):
        department = Department(target)
        await _finish(turn, lambda ctx, tid: workflow.transfer(ctx, tid, department=department))
    elif kind == "p" and target.isdigit():
        await _finish(turn, lambda ctx, tid: workflow.transfer(ctx, tid, staff_id=int(target)))
    else:
        await reprompt(turn, "invalid.use_buttons")


async def _finish(turn: Turn, run: Run) -> None:
    ticket_id = int(str(_data(turn)["ticket"]))
    if turn.staff is None:
        turn.end()
        refuse(turn)
        return
    try:
        await run(_context(turn), ticket_id)
    except Refused:
        turn.end()
        refuse(turn)
        return
    await _done(turn, ticket_id)
    turn.end()


dialogue.register_flow(
    Flow(
        STAFF_INPUT,
        {
            "text": text_step(_question, on_text),
            "nature": choice_step(
                "staff.ask_nature",
                _natures,
                keep("nature", "staff.nature_chosen", "severity"),
                columns=1,
            ),
            "severity": choice_step("staff.ask_severity", _severities, _classify, columns=3),
            "transfer": Step(ask_transfer, on_transfer),
            "wait": choice_step("staff.ask_waiting", _reasons, _wait, columns=1),
        },
    )
)

HANDLERS: list[BaseHandler] = [
    CommandHandler("ticket", ticket_command, filters=PRIVATE),
    CallbackQueryHandler(card_tap, pattern=CardTap.pattern()),
]

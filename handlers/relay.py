"""Message relay (留言服务) at the Telegram edge: `/relay 1-1202 message` for staff, the
resident's *Reply* under the message, and the answer they type."""

from __future__ import annotations

from dataclasses import dataclass

from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.callbacks import CallbackData
from bot.domain.estate import parse_unit_input
from bot.services import relay
from handlers import dialogue
from handlers.common import PRIVATE, refuse, remind_dialogue, subject_and_text
from handlers.dialogue import Flow, state, text_step
from handlers.feature import Feature
from handlers.runtime import Turn, entry

RELAY_ANSWER = "relay_answer"


@dataclass(frozen=True, slots=True)
class RelayTap(CallbackData, prefix="ly"):
    """The resident's *Reply* under a message the desk passed on."""

    relay: int


@dataclass(slots=True)
class Answering:
    """Which message the resident is answering."""

    relay: int


def _reply_button(relay_id: int) -> str:
    return RelayTap(relay_id).pack()


@entry
async def relay_command(turn: Turn) -> None:
    """/relay 1-1202 the message: passed to whoever lives there; the caller learns nothing."""
    if turn.staff is None:
        refuse(turn)
        return
    subject, text = subject_and_text(turn)
    estate = turn.desk.estate
    address = parse_unit_input(subject, estate) if subject else None
    if address is None or not text:
        turn.reply(turn.t("relay.usage"))
        return
    building, unit = address
    passed = await relay.take_message(
        turn.uow,
        turn.views,
        turn.staff,
        estate=estate,
        building=building,
        unit=unit,
        message=text[: turn.desk.policy.dialogue.max_text_chars],
        reply_button=_reply_button,
        now=turn.now,
    )
    home = f"{building.name} {unit}"
    turn.reply(turn.t("relay.passed" if passed else "relay.not_passed", home=home))


@entry
async def relay_tap(turn: Turn) -> None:
    """The resident's *Reply*: their answer goes back through the desk."""
    query = turn.update.callback_query
    tap = RelayTap.unpack(query.data if query else None)
    if turn.resident is None or tap is None:
        refuse(turn, "common.stale_button")
        return
    if turn.dialogue is not None:
        await remind_dialogue(turn)
        return
    try:
        await relay.may_answer(turn.uow, turn.resident, tap.relay)
    except relay.NotYours:
        refuse(turn, "relay.closed")
        return
    await dialogue.begin(turn, RELAY_ANSWER, "text", Answering(tap.relay))


async def _answered(turn: Turn, text: str) -> None:
    kept = state(turn, Answering)
    turn.end()
    assert turn.resident is not None
    try:
        await relay.answer(turn.uow, turn.views, turn.resident, kept.relay, text, turn.now)
    except relay.NotYours:
        turn.reply(turn.t("relay.closed"))
        return
    turn.reply(turn.t("relay.answer_sent"))


FEATURE = Feature(
    "relay",
    handlers=(
        CommandHandler("relay", relay_command, filters=PRIVATE),
        CallbackQueryHandler(relay_tap, pattern=RelayTap.pattern()),
    ),
    flows=(Flow(RELAY_ANSWER, {"text": text_step("relay.ask_answer", _answered)}),),
)

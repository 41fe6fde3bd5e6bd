"""Emergencies at the Telegram edge: whatever someone types that names an emergency is
answered at once (what to do now, the hotline, the office) and filed, registered or not,
in a form or not; the place is asked after filing. *🏃 On my way* (staff) and *Not an
emergency* (the reporter) are this feature's buttons.

`emergency_answer` is asked first by the fallbacks' message handler, so nothing — no
registration, no dialogue step — stands in the way of an emergency. An emergency may also
be chosen (`choose`: *🚨 Emergency* under a free message's offer or among a complaint's
categories): the policy's emergencies as buttons, and the one tapped runs the same path."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import CallbackQueryHandler

from bot.domain.emergencies import Emergency, match
from bot.services import emergencies
from bot.services.actions import Refused
from bot.services.emergencies import NOT, WAY, EmergencyTap
from handlers import dialogue
from handlers.common import item_context, note_expired, refuse
from handlers.dialogue import Flow, choice_step, state
from handlers.feature import Feature
from handlers.menu import main_menu
from handlers.runtime import Input, InputKind, Turn, entry


async def emergency_answer(turn: Turn, inp: Input) -> bool:
    """Answer an emergency (True), or the place asked after one; False: not ours.

    Staff in the middle of a form (a reply, a note, /new) are typing about something
    else, so only their messages outside a dialogue count."""
    if inp.kind not in (InputKind.TEXT, InputKind.PHOTO) or not inp.text:
        return False
    if turn.staff is not None and turn.dialogue is not None:
        return False
    policy = turn.desk.policy
    found = match(inp.text, policy.emergencies.listed())
    ctx = item_context(turn)
    if found is None:
        if turn.dialogue is not None:
            return False
        waiting = await emergencies.waiting_for_place(ctx, turn.user_id)
        if waiting is None or waiting.created_at < turn.now - _asked_for(turn):
            return False
        reference = await emergencies.tell_place(ctx, waiting, inp.text)
        turn.reply(turn.t("emergency.place_thanks", reference=reference))
        return True
    await _answer(turn, found, inp.text)
    return True


async def _answer(turn: Turn, found: Emergency, text: str) -> None:
    """File the emergency, page the staff on duty, and tell the reporter what to do now."""
    ctx = item_context(turn)
    reported = await emergencies.report(
        ctx,
        found,
        text=text,
        user_id=turn.user_id,
        chat_id=turn.chat_id,
        language=turn.language,
        resident=turn.resident,
        estate_id=turn.desk.estate.id,
    )
    estate = turn.desk.estate
    text = turn.t(
        "emergency.answer",
        what=turn.t(f"emergency.name_{found.code}"),
        do=turn.t(f"emergency.do_{found.code}"),
        hotline=estate.hotline or "—",
        address=estate.office_address or "—",
        reference=reported.reference,
    )
    tap = EmergencyTap(NOT, reported.ticket_id).pack()
    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton(turn.t("emergency.not_emergency"), callback_data=tap)]]
    )
    turn.reply(text, markup)
    if reported.where_needed:
        turn.reply(turn.t("emergency.where"))


CHOOSE = "emergency"
CANCEL = "-"


@dataclass(slots=True)
class Choosing:
    """What the emergency chosen from the list keeps: what the resident wrote already."""

    text: str = ""


async def choose(turn: Turn, text: str = "") -> None:
    """The emergency chosen rather than typed: which one (the policy's list); `text`: what
    the resident wrote already, filed as its description."""
    await dialogue.begin(turn, CHOOSE, "pick", Choosing(text))


def _choices(turn: Turn) -> list[tuple[str, str]]:
    listed = turn.desk.policy.emergencies.listed()
    shown = [(e.code, turn.t(f"emergency.name_{e.code}")) for e in listed]
    return [*shown, (CANCEL, turn.t("button.cancel"))]


async def _picked(turn: Turn, value: str, label: str) -> None:
    turn.edit(turn.t("common.chosen", choice=turn.esc(label)))
    written = state(turn, Choosing).text
    turn.end()
    found = next((e for e in turn.desk.policy.emergencies.listed() if e.code == value), None)
    if found is None:
        turn.reply(turn.t("common.cancelled"), main_menu(turn))
        return
    await _answer(turn, found, written or label)


def _asked_for(turn: Turn) -> timedelta:
    """How long "where are you?" waits for its answer: a dialogue's idle time."""
    return turn.desk.policy.dialogue.idle


@entry
async def on_tap(turn: Turn) -> None:
    note_expired(turn)
    query = turn.update.callback_query
    tap = EmergencyTap.unpack(query.data or "") if query is not None else None
    if tap is None:
        turn.answer(turn.t("common.stale_button"))
        return
    ctx = item_context(turn)
    try:
        if tap.what == WAY:
            if turn.staff is None:
                refuse(turn)
                return
            done = await emergencies.on_my_way(ctx, turn.staff, tap.ticket)
            if done.first:
                turn.answer(turn.t("emergency.on_way_thanks"))
            else:
                turn.answer(turn.t("emergency.already_coming", name=done.who), alert=True)
        elif tap.what == NOT:
            misfire = await emergencies.not_an_emergency(ctx, turn.user_id, tap.ticket)
            turn.answer()
            kind = turn.t(f"kind.{misfire.kind}")
            turn.reply(turn.t("emergency.misfire_done", reference=misfire.reference, kind=kind))
        else:
            turn.answer(turn.t("common.stale_button"))
    except Refused:
        refuse(turn)


FEATURE = Feature(
    "emergencies",
    handlers=(CallbackQueryHandler(on_tap, pattern=EmergencyTap.pattern()),),
    flows=(Flow(CHOOSE, {"pick": choice_step("emergency.pick", _choices, _picked, columns=1)}),),
)

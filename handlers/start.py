"""Greeting and the commands everyone has: /start, /help, /cancel, /menu, /desk, and what to
do with anything else (a menu tap, a typed answer, an unknown command, a stale button).

Staff and administrators are greeted as staff; a staff member who also lives on the estate
switches between the staff desk and the resident menu with one tap.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.callbacks import CallbackData
from bot.domain.invites import START_PREFIX, looks_like_invite
from bot.htmltext import Html, join
from handlers import dialogue, menu, staff
from handlers.common import PRIVATE, hotline_lines, note_expired, remind_dialogue
from handlers.feature import Feature
from handlers.menu import Entry, main_menu
from handlers.onboarding import start_onboarding
from handlers.runtime import Turn, entry
from storage.repositories.dialogues import loses_nothing


class Switch(StrEnum):
    RESIDENT = "res"  # show the resident menu (registering first if need be)
    DESK = "desk"  # back to the staff desk


@dataclass(frozen=True, slots=True)
class SwitchTap(CallbackData, prefix="sw"):
    to: Switch


def staff_greeting(turn: Turn, *, hotline: bool = False) -> None:
    """The staff desk: their commands (with the hotline, for /help), and a way to the
    resident menu."""
    label = "staff.to_resident_menu" if turn.resident else "staff.register_as_resident"
    button = InlineKeyboardButton(turn.t(label), callback_data=SwitchTap(Switch.RESIDENT).pack())
    text = staff_help(turn) if turn.staff is not None else turn.t("staff.help_admin")
    if hotline:
        text = text + "\n\n" + hotline_lines(turn)
    turn.reply(text, InlineKeyboardMarkup([[button]]))


def staff_help(turn: Turn) -> Html:
    """Every command of the reader's role, each with what it does: the same list as their
    command menu (handlers.staff.commands_of), so the two cannot drift apart."""
    assert turn.staff is not None
    lines = [
        turn.t("staff.help_command", command=name, what=turn.t(f"command.{name}"))
        for name in staff.commands_of(turn.staff)
    ]
    return turn.t("staff.help", commands=join("\n", lines))


def resident_help(turn: Turn) -> Html:
    """Every entry of the menu this reader sees, what it does, and the hotline."""
    lines = []
    for shown in menu.shown(turn):
        label = shown.label(turn.language) if shown.label else turn.t(shown.key)
        what = f"help.{shown.key}"
        if turn.desk.texts.has(turn.language, what):
            lines.append(turn.t("help.entry", label=label, what=turn.t(what)))
        else:
            lines.append(turn.esc(label))
    return turn.t("common.help", entries=join("\n", lines)) + "\n\n" + hotline_lines(turn)


def resident_menu(turn: Turn) -> None:
    assert turn.resident is not None
    turn.reply(turn.t("common.welcome_back", name=turn.esc(turn.resident.name)), main_menu(turn))


@entry
async def start(turn: Turn) -> None:
    """Greet: staff as staff, a newcomer into registration, a resident back to the menu."""
    note_expired(turn)
    text = turn.update.effective_message.text if turn.update.effective_message else ""
    payload = (text or "").split(maxsplit=1)[1:] or [""]
    if payload[0].startswith(START_PREFIX):
        if looks_like_invite(payload[0]):
            await staff.enroll(turn, payload[0])
        else:
            turn.reply(turn.t("invite.refused_invalid"))
        return
    if turn.dialogue is not None:
        await remind_dialogue(turn)
    elif turn.staff is not None or turn.is_admin:
        staff_greeting(turn)
    elif turn.resident is None:
        await start_onboarding(turn)
    else:
        resident_menu(turn)


@entry
async def desk(turn: Turn) -> None:
    """/desk: back to the staff desk from the resident menu. A resident who sends it (a
    command seen on a notice, a neighbour's phone) is pointed to their own menu, drawn
    below, rather than refused; someone not registered is taken to registration, as /menu
    does."""
    if turn.dialogue is not None:
        await remind_dialogue(turn)
    elif turn.staff is not None or turn.is_admin:
        staff_greeting(turn)
    elif turn.resident is None:
        await start_onboarding(turn)
    else:
        turn.reply(turn.t("common.desk_is_for_staff"), main_menu(turn))


@entry
async def switch(turn: Turn) -> None:
    """The desk's "resident menu" button, and back."""
    tap = SwitchTap.unpack(turn.update.callback_query.data if turn.update.callback_query else "")
    if tap is None:
        turn.answer(turn.t("common.stale_button"))
        return
    if turn.dialogue is not None:
        turn.answer(turn.t("common.finish_first"))
        await dialogue.prompt_again(turn)
    elif tap.to is Switch.DESK:
        staff_greeting(turn)
    elif turn.resident is None:
        await start_onboarding(turn)
    else:
        resident_menu(turn)


async def to_desk(turn: Turn) -> None:
    if turn.staff is not None:
        staff_greeting(turn)
    else:
        turn.reply(turn.t("common.not_understood"), main_menu(turn))


@entry
async def help_command(turn: Turn) -> None:
    """Explain what the bot does, without losing the step a dialogue is at."""
    if turn.staff is not None and turn.resident is None:
        staff_greeting(turn, hotline=True)
    else:
        turn.reply(
            resident_help(turn), main_menu(turn) if turn.resident and not turn.dialogue else None
        )
    if turn.dialogue is not None:
        await dialogue.prompt_again(turn)


@entry
async def cancel(turn: Turn) -> None:
    """Leave any dialogue at any step; nothing entered there is stored."""
    if turn.dialogue is None:
        turn.reply(turn.t("common.nothing_to_cancel"), main_menu(turn) if turn.resident else None)
        return
    optional = loses_nothing(turn.dialogue.data)
    turn.end()
    if optional and turn.resident is not None:  # what mattered was kept: no loss to report
        turn.reply(turn.t("common.menu"), main_menu(turn))
    elif turn.resident is not None:
        turn.reply(turn.t("common.cancelled"), main_menu(turn))
    elif turn.staff is not None or turn.is_admin:
        turn.reply(turn.t("common.cancelled"))
    else:
        turn.reply(turn.t("common.cancelled_onboarding"))


@entry
async def menu_command(turn: Turn) -> None:
    """Bring the main menu keyboard back."""
    if turn.dialogue is not None:
        await remind_dialogue(turn)
    elif turn.resident is None:
        await start_onboarding(turn)
    else:
        turn.reply(turn.t("common.menu"), main_menu(turn))


FEATURE = Feature(
    "start",
    handlers=(
        CommandHandler("start", start, filters=PRIVATE),
        CommandHandler("help", help_command, filters=PRIVATE),
        CommandHandler("cancel", cancel, filters=PRIVATE),
        CommandHandler("menu", menu_command, filters=PRIVATE),
        CommandHandler("desk", desk, filters=PRIVATE),
        CallbackQueryHandler(switch, pattern=SwitchTap.pattern()),
    ),
    menu=(Entry(menu.STAFF_DESK, to_desk, order=99),),
)

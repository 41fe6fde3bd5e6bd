"""Small pieces every feature's handlers share."""

from __future__ import annotations

from telegram.ext import filters

from bot.services.actions import ItemContext
from bot.services.notifier import Notifier
from handlers import dialogue
from handlers.runtime import Turn

PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE


def subject_and_text(turn: Turn) -> tuple[str, str]:
    """`/command SUBJECT free text…` (a unit or a reference, then words): each may be ""."""
    message = turn.update.effective_message
    words = ((message.text if message else None) or "").split(maxsplit=2)
    return (words[1] if len(words) > 1 else ""), (words[2].strip() if len(words) > 2 else "")


def flow_title(turn: Turn, flow: str) -> str:
    return turn.views.flow_title(turn.language, flow)


async def remind_dialogue(turn: Turn) -> None:
    """Someone in a dialogue asked for something else: say so, and ask the step again."""
    assert turn.dialogue is not None
    turn.reply(turn.t("common.in_dialogue", flow=flow_title(turn, turn.dialogue.flow)))
    await dialogue.prompt_again(turn)


def note_expired(turn: Turn) -> None:
    if turn.expired is not None:
        title = flow_title(turn, turn.expired.flow)
        idle = turn.duration(turn.desk.policy.dialogue.idle)
        turn.reply(turn.t("common.expired", flow=title, idle=idle))


def refuse(turn: Turn, key: str = "staff.not_allowed") -> None:
    if turn.update.callback_query is not None:
        turn.answer(turn.t(key), alert=True)
    else:
        turn.reply(turn.t(key))


def item_context(turn: Turn) -> ItemContext:
    """A resident's (or anyone's) change to items, in this update's unit of work."""
    return ItemContext(
        turn.uow, turn.now, turn.desk.policy, turn.desk.settings.tz, Notifier(turn.uow, turn.views)
    )

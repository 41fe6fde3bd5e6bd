"""Small pieces every feature's handlers share."""

from __future__ import annotations

from telegram.ext import filters

from bot.htmltext import Html
from bot.services.actions import ItemContext
from bot.services.notifier import Notifier
from handlers import dialogue, menu
from handlers.runtime import Turn
from storage.repositories.dialogues import loses_nothing

PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE


def hotline_lines(turn: Turn) -> Html:
    """The 24-hour hotline and the office's address, from the estate file (/help, the
    welcome, every emergency answer)."""
    estate = turn.desk.estate
    return turn.t(
        "help.hotline", hotline=estate.hotline or "—", office=estate.office_address or "—"
    )


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


async def leave_for_menu(turn: Turn, key: str) -> bool:
    """A menu tap in the middle of a form; True when the form was left, and the caller then
    does what was tapped.

    The menu stays on screen during forms (hiding and restoring it at every form would
    make it vanish and come back under people's fingers), so a tap on it means "I want
    that now". Refusing it ("finish the form first") sends someone back to a question they
    chose to leave, so the tap leaves the form, saying so in one line, and does what was
    tapped: one tap, no dead end. Only a form that is nearly done — it reached its summary
    (waiting for confirmation, or an answer being changed from it) — is worth a question,
    asked once: the step is shown again (the summary with its Confirm button), and the
    same menu tap again leaves it. An optional step after what was kept (the comment
    after a rating) is left without a word: nothing is lost. Someone without the resident
    menu (registering, or staff in their own form) typing a menu label is reminded of the
    form as before."""
    state = turn.dialogue
    assert state is not None
    has_menu = turn.resident is not None or (key == menu.STAFF_DESK and turn.staff is not None)
    if not has_menu:
        await remind_dialogue(turn)
        return False
    flow = dialogue.FLOWS.get(state.flow)
    known = flow is not None and state.step in flow.steps  # else: nothing worth keeping
    if known and dialogue.nearly_done(turn) and not dialogue.asked_to_leave(turn):
        title = flow_title(turn, state.flow)
        label = turn.esc(menu.label_of(turn, key))
        turn.reply(turn.t("common.leave_nearly_done", flow=title, entry=label))
        await dialogue.prompt_again(turn)
        if turn.dialogue is not None:
            dialogue.mark_asked_to_leave(turn)
        return False
    turn.end()
    if not loses_nothing(state.data):
        turn.reply(turn.t("common.left_form", flow=flow_title(turn, state.flow)))
    return True


def note_expired(turn: Turn) -> None:
    if turn.expired is not None and not loses_nothing(turn.expired.data):
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

"""What is left once no feature claimed an update: typed answers to the current step, menu
taps, replies about an item, unknown commands and stale buttons. Registered last."""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from handlers import dialogue, free_text, menu
from handlers.common import PRIVATE, leave_for_menu, note_expired
from handlers.dialogue import DialogueTap
from handlers.emergencies import emergency_answer
from handlers.feature import Feature
from handlers.menu import main_menu
from handlers.my_requests import reply_about_item
from handlers.onboarding import start_onboarding
from handlers.runtime import InputKind, Turn, entry, read_input
from handlers.start import staff_greeting


@entry
async def on_dialogue_button(turn: Turn) -> None:
    """A button of a dialogue step; one from a dialogue that has ended is stale."""
    note_expired(turn)
    if turn.dialogue is None:
        turn.answer(turn.t("common.stale_button"))
        return
    await dialogue.dispatch(turn, read_input(turn.update))


@entry
async def stale_button(turn: Turn) -> None:
    """A button nobody handles any more (an old message, a forged tap)."""
    note_expired(turn)
    turn.answer(turn.t("common.stale_button"))


@entry
async def unknown_command(turn: Turn) -> None:
    """Answer a command the bot does not know, then carry on where the person was."""
    turn.reply(turn.t("common.unknown_command"))
    if turn.dialogue is not None:
        await dialogue.prompt_again(turn)


@entry
async def on_message(turn: Turn) -> None:
    """Any other message: the current dialogue step, a menu button, or a polite hint."""
    note_expired(turn)
    inp = read_input(turn.update)
    if await emergency_answer(turn, inp):
        return  # an emergency comes first: no registration, no form stands in its way
    chosen = menu.choice(turn, inp.text) if inp.kind is InputKind.TEXT else None
    if turn.dialogue is not None and turn.dialogue.flow == free_text.FLOW and chosen:
        turn.end()  # an offer to file a free message gives way to the menu
    if turn.dialogue is not None:
        if chosen is None:
            await dialogue.dispatch(turn, inp)
        elif await leave_for_menu(turn, chosen):
            await menu.run(turn, chosen)  # the form was left, saying so: do what was tapped
        return
    if chosen == menu.STAFF_DESK:
        await menu.run(turn, chosen)
    elif turn.resident is None:
        if turn.staff is not None or turn.is_admin:
            staff_greeting(turn)
        else:
            turn.reply(turn.t("common.register_first"))
            # Kept, and offered for filing once they are registered (handlers.free_text).
            await start_onboarding(turn, first=free_text.FirstMessage.of(inp))
    elif await reply_about_item(turn, inp):
        return
    elif chosen is not None:
        await menu.run(turn, chosen)
    elif inp.kind in (InputKind.TEXT, InputKind.PHOTO, InputKind.VOICE):
        # Never refused: offered for filing (an emergency was taken above).
        await free_text.offer_filing(turn, inp)
    else:
        turn.reply(turn.t("common.not_understood"), main_menu(turn))


FEATURE = Feature(
    "fallbacks",
    handlers=(
        CallbackQueryHandler(on_dialogue_button, pattern=DialogueTap.pattern()),
        CallbackQueryHandler(stale_button),
        MessageHandler(PRIVATE & filters.COMMAND, unknown_command),
        MessageHandler(PRIVATE & ~filters.StatusUpdate.ALL, on_message),
    ),
)

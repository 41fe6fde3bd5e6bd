"""The resident's side of the follow-up (回访): was it solved, a 1-5 rating, a comment.

The questions arrive from the outbox (asked by the clock); each answer is one tap, and the
message is redrawn with the next question, so the conversation reads top to bottom."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import CallbackQueryHandler

from bot.callbacks import as_int
from bot.htmltext import join
from bot.services import followup
from bot.services.workflow import Refused
from bot.views.followup import FollowupTap, Question, rating_buttons
from handlers import dialogue
from handlers.common import item_context
from handlers.dialogue import Flow, Step, button, reprompt, state, tapped, text_step
from handlers.feature import Feature
from handlers.menu import main_menu
from handlers.runtime import Input, InputKind, Turn, entry

FEEDBACK = "feedback"
SKIP = "skip"


@dataclass(slots=True)
class Feedback:
    """The comment after a rating: the item it is about."""

    ticket: int


@entry
async def on_answer(turn: Turn) -> None:
    query = turn.update.callback_query
    tap = FollowupTap.unpack(query.data if query else None)
    if tap is None or turn.resident is None:
        turn.answer(turn.t("common.stale_button"))
        return
    ctx = item_context(turn)
    try:
        if tap.question is Question.SOLVED:
            solved = tap.value == "y"
            due = await followup.answer_solved(ctx, turn.resident, tap.ticket, solved=solved)
            heard = (
                turn.t("followup.heard_not_solved", due=turn.moment(due))
                if due is not None
                else turn.t("followup.heard_solved")
            )
            stars = [
                InlineKeyboardButton(turn.t(key), callback_data=data)
                for key, data in rating_buttons(tap.ticket)
            ]
            question = join("\n\n", [heard, turn.t("followup.ask_rating")])
            turn.edit(question, InlineKeyboardMarkup([stars]))
        elif (rating := as_int(tap.value)) is not None:
            due = await followup.answer_rating(ctx, turn.resident, tap.ticket, rating)
            given = "★" * rating
            turn.edit(
                turn.t("followup.thanks_reopened", rating=given, due=turn.moment(due))
                if due is not None
                else turn.t("followup.thanks", rating=given)
            )
            if turn.dialogue is None:
                await dialogue.begin(turn, FEEDBACK, "comment", Feedback(tap.ticket))
        else:
            turn.answer(turn.t("common.stale_button"))
    except Refused:
        turn.answer(turn.t("followup.already_answered"), alert=True)


async def ask_comment(turn: Turn) -> None:
    skip = button(turn, turn.t("button.skip"), SKIP)
    turn.reply(turn.t("followup.ask_comment"), InlineKeyboardMarkup([[skip]]))


async def on_comment(turn: Turn, inp: Input) -> None:
    if tapped(turn, inp) == SKIP:
        turn.edit(turn.t("followup.ask_comment"))
        turn.end()
        turn.reply(turn.t("followup.done"), main_menu(turn))
        return
    if inp.kind is not InputKind.TEXT:
        await reprompt(turn, "invalid.need_text")
        return
    await COMMENT.handle(turn, inp)


async def _keep_comment(turn: Turn, text: str) -> None:
    assert turn.resident is not None
    ticket_id = state(turn, Feedback).ticket
    await followup.answer_comment(item_context(turn), turn.resident, ticket_id, text)
    turn.end()
    turn.reply(turn.t("followup.done"), main_menu(turn))


COMMENT = text_step("followup.ask_comment", _keep_comment)

FEATURE = Feature(
    "followup",
    handlers=(CallbackQueryHandler(on_answer, pattern=FollowupTap.pattern()),),
    # The comment is optional: the answers and the rating are kept already, so leaving it
    # (a menu tap, or idleness) is no loss and is never reported as one.
    flows=(Flow(FEEDBACK, {"comment": Step(ask_comment, on_comment)}, optional=True),),
)

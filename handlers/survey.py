"""/survey for managers (send the yearly survey to every registered resident, after a
confirmation), and the residents' one-tap answers, each redrawn with the next question."""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.services import surveys
from bot.views.survey import SurveyTap, question_screen
from handlers import dialogue
from handlers.common import PRIVATE, refuse
from handlers.dialogue import Flow, choice_step
from handlers.feature import Feature
from handlers.keyboards import show
from handlers.runtime import Turn, entry

FLOW = "survey"


@entry
async def survey_command(turn: Turn) -> None:
    if turn.staff is None or not turn.staff.is_manager:
        refuse(turn)
        return
    await dialogue.begin(turn, FLOW, "confirm")


def _choices(turn: Turn) -> list[tuple[str, str]]:
    return [("send", turn.t("survey.send")), ("cancel", turn.t("button.cancel"))]


async def _confirmed(turn: Turn, value: str, label: str) -> None:
    turn.end()
    if value != "send" or turn.staff is None:
        turn.edit(turn.t("common.cancelled"))
        return
    asked = await surveys.start(turn.uow, turn.staff, turn.desk.policy, turn.views, turn.now)
    turn.edit(turn.t("survey.started", count=asked))


@entry
async def survey_tap(turn: Turn) -> None:
    query = turn.update.callback_query
    tap = SurveyTap.unpack(query.data if query else None)
    if tap is None or turn.resident is None:
        turn.answer(turn.t("common.stale_button"))
        return
    questions = await surveys.answer(
        turn.uow, turn.resident.id, tap.survey, tap.question, tap.rating, turn.now
    )
    if questions is None:
        turn.answer(turn.t("common.stale_button"))
        return
    following = tap.question + 1
    if following < len(questions):
        screen = question_screen(turn.views, turn.language, tap.survey, questions, following)
        show(turn, screen, edit=True)
    else:
        turn.edit(turn.t("survey.thanks"))


FEATURE = Feature(
    "survey",
    handlers=(
        CommandHandler("survey", survey_command, filters=PRIVATE),
        CallbackQueryHandler(survey_tap, pattern=SurveyTap.pattern()),
    ),
    flows=(
        Flow(
            FLOW, {"confirm": choice_step("survey.confirm", _choices, _confirmed)}, staff_only=True
        ),
    ),
)

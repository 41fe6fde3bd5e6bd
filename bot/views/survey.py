"""The yearly satisfaction survey's questions, one message each, answered 1-5 by button."""

from __future__ import annotations

from dataclasses import dataclass

from bot.callbacks import CallbackData
from bot.views import Button, Screen, Views


@dataclass(frozen=True, slots=True)
class SurveyTap(CallbackData, prefix="sv"):
    survey: int
    question: int
    rating: int


def question_screen(
    views: Views, language: str, survey_id: int, questions: list[str], index: int
) -> Screen:
    t = views.t
    text = t(
        language,
        "survey.question",
        number=index + 1,
        total=len(questions),
        question=t(language, f"survey.q.{questions[index]}"),
    )
    if index == 0:
        text = t(language, "survey.intro") + "\n\n" + text
    stars = tuple(Button(f"{n}★", SurveyTap(survey_id, index, n).pack()) for n in range(1, 6))
    return Screen(text, (stars,))

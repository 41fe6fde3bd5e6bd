"""The question model's kinds for the desk's own forms (photos, place, visit windows, a date
with quick days, choices supplied when asked), held to their rules where they are filed."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from bot.domain.forms import complaint, repair
from bot.domain.questions import (
    Answer,
    AnswersInvalid,
    Context,
    Form,
    Place,
    Question,
    Source,
    check_answers,
)

TODAY = date(2026, 11, 24)
CONTEXT = Context(
    choices={Source.COMPLAINT_CATEGORIES: ["fees"], Source.REPAIR_TYPES: ["plumbing"]},
    today=TODAY,
)
FORM = complaint(text=2000, photos=2, days=30)


def test_a_place_is_a_home_or_a_named_common_area() -> None:
    assert Place.read(Place(True).stored) == Place(True)
    assert Place.read(Place(False, "North gate").stored) == Place(False, "North gate")
    assert Place.read("area:") is None
    assert Place.read("North gate") is None


def test_good_answers_are_kept_and_a_skipped_one_left_out() -> None:
    answers: dict[str, Answer] = {
        "category": "fees",
        "description": " Charged twice ",
        "photos": [],
        "location": "home",
        "deadline": "",
    }
    assert check_answers(FORM, answers, CONTEXT) == {
        "category": "fees",
        "description": "Charged twice",
        "location": "home",
    }


@pytest.mark.parametrize(
    ("changed", "question"),
    [
        ({"category": "plumbing"}, "category"),  # supplied to another question
        ({"photos": ["a", "b", "c"]}, "photos"),
        ({"photos": ["a", "a"]}, "photos"),
        ({"deadline": "2026-11-23"}, "deadline"),
        ({"deadline": "2026-12-25"}, "deadline"),  # beyond the 30 days
        ({"location": "area:" + "x" * 201}, "location"),
    ],
)
def test_answers_that_break_the_form_name_the_question(
    changed: dict[str, Answer], question: str
) -> None:
    answers: dict[str, Answer] = {"category": "fees", "description": "x", "location": "home"}
    answers.update(changed)
    with pytest.raises(AnswersInvalid) as refused:
        check_answers(FORM, answers, CONTEXT)
    assert refused.value.question == question


def test_no_home_to_name_without_a_resident_who_has_one() -> None:
    answers = {"category": "fees", "description": "x", "location": "home"}
    with pytest.raises(AnswersInvalid, match="no home"):
        check_answers(FORM, answers, Context(choices=CONTEXT.choices, today=TODAY, home=False))


def test_visit_windows_need_one_at_least_each_within_its_length() -> None:
    form = repair(text=2000, photos=0)
    good: dict[str, Answer] = {
        "category": "plumbing",
        "location": "area:Lobby",
        "description": "x",
        "windows": ["2026-11-25 09:00-12:00", "evenings"],
        "enter": "no",
    }
    assert check_answers(form, good, CONTEXT)["windows"] == good["windows"]
    bad: list[Answer] = [[], ["x" * 101], "evenings"]
    for windows in bad:
        with pytest.raises(AnswersInvalid):
            check_answers(form, {**good, "windows": windows}, CONTEXT)


def test_a_question_is_worded_one_way_and_supplied_choices_are_for_choices() -> None:
    with pytest.raises(ValidationError, match="either ask"):
        Question.model_validate({"id": "a", "kind": "text"})
    with pytest.raises(ValidationError, match="choices_from"):
        Question.model_validate(
            {"id": "a", "kind": "windows", "ask": {"en": "When?", "zh_Hans": "何时？"}}
        )
    with pytest.raises(ValidationError, match="only a date"):
        Question.model_validate(
            {"id": "a", "kind": "text", "soon": [1], "ask": {"en": "A", "zh_Hans": "甲"}}
        )


def test_a_repair_in_the_home_asks_its_visit_and_a_common_areas_its_place() -> None:
    form = repair(text=2000, photos=2)
    at_home = {q.id for q in form.asked({"category": "plumbing"})}
    outside = {q.id for q in form.asked({"category": "public_facility"})}
    assert {"windows", "enter"} <= at_home
    assert not {"windows", "enter"} & outside
    place = form.question("location")
    assert place is not None
    assert place.at_home({"category": "plumbing"})
    assert not place.at_home({"category": "public_facility"})


def test_what_a_form_leaves_to_its_summary() -> None:
    """Photos, a complaint's date and a repair's entry are never asked in turn; a question
    left to the summary is not required, and only it has a preset answer (one of its
    choices)."""
    assert {q.id for q in FORM.questions if q.on_summary} == {"photos", "deadline"}
    assert {q.id for q in repair(text=2000, photos=2).questions if q.on_summary} == {
        "photos",
        "enter",
    }
    words = {"ask": {"en": "Which bakery?", "zh_Hans": "哪家？"}}
    yes = {"value": "yes", "label": {"en": "Yes", "zh_Hans": "是"}}
    with pytest.raises(ValidationError, match="not required"):
        Question.model_validate({"id": "b", "kind": "text", "on_summary": True, **words})
    with pytest.raises(ValidationError, match="preset"):
        Question.model_validate({"id": "b", "kind": "text", "preset": "x", **words})
    with pytest.raises(ValidationError, match="one of its choices"):
        Question.model_validate(
            {
                "id": "b",
                "kind": "choice",
                "choices": [yes],
                "required": False,
                "on_summary": True,
                "preset": "no",
                **words,
            }
        )
    with pytest.raises(ValidationError, match="home"):
        Question.model_validate({"id": "b", "kind": "text", "home_for": {"a": ["x"]}, **words})


def test_a_choice_may_answer_a_later_question_and_a_typed_answer_another() -> None:
    """The cake's occasion: "🎂 My birthday" answers whose too; typed, "my daughter Lily"
    is a birthday and whose it is. Both must name a later question."""
    ask = {"en": "Occasion?", "zh_Hans": "场合？"}
    mine = {
        "value": "birthday",
        "label": {"en": "🎂 My birthday", "zh_Hans": "🎂 我的生日"},
        "answers": {"whose": "mine"},
    }
    occasion = {
        "id": "occasion",
        "kind": "choice",
        "ask": ask,
        "choices": [mine],
        "other_means": "birthday",
        "other_answers": "whose",
    }
    whose = {"id": "whose", "kind": "text", "ask": ask}
    form = Form.model_validate({"questions": [occasion, whose]})
    assert form.questions[0].choices[0].answers == {"whose": "mine"}
    with pytest.raises(ValidationError, match="answer no later question"):
        Form.model_validate({"questions": [whose, occasion]})
    with pytest.raises(ValidationError, match="together"):
        Question.model_validate({**occasion, "other_answers": None})
    with pytest.raises(ValidationError, match="one of the choices"):
        Question.model_validate({**occasion, "other_means": "anniversary"})

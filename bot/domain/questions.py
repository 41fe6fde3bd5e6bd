"""Forms as data: questions (choice / text / date / date-time / yes-no / number / phone /
photos / place / visit windows, with limits, required or not, asked only when an earlier
answer says so) in every language.

One model for every form: a catalogue service's commission form, a kind of request
defined as data (bot.domain.kinds), and the desk's own complaint, suggestion and repair
forms (bot.domain.forms), whose texts are keys of the message catalogues (`words`) and
whose choices the desk supplies when the form is asked (`choices_from`: the policy's
categories, the repair types, the visit slots). One engine asks them all, one question at
a time (handlers.form); `check_answers` holds the stored answers to the same rules again
where they are filed, so a forged or stale answer never reaches the registry.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.domain.validation import whole_number

CODE = r"^[a-z][a-z0-9_]{0,15}$"
VALUE = r"^[a-z0-9][a-z0-9_]{0,15}$"  # short: a choice travels in a button's data
LONGEST_TEXT = 2000
LONGEST_ALLOWED = 4000  # a form may allow up to this (a Telegram message is 4096)
DAYS_AHEAD = 366  # a date question's default horizon
PLACE_CHARS = 200  # a common area, as the resident names it
FILE_ID_CHARS = 256
MOST_WINDOWS = 30  # visit times ticked or typed on one form

Answer = str | list[str]  # one value, or several (photos, visit windows)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Texts(Strict):
    """A text in every language the desk speaks."""

    en: str = Field(min_length=1, max_length=300)
    zh_Hans: str = Field(min_length=1, max_length=300)

    def get(self, language: str) -> str:
        return self.zh_Hans if language == "zh_Hans" else self.en


class QuestionKind(StrEnum):
    CHOICE = "choice"
    TEXT = "text"
    DATE = "date"
    DATETIME = "datetime"
    YESNO = "yesno"
    NUMBER = "number"
    PHONE = "phone"
    PHOTOS = "photos"  # one or more photos (their file ids), then Done; Skip with none
    PLACE = "place"  # the resident's own home, or a common area they name
    WINDOWS = "windows"  # times that suit: several ticked from the choices, or typed


LIST_KINDS = frozenset({QuestionKind.PHOTOS, QuestionKind.WINDOWS})


class Source(StrEnum):
    """Choices the desk supplies when a form is asked and checked, not the form itself."""

    COMPLAINT_CATEGORIES = "complaint_categories"  # the policy's categories
    REPAIR_TYPES = "repair_types"  # bot.domain.repairs.RepairType
    VISIT_SLOTS = "visit_slots"  # the policy's slots on each of the next visit days


class Role(StrEnum):
    """What an answer means to the desk beyond the form."""

    SERVICE_AT = "service_at"  # when the service is delivered (reminders, lateness)
    BIRTHDAY = "birthday"  # a birthday: a manager goes along, the project sends wishes
    BIRTHDAY_OF = "birthday_of"  # whose birthday it is: the wishes name them
    # How the resident pays: not asked in turn; the summary's sign buttons are its choices,
    # so one tap signs the commission form and records the payment method.
    PAYMENT = "payment"


class Choice(Strict):
    value: str = Field(pattern=VALUE)
    label: Texts
    # Chosen, it answers these later questions too ("🎂 My birthday": whose is "mine").
    answers: dict[str, str] = Field(default_factory=dict)


class Words(Strict):
    """A question of the desk's own forms, worded by keys of the message catalogues (the
    texts live there, in every language)."""

    ask: str  # the question
    name: str | None = None  # what "which part to change?" calls it
    chosen: str | None = None  # shown in place of the buttons once answered ({choice})
    skip: str | None = None  # the button that leaves it unanswered (default: Skip)
    soon: str | None = None  # a date question's quick days: the key is f"{soon}{days}"

    def keys(self, soon: tuple[int, ...] = ()) -> set[str]:
        """Every catalogue key these words use (with a date question's quick days)."""
        found = {k for k in (self.ask, self.name, self.chosen, self.skip) if k}
        return found | {f"{self.soon}{days}" for days in soon if self.soon}


class Question(Strict):
    id: str = Field(pattern=CODE)
    kind: QuestionKind
    ask: Texts | None = None  # the question in every language, or (the desk's forms) words
    words: Words | None = None
    label: Texts | None = None  # its short name on the summary and its change button
    required: bool = True
    choices: list[Choice] = Field(default_factory=list)
    choices_from: Source | None = None  # choices the desk supplies (choice, windows)
    other: bool = False  # a choice question that also takes a typed answer
    # Or: a typed answer means the choice `other_means` and answers the later question
    # `other_answers` (the occasion: "my daughter Lily" is a birthday, and whose).
    other_means: str | None = None
    other_answers: str | None = None
    # characters of a text (or of each typed window or place), top number, most photos
    max: int | None = Field(default=None, ge=1, le=LONGEST_ALLOWED)
    min: int | None = Field(default=None, ge=0)
    within: int | None = Field(default=None, ge=1)  # a date: at most so many days ahead
    soon: tuple[int, ...] = ()  # a date: one-tap answers, in so many days
    photos: bool = False  # a text that a photo with a caption answers too (photo kept)
    # asked only if these answers match (a list: any one of its values), and none of
    # `unless`'s do (a delivery's questions: unless it is collected at the desk)
    when: dict[str, str | list[str]] = Field(default_factory=dict)
    unless: dict[str, str | list[str]] = Field(default_factory=dict)
    # Not asked in turn: left at its default (photos: those sent at any step), shown on the
    # summary and changed from there. Every tap a form does not ask for is one saved.
    on_summary: bool = False
    preset: str | None = None  # such a question's answer until changed on the summary
    # A place question answered with the resident's home, unasked, when these answers
    # match and there is a home (a repair inside the home: the profile says where).
    home_for: dict[str, list[str]] = Field(default_factory=dict)
    default: str | None = None  # "resident_name" / "resident_phone": offered as one tap
    role: Role | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (self.ask is None) == (self.words is None):
            raise ValueError("a question has either ask (its texts) or words (keys)")
        if self.kind is QuestionKind.CHOICE and not (self.choices or self.choices_from):
            raise ValueError("a choice question needs choices")
        if self.kind is not QuestionKind.CHOICE and self.choices:
            raise ValueError("only a choice question has choices")
        if self.choices and self.choices_from:
            raise ValueError("choices are given or supplied, not both")
        if self.kind is QuestionKind.WINDOWS and self.choices_from is None:
            raise ValueError("a windows question needs choices_from")
        if self.choices_from and self.kind not in (QuestionKind.CHOICE, QuestionKind.WINDOWS):
            raise ValueError("only a choice or windows question has choices_from")
        if self.soon and self.kind is not QuestionKind.DATE:
            raise ValueError("only a date question has soon")
        if self.photos and self.kind is not QuestionKind.TEXT:
            raise ValueError("only a text question takes photos")
        if len({c.value for c in self.choices}) != len(self.choices):
            raise ValueError("choices repeat")
        if self.default not in (None, "resident_name", "resident_phone"):
            raise ValueError("default is resident_name or resident_phone")
        if self.on_summary and self.required:
            raise ValueError("a question left to the summary is not required")
        if self.preset is not None and not self.on_summary:
            raise ValueError("only a question left to the summary has a preset answer")
        if self.preset is not None and self.choices and self.choice(self.preset) is None:
            raise ValueError("a choice's preset answer is one of its choices")
        if self.home_for and self.kind is not QuestionKind.PLACE:
            raise ValueError("only a place question is answered with the home")
        if (self.other_means is None) != (self.other_answers is None):
            raise ValueError("give other_means and other_answers together")
        if self.other_means is not None and (self.other or self.choice(self.other_means) is None):
            raise ValueError("other_means is one of the choices, instead of other")
        if self.role is Role.PAYMENT and (self.kind is not QuestionKind.CHOICE or self.other):
            raise ValueError("the payment question is a choice, without typed answers")
        return self

    def applies(self, answers: Mapping[str, Answer]) -> bool:
        if self.unless and _match(self.unless, answers):
            return False
        return _match(self.when, answers)

    def at_home(self, answers: Mapping[str, Answer]) -> bool:
        """Whether the resident's home answers this place question, unasked."""
        return bool(self.home_for) and _match(self.home_for, answers)

    def choice(self, value: str) -> Choice | None:
        return next((c for c in self.choices if c.value == value), None)


def _match(wanted: Mapping[str, str | list[str]], answers: Mapping[str, Answer]) -> bool:
    for key, value in wanted.items():
        given = answers.get(key)
        if isinstance(value, list) and given not in value:
            return False
        if isinstance(value, str) and given != value:
            return False
    return True


class Form(Strict):
    """Questions in order, and when a date-time answer may fall (lead time, hours)."""

    questions: list[Question] = Field(min_length=1)
    lead_hours: float = Field(default=0, ge=0)
    opens: time | None = None
    closes: time | None = None

    @model_validator(mode="after")
    def _questions_consistent(self) -> Self:
        ids = [q.id for q in self.questions]
        if len(set(ids)) != len(ids):
            raise ValueError("question ids repeat")
        for position, question in enumerate(self.questions):
            named = [*question.when, *question.unless, *question.home_for]
            unknown = [key for key in named if key not in ids[:position]]
            later = [*(k for c in question.choices for k in c.answers), question.other_answers]
            if any(key is not None and key not in ids[position + 1 :] for key in later):
                raise ValueError(f"question {question.id}: its choices answer no later question")
            if unknown:
                raise ValueError(f"question {question.id}: 'when' names no earlier question")
        roles = [q.role for q in self.questions if q.role is not None]
        if len(set(roles)) != len(roles):
            raise ValueError("a role is given to two questions")
        if (self.opens is None) != (self.closes is None):
            raise ValueError("give both opens and closes, or neither")
        if len([q for q in self.questions if q.kind is QuestionKind.PHOTOS]) > 1:
            raise ValueError("a form has one photos question at most")
        return self

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def asked(self, answers: Mapping[str, Answer]) -> list[Question]:
        """The questions that apply to these answers, in order."""
        return [q for q in self.questions if q.applies(answers)]

    def with_role(self, role: Role) -> Question | None:
        return next((q for q in self.questions if q.role is role), None)

    def of_kind(self, kind: QuestionKind) -> Question | None:
        return next((q for q in self.questions if q.kind is kind), None)


HOME, AREA = "home", "area:"  # how a place answer is stored: "home", "area:North gate"


@dataclass(frozen=True, slots=True)
class Place:
    """A place answer: the resident's own home, or a common area as they named it."""

    home: bool
    where: str = ""

    @property
    def stored(self) -> str:
        return HOME if self.home else AREA + self.where

    @classmethod
    def read(cls, value: str) -> Place | None:
        if value == HOME:
            return cls(True)
        if value.startswith(AREA) and value.removeprefix(AREA).strip():
            return cls(False, value.removeprefix(AREA))
        return None


@dataclass(frozen=True, slots=True)
class Context:
    """What answers are checked against besides their form: the choices the desk supplies
    (by source), today (dates ahead, within the horizon), and whether the item's resident
    has a home to name."""

    choices: Mapping[Source, Collection[str]] = field(default_factory=dict)
    today: date | None = None
    home: bool = True


class AnswersInvalid(ValueError):
    """Stored answers that break their form's rules: which question, and why."""

    def __init__(self, question: str, problem: str) -> None:
        super().__init__(f"{question}: {problem}")
        self.question = question
        self.problem = problem


def check_answers(
    form: Form, answers: Mapping[str, Answer], context: Context | None = None
) -> dict[str, Answer]:
    """The answers to keep: only questions that apply, each in its stored form (a choice's
    value or, where the question allows, a typed text; yes/no; an ISO date or moment; a
    number within its limits; a text within its length; photos' file ids; a place; visit
    windows); every required one given. `context`: the supplied choices, today, a home."""
    context = context or Context()
    asked = form.asked(answers)
    unknown = sorted(set(answers) - {q.id for q in form.questions})
    if unknown:
        raise AnswersInvalid(unknown[0], "no such question")
    kept: dict[str, Answer] = {}
    for question in asked:
        given = answers.get(question.id)
        if question.kind in LIST_KINDS:
            if given is not None and not isinstance(given, list):
                raise AnswersInvalid(question.id, "not a list")
            values = [v.strip() for v in given or []]
            if not values:
                if question.required:
                    raise AnswersInvalid(question.id, "missing")
                continue
            problem = _list_problem(question, values)
            if problem:
                raise AnswersInvalid(question.id, problem)
            kept[question.id] = values
            continue
        if isinstance(given, list):
            raise AnswersInvalid(question.id, "not one answer")
        value = (given or "").strip()
        if not value:
            if question.required:
                raise AnswersInvalid(question.id, "missing")
            continue
        problem = _problem(question, value, context)
        if problem:
            raise AnswersInvalid(question.id, problem)
        kept[question.id] = value
    return kept


def _list_problem(question: Question, values: list[str]) -> str | None:
    if len(set(values)) != len(values) or not all(values):
        return "repeated or empty"
    if question.kind is QuestionKind.PHOTOS:
        if len(values) > (question.max or 0):
            return "too many"
        return None if all(len(v) <= FILE_ID_CHARS for v in values) else "not a photo"
    if len(values) > MOST_WINDOWS:
        return "too many"
    return _too_long(question, max(values, key=len))


def _problem(question: Question, value: str, context: Context) -> str | None:
    kind = question.kind
    if kind is QuestionKind.CHOICE:
        if question.choices_from is not None:
            supplied = context.choices.get(question.choices_from, ())
            return None if value in supplied else "not one of the choices"
        if question.choice(value) is None and not question.other:
            return "not one of the choices"
        return _too_long(question, value)
    if kind is QuestionKind.YESNO:
        return None if value in ("yes", "no") else "not yes or no"
    if kind is QuestionKind.NUMBER:
        number = whole_number(value)
        if number is None:
            return "not a number"
        low, high = question.min or 0, question.max
        return None if low <= number and (high is None or number <= high) else "out of range"
    if kind is QuestionKind.DATE:
        return _date_problem(question, value, context.today)
    if kind is QuestionKind.DATETIME:
        return _parses(datetime.fromisoformat, value)
    if kind is QuestionKind.PHONE:
        return None if len(value) <= 32 else "too long"
    if kind is QuestionKind.PLACE:
        place = Place.read(value)
        if place is None:
            return "not a place"
        if place.home:
            return None if context.home else "no home to name"
        return None if len(place.where) <= (question.max or PLACE_CHARS) else "too long"
    return _too_long(question, value)


def _date_problem(question: Question, value: str, today: date | None) -> str | None:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return "not a date"
    if today is None:
        return None
    if day < today:
        return "passed"
    if day > today + timedelta(days=question.within or DAYS_AHEAD):
        return "too far ahead"
    return None


def _too_long(question: Question, value: str) -> str | None:
    return None if len(value) <= (question.max or LONGEST_TEXT) else "too long"


def _parses(parse: object, value: str) -> str | None:
    try:
        parse(value)  # type: ignore[operator]
    except ValueError:
        return "not a date"
    return None

"""The services residents can order (委托代办), as data: the catalogue file beside the policy.

Each service names its department, its questions (choice / text / date / date-time /
yes-no / number / phone, with limits, required or not, shown only when an earlier answer
says so), its lead time and service hours, its prepayment rule and price notes, all in
every language. Adding a service is editing the file; the order dialogue asks whatever
the catalogue says. Validated at start: a mistake is one line naming the field.
"""

from __future__ import annotations

from datetime import time
from enum import StrEnum
from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.config import ConfigError
from bot.domain.staff import Department
from bot.files import read_toml
from bot.i18n import LANGUAGES

CODE = r"^[a-z][a-z0-9_]{0,15}$"
VALUE = r"^[a-z0-9][a-z0-9_]{0,15}$"  # short: a choice travels in a button's data


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Texts(_Strict):
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


class Role(StrEnum):
    """What an answer means to the desk beyond the form."""

    SERVICE_AT = "service_at"  # when the service is delivered (reminders, lateness)
    BIRTHDAY = "birthday"  # a birthday: a manager goes along, the project sends wishes


class Choice(_Strict):
    value: str = Field(pattern=VALUE)
    label: Texts


class Question(_Strict):
    id: str = Field(pattern=CODE)
    kind: QuestionKind
    ask: Texts
    required: bool = True
    choices: list[Choice] = Field(default_factory=list)
    other: bool = False  # a choice question that also takes a typed answer
    max: int | None = Field(default=None, ge=1, le=2000)  # characters, or the number's top
    min: int | None = Field(default=None, ge=0)
    when: dict[str, str] = Field(default_factory=dict)  # asked only if these answers match
    default: str | None = None  # "resident_name" / "resident_phone": offered as one tap
    role: Role | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.kind is QuestionKind.CHOICE and not self.choices:
            raise ValueError("a choice question needs choices")
        if self.kind is not QuestionKind.CHOICE and self.choices:
            raise ValueError("only a choice question has choices")
        if len({c.value for c in self.choices}) != len(self.choices):
            raise ValueError("choices repeat")
        if self.default not in (None, "resident_name", "resident_phone"):
            raise ValueError("default is resident_name or resident_phone")
        return self

    def applies(self, answers: dict[str, str]) -> bool:
        return all(answers.get(key) == value for key, value in self.when.items())

    def choice(self, value: str) -> Choice | None:
        return next((c for c in self.choices if c.value == value), None)


class Prepayment(StrEnum):
    FULL = "full"
    DEPOSIT = "deposit"
    NONE = "none"


class Service(_Strict):
    code: str = Field(pattern=CODE)
    name: Texts
    department: Department
    questions: list[Question] = Field(min_length=1)
    lead_hours: float = Field(default=0, ge=0)
    opens: time | None = None
    closes: time | None = None
    prepayment: Prepayment = Prepayment.NONE
    deposit_percent: int | None = Field(default=None, ge=1, le=100)
    price: Texts | None = None
    birthday_when: dict[str, str] = Field(default_factory=dict)  # these answers: a birthday
    pickup_when: dict[str, str] = Field(default_factory=dict)  # these: collected at the desk

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        ids = [q.id for q in self.questions]
        if len(set(ids)) != len(ids):
            raise ValueError("question ids repeat")
        for position, question in enumerate(self.questions):
            unknown = [key for key in question.when if key not in ids[:position]]
            if unknown:
                raise ValueError(f"question {question.id}: 'when' names no earlier question")
        for name, when in (
            ("birthday_when", self.birthday_when),
            ("pickup_when", self.pickup_when),
        ):
            for key in when:
                if key not in ids:
                    raise ValueError(f"{name} names no question {key!r}")
        roles = [q.role for q in self.questions if q.role is not None]
        if len(set(roles)) != len(roles):
            raise ValueError("a role is given to two questions")
        if (self.opens is None) != (self.closes is None):
            raise ValueError("give both opens and closes, or neither")
        if self.prepayment is Prepayment.DEPOSIT and self.deposit_percent is None:
            raise ValueError("a deposit needs deposit_percent")
        return self

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def asked(self, answers: dict[str, str]) -> list[Question]:
        """The questions that apply to these answers, in order."""
        return [q for q in self.questions if q.applies(answers)]

    def with_role(self, role: Role) -> Question | None:
        return next((q for q in self.questions if q.role is role), None)

    def is_birthday(self, answers: dict[str, str]) -> bool:
        return _matches(self.birthday_when, answers)

    def is_pickup(self, answers: dict[str, str]) -> bool:
        return _matches(self.pickup_when, answers)


def _matches(when: dict[str, str], answers: dict[str, str]) -> bool:
    return bool(when) and all(answers.get(key) == value for key, value in when.items())


class Catalogue(_Strict):
    services: list[Service] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Self:
        codes = [s.code for s in self.services]
        if len(set(codes)) != len(codes):
            raise ValueError("service codes repeat")
        return self

    def service(self, code: str) -> Service | None:
        return next((s for s in self.services if s.code == code), None)


def load_catalogue(path: Path) -> Catalogue:
    """Read and validate the catalogue, failing with one line naming the field."""
    raw = read_toml(path, "service catalogue")
    try:
        return Catalogue.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "top level"
        message = first["msg"].removeprefix("Value error, ")
        raise ConfigError(f"service catalogue {path}: {where}: {message}") from None


assert set(Texts.model_fields) == set(LANGUAGES)  # every language the desk speaks

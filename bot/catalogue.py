"""The services residents can order (委托代办), as data: the catalogue file beside the policy.

Each service names its department, its questions (choice / text / date / date-time /
yes-no / number / phone, with limits, required or not, shown only when an earlier answer
says so), its lead time and service hours, its prepayment rule and price notes, all in
every language. Adding a service is editing the file; the order dialogue asks whatever
the catalogue says. Validated at start: a mistake is one line naming the field.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Self

from pydantic import Field, ValidationError, model_validator

from bot.config import ConfigError
from bot.domain.questions import (
    CODE,
    Choice,
    Form,
    Question,
    QuestionKind,
    Role,
    Texts,
)
from bot.domain.questions import Strict as _Strict
from bot.domain.staff import Department
from bot.files import read_toml
from bot.i18n import LANGUAGES

__all__ = ["Choice", "Form", "Question", "QuestionKind", "Role", "Service", "Texts"]


class Prepayment(StrEnum):
    FULL = "full"
    DEPOSIT = "deposit"
    NONE = "none"


class Service(Form):
    """A catalogue service: its commission form (the questions, lead time and hours) and
    what the desk needs besides (department, prepayment, price, birthday and pickup)."""

    code: str = Field(pattern=CODE)
    name: Texts
    department: Department
    prepayment: Prepayment = Prepayment.NONE
    deposit_percent: int | None = Field(default=None, ge=1, le=100)
    price: Texts | None = None
    birthday_when: dict[str, str] = Field(default_factory=dict)  # these answers: a birthday
    pickup_when: dict[str, str] = Field(default_factory=dict)  # these: collected at the desk

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        ids = [q.id for q in self.questions]
        for name, when in (
            ("birthday_when", self.birthday_when),
            ("pickup_when", self.pickup_when),
        ):
            for key in when:
                if key not in ids:
                    raise ValueError(f"{name} names no question {key!r}")
        if self.prepayment is Prepayment.DEPOSIT and self.deposit_percent is None:
            raise ValueError("a deposit needs deposit_percent")
        return self

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

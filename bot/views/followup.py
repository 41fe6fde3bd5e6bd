"""The follow-up questions (回访) a resident answers with one tap each."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.callbacks import CallbackData


class Question(StrEnum):
    SOLVED = "s"  # was it solved? value: y / n
    RATING = "r"  # how satisfied, 1-5


@dataclass(frozen=True, slots=True)
class FollowupTap(CallbackData, prefix="fu"):
    question: Question
    ticket: int
    value: str


def solved_buttons(ticket_id: int) -> tuple[tuple[str, str], ...]:
    return (
        ("followup.yes", FollowupTap(Question.SOLVED, ticket_id, "y").pack()),
        ("followup.no", FollowupTap(Question.SOLVED, ticket_id, "n").pack()),
    )


def rating_buttons(ticket_id: int) -> tuple[tuple[str, str], ...]:
    return tuple(
        (f"followup.rating_{n}", FollowupTap(Question.RATING, ticket_id, str(n)).pack())
        for n in range(1, 6)
    )


class Wishes(StrEnum):
    YES = "y"
    NO = "n"


@dataclass(frozen=True, slots=True)
class WishesTap(CallbackData, prefix="bw"):
    """May the project send birthday wishes every year? (asked once)"""

    answer: Wishes
    ticket: int


WITHDRAW = 0  # the WishesTap "ticket" of the profile's *Stop birthday wishes*


def wishes_buttons(ticket_id: int) -> tuple[tuple[str, str], ...]:
    return (
        ("order.wishes_yes", WishesTap(Wishes.YES, ticket_id).pack()),
        ("order.wishes_no", WishesTap(Wishes.NO, ticket_id).pack()),
    )


class Visit(StrEnum):
    AGREE = "ok"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class VisitTap(CallbackData, prefix="rv"):
    """The resident's answer to a proposed repair visit (another window: `slot`)."""

    answer: Visit
    ticket: int
    slot: str = ""


def visit_buttons(ticket_id: int) -> tuple[tuple[str, str], ...]:
    return (
        ("repair.visit_ok", VisitTap(Visit.AGREE, ticket_id).pack()),
        ("repair.visit_other", VisitTap(Visit.OTHER, ticket_id).pack()),
    )


class SignOff(StrEnum):
    FIXED = "y"
    NOT_FIXED = "n"


@dataclass(frozen=True, slots=True)
class SignOffTap(CallbackData, prefix="so"):
    answer: SignOff
    ticket: int


def repair_signoff_buttons(ticket_id: int) -> tuple[tuple[str, str], ...]:
    return (
        ("repair.fixed", SignOffTap(SignOff.FIXED, ticket_id).pack()),
        ("repair.not_fixed", SignOffTap(SignOff.NOT_FIXED, ticket_id).pack()),
    )

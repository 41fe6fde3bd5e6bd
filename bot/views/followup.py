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

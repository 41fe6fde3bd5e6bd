"""Rules of staff actions that are not the state machine's: promises and classification."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.tickets import Nature, Severity, TicketKind, TicketStatus


@dataclass(frozen=True, slots=True)
class Clocks:
    first_answer_due_at: datetime
    resolve_due_at: datetime


def clocks_for(created_at: datetime, first_answer: timedelta, resolve: timedelta) -> Clocks:
    """Promises run from when the resident asked, not from when staff classified it."""
    return Clocks(created_at + first_answer, created_at + resolve)


@dataclass(frozen=True, slots=True)
class Classification:
    nature: Nature
    severity: Severity
    explanation: str | None = None

    def __post_init__(self) -> None:
        if self.nature is Nature.INVALID and not (self.explanation or "").strip():
            raise ValueError("an out-of-scope item needs an explanation for the resident")


def escalation_roles(severity: Severity, notify: list[str]) -> list[str]:
    """Who must hear at once of an item of this severity (the zone butler already owns it)."""
    return [] if severity is Severity.GENERAL else list(notify)


def result_needs_review(actor_id: int, owner_id: int | None) -> bool:
    """A result reported by anyone but the first-ask owner goes to the owner first."""
    return actor_id != owner_id


def adoption_open(kind: str, status: str, adopted: bool | None) -> bool:
    """Whether a suggestion's adoption can be recorded now: not yet decided, being worked or
    answered (not while a reported answer waits for its check, nor once closed)."""
    waiting = status in (TicketStatus.REVIEW, TicketStatus.CLOSED)
    return kind == TicketKind.SUGGESTION and adopted is None and not waiting

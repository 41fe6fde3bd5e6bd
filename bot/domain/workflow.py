"""What each staff action does to an item: pure rules, so they can be read and tested alone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.permissions import Viewer
from bot.domain.staff import DESK_ROLES
from bot.domain.tickets import Nature, Severity, TicketStatus


class WaitingReason:
    RESIDENT = "resident"
    PARTS = "parts"
    ACCESS = "access"
    ALL = ("resident", "parts", "access")


def after_resolve(actor: Viewer, owner_staff_id: int | None) -> TicketStatus:
    """A department's result goes back to the desk; the desk's own result goes to the resident."""
    if owner_staff_id is None or actor.id == owner_staff_id or actor.role in DESK_ROLES:
        return TicketStatus.RESOLVED
    return TicketStatus.REVIEW


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

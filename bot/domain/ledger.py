"""The daily ledger (工作台帐): every request of the day, signed by the staff on duty and
the supervisor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

Signature = tuple[str, str, datetime]  # who (name, role) signed, and when


@dataclass(frozen=True, slots=True)
class DayLedger:
    """Every request of a day: (reference, what) for each filed, answered, finished and
    late, and the follow-ups made."""

    filed: list[tuple[str, str]]
    answered: list[tuple[str, datetime]]
    finished: list[tuple[str, str]]
    late: list[tuple[str, str]]  # what: "answer" or "resolve"
    followed: list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class LedgerSignatures:
    """The ledger's two signatures: the staff on duty and the supervisor."""

    duty: Signature | None = None
    supervisor: Signature | None = None

    @property
    def complete(self) -> bool:
        return self.duty is not None and self.supervisor is not None


class Slot(StrEnum):
    """Which of the two signatures someone gives."""

    DUTY = "duty"
    SUPERVISOR = "supervisor"

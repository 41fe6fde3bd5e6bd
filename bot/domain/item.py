"""One item and the operations that change it: enter a status, answer, advance a step,
resolve, accept a result, close, reopen, pause and resume.

Services load an item's row and wrap it (`Item.of`); each operation asks the state machine
(bot.domain.lifecycle) and the kind's rules (bot.domain.kinds) first and changes every
field that goes with the change, so no service can move a status without the clocks,
the follow-up and the escalation that go with it. The row is whatever stores the item
(the ORM row in production, a plain object in tests): the entity knows no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from bot.domain import orders, repairs
from bot.domain.deadlines import paused_for
from bot.domain.kinds import Family, family_of, kind_allows
from bot.domain.lifecycle import Action, IllegalMove, Situation, after, ends_escalation
from bot.domain.tickets import TicketStatus


class Row(Protocol):
    """The stored item's fields the operations read and change."""

    kind: str
    status: str
    stage: str | None
    service: str | None
    owner_staff_id: int | None
    assignee_staff_id: int | None
    escalated_to_staff_id: int | None
    followup: str | None
    first_answered_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    updated_at: datetime
    paused_at: datetime | None
    paused_s: int
    resolve_due_at: datetime | None
    report_from_at: datetime | None
    report_due_at: datetime | None
    waiting_until: date | None
    followup_asked_at: datetime | None
    solved: bool | None
    rating: int | None
    reopen_count: int


@dataclass(frozen=True, slots=True)
class Item:
    row: Row

    @classmethod
    def of(cls, row: Row) -> Item:
        """The one way services get an item to change."""
        return cls(row)

    @property
    def status(self) -> TicketStatus:
        return TicketStatus(self.row.status)

    @property
    def situation(self) -> Situation:
        row = self.row
        return Situation(
            self.status,
            has_owner=row.owner_staff_id is not None,
            has_assignee=row.assignee_staff_id is not None,
            escalated=row.escalated_to_staff_id is not None,
            awaiting_call=row.followup == "no_response",
            kind=str(row.kind),
            stage=row.stage,
            service=row.service,
        )

    def next_status(self, action: Action, *, needs_review: bool = False) -> TicketStatus:
        """Where the action leads; IllegalMove if the status or the kind forbid it."""
        situation = self.situation
        if not kind_allows(action, situation):
            raise IllegalMove(f"{action.value} on a {situation.kind} item")
        return after(action, situation, needs_review=needs_review)

    def enter(self, status: TicketStatus, now: datetime) -> None:
        """The one place a status changes, with what comes with it: leaving *waiting*
        restarts the resolve clock, and leaving the open states ends an escalation
        (nobody above is left with a decision on a finished item)."""
        if self.status is TicketStatus.WAITING and status is not TicketStatus.WAITING:
            self.resume(now)
        self.row.status = status.value
        if ends_escalation(status):
            self.row.escalated_to_staff_id = None

    def answer(self, now: datetime) -> None:
        """The first message from staff to the resident meets the first-answer promise."""
        if self.row.first_answered_at is None:
            self.row.first_answered_at = now

    def advance(self, step: str) -> tuple[str, TicketStatus]:
        """An order's or a repair's next stage, and the status it reads as; IllegalMove if
        the stage has no such step (a stale or forged tap)."""
        if not kind_allows(Action.ADVANCE, self.situation):
            raise IllegalMove(f"no steps for a {self.row.kind} at {self.row.stage}")
        family = family_of(self.row.kind)
        stage: str
        try:
            if family is Family.ORDER:
                order = orders.advance(
                    orders.OrderStage(self.row.stage or orders.OrderStage.SUBMITTED.value),
                    orders.OrderStep(step),
                )
                stage, status = order.value, orders.STATUS[order]
            else:
                repair = repairs.advance(
                    repairs.RepairStage(self.row.stage or repairs.RepairStage.REQUESTED.value),
                    repairs.RepairStep(step),
                    repairs.RepairType(self.row.service or repairs.RepairType.OTHER.value),
                )
                stage, status = repair.value, repairs.STATUS[repair]
        except ValueError as exc:  # not a step of this kind, or not at this stage
            raise IllegalMove(str(exc)) from None
        self.row.stage = stage
        return stage, status

    def resolved(self, now: datetime) -> None:
        """The result reached the resident: the first answer is met, the report owed is
        in, and the result gets its own follow-up question."""
        self.row.resolved_at = now
        self.row.report_from_at = self.row.report_due_at = None
        self.answer(now)
        self.fresh_followup()

    def fresh_followup(self) -> None:
        row = self.row
        row.followup = row.followup_asked_at = None
        row.solved = row.rating = None

    def reopened(self, now: datetime) -> TicketStatus:
        """Back to work; the promises start again from now (set by the caller's policy)."""
        status = self.next_status(Action.REOPEN)
        row = self.row
        row.paused_s, row.paused_at = 0, None
        row.first_answered_at = row.resolved_at = row.closed_at = None
        row.reopen_count = (row.reopen_count or 0) + 1
        return status

    def pause(self, now: datetime) -> None:
        if self.row.paused_at is None:
            self.row.paused_at = now

    def resume(self, now: datetime) -> None:
        """Waiting is over: the resolve clock resumes with the time already used kept."""
        row = self.row
        if row.paused_at is None:
            return
        waited = paused_for(row.paused_at, now)
        row.paused_s = (row.paused_s or 0) + int(waited.total_seconds())
        if row.resolve_due_at is not None:
            row.resolve_due_at += waited
        if row.report_due_at is not None:
            row.report_due_at += waited
        row.paused_at, row.waiting_until = None, None

"""One item and the operations that change it: enter a status, answer, advance a step,
take the resident's reply to a repair's visit or work, resolve, accept a result, close,
reopen, pause and resume.

Services load an item's row and wrap it (`Item.of`); each operation asks the state machine
(bot.domain.lifecycle) and the kind's rules (bot.domain.kinds) first and changes every
field that goes with the change, so no service can move a status without the clocks,
the follow-up and the escalation that go with it. The row is whatever stores the item
(the ORM row in production, a plain object in tests): the entity knows no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

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
    details: dict[str, Any] | None
    service_at: datetime | None
    service_done_at: datetime | None
    followup_due_at: datetime | None
    signed_at: datetime | None


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

    def repair_reply(self, reply: repairs.Reply, now: datetime) -> None:
        """The resident's reply to a repair's proposed visit (agreed: confirmed) or to its
        work (fixed: signed off, and when); IllegalMove if the item is not a repair waiting
        for that reply (a stale or forged tap). *Not fixed* changes nothing here: the
        caller reopens the item (`reopened`)."""
        if family_of(self.row.kind) is not Family.REPAIR:
            raise IllegalMove(f"{reply.value} on a {self.row.kind} item")
        stage = repairs.RepairStage(self.row.stage or repairs.RepairStage.REQUESTED.value)
        try:
            after_reply = repairs.replied(stage, reply)
        except repairs.StageError as exc:
            raise IllegalMove(str(exc)) from None
        if after_reply is not None:
            self.row.stage = after_reply.value
        if reply is repairs.Reply.FIXED:
            self.row.signed_at = now

    def resolved(self, now: datetime) -> None:
        """The result reached the resident: the first answer is met, the report owed is
        in, and the result gets its own follow-up question."""
        self.row.resolved_at = now
        self.row.report_from_at = self.row.report_due_at = None
        self.answer(now)
        self.fresh_followup()

    def hand_over(self, leaving: int, *, owner: int, assignee: int, escalated: int | None) -> bool:
        """Someone left (or changed post): every part of the item they held goes to the
        people named, and an item they worked on with no owner gets one. False: they held
        nothing of it."""
        row = self.row
        held = leaving in (row.owner_staff_id, row.assignee_staff_id, row.escalated_to_staff_id)
        if row.owner_staff_id == leaving or (
            row.owner_staff_id is None and row.assignee_staff_id == leaving
        ):
            row.owner_staff_id = owner
        if row.assignee_staff_id == leaving:
            row.assignee_staff_id = assignee
        if row.escalated_to_staff_id == leaving:
            row.escalated_to_staff_id = escalated
        return held

    def fresh_followup(self) -> None:
        row = self.row
        row.followup = row.followup_asked_at = None
        row.solved = row.rating = None

    def reopened(self, now: datetime) -> TicketStatus:
        """Back to work; the promises start again from now (set by the caller's policy).
        An order or a repair goes back to a stage with a step, so its work can go on: a
        repair to a new visit, an order to its settlement (bot.domain.repairs and orders,
        `REOPENED_AT`)."""
        status = self.next_status(Action.REOPEN)
        row = self.row
        self.restart_clock(now)
        row.paused_at = None
        row.first_answered_at = row.resolved_at = row.closed_at = None
        row.reopen_count = (row.reopen_count or 0) + 1
        row.followup_due_at = None  # the next result has its own follow-up day
        family = family_of(row.kind)
        if family is Family.REPAIR:
            row.stage = repairs.REOPENED_AT.value
            row.service_at = row.service_done_at = None  # a new visit to agree
            if row.details and "leak_test" in row.details:  # a new test, if any, counts
                row.details = {k: v for k, v in row.details.items() if k != "leak_test"}
        elif family is Family.ORDER:
            row.stage = orders.REOPENED_AT.value
        return status

    def restart_clock(self, now: datetime) -> None:
        """New promises from now (a reopening, the 30-day upgrade): time spent waiting
        before belongs to the old promises, so it is forgotten (a wait still going on
        counts from now)."""
        row = self.row
        row.paused_s = 0
        if row.paused_at is not None:
            row.paused_at = now

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

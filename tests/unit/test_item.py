"""The item entity: each operation asks the state machine and the kind first, and changes
every field that goes with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bot.domain.item import Item
from bot.domain.lifecycle import Action, IllegalMove
from bot.domain.repairs import Reply
from bot.domain.tickets import TicketStatus

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


@dataclass
class Row:
    kind: str = "complaint"
    status: str = "in_progress"
    stage: str | None = None
    service: str | None = None
    owner_staff_id: int | None = 1
    assignee_staff_id: int | None = 1
    escalated_to_staff_id: int | None = None
    followup: str | None = None
    first_answered_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    updated_at: datetime = NOW
    paused_at: datetime | None = None
    paused_s: int = 0
    resolve_due_at: datetime | None = NOW + timedelta(days=1)
    report_from_at: datetime | None = None
    report_due_at: datetime | None = None
    waiting_until: date | None = None
    followup_asked_at: datetime | None = None
    solved: bool | None = None
    rating: int | None = None
    reopen_count: int = 0
    details: dict[str, Any] | None = None
    service_at: datetime | None = None
    service_done_at: datetime | None = None
    followup_due_at: datetime | None = None
    signed_at: datetime | None = None


def test_a_result_meets_the_first_answer_and_gets_its_own_follow_up() -> None:
    row = Row(followup="answered", solved=False, rating=2, report_due_at=NOW)
    Item.of(row).resolved(NOW)
    assert (row.resolved_at, row.first_answered_at) == (NOW, NOW)
    assert (row.followup, row.solved, row.rating, row.report_due_at) == (None, None, None, None)


def test_leaving_waiting_restarts_the_clock_and_finishing_ends_an_escalation() -> None:
    row = Row(status="waiting", paused_at=NOW - timedelta(hours=2), escalated_to_staff_id=7)
    due = row.resolve_due_at
    assert due is not None
    Item.of(row).enter(TicketStatus.IN_PROGRESS, NOW)
    assert row.paused_at is None
    assert row.resolve_due_at is not None
    assert row.resolve_due_at > due  # the time spent waiting is given back
    assert row.escalated_to_staff_id == 7  # still open work
    Item.of(row).enter(TicketStatus.RESOLVED, NOW)
    assert row.escalated_to_staff_id is None


def test_an_order_advances_only_by_its_stages_next_step() -> None:
    row = Row(kind="concierge", status="new", stage="submitted", service="cake")
    item = Item.of(row)
    with pytest.raises(IllegalMove):
        item.advance("settle")
    with pytest.raises(IllegalMove):
        item.advance("schedule")  # a repair's step
    assert item.advance("confirm") == ("confirmed", TicketStatus.ACCEPTED)
    assert row.stage == "confirmed"
    with pytest.raises(IllegalMove):
        item.next_status(Action.RESOLVE)  # an order's result is its settlement


def test_a_repair_advances_and_a_complaint_has_no_steps() -> None:
    row = Row(kind="repair", status="new", stage="requested", service="plumbing")
    assert Item.of(row).advance("schedule") == ("scheduled", TicketStatus.ACCEPTED)
    with pytest.raises(IllegalMove):
        Item.of(Row()).advance("confirm")


def test_reopening_starts_over() -> None:
    row = Row(status="resolved", resolved_at=NOW, first_answered_at=NOW, paused_s=600)
    assert Item.of(row).reopened(NOW) is TicketStatus.REOPENED
    assert (row.resolved_at, row.first_answered_at, row.paused_s, row.reopen_count) == (
        None,
        None,
        0,
        1,
    )
    with pytest.raises(IllegalMove):
        Item.of(Row(status="in_progress")).reopened(NOW)
    cancelled = Row(kind="concierge", status="closed", stage="cancelled")
    with pytest.raises(IllegalMove):
        Item.of(cancelled).reopened(NOW)


def test_a_reopened_repair_needs_a_new_visit_and_an_order_a_new_settlement() -> None:
    """Reopened, each is back at a stage with a step, so its work can go on and finish."""
    repair = Row(
        kind="repair",
        status="closed",
        stage="signed_off",
        service="water_leak",
        service_at=NOW,
        service_done_at=NOW,
        followup_due_at=NOW,
        details={"leak_test": "2026-12-01", "work": "sealed"},
    )
    item = Item.of(repair)
    item.reopened(NOW)
    assert (repair.stage, repair.service_at, repair.service_done_at) == ("requested", None, None)
    assert repair.followup_due_at is None
    assert repair.details == {"work": "sealed"}  # a new leak test, if any, counts
    assert Item.of(repair).advance("schedule") == ("scheduled", TicketStatus.ACCEPTED)
    order = Row(kind="concierge", status="resolved", stage="settled", service="cake")
    order.service_done_at = NOW
    Item.of(order).reopened(NOW)
    assert order.stage == "delivered"
    assert order.service_done_at == NOW  # delivered it was: no delivery alarm again
    assert Item.of(order).advance("settle") == ("settled", TicketStatus.RESOLVED)


def test_a_repair_takes_the_residents_replies_only_when_it_waits_for_them() -> None:
    """Agreeing confirms a proposed visit; *fixed* signs the work off, and when; a reply the
    repair is not waiting for (a stale or forged tap), or to another kind, changes nothing."""
    row = Row(kind="repair", status="accepted", stage="scheduled", service="plumbing")
    item = Item.of(row)
    with pytest.raises(IllegalMove):
        item.repair_reply(Reply.FIXED, NOW)  # nothing done yet to sign off
    item.repair_reply(Reply.OTHER_TIME, NOW)
    assert row.stage == "scheduled"  # another window asked for: still to be agreed
    item.repair_reply(Reply.AGREE, NOW)
    assert row.stage == "confirmed"
    with pytest.raises(IllegalMove):
        item.repair_reply(Reply.AGREE, NOW)  # agreed already
    row.stage = "done"
    item.repair_reply(Reply.NOT_FIXED, NOW)
    assert (row.stage, row.signed_at) == ("done", None)  # the caller reopens it
    item.repair_reply(Reply.FIXED, NOW)
    assert (row.stage, row.signed_at) == ("signed_off", NOW)
    with pytest.raises(IllegalMove):
        item.repair_reply(Reply.FIXED, NOW)  # signed off once
    order = Row(kind="concierge", status="resolved", stage="done", service="cake")
    with pytest.raises(IllegalMove):
        Item.of(order).repair_reply(Reply.FIXED, NOW)
    assert (order.stage, order.signed_at) == ("done", None)

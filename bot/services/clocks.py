"""Keeping an item's promises and alarms in step with its state.

Every service that changes an item ends with `replan`, so the alarms stored for it are
always the plan of its present state (bot.domain.deadlines.plan)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.deadlines import AlarmKind, Rules, paused_for, plan, promise
from bot.domain.tickets import Severity, TicketKind
from bot.policy import Policy
from storage.models import Ticket
from storage.repositories.tickets import clocks_of
from storage.uow import UnitOfWork

# "Due soon" is pointless once the moment has passed (a shorter promise after
# reclassifying, say): the "late" rung says it better.
REMINDERS = frozenset({AlarmKind.ANSWER_SOON, AlarmKind.RESOLVE_SOON, AlarmKind.REPORT_SOON})


async def replan(
    uow: UnitOfWork, ticket: Ticket, rules: Rules, *, now: datetime, new_item: bool = False
) -> None:
    """`new_item`: just filed, so it has no alarms yet to read (filing is the hot path)."""
    planned = plan(clocks_of(ticket), rules)
    await uow.alarms.replan(ticket.id, planned, now=now, not_if_past=REMINDERS, new_item=new_item)


def set_promises(ticket: Ticket, policy: Policy, tz: ZoneInfo, *, start: datetime) -> None:
    """Due times of the item's severity, counted from `start`, the resident's earlier date
    winning; time already spent waiting is added back to the resolve time."""
    severity = Severity(ticket.severity) if ticket.severity else None
    terms = policy.promise(severity)
    due = promise(
        start,
        terms.first_answer,
        terms.resolve,
        clock=policy.service_clock(tz),
        requested_by=ticket.requested_by,
    )
    ticket.clock_started_at = start
    ticket.first_answer_due_at = due.first_answer_due_at
    if ticket.kind != TicketKind.SUGGESTION:
        ticket.resolve_due_at = due.resolve_due_at + timedelta(seconds=ticket.paused_s or 0)


def pause(ticket: Ticket, now: datetime) -> None:
    if ticket.paused_at is None:
        ticket.paused_at = now


def resume(ticket: Ticket, now: datetime) -> None:
    """Waiting is over: the resolve clock resumes with the time already used kept."""
    if ticket.paused_at is None:
        return
    waited = paused_for(ticket.paused_at, now)
    ticket.paused_s = (ticket.paused_s or 0) + int(waited.total_seconds())
    if ticket.resolve_due_at is not None:
        ticket.resolve_due_at += waited
    if ticket.report_due_at is not None:
        ticket.report_due_at += waited
    ticket.paused_at, ticket.waiting_until = None, None


def fresh_followup(ticket: Ticket) -> None:
    """Each result told to the resident gets its own follow-up question."""
    ticket.followup = ticket.followup_asked_at = None
    ticket.solved = ticket.rating = None

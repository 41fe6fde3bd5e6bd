"""Keeping an item's promises and alarms in step with its state.

Every service that changes an item ends with `replan`, so the alarms stored for it are
always the plan of its present state (bot.domain.deadlines.plan)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.deadlines import AlarmKind, Rules, plan, promise
from bot.domain.kinds import request_type
from bot.domain.tickets import Severity
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
    if request_type(ticket.kind).resolves:
        ticket.resolve_due_at = due.resolve_due_at + timedelta(seconds=ticket.paused_s or 0)

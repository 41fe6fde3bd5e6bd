"""Keeping an item's promises and alarms in step with its state.

Every service that changes an item ends with `replan`, so the alarms stored for it are
always the plan of its present state (bot.domain.deadlines.plan)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.deadlines import AlarmKind, Promise, Rules, plan, promise
from bot.domain.kinds import request_type
from bot.domain.tickets import OPEN_STATUSES, Severity
from bot.policy import Policy
from bot.services.notices import Label, Notice, to_resident
from storage.models import Ticket
from storage.repositories.incidents import IncidentRepository
from storage.repositories.tickets import clocks_of
from storage.uow import UnitOfWork

# "Due soon" is pointless once the moment has passed (a shorter promise after
# reclassifying, say): the "late" rung says it better.
REMINDERS = frozenset({AlarmKind.ANSWER_SOON, AlarmKind.RESOLVE_SOON, AlarmKind.REPORT_SOON})


async def replan(
    uow: UnitOfWork, ticket: Ticket, rules: Rules, *, now: datetime, new_item: bool = False
) -> None:
    """`new_item`: just filed, so it has no alarms yet to read (filing is the hot path),
    nor is it in an incident yet.

    An open item that follows another's lead in an open incident has no alarms of its own,
    whatever is done to it meanwhile (accepted, put on hold, a visit proposed): the lead's
    ring for the incident (bot.services.incidents). Its own come back when it leaves the
    incident, and its follow-up once it is resolved."""
    planned = plan(clocks_of(ticket), rules)
    if (
        planned
        and not new_item
        and ticket.status in OPEN_STATUSES
        and await IncidentRepository(uow.session).following(ticket.id)
    ):
        planned = []
    await uow.alarms.replan(ticket.id, planned, now=now, not_if_past=REMINDERS, new_item=new_item)


def promised_now(policy: Policy, tz: ZoneInfo, now: datetime) -> Promise:
    """What an item filed now is promised before anyone classifies it (the general
    severity): what a form's summary tells the resident when they set no date."""
    terms = policy.promise(None)
    return promise(now, terms.first_answer, terms.resolve, clock=policy.service_clock(tz))


def set_promises(ticket: Ticket, policy: Policy, tz: ZoneInfo, *, start: datetime) -> None:
    """Due times of the item's severity, counted from `start`, the resident's own date
    replacing the resolve time; time already spent waiting is added back to it."""
    severity = Severity(ticket.severity) if ticket.severity else None
    terms = policy.promise(severity)
    due = promise(
        start,
        terms.first_answer,
        terms.resolve,
        clock=policy.service_clock(tz),
        requested_by=ticket.requested_by,
        longest=policy.deadlines.resident_date_longest,
    )
    ticket.clock_started_at = start
    ticket.first_answer_due_at = due.first_answer_due_at
    if request_type(ticket.kind).resolves:
        ticket.resolve_due_at = due.resolve_due_at + timedelta(seconds=ticket.paused_s or 0)


# --- what the resident hears when a promise changes -----------------------------------
Promised = tuple[datetime | None, datetime | None]


def due_times(ticket: Ticket) -> Promised:
    """The promises as they stand (to compare after a change)."""
    return ticket.first_answer_due_at, ticket.resolve_due_at


def _residents(ticket: Ticket) -> bool:
    """A resident's own request (not the staff's visits and tasks about one)."""
    return ticket.resident_id is not None and request_type(ticket.kind).files


def new_due_told(ticket: Ticket, before: Promised) -> list[Notice]:
    """New due times (a reclassification): the resident hears the date it will now be
    resolved by, or, for what promises only an answer and is not yet answered, the date
    they will hear from us. Nothing when the dates stay as they were."""
    if not _residents(ticket):
        return []
    first, resolve = before
    if ticket.resolve_due_at is not None and ticket.resolve_due_at != resolve:
        return [to_resident(ticket.id, "resident.new_due", until=ticket.resolve_due_at)]
    answer_due = ticket.first_answer_due_at
    if ticket.first_answered_at is None and answer_due is not None and answer_due != first:
        return [to_resident(ticket.id, "resident.new_answer_due", due=answer_due)]
    return []


def transfer_told(ticket: Ticket) -> list[Notice]:
    """Handed to another department: the resident hears who has it now, and by when it
    will be resolved."""
    if not _residents(ticket) or ticket.department is None:
        return []
    department = Label.of(f"department.{ticket.department}")
    if ticket.resolve_due_at is None:
        return [to_resident(ticket.id, "resident.transferred_plain", department=department)]
    return [
        to_resident(
            ticket.id, "resident.transferred", department=department, until=ticket.resolve_due_at
        )
    ]

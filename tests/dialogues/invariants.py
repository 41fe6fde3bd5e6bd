"""What must hold of every item in the registry, whatever happened to it: the checks the fuzz
test (test_fuzz.py) runs after every step.

- **Timeline and status.** Every change of status is recorded (bot.services.actions records
  each event with the status it leaves the item in), so replaying the timeline gives the
  status: it starts with *created*, every change of status comes with an event whose
  action (bot.domain.lifecycle) allows that change from the status before, and the last
  status recorded is the item's. An order's or a repair's stage is what its steps recorded
  (their notes), and agrees with the status (open stages, open statuses).
- **Promises.** An open item's first-answer and resolve times are what the policy's
  promise (bot.domain.deadlines.promise) makes of its filing time and severity, replayed
  over its timeline: the night's next-morning promise at filing, classifications (from the
  clock's start), approved extensions, time spent waiting, reopenings and the 30-day
  upgrade (each from its own moment). Items that took an incident lead's promises are
  not derivable from their own timeline.
- **Alarms.** The pending alarms are the plan of the item's state (bot.domain.deadlines
  .plan): nothing stale left pending (so nothing for a closed item), nothing planned
  missing unless it fired already or is a reminder whose moment had passed when planned.
  An open item following another's lead in an open incident has none of its own, whatever
  was done to it meanwhile (the lead's ring); a follower resolved with its lead has its own
  follow-up, like any other item.

The checks are pure functions of what was read; `read_registry` reads the items that
changed since the last look (every item, with `everything`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import utcnow
from bot.domain import orders, repairs
from bot.domain.deadlines import AlarmKind, plan, promise
from bot.domain.duty import is_night, next_morning
from bot.domain.incidents import IncidentStatus
from bot.domain.kinds import Family, family_of, request_type
from bot.domain.lifecycle import MOVES, Action
from bot.domain.tickets import OPEN_STATUSES, EventKind, Severity, TicketStatus
from bot.policy import Policy
from storage.models import Alarm, Incident, IncidentItem, Ticket, TicketEvent
from storage.repositories.tickets import clocks_of

S = TicketStatus
E = EventKind


@dataclass(frozen=True, slots=True)
class Event:
    """One timeline entry, as the checks read it."""

    at: datetime
    kind: str
    status: str | None
    note: str | None = None
    actor_kind: str = "system"


# --- timeline and status ------------------------------------------------------------------
# The events that change an item's status, and the action (bot.domain.lifecycle) each is.
MOVING: dict[str, Action] = {
    E.ACCEPTED: Action.ACCEPT,
    E.TRANSFERRED: Action.TRANSFER,
    E.WAITING: Action.WAIT,
    E.RESUMED: Action.RESUME,
    E.RESOLVED: Action.RESOLVE,
    E.RESULT_ACCEPTED: Action.ACCEPT_RESULT,
    E.SENT_BACK: Action.SEND_BACK,
    E.CLOSED: Action.CLOSE,
    E.FOLLOWUP_NO_RESPONSE: Action.CLOSE,
    E.REOPENED: Action.REOPEN,
    E.ADOPTED: Action.RESOLVE,  # a suggestion's outcome answers it
    E.NOT_ADOPTED: Action.RESOLVE,
    E.CLASSIFIED: Action.CLASSIFY,  # out of scope: answered and resolved
    E.STATUS_CHANGED: Action.ADVANCE,
}
STEP_STATUSES = frozenset(orders.STATUS.values()) | frozenset(repairs.STATUS.values())


def _action(kind: str, event: str) -> Action | None:
    """An order's or a repair's steps record STATUS_CHANGED (a repair's last one RESOLVED):
    each is a step (ADVANCE)."""
    if event == E.RESOLVED and family_of(kind) in (Family.ORDER, Family.REPAIR):
        return Action.ADVANCE
    return MOVING.get(event)


def _targets(action: Action, before: S) -> frozenset[S]:
    """The statuses an action may leave an item in."""
    if action is Action.ACCEPT:  # taking over work already under way changes no status
        return frozenset({S.ACCEPTED, before})
    if action is Action.RESOLVE:  # someone else's result waits for the owner's review
        return frozenset({S.RESOLVED, S.REVIEW})
    if action is Action.CLASSIFY:
        return frozenset({S.RESOLVED, before})
    if action is Action.ADVANCE:
        return STEP_STATUSES
    return frozenset({MOVES[action].to or before})


def status_problems(kind: str, status: str, events: Sequence[Event]) -> list[str]:
    """Where the timeline and the status disagree (empty: they agree)."""
    if not events or events[0].kind != E.CREATED:
        return [f"the timeline does not start with {E.CREATED.value}"]
    if events[0].status is None:
        return [f"{E.CREATED.value} records no status"]
    problems = []
    before = S(events[0].status)
    if before is not S.NEW:
        problems.append(f"created {before.value}, not new")
    for event in events[1:]:
        if event.status is None:
            continue
        after = S(event.status)
        action = _action(kind, event.kind)
        if action is None:
            if after is not before:
                problems.append(f"{event.kind} moved it from {before.value} to {after.value}")
        else:
            # An event that may leave the status as it was (taking ownership, a suggestion
            # already answered, a classification) is checked only where it moved it.
            if after is not before and before not in MOVES[action].allowed_from:
                problems.append(f"{event.kind} ({action.value}) on a {before.value} item")
            if after not in _targets(action, before):
                problems.append(f"{event.kind} left it {after.value} (from {before.value})")
        before = after
    if before.value != status:
        problems.append(f"the timeline says {before.value}, the item is {status}")
    return problems


def implied_stage(kind: str, events: Iterable[Event]) -> str | None:
    """The stage an order's or a repair's recorded steps lead to (None: other kinds)."""
    family = family_of(kind)
    if family is Family.ORDER:
        stage = orders.OrderStage.SUBMITTED.value
        for event in events:
            note = event.note or ""
            if event.kind == E.STATUS_CHANGED and note.startswith("order "):
                stage = note.split()[1].rstrip(":")
            elif event.kind == E.REOPENED:
                stage = orders.REOPENED_AT.value
        return stage
    if family is Family.REPAIR:
        stage = repairs.RepairStage.REQUESTED.value
        for event in events:
            note = event.note or ""
            if event.kind == E.STATUS_CHANGED and note.startswith("visit "):
                stage = repairs.RepairStage.SCHEDULED.value
            elif event.kind == E.STATUS_CHANGED and note == "repair working":
                stage = repairs.RepairStage.WORKING.value
            elif event.kind == E.RESOLVED:
                stage = repairs.RepairStage.DONE.value
            elif event.kind == E.MESSAGE and event.actor_kind == "resident":
                if note == "visit agreed":
                    stage = repairs.RepairStage.CONFIRMED.value
                elif note == "signed off":
                    stage = repairs.RepairStage.SIGNED_OFF.value
            elif event.kind == E.REOPENED:
                stage = repairs.REOPENED_AT.value
        return stage
    return None


FINISHED = frozenset({S.RESOLVED, S.CLOSED})


def stage_problems(
    kind: str, status: str, stage: str | None, events: Sequence[Event]
) -> list[str]:
    """An order's or a repair's stage: what its steps say, and in step with its status."""
    implied = implied_stage(kind, events)
    if implied is None:
        return []
    problems = []
    if stage != implied:
        problems.append(f"stage {stage}, its steps say {implied}")
    finished = S(status) in FINISHED
    if family_of(kind) is Family.ORDER:
        done = {orders.OrderStage.SETTLED.value, orders.OrderStage.CANCELLED.value}
        if (stage in done) != finished:
            problems.append(f"an order at {stage} is {status}")
        if stage == orders.OrderStage.CANCELLED.value and status != S.CLOSED:
            problems.append(f"a cancelled order is {status}")
    else:
        done = {repairs.RepairStage.DONE.value, repairs.RepairStage.SIGNED_OFF.value}
        if (stage in done) != finished:
            problems.append(f"a repair at {stage} is {status}")
    return problems


# --- promises -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Filed:
    """What of an item its promises are computed from, besides its timeline."""

    kind: str
    requested_by: date | None  # the resident's own "solve by" date
    service_at: datetime | None  # an order's delivery (its resolve time)


Promised = tuple[datetime | None, datetime | None]


def expected_promises(
    item: Filed, events: Sequence[Event], policy: Policy, tz: ZoneInfo
) -> tuple[Promised, Severity | None] | None:
    """(first answer, resolve) as the policy makes them of the timeline, and the severity
    it leaves; None where the timeline does not say (an incident's follower took its lead's
    promises)."""
    if any(e.kind == E.LINKED and not (e.note or "").startswith("#") for e in events):
        return None
    resolves = request_type(item.kind).resolves
    clock = policy.service_clock(tz)
    longest = policy.deadlines.resident_date_longest
    severity: Severity | None = None
    paused_s = 0
    paused_at: datetime | None = None

    def promised(start: datetime, requested: bool = True) -> Promised:
        terms = policy.promise(severity)
        due = promise(
            start,
            terms.first_answer,
            terms.resolve,
            clock=clock,
            requested_by=item.requested_by if requested else None,
            longest=longest,
        )
        resolve = due.resolve_due_at + timedelta(seconds=paused_s) if resolves else None
        return due.first_answer_due_at, resolve

    created = events[0]
    first: datetime | None
    resolve: datetime | None
    misfire = any(e.kind == E.CLASSIFIED and e.note == "not an emergency" for e in events)
    if item.kind == "emergency" or misfire:
        rules = policy.emergencies
        first, resolve = created.at + rules.answer, created.at + policy.promise(None).resolve
    elif item.kind == "task":  # going along with a delivery: by its time
        first, resolve = None, item.service_at
    elif item.kind == "visit":
        first, resolve = None, created.at + timedelta(days=policy.followup.visit_days)
    elif family_of(item.kind) is Family.ORDER:
        first, resolve = promised(created.at, requested=False)
        resolve = item.service_at or resolve
    else:
        first, resolve = promised(created.at)
    morning = policy.duty.morning_at(item.kind, severity)  # unclassified when filed
    at_night = is_night(policy.reports.shifts, policy.duty.day_shift, created.at, tz)
    if created.actor_kind == "resident" and not misfire and morning is not None and at_night:
        moment = next_morning(created.at, morning, tz)
        first = max(first, moment) if first is not None else first
        resolve = max(resolve, moment) if resolve is not None else resolve
    clock_start = created.at
    status = S.NEW
    for event in events[1:]:
        if event.status is not None:
            after = S(event.status)
            if status is S.WAITING and after is not S.WAITING and paused_at is not None:
                waited = max(event.at - paused_at, timedelta(0))
                paused_s += int(waited.total_seconds())
                resolve = resolve + waited if resolve is not None else None
                paused_at = None
            elif after is S.WAITING and status is not S.WAITING:
                paused_at = event.at
            status = after
        if event.kind == E.CLASSIFIED and event.note == "not an emergency":
            clock_start = event.at
            first, resolve = promised(event.at)
        elif event.kind == E.CLASSIFIED:
            severity = Severity((event.note or "").split(":")[0].split("/")[1])
            first, resolve = promised(clock_start)
        elif event.kind == E.EXTENSION_APPROVED and event.note:
            resolve = datetime.fromisoformat(event.note)
        elif event.kind in (E.REOPENED, E.UPGRADED):
            if event.kind == E.UPGRADED:
                severity = Severity.MAJOR
            clock_start, paused_s = event.at, 0
            paused_at = event.at if paused_at is not None else None
            first, resolve = promised(event.at)
    return (first, resolve), severity


def promise_problems(
    item: Filed,
    status: str,
    stored: Promised,
    severity: str | None,
    events: Sequence[Event],
    policy: Policy,
    tz: ZoneInfo,
) -> list[str]:
    """An open item's due times and severity against what its timeline makes of them."""
    expected = expected_promises(item, events, policy, tz)
    if expected is None or S(status) not in OPEN_STATUSES:
        return []
    (first, resolve), implied = expected
    problems = []
    if (implied or Severity.GENERAL) != Severity(severity or Severity.GENERAL):
        problems.append(f"severity {severity}, the timeline says {implied}")
    if stored[0] != first:
        problems.append(f"first answer due {stored[0]}, the policy makes it {first}")
    if stored[1] != resolve:
        problems.append(f"resolve due {stored[1]}, the policy makes it {resolve}")
    return problems


# --- alarms -------------------------------------------------------------------------------
Key = tuple[str, datetime]
REMINDERS = frozenset({AlarmKind.ANSWER_SOON, AlarmKind.RESOLVE_SOON, AlarmKind.REPORT_SOON})


def alarm_problems(
    status: str, planned: set[Key], pending: set[Key], fired: set[Key], now: datetime
) -> list[str]:
    """The pending alarms against the plan of the item's state."""
    problems = []
    if S(status) is S.CLOSED and pending:
        problems.append(f"closed with alarms pending: {sorted(pending)}")
    stale = pending - planned
    if stale:
        problems.append(f"pending alarms its state does not plan: {sorted(stale)}")
    missing = {
        (kind, due)
        for kind, due in planned - pending - fired
        if not (kind in REMINDERS and due <= now)
    }
    if missing:
        problems.append(f"planned alarms not pending: {sorted(missing)}")
    return problems


# --- reading the registry -----------------------------------------------------------------
@dataclass
class Registry:
    """The items as last read: references (for commands to name), what was read last, and
    every problem found in the items read."""

    tickets: dict[int, str] = field(default_factory=dict)
    last_event: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def references(self) -> list[str]:
        return sorted(self.tickets.values())


async def read_registry(
    session: AsyncSession,
    policy: Policy,
    tz: ZoneInfo,
    before: Registry,
    *,
    everything: bool = False,
) -> Registry:
    """Check the items with events since the last look (all of them with `everything`)."""
    now = utcnow()
    found = Registry(dict(before.tickets), before.last_event)
    changed = select(TicketEvent.ticket_id).where(TicketEvent.id > before.last_event)
    query = select(Ticket) if everything else select(Ticket).where(Ticket.id.in_(changed))
    tickets = list(await session.scalars(query))
    if not tickets:
        return found
    ids = [t.id for t in tickets]
    rows = await session.execute(
        select(TicketEvent).where(TicketEvent.ticket_id.in_(ids)).order_by(TicketEvent.id)
    )
    events: dict[int, list[Event]] = {i: [] for i in ids}
    for (row,) in rows:
        events[row.ticket_id].append(
            Event(row.created_at, row.kind, row.status, row.note, row.actor_kind)
        )
        found.last_event = max(found.last_event, row.id)
    alarms: dict[int, tuple[set[Key], set[Key]]] = {i: (set(), set()) for i in ids}
    for (alarm,) in await session.execute(select(Alarm).where(Alarm.ticket_id.in_(ids))):
        pending, fired = alarms[alarm.ticket_id]
        (fired if alarm.fired_at is not None else pending).add((alarm.kind, alarm.due_at))
    followers = set(
        await session.scalars(
            select(IncidentItem.ticket_id)
            .join(Incident, Incident.id == IncidentItem.incident_id)
            .where(
                IncidentItem.ticket_id.in_(ids),
                Incident.lead_ticket_id.is_distinct_from(IncidentItem.ticket_id),
                Incident.status == IncidentStatus.OPEN.value,
            )
        )
    )
    rules = policy.alarm_rules(tz)
    for ticket in tickets:
        found.tickets[ticket.id] = ticket.reference
        timeline = events[ticket.id]
        problems = status_problems(ticket.kind, ticket.status, timeline)
        problems += stage_problems(ticket.kind, ticket.status, ticket.stage, timeline)
        if timeline:
            filed = Filed(ticket.kind, ticket.requested_by, ticket.service_at)
            stored = (ticket.first_answer_due_at, ticket.resolve_due_at)
            problems += promise_problems(
                filed, ticket.status, stored, ticket.severity, timeline, policy, tz
            )
        following = ticket.id in followers and ticket.status in OPEN_STATUSES
        planned = set() if following else plan(clocks_of(ticket), rules)
        keys = {(kind.value, due) for kind, due in planned}
        problems += alarm_problems(ticket.status, keys, *alarms[ticket.id], now)
        found.problems += [
            f"{ticket.reference} ({ticket.kind}, {ticket.status}): {p}" for p in problems
        ]
    return found

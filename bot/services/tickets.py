"""Filing an item (numbering, the row, routing, the acknowledgement) and residents' reads."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.deadlines import promise
from bot.domain.kinds import request_type
from bot.domain.permissions import can_view, resident_viewer
from bot.domain.references import day_key, format_reference
from bot.domain.residents import ResidentCard
from bot.domain.routing import Routing, route, serving
from bot.domain.staff import Department, StaffMember
from bot.domain.tickets import (
    Channel,
    Draft,
    EventKind,
    NewTicket,
    Severity,
    TicketFacts,
    TicketStatus,
    open_ticket,
)
from bot.domain.timeline import TimelineEntry
from bot.policy import Policy
from bot.services import duty, incidents, suggestions
from bot.services.actions import ItemContext
from bot.services.clocks import replan
from bot.services.notices import Label, Notice, staff_card, to_resident_plain
from bot.services.notifier import Notifier
from bot.views.card import scope_of
from storage.models import Attachment, Ticket, TicketEvent
from storage.repositories.tickets import facts_of
from storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Filed:
    ticket_id: int
    reference: str


@dataclass(frozen=True, slots=True)
class WorkOrder:
    """What a repair request (or a kind defined as data) adds to an item: its type, stage,
    particulars (the form's answers), and the department that works it."""

    service: str | None
    stage: str | None
    details: dict[str, object]
    department: Department


@dataclass(frozen=True, slots=True)
class OnBehalf:
    """An item staff register for someone who phoned, came to the desk, or wrote.

    The registering staff member is its first-ask owner (首问责任制)."""

    staff: StaffMember
    channel: Channel
    caller_name: str | None = None
    caller_phone: str | None = None


async def file_ticket(
    uow: UnitOfWork,
    notifier: Notifier,
    *,
    resident: ResidentCard | None,
    draft: Draft,
    policy: Policy,
    tz: ZoneInfo,
    now: datetime,
    on_behalf: OnBehalf | None = None,
    work: WorkOrder | None = None,
) -> Filed:
    """Store the item, its photos and first timeline entry; tell the resident and staff.
    `work`: a repair's work order (its type, stage, particulars and department)."""
    terms = policy.promise(Severity.GENERAL)
    due = promise(
        now,
        terms.first_answer,
        terms.resolve,
        clock=policy.service_clock(tz),
        requested_by=draft.requested_by,
        longest=policy.deadlines.resident_date_longest,
    )
    new = open_ticket(
        draft,
        categories=policy.categories.complaint,
        now=now,
        first_answer_due_at=due.first_answer_due_at,
        resolve_due_at=due.resolve_due_at,
        channel=on_behalf.channel if on_behalf else Channel.BOT,
    )
    reference = await next_reference(uow, policy.prefix(new.kind), tz, now)
    ticket = _row(new, reference, resident, on_behalf, now)
    if work is not None:
        ticket.service, ticket.stage, ticket.details = work.service, work.stage, work.details
    department = work.department if work is not None else None
    notices = await route_item(uow, ticket, policy, on_behalf, department=department, tz=tz)
    await uow.tickets.add(ticket, _first_events(new, resident, on_behalf, now))
    await replan(uow, ticket, policy.alarm_rules(tz), now=now, new_item=True)
    if resident is not None:
        notices.insert(0, _acknowledgement(ticket, resident, policy, due.first_answer_due_at))
    # The new row's unit is not loaded; the resident's home is what it would say.
    item = facts_of(ticket, home=resident.home if resident else None)
    notices = [replace(n, ticket_id=ticket.id) for n in notices]
    await notifier.tell(notices, now, item=item, resident=resident)
    # A known outage's fault, or one report too many of one fault: see bot.services.incidents
    await incidents.after_filing(ItemContext(uow, now, policy, tz, notifier), ticket, item)
    return Filed(ticket.id, ticket.reference)


async def next_reference(uow: UnitOfWork, prefix: str, tz: ZoneInfo, now: datetime) -> str:
    """References count per prefix and local day (the desk's day, not UTC's)."""
    local_day = now.astimezone(tz).date()
    sequence = await uow.tickets.next_sequence(prefix, day_key(local_day))
    return format_reference(prefix, local_day, sequence)


def _row(
    new: NewTicket,
    reference: str,
    resident: ResidentCard | None,
    on_behalf: OnBehalf | None,
    now: datetime,
) -> Ticket:
    estate_id = (
        resident.estate_id if resident else on_behalf.staff.estate_id if on_behalf else None
    )
    return Ticket(
        reference=reference,
        kind=new.kind.value,
        category=new.category,
        status=new.status.value,
        channel=new.channel.value,
        resident_id=resident.id if resident else None,
        unit_id=resident.unit_id if resident else None,
        estate_id=estate_id,
        zone=(resident.zone or None) if resident else None,
        contact_name=on_behalf.caller_name if on_behalf else None,
        contact_phone=on_behalf.caller_phone if on_behalf else None,
        location_kind=new.location_kind.value if new.location_kind else None,
        location_text=new.location_text,
        description=new.description,
        requested_by=new.requested_by,
        created_at=now,
        updated_at=now,
        first_answer_due_at=new.first_answer_due_at,
        resolve_due_at=new.resolve_due_at,
        clock_started_at=now,
        paused_s=0,
        reopen_count=0,
        attachments=[Attachment(kind="photo", file_id=f, created_at=now) for f in new.photos]
        + [Attachment(kind="voice", file_id=v, created_at=now) for v in (new.voice,) if v],
    )


def _first_events(
    new: NewTicket, resident: ResidentCard | None, on_behalf: OnBehalf | None, now: datetime
) -> list[TicketEvent]:
    return [first_event(kind, new.status, resident, on_behalf, now) for kind in new.events]


def first_event(
    kind: EventKind,
    status: TicketStatus,
    resident: ResidentCard | None,
    on_behalf: OnBehalf | None,
    now: datetime,
) -> TicketEvent:
    """A new item's timeline entry, by whoever filed it: the resident, or staff for them."""
    return TicketEvent(
        created_at=now,
        kind=kind.value,
        actor_kind="staff" if on_behalf else "resident",
        actor_id=on_behalf.staff.id if on_behalf else resident.id if resident else None,
        actor_role=on_behalf.staff.role.value if on_behalf else None,
        status=status.value,
    )


async def route_item(
    uow: UnitOfWork,
    ticket: Ticket,
    policy: Policy,
    on_behalf: OnBehalf | None,
    department: Department | None = None,
    tz: ZoneInfo | None = None,
) -> list[Notice]:
    """Department from the policy (or the service's own); the first-ask owner is the zone's
    butler (or, for an item registered by staff, whoever registered it); the working
    department is always told. Outside the day shift (`tz` given) a resident's item goes
    to the night duty instead (`_night`)."""
    department = department or policy.department_for(ticket.category)
    ticket.department = department.value
    if ticket.estate_id is None:
        return []
    staff = await uow.staff.members(ticket.estate_id)
    routing = route(staff, department=department, zone=ticket.zone, rule=policy.ownership.rule)
    told = Label.of(f"department.{department.value}")
    if on_behalf is not None:
        ticket.registered_by_staff_id = ticket.owner_staff_id = on_behalf.staff.id
        crew = [p for p in (routing.owner, *routing.department_crew) if p is not None]
        registered = [
            staff_card(p.id, 0, "notice.new_item_department", department=told)
            for p in crew
            if p.id != on_behalf.staff.id
        ]
        return suggestions.with_managers(
            ticket, staff, policy, registered, owner=on_behalf.staff.id
        )
    if tz is not None and duty.night(policy, tz, ticket.created_at):
        notices = await _night(uow, ticket, policy, tz, staff, routing)
        return suggestions.with_managers(
            ticket, staff, policy, notices, owner=ticket.owner_staff_id
        )
    notices = []
    if routing.owner is not None:
        ticket.owner_staff_id = routing.owner.id
        notices.append(staff_card(routing.owner.id, 0, "notice.new_item"))
    zone = ticket.zone or "—"
    notices += [
        staff_card(p.id, 0, "notice.new_item_unowned", zone=zone) for p in routing.offered_to
    ]
    notices += [
        staff_card(p.id, 0, "notice.new_item_department", department=told)
        for p in routing.department_crew
    ]
    return suggestions.with_managers(ticket, staff, policy, notices, owner=ticket.owner_staff_id)


async def _night(
    uow: UnitOfWork,
    ticket: Ticket,
    policy: Policy,
    tz: ZoneInfo,
    staff: list[StaffMember],
    routing: Routing,
) -> list[Notice]:
    """At night the card goes to the night duty: the supervisor on duty and the
    department's staff on duty (no roster: all of them). The zone butler stays the
    first-ask owner but is not woken: the morning digest tells them. What cannot be done
    at night is promised for the next morning, and the resident is told so."""
    roster = await duty.roster_at(uow, policy, tz, ticket.estate_id, ticket.created_at)
    if routing.owner is not None:
        ticket.owner_staff_id = routing.owner.id
    supervisors = serving(staff, policy.deadlines.late_notify, ticket.zone)
    crew = [*routing.offered_to, *routing.department_crew]
    ids = {p.id for p in duty.on_duty_or_all(supervisors, roster, ticket.created_at)}
    ids |= {p.id for p in duty.on_duty_or_all(crew, roster, ticket.created_at)}
    ids.discard(ticket.owner_staff_id or 0)
    notices = [staff_card(i, 0, "notice.new_item_night") for i in sorted(ids)]
    morning = duty.morning_promise(ticket, policy, tz)
    if morning is not None and (
        ticket.first_answer_due_at is None or morning > ticket.first_answer_due_at
    ):
        ticket.first_answer_due_at = morning
        if ticket.resolve_due_at is not None and ticket.resolve_due_at < morning:
            ticket.resolve_due_at = morning
        notices.append(to_resident_plain(0, "resident.night_promise", due=morning))
    return notices


def _acknowledgement(
    ticket: Ticket, resident: ResidentCard, policy: Policy, usual: datetime
) -> Notice:
    """`usual`: the first answer of the ordinary promise; a later one (promised for the
    next morning at night) is said as it is."""
    due = ticket.first_answer_due_at or ticket.created_at
    within = policy.promise(Severity.GENERAL).first_answer
    if due > usual:
        within = due - ticket.created_at
    return to_resident_plain(
        ticket.id,
        request_type(ticket.kind).acknowledgement,
        name=resident.name,
        reference=ticket.reference,
        due=due,
        within=within,
    )


# --- what residents read -------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Page:
    items: list[TicketFacts]
    total: int


async def resident_tickets(
    uow: UnitOfWork, resident: ResidentCard, *, page: int, per_page: int
) -> Page:
    found = await uow.tickets.for_resident(
        resident.id, limit=per_page, offset=max(page, 0) * per_page
    )
    return Page([facts_of(t) for t in found.items], found.total)


async def resident_ticket(
    uow: UnitOfWork, resident: ResidentCard, ticket_id: int
) -> tuple[TicketFacts, list[TimelineEntry]] | None:
    """The item with its timeline, or None when it does not exist *or* is not theirs."""
    item = await uow.tickets.facts(ticket_id)
    if item is None or not can_view(resident_viewer(resident.id), scope_of(item)):
        return None
    return item, await uow.tickets.timeline(item.id)


async def resident_reference(
    uow: UnitOfWork, resident: ResidentCard, reference: str
) -> int | None:
    """The id of the resident's own item with this reference (replies name items by it)."""
    ticket = await uow.tickets.by_reference(reference)
    if ticket is None or ticket.resident_id != resident.id:
        return None
    return ticket.id

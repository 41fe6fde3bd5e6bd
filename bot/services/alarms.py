"""What each alarm does when the clock reaches it: remind, climb the escalation ladder,
offer an unaccepted item around, upgrade an old complaint, ask the resident.

An alarm is claimed in the same transaction as everything it does, so it fires once; the
item's state is checked again first, since an alarm may have become moot (answered, say)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta

from bot.domain.birthdays import WISHED, addressed, key_of
from bot.domain.deadlines import AlarmKind, becomes_major, lateness
from bot.domain.item import Item
from bot.domain.routing import crew, fallback_desk, serving
from bot.domain.staff import Department, StaffMember
from bot.domain.tickets import EventKind, Nature, Severity, TicketStatus
from bot.services import duty, emergencies, followup
from bot.services.actions import ItemContext
from bot.services.clocks import set_promises
from bot.services.duty import LateDigest
from bot.services.notices import (
    Label,
    Notice,
    Value,
    staff_card,
    to_resident,
    to_resident_plain,
)
from bot.services.workflow import hand_over
from storage.models import Ticket
from storage.repositories.alarms import Due
from storage.repositories.tickets import clocks_of

Fire = Callable[[ItemContext, Ticket, Due], Awaitable[list[Notice]]]


LATE_KINDS = frozenset(
    {
        AlarmKind.ANSWER_LATE,
        AlarmKind.RESOLVE_LATE,
        AlarmKind.REPORT_LATE,
        AlarmKind.ANSWER_TWICE_LATE,
        AlarmKind.RESOLVE_TWICE_LATE,
        AlarmKind.SERVICE_LATE,
    }
)


async def fire(ctx: ItemContext, due: Due, digest: LateDigest | None = None) -> None:
    """`digest`: a sweep's late cards are held there and sent when it ends, one digest
    to whoever has too many of them."""
    ticket = ctx.uow.tickets.cached(due.ticket_id) or await ctx.uow.tickets.get(due.ticket_id)
    if ticket is None:
        return
    if due.kind in (AlarmKind.FOLLOWUP_ASK, AlarmKind.FOLLOWUP_REMIND):
        await followup.ask(ctx, ticket, reminder=due.kind is AlarmKind.FOLLOWUP_REMIND)
        return
    if due.kind is AlarmKind.FOLLOWUP_CLOSE:
        await followup.no_response(ctx, ticket)
        return
    if due.kind is AlarmKind.MONTH_OLD:
        await ctx.done(ticket, await _month_old(ctx, ticket, due))
        return
    if due.kind is AlarmKind.ESCALATION_UNSEEN:
        await duty.climb(ctx, ticket)
        return
    if due.kind is AlarmKind.BIRTHDAY_WISHES:
        await _wishes(ctx, ticket)
        return
    if due.kind is AlarmKind.EMERGENCY_PAGE:
        await emergencies.page_again(ctx, ticket)
        return
    # A reminder or a rung of the ladder changes nothing about the item, so its plan
    # stands (the alarm that fired is history): tell, and record that it was told.
    notices = await FIRES[due.kind](ctx, ticket, due)
    if notices:
        ctx.record(ticket, EventKind.REMINDED, note=due.kind.value, touch=False)
        if digest is not None and due.kind in LATE_KINDS:
            notices = digest.hold(notices)
        await ctx.notifier.tell(notices, ctx.now)


def _handlers(ticket: Ticket) -> list[int]:
    """Who works the item now: the assignee, else the owner."""
    who = ticket.assignee_staff_id or ticket.owner_staff_id
    return [who] if who is not None else []


def _cards(ids: Iterable[int], ticket: Ticket, key: str, **values: Value) -> list[Notice]:
    return [staff_card(i, ticket.id, key, **values) for i in sorted(set(ids))]


def _ids(*found: int | None) -> set[int]:
    return {i for i in found if i is not None}


def _answer_pending(ticket: Ticket) -> bool:
    working = ticket.status not in (
        TicketStatus.REVIEW,
        TicketStatus.RESOLVED,
        TicketStatus.CLOSED,
    )
    return ticket.first_answered_at is None and working


def _resolve_pending(ticket: Ticket) -> bool:
    return ticket.status not in (
        TicketStatus.RESOLVED,
        TicketStatus.CLOSED,
        TicketStatus.WAITING,
    )


async def _desk_if_nobody(ctx: ItemContext, ticket: Ticket, ids: list[int]) -> list[int]:
    if ids:
        return ids
    desk = fallback_desk(await ctx.staff(ticket), ctx.policy.ownership.rule, ticket.zone)
    return [p.id for p in desk]


async def _soon(ctx: ItemContext, ticket: Ticket, due: Due) -> list[Notice]:
    """At the policy's share of a deadline: the assignee (or owner, or the desk)."""
    deadline = {
        AlarmKind.ANSWER_SOON: ticket.first_answer_due_at,
        AlarmKind.RESOLVE_SOON: ticket.resolve_due_at,
        AlarmKind.REPORT_SOON: ticket.report_due_at,
    }[due.kind]
    pending = {
        AlarmKind.ANSWER_SOON: _answer_pending(ticket),
        AlarmKind.RESOLVE_SOON: _resolve_pending(ticket),
        AlarmKind.REPORT_SOON: ticket.report_due_at is not None and _resolve_pending(ticket),
    }[due.kind]
    if deadline is None or not pending:
        return []
    ids = await _desk_if_nobody(ctx, ticket, _handlers(ticket))
    if due.kind is AlarmKind.REPORT_SOON and ticket.assignee_staff_id is None:
        ids = [p.id for p in _department(await ctx.staff(ticket), ticket)] or ids
    left = deadline - ctx.now
    if left <= timedelta(0):
        # Fired after its deadline (the process was down): the late alarm, due at that
        # deadline, fires in the same sweep and says it; a second card would be noise.
        return []
    return _cards(ids, ticket, f"notice.{due.kind.value}", due=deadline, left=left)


def _ahead(key: str, left: timedelta) -> str:
    """A reminder fired after its moment (after downtime) says the moment has passed,
    not "in -10 minutes"."""
    return key if left > timedelta(0) else f"{key}_passed"


def _department(staff: list[StaffMember], ticket: Ticket) -> list[StaffMember]:
    if ticket.department is None:
        return []
    return crew(staff, Department(ticket.department), ticket.zone)


async def _late(ctx: ItemContext, ticket: Ticket, due: Due) -> list[Notice]:
    """At a missed deadline: the duty supervisor and the first-ask owner (and, for a report
    the department owes, the department); an item nobody accepted is offered around."""
    answer = due.kind is AlarmKind.ANSWER_LATE
    report = due.kind is AlarmKind.REPORT_LATE
    deadline = (
        ticket.first_answer_due_at
        if answer
        else ticket.report_due_at
        if report
        else ticket.resolve_due_at
    )
    pending = _answer_pending(ticket) if answer else _resolve_pending(ticket)
    if deadline is None or not pending:
        return []
    staff = await ctx.staff(ticket)
    late = lateness(deadline, ctx.now)
    ids = _ids(ticket.owner_staff_id)
    if report:
        ids |= set(_handlers(ticket)) | {p.id for p in _department(staff, ticket)}
    else:
        ids |= {p.id for p in await _supervisors_on_duty(ctx, ticket, staff)}
    notices = _cards(ids, ticket, f"notice.{due.kind.value}", due=deadline, late=late)
    if answer and ticket.assignee_staff_id is None:
        notices += _reoffer(ctx, ticket, staff, told=ids)
    return notices


async def _supervisors_on_duty(
    ctx: ItemContext, ticket: Ticket, staff: list[StaffMember]
) -> list[StaffMember]:
    """Late messages go to the supervisor on duty (by the roster), not every supervisor;
    with no roster, or nobody of them rostered, to all of them."""
    supervisors = serving(staff, ctx.policy.deadlines.late_notify, ticket.zone)
    roster = await duty.roster_now(ctx, ticket.estate_id)
    return duty.on_duty_or_all(supervisors, roster, ctx.now)


def _reoffer(
    ctx: ItemContext, ticket: Ticket, staff: list[StaffMember], told: set[int]
) -> list[Notice]:
    """Nobody accepted in time: every active member of the department, of any zone, may
    take it (the first to tap *Accept*)."""
    if ticket.department is None:
        return []
    department = Department(ticket.department)
    others = [p for p in staff if p.department is department and p.id not in told]
    if not others:
        return []
    ctx.record(ticket, EventKind.REOFFERED)
    notices = [staff_card(p.id, ticket.id, "notice.reoffered") for p in others]
    if ticket.owner_staff_id is not None:
        label = Label.of(f"department.{department.value}")
        notices.append(
            staff_card(ticket.owner_staff_id, ticket.id, "notice.reoffered_owner", to=label)
        )
    return notices


async def _twice_late(ctx: ItemContext, ticket: Ticket, due: Due) -> list[Notice]:
    """At twice the time: the senior butler; for major items the chief and project head."""
    answer = due.kind is AlarmKind.ANSWER_TWICE_LATE
    deadline = ticket.first_answer_due_at if answer else ticket.resolve_due_at
    pending = _answer_pending(ticket) if answer else _resolve_pending(ticket)
    if deadline is None or not pending:
        return []
    rules = ctx.policy.deadlines
    roles = list(rules.twice_late_notify)
    if ticket.severity == Severity.MAJOR:
        roles += rules.twice_late_major_notify
    people = serving(await ctx.staff(ticket), roles, ticket.zone)
    late = lateness(deadline, ctx.now)
    return _cards(
        [p.id for p in people], ticket, f"notice.{due.kind.value}", due=deadline, late=late
    )


async def _waiting_date(ctx: ItemContext, ticket: Ticket, due: Due) -> list[Notice]:
    if ticket.status != TicketStatus.WAITING or ticket.waiting_until is None:
        return []
    ids = await _desk_if_nobody(ctx, ticket, _handlers(ticket))
    return _cards(ids, ticket, "notice.waiting_date", day=ticket.waiting_until)


async def _service_soon(ctx: ItemContext, ticket: Ticket, due: Due) -> list[Notice]:
    """Before a delivery (or a visit): whoever works it, else its department."""
    if ticket.service_at is None or ticket.service_done_at is not None:
        return []
    ids = _handlers(ticket) or [p.id for p in _department(await ctx.staff(ticket), ticket)]
    left = ticket.service_at - ctx.now
    key = _ahead("notice.service_soon", left)
    return _cards(ids, ticket, key, at=ticket.service_at, left=left)


async def _service_late(ctx: ItemContext, ticket: Ticket, due: Due) -> list[Notice]:
    """Not delivered at the agreed time: the duty supervisor, the owner and whoever works it."""
    if ticket.service_at is None or ticket.service_done_at is not None:
        return []
    staff = await ctx.staff(ticket)
    ids = _ids(ticket.owner_staff_id, ticket.assignee_staff_id)
    ids |= {p.id for p in await _supervisors_on_duty(ctx, ticket, staff)}
    late = lateness(ticket.service_at, ctx.now)
    return _cards(ids, ticket, "notice.service_late", at=ticket.service_at, late=late)


async def _wishes(ctx: ItemContext, ticket: Ticket) -> None:
    """On the birthday of a birthday order: the project's own wishes, to the resident and
    naming whom the birthday is for when it is not theirs (once a year for each person:
    the yearly wishes, with consent, skip a year already wished)."""
    if ticket.resident_id is None or ticket.wish_on is None:
        return
    resident = await ctx.uow.residents.get(ticket.resident_id)
    year = ctx.now.astimezone(ctx.tz).year
    if resident is None:
        return
    if ticket.wish_for is None:
        if resident.wished_year == year:
            return
        resident.wished_year = year
        notice = to_resident_plain(ticket.id, "order.birthday_wishes")
    else:
        kept = await ctx.uow.residents.birthday_of(resident.id, key_of(ticket.wish_for))
        if kept is not None and kept.wished_year == year:
            return
        if kept is not None:
            kept.wished_year = year
        whom = addressed(ticket.wish_for)
        notice = to_resident_plain(ticket.id, "order.birthday_wishes_for", whom=whom)
    ctx.record(ticket, EventKind.REMINDED, note=WISHED, touch=False)
    await ctx.notifier.tell([notice], ctx.now)


async def _month_old(ctx: ItemContext, ticket: Ticket, due: Due) -> list[Notice]:
    """A valid complaint still open after the policy's days becomes major from that day,
    with all that major implies: the major promises counted from the upgrade (not from
    filing, which would make it late before anyone could act), handed to the chief
    butler, the project head told, and the resident told the new date."""
    if not becomes_major(clocks_of(ticket)):
        return []
    ticket.severity = Severity.MAJOR.value
    ticket.nature = ticket.nature or Nature.VALID.value
    Item.of(ticket).restart_clock(ctx.now)
    set_promises(ticket, ctx.policy, ctx.tz, start=ctx.now)
    ctx.record(ticket, EventKind.UPGRADED, note=Severity.MAJOR.value)
    notices = await hand_over(ctx, ticket, Severity.MAJOR)
    ids = set(_handlers(ticket)) | _ids(ticket.owner_staff_id)
    notices += _cards(ids, ticket, "notice.upgraded")
    if ticket.resolve_due_at is not None:
        notices.append(to_resident(ticket.id, "resident.upgraded", until=ticket.resolve_due_at))
    return notices


FIRES: dict[AlarmKind, Fire] = {
    AlarmKind.ANSWER_SOON: _soon,
    AlarmKind.RESOLVE_SOON: _soon,
    AlarmKind.REPORT_SOON: _soon,
    AlarmKind.ANSWER_LATE: _late,
    AlarmKind.RESOLVE_LATE: _late,
    AlarmKind.REPORT_LATE: _late,
    AlarmKind.ANSWER_TWICE_LATE: _twice_late,
    AlarmKind.RESOLVE_TWICE_LATE: _twice_late,
    AlarmKind.WAITING_DATE: _waiting_date,
    AlarmKind.SERVICE_SOON: _service_soon,
    AlarmKind.SERVICE_LATE: _service_late,
}

"""Staff actions on an item. Each checks permission, changes the item, appends to its
timeline, and returns the notices owed to people; the caller's unit of work commits."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from bot.domain.permissions import Action, TicketScope, Viewer, ViewerKind, can
from bot.domain.residents import ResidentCard
from bot.domain.staff import Department, Role
from bot.domain.tickets import EventKind, Nature, TicketStatus
from bot.domain.workflow import (
    Classification,
    WaitingReason,
    after_resolve,
    clocks_for,
    escalation_roles,
)
from bot.policy import Policy
from bot.services.notices import Notice, staff_card, to_resident

__all__ = ["Notice"]
from storage.models import Staff, Ticket, TicketEvent
from storage.uow import UnitOfWork

Runner = Callable[["ActionContext", int], Awaitable[list[Notice]]]


class Refused(Exception):
    """Not allowed, not found, or no longer possible: the caller answers politely."""


def viewer_of(staff: Staff) -> Viewer:
    return Viewer(
        ViewerKind.STAFF,
        staff.id,
        role=staff.role,
        department=staff.department,
        zone=staff.zone,
        estate_id=staff.estate_id,
        active=staff.active,
    )


def resident_viewer(resident: ResidentCard) -> Viewer:
    return Viewer(ViewerKind.RESIDENT, resident.id)


def scope_of(ticket: Ticket) -> TicketScope:
    return TicketScope(
        resident_id=ticket.resident_id,
        owner_staff_id=ticket.owner_staff_id,
        assignee_staff_id=ticket.assignee_staff_id,
        department=ticket.department,
        zone=ticket.zone,
        estate_id=ticket.estate_id,
        status=ticket.status,
    )


async def load(uow: UnitOfWork, viewer: Viewer, ticket_id: int, action: Action) -> Ticket:
    ticket = await uow.tickets.get(ticket_id, for_update=action is not Action.VIEW)
    if ticket is None or not can(viewer, action, scope_of(ticket)):
        raise Refused(action.value)
    return ticket


@dataclass(slots=True)
class ActionContext:
    uow: UnitOfWork
    actor: Staff
    now: datetime
    policy: Policy

    def record(
        self,
        ticket: Ticket,
        kind: EventKind,
        *,
        status: TicketStatus | None = None,
        note: str | None = None,
    ) -> None:
        if status is not None:
            ticket.status = status.value
        ticket.updated_at = self.now
        self.uow.tickets.add_event(
            TicketEvent(
                ticket_id=ticket.id,
                created_at=self.now,
                kind=kind.value,
                actor_kind="staff",
                actor_id=self.actor.id,
                actor_role=self.actor.role,
                status=ticket.status,
                note=note,
            )
        )

    def others(self, ticket: Ticket, key: str, **values: str) -> list[Notice]:
        """Owner and assignee both hear of changes, except from themselves."""
        ids = {i for i in (ticket.owner_staff_id, ticket.assignee_staff_id) if i is not None}
        return [staff_card(i, ticket.id, key, **values) for i in sorted(ids - {self.actor.id})]

    def role(self) -> str:
        return self.actor.role


def _answered(ticket: Ticket, now: datetime) -> None:
    if ticket.first_answered_at is None:
        ticket.first_answered_at = now


async def accept(ctx: ActionContext, ticket_id: int) -> list[Notice]:
    ticket = await load(ctx.uow, viewer_of(ctx.actor), ticket_id, Action.ACCEPT)
    if ticket.assignee_staff_id is None or ctx.actor.department == ticket.department:
        ticket.assignee_staff_id = ctx.actor.id
    _answered(ticket, ctx.now)
    ctx.record(ticket, EventKind.ACCEPTED, status=TicketStatus.ACCEPTED)
    return [
        to_resident(ticket.id, "resident.accepted", role=ctx.role()),
        *ctx.others(ticket, "notice.accepted", role=ctx.role()),
    ]


async def reply(ctx: ActionContext, ticket_id: int, text: str) -> list[Notice]:
    ticket = await load(ctx.uow, viewer_of(ctx.actor), ticket_id, Action.REPLY)
    _answered(ticket, ctx.now)
    ctx.record(ticket, EventKind.REPLIED, note=text)
    signature = {"name": ctx.actor.name} if ctx.policy.staff.sign_with_name else {}
    return [
        to_resident(ticket.id, "resident.staff_reply", role=ctx.role(), text=text, **signature)
    ]


async def note(ctx: ActionContext, ticket_id: int, text: str) -> list[Notice]:
    ticket = await load(ctx.uow, viewer_of(ctx.actor), ticket_id, Action.NOTE)
    ctx.record(ticket, EventKind.NOTE, note=text)
    return []


async def classify(
    ctx: ActionContext, ticket_id: int, classification: Classification
) -> list[Notice]:
    ticket = await load(ctx.uow, viewer_of(ctx.actor), ticket_id, Action.CLASSIFY)
    ticket.nature, ticket.severity = classification.nature.value, classification.severity.value
    promise = ctx.policy.promise(classification.severity)
    clocks = clocks_for(ticket.created_at, promise.first_answer, promise.resolve)
    ticket.first_answer_due_at = clocks.first_answer_due_at
    if ticket.resolve_due_at is not None:
        ticket.resolve_due_at = clocks.resolve_due_at
    label = f"{classification.nature.value}/{classification.severity.value}"
    notices: list[Notice] = []
    if classification.nature is Nature.INVALID:
        explanation = classification.explanation or ""
        _answered(ticket, ctx.now)
        ticket.resolved_at = ctx.now
        ctx.record(
            ticket,
            EventKind.CLASSIFIED,
            status=TicketStatus.RESOLVED,
            note=f"{label}: {explanation}",
        )
        notices.append(to_resident(ticket.id, "resident.out_of_scope", text=explanation))
    else:
        ctx.record(ticket, EventKind.CLASSIFIED, note=label)
    roles = escalation_roles(classification.severity, promise.notify)
    if roles and ctx.actor.estate_id is not None:
        for person in await ctx.uow.staff.active(ctx.actor.estate_id, roles=roles):
            if person.id != ctx.actor.id:
                notices.append(
                    staff_card(
                        person.id, ticket.id, f"notice.escalated_{classification.severity.value}"
                    )
                )
    return notices + ctx.others(ticket, "notice.classified", label=label)


async def transfer(
    ctx: ActionContext,
    ticket_id: int,
    *,
    department: Department | None = None,
    staff_id: int | None = None,
) -> list[Notice]:
    """Move the work; the first-ask owner stays accountable (首问责任制)."""
    ticket = await load(ctx.uow, viewer_of(ctx.actor), ticket_id, Action.TRANSFER)
    assert ctx.actor.estate_id is not None
    targets: list[Staff]
    if staff_id is not None:
        person = await ctx.uow.staff.get(staff_id)
        if person is None or not person.active or person.estate_id != ctx.actor.estate_id:
            raise Refused("transfer")
        ticket.department, ticket.assignee_staff_id = person.department, person.id
        targets, label = [person], person.role
    elif department is not None:
        ticket.department, ticket.assignee_staff_id = department.value, None
        targets = await ctx.uow.staff.active(ctx.actor.estate_id, department=department.value)
        label = department.value
    else:
        raise Refused("transfer")
    ctx.record(ticket, EventKind.TRANSFERRED, status=TicketStatus.IN_PROGRESS, note=label)
    notices = [
        staff_card(p.id, ticket.id, "notice.transferred_to_you")
        for p in targets
        if p.id != ctx.actor.id
    ]
    if ticket.owner_staff_id not in (None, ctx.actor.id, *[p.id for p in targets]):
        assert ticket.owner_staff_id is not None
        notices.append(
            staff_card(ticket.owner_staff_id, ticket.id, "notice.transferred", target=label)
        )
    return notices


async def wait(ctx: ActionContext, ticket_id: int, reason: str) -> list[Notice]:
    if reason not in WaitingReason.ALL:
        raise Refused("wait")
    ticket = await load(ctx.uow, viewer_of(ctx.actor), ticket_id, Action.WAIT)
    ticket.waiting_reason = reason
    ctx.record(ticket, EventKind.WAITING, status=TicketStatus.WAITING, note=reason)
    return [
        to_resident(ticket.id, f"resident.waiting_{reason}"),
        *ctx.others(ticket, "notice.waiting", reason=reason),
    ]


async def resolve(ctx: ActionContext, ticket_id: int, result: str) -> list[Notice]:
    ticket = await load(ctx.uow, viewer_of(ctx.actor), ticket_id, Action.RESOLVE)
    status = after_resolve(viewer_of(ctx.actor), ticket.owner_staff_id)
    ctx.record(ticket, EventKind.RESOLVED, status=status, note=result)
    if status is TicketStatus.REVIEW:
        assert ticket.owner_staff_id is not None
        return [staff_card(ticket.owner_staff_id, ticket.id, "notice.review", result=result)]
    ticket.resolved_at = ctx.now
    _answered(ticket, ctx.now)
    return [
        to_resident(ticket.id, "resident.resolved", text=result),
        *ctx.others(ticket, "notice.resolved"),
    ]


async def accept_result(ctx: ActionContext, ticket_id: int) -> list[Notice]:
    ticket = await load(ctx.uow, viewer_of(ctx.actor), ticket_id, Action.REVIEW)
    events = await ctx.uow.tickets.events(ticket.id)
    result = next((e.note for e in reversed(events) if e.kind == EventKind.RESOLVED), "") or ""
    ticket.resolved_at = ctx.now
    ctx.record(ticket, EventKind.RESULT_ACCEPTED, status=TicketStatus.RESOLVED)
    return [
        to_resident(ticket.id, "resident.resolved", text=result),
        *ctx.others(ticket, "notice.result_accepted"),
    ]


async def send_back(ctx: ActionContext, ticket_id: int, reason: str) -> list[Notice]:
    ticket = await load(ctx.uow, viewer_of(ctx.actor), ticket_id, Action.REVIEW)
    ctx.record(ticket, EventKind.SENT_BACK, status=TicketStatus.IN_PROGRESS, note=reason)
    return ctx.others(ticket, "notice.sent_back", reason=reason)


async def contact_phone(ctx: ActionContext, ticket_id: int) -> str:
    """The number to call about an item; every look is logged (who, whose, when)."""
    ticket = await load(ctx.uow, viewer_of(ctx.actor), ticket_id, Action.SEE_PHONE)
    resident = await ctx.uow.residents.get(ticket.resident_id) if ticket.resident_id else None
    ctx.uow.access_log.record(
        staff_id=ctx.actor.id,
        resident_id=ticket.resident_id,
        ticket_id=ticket.id,
        what="phone",
        now=ctx.now,
    )
    return ticket.contact_phone or (resident.phone if resident else "")


async def resident_message(
    uow: UnitOfWork, resident: ResidentCard, ticket_id: int, text: str, now: datetime
) -> list[Notice]:
    """A resident's words about an open item reach whoever handles it, and its owner."""
    ticket = await load(uow, resident_viewer(resident), ticket_id, Action.MESSAGE)
    ticket.updated_at = now
    uow.tickets.add_event(
        TicketEvent(
            ticket_id=ticket.id,
            created_at=now,
            kind=EventKind.MESSAGE.value,
            actor_kind="resident",
            actor_id=resident.id,
            status=ticket.status,
            note=text,
        )
    )
    ids = {ticket.owner_staff_id, ticket.assignee_staff_id} - {None}
    return [
        staff_card(i, ticket.id, "notice.resident_message", text=text)
        for i in sorted(i for i in ids if i is not None)
    ]


async def route_new(uow: UnitOfWork, ticket: Ticket, policy: Policy) -> list[Notice]:
    """Give a new item its department and its first-ask owner, the zone's butler."""
    ticket.department = policy.department_for(ticket.category).value
    if ticket.estate_id is None:
        return []
    staff = await uow.staff.active(ticket.estate_id)
    butlers = [p for p in staff if p.role == Role.BUTLER and ticket.zone and p.zone == ticket.zone]
    if butlers:
        owner = butlers[0]
        ticket.owner_staff_id = ticket.owner_staff_id or owner.id
        ticket.assignee_staff_id = ticket.assignee_staff_id or owner.id
        return [staff_card(owner.id, ticket.id, "notice.new_item")]
    # No butler for that zone yet: the desk hears of it, so nothing waits unseen.
    desk = [p for p in staff if p.department == Department.CUSTOMER_SERVICE]
    return [staff_card(p.id, ticket.id, "notice.new_item") for p in desk]

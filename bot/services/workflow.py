"""Staff actions on an item. Each checks permission and the state machine, changes the item,
appends to its timeline and queues the notices it owes, all in the caller's unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain import lifecycle
from bot.domain.lifecycle import Action, Situation
from bot.domain.permissions import (
    TicketScope,
    Viewer,
    can,
    resident_viewer,
    staff_viewer,
)
from bot.domain.residents import ResidentCard
from bot.domain.routing import crew, fallback_desk
from bot.domain.staff import DESK_ROLES, Department, StaffMember
from bot.domain.tickets import EventKind, Nature, TicketStatus, WaitingReason
from bot.domain.workflow import (
    Classification,
    clocks_for,
    escalation_roles,
    result_needs_review,
)
from bot.policy import Policy
from bot.services.notices import Label, Notice, Value, staff_card, to_resident
from bot.services.notifier import Notifier
from storage.models import Ticket, TicketEvent
from storage.uow import UnitOfWork


class Refused(Exception):
    """Not allowed, not found, or no longer possible: the caller answers politely."""


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


def situation_of(ticket: Ticket) -> Situation:
    return scope_of(ticket).situation


async def load(uow: UnitOfWork, viewer: Viewer, ticket_id: int, action: Action) -> Ticket:
    """The item, locked for the change; Refused unless the viewer may do this now."""
    ticket = await uow.tickets.get(ticket_id, for_update=action is not Action.VIEW)
    if ticket is None or not can(viewer, action, scope_of(ticket)):
        raise Refused(action.value)
    return ticket


def _role(member: StaffMember) -> Label:
    return Label.of(f"role.{member.role.value}")


@dataclass(slots=True)
class ActionContext:
    uow: UnitOfWork
    actor: StaffMember
    now: datetime
    policy: Policy
    notifier: Notifier

    @property
    def viewer(self) -> Viewer:
        return staff_viewer(self.actor)

    async def load(self, ticket_id: int, action: Action) -> Ticket:
        return await load(self.uow, self.viewer, ticket_id, action)

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
                actor_role=self.actor.role.value,
                status=ticket.status,
                note=note,
            )
        )

    def others(self, ticket: Ticket, key: str, **values: str | Label) -> list[Notice]:
        """Owner and assignee both hear of changes, except from themselves."""
        ids = {i for i in (ticket.owner_staff_id, ticket.assignee_staff_id) if i is not None}
        return [staff_card(i, ticket.id, key, **values) for i in sorted(ids - {self.actor.id})]

    def signature(self) -> dict[str, Value]:
        """How staff sign to residents: their role, and their name if the policy says so."""
        signed: dict[str, Value] = {"role": _role(self.actor)}
        if self.policy.staff.sign_with_name:
            signed["name"] = self.actor.name
        return signed

    def take_ownership(self, ticket: Ticket) -> None:
        """On an item nobody owns, the desk member who acts takes first-ask responsibility."""
        if ticket.owner_staff_id is None and self.actor.role in DESK_ROLES:
            ticket.owner_staff_id = self.actor.id

    async def tell(self, notices: list[Notice]) -> None:
        await self.notifier.tell(notices, self.now)


def _answered(ticket: Ticket, now: datetime) -> None:
    if ticket.first_answered_at is None:
        ticket.first_answered_at = now


async def accept(ctx: ActionContext, ticket_id: int) -> None:
    ticket = await ctx.load(ticket_id, Action.ACCEPT)
    before = situation_of(ticket)
    status = lifecycle.after(Action.ACCEPT, before)
    takes_work = before.status in (TicketStatus.NEW, TicketStatus.REOPENED) or not (
        before.has_assignee
    )
    ctx.take_ownership(ticket)
    if takes_work:
        ticket.assignee_staff_id = ctx.actor.id
        _answered(ticket, ctx.now)
    ctx.record(ticket, EventKind.ACCEPTED, status=status)
    notices = ctx.others(ticket, "notice.accepted", role=_role(ctx.actor))
    if takes_work:
        notices.insert(0, to_resident(ticket.id, "resident.accepted", role=_role(ctx.actor)))
    await ctx.tell(notices)


async def reply(ctx: ActionContext, ticket_id: int, text: str) -> None:
    ticket = await ctx.load(ticket_id, Action.REPLY)
    _answered(ticket, ctx.now)
    ctx.record(ticket, EventKind.REPLIED, note=text)
    await ctx.tell([to_resident(ticket.id, "resident.staff_reply", text=text, **ctx.signature())])


async def note(ctx: ActionContext, ticket_id: int, text: str) -> None:
    ticket = await ctx.load(ticket_id, Action.NOTE)
    ctx.record(ticket, EventKind.NOTE, note=text)


async def classify(ctx: ActionContext, ticket_id: int, classification: Classification) -> None:
    """Set nature and severity; the promises follow the severity, counted from filing."""
    ticket = await ctx.load(ticket_id, Action.CLASSIFY)
    ticket.nature, ticket.severity = classification.nature.value, classification.severity.value
    promise = ctx.policy.promise(classification.severity)
    clocks = clocks_for(ticket.created_at, promise.first_answer, promise.resolve)
    ticket.first_answer_due_at = clocks.first_answer_due_at
    if ticket.resolve_due_at is not None:
        ticket.resolve_due_at = clocks.resolve_due_at
    label = Label.of(
        f"nature.{classification.nature.value}", f"severity.{classification.severity.value}"
    )
    note_text = f"{classification.nature.value}/{classification.severity.value}"
    notices: list[Notice] = []
    if classification.nature is Nature.INVALID:
        explanation = classification.explanation or ""
        _answered(ticket, ctx.now)
        ticket.resolved_at = ctx.now
        status = lifecycle.out_of_scope(situation_of(ticket))
        ctx.record(ticket, EventKind.CLASSIFIED, status=status, note=f"{note_text}: {explanation}")
        notices.append(to_resident(ticket.id, "resident.out_of_scope", text=explanation))
    else:
        ctx.record(ticket, EventKind.CLASSIFIED, note=note_text)
    roles = escalation_roles(classification.severity, promise.notify)
    if roles:
        key = f"notice.escalated_{classification.severity.value}"
        for person in await ctx.uow.staff.members(ctx.actor.estate_id):
            if person.role.value in roles and person.id != ctx.actor.id:
                notices.append(staff_card(person.id, ticket.id, key))
    await ctx.tell(notices + ctx.others(ticket, "notice.classified", label=label))


async def transfer(
    ctx: ActionContext,
    ticket_id: int,
    *,
    department: Department | None = None,
    staff_id: int | None = None,
) -> None:
    """Move the work; the first-ask owner stays accountable (首问责任制)."""
    ticket = await ctx.load(ticket_id, Action.TRANSFER)
    status = lifecycle.after(Action.TRANSFER, situation_of(ticket))
    targets: list[StaffMember]
    target: Label
    if staff_id is not None:
        person = await ctx.uow.staff.member(staff_id)
        if person is None or not person.active or person.estate_id != ctx.actor.estate_id:
            raise Refused("transfer")
        ticket.department, ticket.assignee_staff_id = person.department.value, person.id
        targets, target, where = [person], _role(person), f"{person.role.value}:{person.id}"
    elif department is not None:
        ticket.department, ticket.assignee_staff_id = department.value, None
        staff = await ctx.uow.staff.members(ctx.actor.estate_id)
        targets = crew(staff, department, ticket.zone)
        target, where = Label.of(f"department.{department.value}"), department.value
    else:
        raise Refused("transfer")
    ctx.take_ownership(ticket)
    ctx.record(ticket, EventKind.TRANSFERRED, status=status, note=where)
    notices = [
        staff_card(p.id, ticket.id, "notice.transferred_to_you")
        for p in targets
        if p.id != ctx.actor.id
    ]
    if ticket.owner_staff_id not in (None, ctx.actor.id, *[p.id for p in targets]):
        assert ticket.owner_staff_id is not None
        notices.append(
            staff_card(ticket.owner_staff_id, ticket.id, "notice.transferred", target=target)
        )
    await ctx.tell(notices)


async def wait(ctx: ActionContext, ticket_id: int, reason: WaitingReason) -> None:
    ticket = await ctx.load(ticket_id, Action.WAIT)
    status = lifecycle.after(Action.WAIT, situation_of(ticket))
    ticket.waiting_reason = reason.value
    ctx.record(ticket, EventKind.WAITING, status=status, note=reason.value)
    await ctx.tell(
        [
            to_resident(ticket.id, f"resident.waiting_{reason.value}"),
            *ctx.others(ticket, "notice.waiting", reason=Label.of(f"waiting.{reason.value}")),
        ]
    )


async def resolve(ctx: ActionContext, ticket_id: int, result: str) -> None:
    """The owner's result reaches the resident; anyone else's goes to the owner's review."""
    ticket = await ctx.load(ticket_id, Action.RESOLVE)
    ctx.take_ownership(ticket)
    needs_review = result_needs_review(ctx.actor.id, ticket.owner_staff_id)
    status = lifecycle.after(Action.RESOLVE, situation_of(ticket), needs_review=needs_review)
    ctx.record(ticket, EventKind.RESOLVED, status=status, note=result)
    if status is TicketStatus.REVIEW:
        await ctx.tell(
            [
                staff_card(i, ticket.id, "notice.review", result=result)
                for i in await _reviewers(ctx, ticket)
            ]
        )
        return
    ticket.resolved_at = ctx.now
    _answered(ticket, ctx.now)
    await ctx.tell(
        [
            to_resident(ticket.id, "resident.resolved", text=result),
            *ctx.others(ticket, "notice.resolved"),
        ]
    )


async def _reviewers(ctx: ActionContext, ticket: Ticket) -> list[int]:
    """The owner checks a result; with no owner yet, the desk on duty does."""
    if ticket.owner_staff_id is not None:
        return [ticket.owner_staff_id]
    staff = await ctx.uow.staff.members(ctx.actor.estate_id)
    desk = fallback_desk(staff, ctx.policy.ownership.rule, ticket.zone)
    return [p.id for p in desk if p.id != ctx.actor.id]


async def accept_result(ctx: ActionContext, ticket_id: int) -> None:
    ticket = await ctx.load(ticket_id, Action.ACCEPT_RESULT)
    status = lifecycle.after(Action.ACCEPT_RESULT, situation_of(ticket))
    events = await ctx.uow.tickets.events(ticket.id)
    result = next((e.note for e in reversed(events) if e.kind == EventKind.RESOLVED), "") or ""
    ctx.take_ownership(ticket)
    ticket.resolved_at = ctx.now
    _answered(ticket, ctx.now)
    ctx.record(ticket, EventKind.RESULT_ACCEPTED, status=status)
    await ctx.tell(
        [
            to_resident(ticket.id, "resident.resolved", text=result),
            *ctx.others(ticket, "notice.result_accepted"),
        ]
    )


async def send_back(ctx: ActionContext, ticket_id: int, reason: str) -> None:
    ticket = await ctx.load(ticket_id, Action.SEND_BACK)
    status = lifecycle.after(Action.SEND_BACK, situation_of(ticket))
    ctx.take_ownership(ticket)
    ctx.record(ticket, EventKind.SENT_BACK, status=status, note=reason)
    await ctx.tell(ctx.others(ticket, "notice.sent_back", reason=reason))


async def contact_phone(ctx: ActionContext, ticket_id: int) -> str:
    """The number to call about an item; every look is logged (who, whose, when)."""
    ticket = await ctx.load(ticket_id, Action.SEE_PHONE)
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
    uow: UnitOfWork,
    notifier: Notifier,
    policy: Policy,
    resident: ResidentCard,
    ticket_id: int,
    text: str,
    now: datetime,
) -> None:
    """A resident's words about an open item reach whoever handles it, and its owner."""
    ticket = await load(uow, resident_viewer(resident.id), ticket_id, Action.MESSAGE)
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
    ids = {i for i in (ticket.owner_staff_id, ticket.assignee_staff_id) if i is not None}
    if not ids and ticket.estate_id is not None:
        staff = await uow.staff.members(ticket.estate_id)
        ids = {p.id for p in fallback_desk(staff, policy.ownership.rule, ticket.zone)}
    notices = [staff_card(i, ticket.id, "notice.resident_message", text=text) for i in sorted(ids)]
    await notifier.tell(notices, now)

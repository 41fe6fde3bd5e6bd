"""Enrolling staff by invite, and changing or withdrawing their access.

Who may grant what is the permission rules' (bot.domain.permissions): a senior butler only
roles below their own, the chief butler and the project head any role, ADMIN_IDS anything.
Someone deactivated hands over at once everything they held (bot.domain.leaving): their
open items get new owners and assignees, who are told, the manager hears what went where,
and messages still queued for them go to whoever took over.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.domain.invites import InviteProblem, check_invite, new_token, token_hash
from bot.domain.item import Item
from bot.domain.leaving import new_assignee, new_owner
from bot.domain.permissions import Viewer, can_change, can_grant, can_manage_staff
from bot.domain.routing import Ownership, nearest
from bot.domain.staff import Department, Role, StaffMember
from bot.domain.tickets import EventKind
from bot.htmltext import join
from bot.services.notices import Notice, NoticeKind, from_json, staff_card, to_json
from bot.services.notifier import Notifier
from storage.models import Invite, OutboxMessage, Staff, Ticket
from storage.repositories.staff import member_of
from storage.uow import UnitOfWork


class NotAllowed(PermissionError):
    """The person may not grant or change this access."""


@dataclass(frozen=True, slots=True)
class Granter:
    """Who is granting access: a staff member (as a viewer), an administrator, or both."""

    viewer: Viewer | None
    is_admin: bool

    def may_manage(self) -> bool:
        if self.viewer is None:
            return self.is_admin
        return can_manage_staff(self.viewer, is_admin=self.is_admin)

    def may_grant(self, role: Role) -> bool:
        return can_grant(self.viewer, role, is_admin=self.is_admin)

    def may_change(self, target: StaffMember) -> bool:
        return can_change(self.viewer, target, is_admin=self.is_admin)


@dataclass(frozen=True, slots=True)
class InviteSpec:
    role: Role
    department: Department
    zone: str | None


async def create_invite(
    uow: UnitOfWork,
    *,
    granter: Granter,
    estate_id: int,
    spec: InviteSpec,
    created_by: int,
    now: datetime,
    valid_for: timedelta,
) -> str:
    """Return the token for the deep link; only its hash is stored."""
    if not granter.may_grant(spec.role):
        raise NotAllowed(spec.role.value)
    token = new_token()
    uow.invites.add(
        Invite(
            token_hash=token_hash(token),
            estate_id=estate_id,
            role=spec.role.value,
            department=spec.department.value,
            zone=spec.zone,
            created_by_user_id=created_by,
            created_at=now,
            expires_at=now + valid_for,
        )
    )
    return token


async def redeem_invite(
    uow: UnitOfWork,
    *,
    token: str,
    telegram_user_id: int,
    chat_id: int,
    name: str,
    language: str,
    now: datetime,
) -> StaffMember | InviteProblem:
    invite = await uow.invites.by_hash(token_hash(token))
    if invite is None:
        return InviteProblem.INVALID
    problem = check_invite(used_at=invite.used_at, expires_at=invite.expires_at, now=now)
    if problem is not None:
        return problem
    staff = await uow.staff.by_telegram_id(telegram_user_id)
    if staff is None:
        staff = Staff(telegram_user_id=telegram_user_id, created_at=now)
        uow.staff.add(staff)
    staff.estate_id, staff.chat_id, staff.name, staff.language = (
        invite.estate_id,
        chat_id,
        name,
        language,
    )
    staff.role, staff.department, staff.zone = invite.role, invite.department, invite.zone
    staff.active, staff.deactivated_at = True, None
    await uow.flush()
    if not await uow.invites.use(invite.id, staff.id, now):
        return InviteProblem.USED
    return member_of(staff)


async def everyone(uow: UnitOfWork, estate_id: int) -> list[StaffMember]:
    return await uow.staff.members(estate_id, active_only=False)


async def colleague(uow: UnitOfWork, staff_id: int, estate_id: int) -> StaffMember | None:
    member = await uow.staff.member(staff_id)
    return member if member is not None and member.estate_id == estate_id else None


async def change_staff(
    uow: UnitOfWork,
    *,
    granter: Granter,
    staff_id: int,
    estate_id: int,
    role: Role | None = None,
    zone: str | None = None,
    deactivate: bool = False,
    now: datetime,
    notifier: Notifier,
    ownership: Ownership,
) -> StaffMember:
    """Takes effect at once: every button and command checks `active` and the role anew;
    someone deactivated hands over what they held (`hand_over`)."""
    staff = await uow.staff.get(staff_id)
    if staff is None or staff.estate_id != estate_id:
        raise NotAllowed("unknown")
    if not granter.may_change(member_of(staff)):
        raise NotAllowed(staff.role)
    if role is not None:
        if not granter.may_grant(role):
            raise NotAllowed(role.value)
        staff.role = role.value
    if zone is not None:
        staff.zone = zone or None
    if deactivate and staff.active:
        staff.active, staff.deactivated_at = False, now
        await uow.flush()
        leaver = member_of(staff)
        await hand_over(uow, notifier, ownership, leaver, granter=granter, now=now)
        return leaver
    return member_of(staff)


@dataclass(frozen=True, slots=True)
class Handed:
    """One item a leaver held, and who holds it now."""

    ticket_id: int
    reference: str
    owner: StaffMember


async def hand_over(
    uow: UnitOfWork,
    notifier: Notifier,
    rule: Ownership,
    leaver: StaffMember,
    *,
    granter: Granter,
    now: datetime,
) -> list[Handed]:
    """Give each open item the leaver held to the people the rules name, tell them (and
    the manager), and send on what was queued for the leaver: nothing stays ownerless."""
    staff = [p for p in await uow.staff.members(leaver.estate_id) if p.id != leaver.id]
    handed: list[Handed] = []
    notices: list[Notice] = []
    for ticket in await uow.privacy.held_by(leaver.id, leaver.estate_id):
        owner = new_owner(staff, leaver, ticket.zone, rule)
        if owner is None:
            continue  # nobody at all is left in the estate: the manager hears of it below
        assignee = new_assignee(staff, leaver, ticket.zone, owner) or owner
        escalated = nearest(staff, leaver.role, ticket.zone) or owner
        Item.of(ticket).hand_over(
            leaver.id, owner=owner.id, assignee=assignee.id, escalated=escalated.id
        )
        ticket.updated_at = now
        _record(uow, ticket, leaver, owner, now)
        handed.append(Handed(ticket.id, ticket.reference, owner))
        told = {owner.id}
        notices.append(staff_card(owner.id, ticket.id, "leaving.new_owner", name=leaver.name))
        for person in (assignee, escalated):
            if person.id not in told and person.id in _holders(ticket):
                told.add(person.id)
                notices.append(
                    staff_card(person.id, ticket.id, "leaving.new_assignee", name=leaver.name)
                )
    await uow.flush()
    await notifier.tell(notices, now)
    await _redirect_queue(uow, staff, leaver, rule)
    await _tell_managers(uow, notifier, staff, leaver, granter, handed, now)
    return handed


def _holders(ticket: Ticket) -> set[int | None]:
    return {ticket.owner_staff_id, ticket.assignee_staff_id, ticket.escalated_to_staff_id}


def _record(
    uow: UnitOfWork, ticket: Ticket, leaver: StaffMember, owner: StaffMember, now: datetime
) -> None:
    uow.tickets.add_event(
        ticket_id=ticket.id,
        created_at=now,
        kind=EventKind.NOTE.value,
        actor_kind="system",
        note=f"{leaver.name} → {owner.name}",
    )


async def _redirect_queue(
    uow: UnitOfWork, staff: list[StaffMember], leaver: StaffMember, rule: Ownership
) -> None:
    """Messages still queued for the leaver go to whoever holds the item now (or, with no
    item, to the fallback desk of their zone)."""
    if leaver.chat_id is None:
        return
    people = {p.id: p for p in staff}
    fallback = new_owner(staff, leaver, leaver.zone, rule)
    for row in await uow.privacy.queued_for(leaver.chat_id):
        target = await _taker(uow, row, people) or fallback
        if target is None or target.chat_id is None:
            continue
        row.chat_id = target.chat_id
        if row.notice is not None:
            notice = from_json(row.notice)
            if notice.kind is NoticeKind.STAFF_CARD:
                row.notice = to_json(replace(notice, staff_id=target.id))


async def _taker(
    uow: UnitOfWork, row: OutboxMessage, people: dict[int, StaffMember]
) -> StaffMember | None:
    if row.ticket_id is None:
        return None
    ticket = await uow.tickets.get(row.ticket_id)
    if ticket is None:
        return None
    for holder in (ticket.owner_staff_id, ticket.assignee_staff_id):
        if holder is not None and holder in people:
            return people[holder]
    return None


async def _tell_managers(
    uow: UnitOfWork,
    notifier: Notifier,
    staff: list[StaffMember],
    leaver: StaffMember,
    granter: Granter,
    handed: list[Handed],
    now: datetime,
) -> None:
    """The manager who withdrew the access, and the senior butler of the leaver's zone,
    read what went to whom."""
    senior = nearest(staff, Role.SENIOR_BUTLER, leaver.zone)
    readers = {senior.id: senior} if senior is not None else {}
    if granter.viewer is not None:
        found = next((p for p in staff if p.id == granter.viewer.id), None)
        if found is not None:
            readers[found.id] = found
    views = notifier.views
    for reader in readers.values():
        if reader.chat_id is None:
            continue
        lines = [
            views.t(reader.language, "leaving.line", reference=h.reference, name=h.owner.name)
            for h in handed
        ]
        text = views.t(
            reader.language,
            "leaving.summary",
            name=leaver.name,
            number=len(handed),
            items=join("\n", lines) if lines else views.t(reader.language, "leaving.nothing"),
        )
        uow.outbox.add(chat_id=reader.chat_id, text=text, purpose="leaving.summary", now=now)

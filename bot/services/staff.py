"""Enrolling staff by invite, and changing or withdrawing their access.

Who may grant what is the permission rules' (bot.domain.permissions): a senior butler only
roles below their own, the chief butler and the project head any role, ADMIN_IDS anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.invites import InviteProblem, check_invite, new_token, token_hash
from bot.domain.permissions import Viewer, can_change, can_grant, can_manage_staff
from bot.domain.staff import Department, Role, StaffMember
from storage.models import Invite, Staff
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
) -> StaffMember:
    """Takes effect at once: every button and command checks `active` and the role anew."""
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
    if deactivate:
        staff.active, staff.deactivated_at = False, now
    return member_of(staff)

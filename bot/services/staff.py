"""Enrolling staff by invite, and changing or withdrawing their access."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.invites import InviteProblem, check_invite, new_token, token_hash
from bot.domain.staff import Department, Role
from storage.models import Invite, Staff
from storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class InviteSpec:
    role: Role
    department: Department
    zone: str | None


async def create_invite(
    uow: UnitOfWork,
    *,
    estate_id: int,
    spec: InviteSpec,
    created_by: int,
    now: datetime,
    valid_for: timedelta,
) -> str:
    """Return the token for the deep link; only its hash is stored."""
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
) -> Staff | InviteProblem:
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
    return staff


async def change_staff(
    uow: UnitOfWork,
    staff_id: int,
    estate_id: int,
    *,
    role: Role | None = None,
    zone: str | None = None,
    deactivate: bool = False,
    now: datetime,
) -> Staff | None:
    """Takes effect at once: every button and command checks `active` and the role anew."""
    staff = await uow.staff.get(staff_id)
    if staff is None or staff.estate_id != estate_id:
        return None
    if role is not None:
        staff.role = role.value
    if zone is not None:
        staff.zone = zone or None
    if deactivate:
        staff.active, staff.deactivated_at = False, now
    return staff

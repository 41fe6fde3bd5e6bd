"""Staff, their invites, and the log of who looked at residents' data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.staff import Department, Role, StaffMember
from storage.models import (
    Extension,
    Invite,
    SensitiveView,
    Staff,
)


def member_of(staff: Staff) -> StaffMember:
    return StaffMember(
        id=staff.id,
        name=staff.name,
        role=Role(staff.role),
        department=Department(staff.department),
        zone=staff.zone,
        estate_id=staff.estate_id,
        language=staff.language,
        chat_id=staff.chat_id,
        active=staff.active,
    )


_MEMBERS = select(
    Staff.id,
    Staff.name,
    Staff.role,
    Staff.department,
    Staff.zone,
    Staff.estate_id,
    Staff.language,
    Staff.chat_id,
    Staff.active,
).where(Staff.estate_id == bindparam("estate"))
MEMBERS = {
    True: _MEMBERS.where(Staff.active.is_(True)).order_by(Staff.id),
    False: _MEMBERS.order_by(Staff.id),
}


class StaffRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._members: dict[tuple[int, bool], list[StaffMember]] = {}

    async def by_telegram_id(self, telegram_user_id: int) -> Staff | None:
        self._members.clear()  # the row is read to be changed (enrollment)
        return await self.session.scalar(
            select(Staff).where(Staff.telegram_user_id == telegram_user_id)
        )

    async def get(self, staff_id: int) -> Staff | None:
        """The row, to change it: what `members` remembered may be out of date after."""
        self._members.clear()
        return await self.session.get(Staff, staff_id)

    async def member(self, staff_id: int) -> StaffMember | None:
        staff = await self.session.get(Staff, staff_id)
        return member_of(staff) if staff is not None else None

    async def members(self, estate_id: int, *, active_only: bool = True) -> list[StaffMember]:
        """Everyone of an estate as the routing rules see them (an estate has dozens).

        Read once per unit of work: routing, notices and screens of one update all ask,
        and staff do not change under them (a change made here through `get` forgets it).
        """
        key = (estate_id, active_only)
        if key not in self._members:
            connection = await self.session.connection()
            rows = await connection.execute(MEMBERS[active_only], {"estate": estate_id})
            self._members[key] = [
                StaffMember(
                    id=row.id,
                    name=row.name,
                    role=Role(row.role),
                    department=Department(row.department),
                    zone=row.zone,
                    estate_id=row.estate_id,
                    language=row.language,
                    chat_id=row.chat_id,
                    active=bool(row.active),
                )
                for row in rows
            ]
        return list(self._members[key])

    def add(self, staff: Staff) -> None:
        self._members.clear()
        self.session.add(staff)

    async def all(self, estate_id: int) -> list[Staff]:
        return list(
            await self.session.scalars(
                select(Staff).where(Staff.estate_id == estate_id).order_by(Staff.id)
            )
        )

    async def active(
        self,
        estate_id: int,
        *,
        roles: list[str] | None = None,
        department: str | None = None,
        zone: str | None = None,
    ) -> list[Staff]:
        query = select(Staff).where(Staff.estate_id == estate_id, Staff.active.is_(True))
        if roles is not None:
            query = query.where(Staff.role.in_(roles))
        if department is not None:
            query = query.where(Staff.department == department)
        if zone is not None:
            query = query.where(Staff.zone == zone)
        return list(await self.session.scalars(query.order_by(Staff.id)))


class InviteRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, invite: Invite) -> None:
        self.session.add(invite)

    async def by_hash(self, token_hash: str) -> Invite | None:
        return await self.session.scalar(select(Invite).where(Invite.token_hash == token_hash))

    async def use(self, invite_id: int, staff_id: int, now: datetime) -> bool:
        """Mark used only if still unused: one statement, so a link can't be used twice."""
        result = await self.session.execute(
            update(Invite)
            .where(Invite.id == invite_id, Invite.used_at.is_(None))
            .values(used_at=now, used_by_staff_id=staff_id)
            .returning(Invite.id)
        )
        return result.scalar_one_or_none() is not None


class ExtensionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, extension: Extension) -> None:
        self.session.add(extension)

    async def get(self, extension_id: int, *, for_update: bool = False) -> Extension | None:
        if for_update and self.session.get_bind().dialect.name == "postgresql":
            return await self.session.scalar(
                select(Extension).where(Extension.id == extension_id).with_for_update()
            )
        return await self.session.get(Extension, extension_id)


class AccessLogRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def record(
        self,
        *,
        staff_id: int,
        resident_id: int | None,
        ticket_id: int | None,
        what: str,
        now: datetime,
    ) -> None:
        self.session.add(
            SensitiveView(
                staff_id=staff_id,
                resident_id=resident_id,
                ticket_id=ticket_id,
                what=what,
                created_at=now,
            )
        )

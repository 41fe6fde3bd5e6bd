"""Privacy's rows: access granted beyond one's remit, messages relayed to residents, and
what a member of staff who leaves still holds (items, queued messages)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.tickets import OPEN_STATUSES, TicketStatus
from storage.models import AccessGrant, OutboxMessage, OutboxStatus, Relay, Resident, Ticket
from storage.repositories._common import is_postgres

# Items someone is still answerable for: open, or resolved with the follow-up to come.
HELD = sorted({s.value for s in OPEN_STATUSES} | {TicketStatus.RESOLVED.value})
APPROVED, PENDING, REFUSED = "approved", "pending", "refused"


class PrivacyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- staff who leave ----------------------------------------------------------------
    async def held_by(self, staff_id: int, estate_id: int) -> list[Ticket]:
        """The items this person owns, works on, or was escalated to, not yet finished."""
        query = (
            select(Ticket)
            .where(
                Ticket.estate_id == estate_id,
                Ticket.status.in_(HELD),
                or_(
                    Ticket.owner_staff_id == staff_id,
                    Ticket.assignee_staff_id == staff_id,
                    Ticket.escalated_to_staff_id == staff_id,
                ),
            )
            .order_by(Ticket.id)
        )
        if is_postgres(self.session):
            query = query.with_for_update(of=Ticket.__table__)
        return list(await self.session.scalars(query))

    async def queued_for(self, chat_id: int) -> list[OutboxMessage]:
        """Messages to this chat not yet taken by a sender."""
        query = select(OutboxMessage).where(
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.status == OutboxStatus.PENDING.value,
        )
        return list(await self.session.scalars(query.order_by(OutboxMessage.id)))

    # --- confidential service -------------------------------------------------------------
    async def resident(self, resident_id: int) -> Resident | None:
        return await self.session.get(Resident, resident_id)

    # --- access by approval ---------------------------------------------------------------
    def add_grant(self, grant: AccessGrant) -> None:
        self.session.add(grant)

    async def grant(self, grant_id: int) -> AccessGrant | None:
        if is_postgres(self.session):
            return await self.session.scalar(
                select(AccessGrant).where(AccessGrant.id == grant_id).with_for_update()
            )
        return await self.session.get(AccessGrant, grant_id)

    async def running(self, staff_id: int, now: datetime) -> list[AccessGrant]:
        """Approved grants of this person that have not run out."""
        query = select(AccessGrant).where(
            AccessGrant.staff_id == staff_id,
            AccessGrant.status == APPROVED,
            AccessGrant.expires_at > now,
        )
        return list(await self.session.scalars(query.order_by(AccessGrant.id)))

    # --- message relay --------------------------------------------------------------------
    def add_relay(self, relay: Relay) -> None:
        self.session.add(relay)

    async def relay(self, relay_id: int) -> Relay | None:
        return await self.session.get(Relay, relay_id)

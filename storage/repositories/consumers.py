"""The lease that makes one process the consumer of Telegram updates.

One row per lease name. Claiming is a single conditional UPDATE (the holder renews; anyone
takes a row that has run out), or an INSERT of a row nobody made yet: on PostgreSQL two
standbys racing for an expired row meet on its row lock, and the second finds it taken.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, bindparam, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ConsumerLease

_LEASES: Table = ConsumerLease.__table__  # type: ignore[assignment]
_WHEN = _LEASES.c.expires_at.type

TAKE = (
    update(_LEASES)
    .where(
        _LEASES.c.name == bindparam("lease"),
        or_(
            _LEASES.c.holder == bindparam("me"),
            _LEASES.c.expires_at <= bindparam("now", type_=_WHEN),
        ),
    )
    .values(
        holder=bindparam("me"),
        expires_at=bindparam("until", type_=_WHEN),
        renewed_at=bindparam("now", type_=_WHEN),
    )
)
TAKE_FROM = (
    update(_LEASES)
    .where(_LEASES.c.name == bindparam("lease"), _LEASES.c.holder == bindparam("dead"))
    .values(
        holder=bindparam("me"),
        expires_at=bindparam("until", type_=_WHEN),
        renewed_at=bindparam("now", type_=_WHEN),
    )
)
GIVE_UP = (
    update(_LEASES)
    .where(and_(_LEASES.c.name == bindparam("lease"), _LEASES.c.holder == bindparam("me")))
    .values(expires_at=bindparam("now", type_=_WHEN))
)


def _first(dialect: Any) -> Any:
    return (
        dialect.insert(_LEASES)
        .values(
            name=bindparam("lease"),
            holder=bindparam("me"),
            expires_at=bindparam("until", type_=_WHEN),
            renewed_at=bindparam("now", type_=_WHEN),
        )
        .on_conflict_do_nothing(index_elements=["name"])
    )


FIRST = {"sqlite": _first(sqlite), "postgresql": _first(postgresql)}


class ConsumerLeaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(
        self, lease: str, holder: str, now: datetime, hold_for: timedelta
    ) -> datetime | None:
        """Take or renew the lease for `hold_for`: its new end if `holder` has it now, None
        if another holder's lease still runs."""
        connection = await self.session.connection()
        values = {"lease": lease, "me": holder, "now": now, "until": now + hold_for}
        taken = await connection.execute(TAKE, values)
        if int(taken.rowcount or 0) == 1:
            return now + hold_for
        made = await connection.execute(FIRST[connection.dialect.name], values)
        return now + hold_for if int(made.rowcount or 0) == 1 else None

    async def take_from(
        self, lease: str, dead: str, holder: str, now: datetime, hold_for: timedelta
    ) -> datetime | None:
        """Take the lease from a holder known to be dead, before it runs out (None: it is
        not that holder's any more)."""
        connection = await self.session.connection()
        values = {"lease": lease, "dead": dead, "me": holder, "now": now, "until": now + hold_for}
        taken = await connection.execute(TAKE_FROM, values)
        return now + hold_for if int(taken.rowcount or 0) == 1 else None

    async def release(self, lease: str, holder: str, now: datetime) -> bool:
        """Let the lease run out now (a clean stop), so a standby need not wait for it."""
        connection = await self.session.connection()
        result = await connection.execute(GIVE_UP, {"lease": lease, "me": holder, "now": now})
        return int(result.rowcount or 0) == 1

    async def holder(self, lease: str) -> tuple[str, datetime] | None:
        """Who holds the lease and until when (an expired one included)."""
        row = (
            await self.session.execute(
                select(ConsumerLease.holder, ConsumerLease.expires_at).where(
                    ConsumerLease.name == lease
                )
            )
        ).one_or_none()
        return (row.holder, row.expires_at) if row is not None else None

"""Telegram updates already handled: each update's id is written in the same transaction as
its effects, so an update that comes again (fetched again after a crash, posted twice to the
webhook) finds its id and is skipped instead of being applied twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import HandledUpdate

_HANDLED: Table = HandledUpdate.__table__  # type: ignore[assignment]


def _claim(dialect: Any) -> Any:
    """Insert the id unless it is there; the row count says whether this transaction did.

    On PostgreSQL a concurrent transaction holding the same id makes this one wait for its
    outcome: committed, nothing is returned (skip); rolled back, the id is ours.
    """
    return (
        dialect.insert(_HANDLED)
        .values(
            update_id=bindparam("update_id"),
            handled_at=bindparam("now", type_=_HANDLED.c.handled_at.type),
        )
        .on_conflict_do_nothing(index_elements=["update_id"])
    )


CLAIM = {"sqlite": _claim(sqlite), "postgresql": _claim(postgresql)}
PRUNE = delete(_HANDLED).where(
    _HANDLED.c.handled_at < bindparam("before", type_=_HANDLED.c.handled_at.type)
)


class HandledUpdateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, update_id: int, now: datetime) -> bool:
        """True if this transaction is the first to handle the update (its effects commit
        with the id); False if it was handled already: do nothing, say nothing."""
        connection = await self.session.connection()
        result = await connection.execute(
            CLAIM[connection.dialect.name], {"update_id": update_id, "now": now}
        )
        return int(result.rowcount or 0) == 1

    async def prune(self, before: datetime) -> int:
        """Forget ids handled before `before`: Telegram keeps an unconfirmed update for at
        most a day, so an older one never comes again. Running it twice changes nothing."""
        connection = await self.session.connection()
        result = await connection.execute(PRUNE, {"before": before})
        return int(result.rowcount or 0)

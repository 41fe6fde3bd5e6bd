"""What the bot last drew in its own messages (a fingerprint of text and buttons).

An edit that would change nothing is refused by Telegram ("message is not modified"). The
text Telegram echoes with a tap can differ from what the bot drew (entities, a newer edit
by another update), so the bot compares an edit with its own record, written in the same
transaction as the change that decided the edit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DrawnMessage

_DRAWN: Table = DrawnMessage.__table__  # type: ignore[assignment]
Key = tuple[int, int]  # (chat id, message id)


def _upsert(dialect: Any) -> Any:
    insert = dialect.insert(_DRAWN)
    return insert.on_conflict_do_update(
        index_elements=["chat_id", "message_id"],
        set_={"fingerprint": insert.excluded.fingerprint, "drawn_at": insert.excluded.drawn_at},
    )


REMEMBER = {"sqlite": _upsert(sqlite), "postgresql": _upsert(postgresql)}
FACES = select(_DRAWN.c.chat_id, _DRAWN.c.message_id, _DRAWN.c.fingerprint)
# The usual case, one tapped message: built once, without an IN list expanded per call.
FACE = FACES.where(
    _DRAWN.c.chat_id == bindparam("chat_id", type_=_DRAWN.c.chat_id.type),
    _DRAWN.c.message_id == bindparam("message_id", type_=_DRAWN.c.message_id.type),
)
FORGET = delete(_DRAWN).where(
    _DRAWN.c.drawn_at < bindparam("before", type_=_DRAWN.c.drawn_at.type)
)


class DrawnMessageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def faces(self, keys: list[Key]) -> dict[Key, str]:
        """The fingerprints recorded for these messages (those the bot has edited)."""
        if not keys:
            return {}
        # On the connection, not the session: these rows are written in Core only, so there
        # is nothing of the ORM's to flush first.
        connection = await self.session.connection()
        if len(keys) == 1:
            ((chat_id, message_id),) = keys
            rows = await connection.execute(FACE, {"chat_id": chat_id, "message_id": message_id})
        else:
            tapped = tuple_(_DRAWN.c.chat_id, _DRAWN.c.message_id)
            rows = await connection.execute(FACES.where(tapped.in_(keys)))
        return {(chat, message): found for chat, message, found in rows}

    async def remember(self, drawn: dict[Key, str], now: datetime) -> None:
        if not drawn:
            return
        connection = await self.session.connection()
        await connection.execute(
            REMEMBER[connection.dialect.name],
            [
                {"chat_id": chat, "message_id": message, "fingerprint": found, "drawn_at": now}
                for (chat, message), found in drawn.items()
            ],
        )

    async def forget_before(self, before: datetime) -> int:
        """Old messages are no longer edited (their buttons went stale long ago)."""
        result = await self.session.execute(FORGET, {"before": before})
        return int(getattr(result, "rowcount", 0) or 0)

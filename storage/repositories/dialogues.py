"""Where each person is in a guided dialogue."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Dialogue
from storage.repositories._common import is_postgres

# In a dialogue's data: leaving it loses nothing (an optional step after what was already
# kept, such as the comment after a rating), so it ends in silence, never "nothing was stored".
OPTIONAL = "_optional"


def loses_nothing(data: dict[str, Any] | None) -> bool:
    """Whether ending this dialogue (idle, or for a menu tap) loses nothing the person gave."""
    return bool((data or {}).get(OPTIONAL))


DROP_DIALOGUE = delete(Dialogue).where(Dialogue.user_id == bindparam("uid", type_=BigInteger))
_DIALOGUE_FIELDS = ("chat_id", "flow", "step", "data", "language", "updated_at", "expires_at")


def _upsert_dialogue(dialect: Any) -> Any:
    insert = dialect.insert(Dialogue)
    return insert.on_conflict_do_update(
        index_elements=[Dialogue.user_id],
        set_={name: insert.excluded[name] for name in _DIALOGUE_FIELDS},
    )


SAVE_DIALOGUE = {"sqlite": _upsert_dialogue(sqlite), "postgresql": _upsert_dialogue(postgresql)}


class DialogueRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: int) -> Dialogue | None:
        return await self.session.get(Dialogue, user_id)

    async def save(
        self,
        *,
        user_id: int,
        chat_id: int,
        flow: str,
        step: str,
        data: dict[str, Any],
        language: str,
        now: datetime,
        idle: timedelta,
    ) -> None:
        """One upsert statement: this runs on every dialogue step, so it skips the ORM flush."""
        values = {
            "chat_id": chat_id,
            "flow": flow,
            "step": step,
            "data": dict(data),
            "language": language,
            "updated_at": now,
            "expires_at": now + idle,
        }
        connection = await self.session.connection()
        await connection.execute(
            SAVE_DIALOGUE[connection.dialect.name], {"user_id": user_id, **values}
        )

    async def drop(self, user_id: int) -> None:
        connection = await self.session.connection()
        await connection.execute(DROP_DIALOGUE, {"uid": user_id})

    async def claim_expired(self, now: datetime, limit: int = 100) -> list[Dialogue]:
        """Remove and return idle dialogues; one statement, so two processes never share one."""
        due = select(Dialogue.user_id).where(Dialogue.expires_at <= now).limit(limit)
        if is_postgres(self.session):
            due = due.with_for_update(skip_locked=True)
        result = await self.session.scalars(
            delete(Dialogue)
            .where(Dialogue.user_id.in_(due.scalar_subquery()))
            .returning(Dialogue),
            execution_options={"synchronize_session": False},
        )
        return list(result)

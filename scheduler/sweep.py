"""Sweeps over due rows. Each claims its rows atomically, so two processes never both fire."""

from __future__ import annotations

from bot.clock import utcnow
from bot.desk import Desk
from storage.uow import UnitOfWork


async def expire_idle_dialogues(desk: Desk) -> int:
    """Close dialogues idle past the policy's limit and tell each person, kindly, once."""
    now = utcnow()
    async with UnitOfWork(desk.sessions) as uow:
        expired = await uow.dialogues.claim_expired(now)
        for row in expired:
            title = desk.views.flow_title(row.language, row.flow)
            uow.outbox.add(
                chat_id=row.chat_id,
                text=desk.t(
                    row.language,
                    "common.expired",
                    flow=title,
                    idle=desk.texts.duration(row.language, desk.policy.dialogue.idle),
                ),
                purpose="dialogue_expired",
                now=now,
            )
        await uow.commit()
    return len(expired)

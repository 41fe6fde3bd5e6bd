"""What every handler and job shares: settings, policy, estate, texts and the database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.domain.estate import EstatePlan
from bot.i18n import Catalogues
from bot.policy import Policy

if TYPE_CHECKING:
    from scheduler.outbox import OutboxSender


@dataclass(slots=True)
class Desk:
    settings: Settings
    policy: Policy
    estate: EstatePlan
    texts: Catalogues
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    outbox: OutboxSender | None = None

    def t(self, language: str, key: str, /, **values: object) -> str:
        return self.texts.t(language, key, **values)

"""What every handler and job shares: settings, policy, estate, texts and the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.catalogue import Catalogue
from bot.config import Settings
from bot.domain.estate import EstatePlan
from bot.htmltext import Html
from bot.i18n import Catalogues
from bot.outage import Outage
from bot.policy import Policy
from bot.views import Views
from storage.models import OutboxMessage
from storage.uow import UnitOfWork


class Outbox(Protocol):
    """The process's outbox sender (scheduler.outbox.OutboxSender), as the app uses it."""

    def hand_over(self, rows: list[OutboxMessage], application: Application) -> None:
        """Take rows this process queued, to send right after their update committed."""

    async def deliver_mine(self) -> int:
        """Send only what this process handed over; returns how many were delivered."""

    async def deliver_due(self) -> int:
        """Send everything due; returns how many were delivered."""

    def delivered(self, row_ids: list[int]) -> None:
        """Note replies sent right after their commit, whose rows are to be deleted."""

    def forget_delivered(self, uow: UnitOfWork) -> None:
        """Delete those rows in the caller's transaction (kept for the next one if it fails)."""

    def wait_for(self, chat_id: int, now: datetime) -> datetime | None:
        """When the chat may next be written to, at Telegram's pace (None: now)."""


@dataclass(slots=True)
class Desk:
    settings: Settings
    policy: Policy
    estate: EstatePlan
    texts: Catalogues
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    outbox: Outbox | None = None
    services: Catalogue | None = None  # what residents can order
    outage: Outage = field(default_factory=Outage)  # while the database is away
    views: Views = field(init=False)

    def __post_init__(self) -> None:
        self.views = Views(self.texts, self.settings.tz, self.services)

    @classmethod
    def for_the_clock(cls, settings: Settings, engine: AsyncEngine) -> Desk:
        """A desk for time-driven work alone (`python -m bot sweep`, its benchmark and
        tests): the policy and texts, no estate and no Telegram."""
        from bot.i18n import load_catalogues  # what this module otherwise only types
        from bot.policy import load_policy
        from storage.db import create_sessionmaker

        return cls(
            settings=settings,
            policy=load_policy(settings.policy_file),
            estate=EstatePlan(code="", name="", buildings=()),
            texts=load_catalogues(default=settings.default_language),
            engine=engine,
            sessions=create_sessionmaker(engine),
        )

    def t(self, language: str, key: str, /, **values: object) -> Html:
        return self.texts.t(language, key, **values)

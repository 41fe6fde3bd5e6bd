"""Deliver queued messages: claim rows, send, record the outcome; errors delay, never lose."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application

from bot.clock import utcnow
from storage.models import OutboxMessage
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    base: timedelta = timedelta(seconds=5)
    ceiling: timedelta = timedelta(hours=1)
    max_attempts: int = 25

    def delay(self, attempts: int) -> timedelta:
        return min(self.base * (2 ** max(attempts - 1, 0)), self.ceiling)


def markup_from_dict(data: dict[str, Any] | None) -> ReplyMarkup | None:
    """Rebuild whichever keyboard was queued (inline, reply, or a keyboard removal)."""
    if not data:
        return None
    if "inline_keyboard" in data:
        return InlineKeyboardMarkup.de_json(data, None)
    if "keyboard" in data:
        return ReplyKeyboardMarkup.de_json(data, None)
    if data.get("remove_keyboard"):
        return ReplyKeyboardRemove()
    return None


class OutboxSender:
    """One per process; several processes may run one each, claims keep them apart."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        bot: Bot,
        *,
        batch: int = 50,
        lease: timedelta = timedelta(minutes=2),
        retry: RetryPolicy | None = None,
    ) -> None:
        self.sessions = sessions
        self.bot = bot
        self.batch = batch
        self.lease = lease
        self.retry = retry or RetryPolicy()
        self._lock = asyncio.Lock()
        self._kicked = False

    def kick(self, application: Application) -> None:
        """Deliver right after a commit instead of waiting for the next periodic run."""
        self._kicked = True
        if application.running:
            application.create_task(self.deliver_due(), name="outbox-kick")

    async def deliver_kicked(self) -> int:
        """Deliver only if this process queued something since the last delivery."""
        return await self.deliver_due() if self._kicked else 0

    async def deliver_due(self) -> int:
        async with self._lock:
            self._kicked = False
            delivered = 0
            while True:
                async with UnitOfWork(self.sessions) as uow:
                    rows = await uow.outbox.claim(utcnow(), limit=self.batch, lease=self.lease)
                    await uow.commit()
                if not rows:
                    return delivered
                for row in rows:
                    outcome = await self._send(row)
                    async with UnitOfWork(self.sessions) as uow:
                        await uow.outbox.finish(row.id, **outcome)
                        await uow.commit()
                    delivered += outcome.get("status") == "sent"
                if len(rows) < self.batch:
                    return delivered  # the queue is drained; no need to ask again

    async def _send(self, row: OutboxMessage) -> dict[str, Any]:
        now = utcnow()
        markup = (
            InlineKeyboardMarkup.de_json(row.reply_markup, self.bot) if row.reply_markup else None
        )
        try:
            message = await self.bot.send_message(
                row.chat_id, row.text, parse_mode=ParseMode.HTML, reply_markup=markup
            )
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            return self._later(row, now + timedelta(seconds=seconds), exc)
        except TimedOut as exc:
            # Telegram may have delivered it: resending blindly is how duplicates happen.
            log.warning("outbox %s: outcome unknown after timeout", row.id)
            return {"status": "unknown", "lease_until": None, "last_error": str(exc)}
        except Forbidden as exc:
            return {"status": "undeliverable", "lease_until": None, "last_error": exc.message}
        except BadRequest as exc:
            status = "undeliverable" if "chat not found" in exc.message.lower() else "failed"
            log.error("outbox %s refused by Telegram: %s", row.id, exc.message)
            return {"status": status, "lease_until": None, "last_error": exc.message}
        except (NetworkError, TelegramError) as exc:
            if row.attempts >= self.retry.max_attempts:
                return {"status": "failed", "lease_until": None, "last_error": str(exc)}
            return self._later(row, now + self.retry.delay(row.attempts), exc)
        return {
            "status": "sent",
            "sent_at": now,
            "lease_until": None,
            "telegram_message_id": message.message_id,
            "last_error": None,
        }

    @staticmethod
    def _later(row: OutboxMessage, when: Any, exc: Exception) -> dict[str, Any]:
        log.info("outbox %s deferred: %s", row.id, exc)
        return {
            "status": "pending",
            "not_before": when,
            "lease_until": None,
            "last_error": str(exc),
        }

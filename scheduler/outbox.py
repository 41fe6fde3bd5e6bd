"""Deliver queued messages: claim rows, send, record the outcome; errors delay, never lose."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application

from bot.clock import utcnow
from bot.domain.tickets import EventKind
from storage.models import OutboxMessage, TicketEvent
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


@dataclass
class Pacing:
    """Telegram's limits: about one message a second per chat and ~25 a second overall.

    Times are wall-clock (utcnow), so tests move them with the clock instead of sleeping.
    """

    per_chat: timedelta = timedelta(seconds=1)
    per_second: int = 25
    _last: dict[int, datetime] = field(default_factory=dict)
    _recent: deque[datetime] = field(default_factory=deque)

    def wait_for(self, chat_id: int, now: datetime) -> datetime | None:
        while self._recent and now - self._recent[0] >= timedelta(seconds=1):
            self._recent.popleft()
        if len(self._recent) >= self.per_second:
            return self._recent[0] + timedelta(seconds=1)
        last = self._last.get(chat_id)
        if last is not None and now - last < self.per_chat:
            return last + self.per_chat
        return None

    def sent(self, chat_id: int, now: datetime) -> None:
        self._last[chat_id] = now
        self._recent.append(now)
        if len(self._last) > 10_000:  # forget chats idle for long; keeps memory bounded
            cutoff = now - self.per_chat
            self._last = {c: t for c, t in self._last.items() if t > cutoff}


def _undeliverable(row: OutboxMessage, outcome: dict[str, Any]) -> TicketEvent:
    """The desk sees in the item's timeline that someone could not be told."""
    return TicketEvent(
        ticket_id=row.ticket_id,
        created_at=utcnow(),
        kind=EventKind.UNDELIVERABLE.value,
        actor_kind="system",
        actor_id=None,
        note=f"{row.purpose}: {outcome.get('last_error')}",
    )


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
        pacing: Pacing | None = None,
    ) -> None:
        self.sessions = sessions
        self.bot = bot
        self.batch = batch
        self.lease = lease
        self.retry = retry or RetryPolicy()
        self.pacing = pacing or Pacing()
        self._lock = asyncio.Lock()
        self._mine: list[OutboxMessage] = []

    def hand_over(self, rows: list[OutboxMessage], application: Application) -> None:
        """Take rows this process leased when it wrote them, to send right after commit.

        They were stored already claimed ("sending", with a lease), so no claim transaction
        is needed; if this process dies first, the lease runs out and any sender takes them.
        """
        self._mine.extend(rows)
        if application.running:
            application.create_task(self.deliver_mine(), name="outbox-hand-over")

    async def deliver_mine(self) -> int:
        """Send only what this process handed over (the fast path after an update)."""
        async with self._lock:
            return await self._deliver_own()

    async def deliver_due(self) -> int:
        """Send what was handed over, then everything due (the periodic path)."""
        async with self._lock:
            delivered = await self._deliver_own()
            while True:
                async with UnitOfWork(self.sessions) as uow:
                    rows = await uow.outbox.claim(utcnow(), limit=self.batch, lease=self.lease)
                    await uow.commit()
                if not rows:
                    return delivered
                delivered += await self._deliver(rows)
                if len(rows) < self.batch:
                    return delivered  # the queue is drained; no need to ask again

    async def _deliver_own(self) -> int:
        rows, self._mine = self._mine, []
        return await self._deliver(rows) if rows else 0

    async def _deliver(self, rows: list[OutboxMessage]) -> int:
        delivered = 0
        for row in rows:
            wait = self.pacing.wait_for(row.chat_id, utcnow())
            if wait is not None:
                # Over Telegram's rate: try again shortly, without using up a retry.
                outcome: dict[str, Any] = {
                    "status": "pending",
                    "not_before": wait,
                    "lease_until": None,
                    "attempts": row.attempts - 1,
                }
            else:
                outcome = await self._send(row)
                if outcome["status"] == "sent":
                    self.pacing.sent(row.chat_id, utcnow())
            async with UnitOfWork(self.sessions) as uow:
                await uow.outbox.finish(row.id, **outcome)
                if outcome["status"] == "undeliverable" and row.ticket_id is not None:
                    uow.tickets.add_event(_undeliverable(row, outcome))
                await uow.commit()
            delivered += outcome.get("status") == "sent"
        return delivered

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

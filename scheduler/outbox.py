"""Deliver queued messages: claim rows, send, record the outcome; errors delay, never lose.

A message whose request Telegram may have acted on (its answer lost: a reset or a read
timeout once the request was out) is not sent again: its outcome is `unknown`. One that
never reached Telegram, or that Telegram failed (5xx), is tried again later, backing off;
a 429 holds back the rest of the batch until `retry_after`, and a message put off holds
back the ones behind it in its chat. Rows of purpose `deferred_edit` redraw a message a
turn could not edit then: an edit is made again whatever became of the last attempt.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application

from bot.clock import utcnow
from bot.delivery import Fate, fate_of, not_modified
from bot.domain.tickets import EventKind
from bot.htmltext import Html
from bot.markup import markup_from_dict
from bot.sending import edit_html, fingerprint, send_html, send_html_photo
from storage.availability import database_unavailable
from storage.models import OutboxMessage, OutboxStatus
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
RECORD_PAUSE_SECONDS = 5.0  # longest wait between tries to record outcomes, database away
# (text, keyboard, chat) of a row queued as a notice, rendered just before it is sent.
Rendered = tuple[Html, dict[str, Any] | None, int]
Render = Callable[[UnitOfWork, list[OutboxMessage]], Awaitable[dict[int, Rendered]]]
# A redraw a turn could not make then: the new face of message `telegram_message_id`.
EDIT_PURPOSE = "deferred_edit"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    base: timedelta = timedelta(seconds=5)
    ceiling: timedelta = timedelta(hours=1)
    max_attempts: int = 25

    def delay(self, attempts: int) -> timedelta:
        return min(self.base * (2 ** max(attempts - 1, 0)), self.ceiling)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt to send a row came to, as the columns to store."""

    status: OutboxStatus
    error: str | None = None
    not_before: datetime | None = None
    attempts: int | None = None
    sent_at: datetime | None = None
    message_id: int | None = None
    flood: bool = False  # Telegram asked for a pause (429): not a column
    # What the message was, where the row's purpose says less (a reply or a redraw: its
    # catalogue key), kept with a plain-text resend so the operator's list names it.
    purpose: str | None = None

    def values(self, row: OutboxMessage) -> dict[str, Any]:
        """Every column an outcome sets, so all of a batch's go in one statement."""
        sent = self.status is OutboxStatus.SENT
        return {
            "row_id": row.id,
            "status": self.status.value,
            "lease_until": None,
            "last_error": self.error,
            "not_before": self.not_before or row.not_before,
            "attempts": row.attempts if self.attempts is None else self.attempts,
            "sent_at": self.sent_at if sent else None,
            # What it produced, or (an edit) the message it redraws.
            "telegram_message_id": self.message_id if sent else row.telegram_message_id,
            "text": row.text,  # as rendered, for a row queued as a notice
            "reply_markup": row.reply_markup,
            "purpose": self.purpose or row.purpose,
        }


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

    def busy(self, now: datetime) -> set[int] | None:
        """The chats that must wait before their next message; None when all must (the
        overall rate is used up). Chats whose wait is over are forgotten here."""
        while self._recent and now - self._recent[0] >= timedelta(seconds=1):
            self._recent.popleft()
        if len(self._recent) >= self.per_second:
            return None
        self._last = {c: t for c, t in self._last.items() if now - t < self.per_chat}
        return set(self._last)

    def sent(self, chat_id: int, now: datetime) -> None:
        self._last[chat_id] = now
        self._recent.append(now)
        if len(self._last) > 10_000:  # forget chats idle for long; keeps memory bounded
            cutoff = now - self.per_chat
            self._last = {c: t for c, t in self._last.items() if t > cutoff}


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
        render: Render | None = None,
    ) -> None:
        self.sessions = sessions
        self.render = render
        self.bot = bot
        self.batch = batch
        self.lease = lease
        self.retry = retry or RetryPolicy()
        self.pacing = pacing or Pacing()
        self._lock = asyncio.Lock()
        self._mine: list[OutboxMessage] = []
        self._delivered: list[int] = []

    def hand_over(self, rows: list[OutboxMessage], application: Application) -> None:
        """Take rows this process leased when it wrote them, to send right after commit.

        They were stored already claimed ("sending", with a lease), so no claim transaction
        is needed; if this process dies first, the lease runs out and any sender takes them.
        """
        self._mine.extend(rows)
        if application.running:
            application.create_task(self.deliver_mine(), name="outbox-hand-over")

    def wait_for(self, chat_id: int, now: datetime) -> datetime | None:
        """When the chat may next be written to (`Pacing`): a turn queues what it says to a
        chat that must wait for then, instead of handing it over to be put back."""
        return self.pacing.wait_for(chat_id, now)

    def delivered(self, row_ids: list[int]) -> None:
        """Replies this process sent right after their update (handlers.replies): their rows
        are deleted with this sender's next transaction (the periodic one runs every few
        seconds), not by one of their own."""
        self._delivered.extend(row_ids)

    def forget_delivered(self, uow: UnitOfWork) -> None:
        """Delete those rows in `uow`'s transaction. They are let go of only once it
        commits: a transaction that fails (the database away) leaves them for the next, and
        deleting twice is harmless (if the process dies first, they become unknown once
        their lease runs out: never resent)."""
        rows = list(self._delivered)
        if not rows:
            return
        uow.outbox.forget(rows)
        uow.after_commit(lambda: self._let_go(rows))

    def _let_go(self, rows: list[int]) -> None:
        done = set(rows)
        self._delivered = [row for row in self._delivered if row not in done]

    async def deliver_mine(self) -> int:
        """Send only what this process handed over (the fast path after an update)."""
        async with self._lock:
            return await self._deliver_own()

    async def deliver_due(self) -> int:
        """Send what was handed over, then everything due (the periodic path)."""
        async with self._lock:
            delivered = await self._deliver_own()
            while True:
                # Only what may go now: a queue behind the pacing stays put until its turn.
                now = utcnow()
                busy = self.pacing.busy(now)
                if busy is None:
                    # Telegram's overall rate is used up for this second: nothing goes out,
                    # but the replies delivered meanwhile are forgotten all the same (left
                    # "sending", their lease would run out and call them unknown).
                    if self._delivered:
                        async with UnitOfWork(self.sessions) as uow:
                            self.forget_delivered(uow)
                            await uow.commit()
                    return delivered
                async with UnitOfWork(self.sessions) as uow:
                    self.forget_delivered(uow)
                    rows = await uow.outbox.claim(
                        now, limit=self.batch, lease=self.lease, busy=busy
                    )
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
        """Each row gets its own outcome: one bad row never holds up the rest. Each
        message's attempt is committed before its request leaves (`_begin`), with the
        outcomes of the ones before it; the rest are stored at the end of the batch. So of
        a process killed meanwhile, the rows it never tried go out again, the ones it sent
        are known sent, and only the one in flight is found `unknown`."""
        outcomes: list[tuple[OutboxMessage, Outcome]] = []
        stored = 0  # how many of the outcomes are in the database already
        rendered = await self._render([row for row in rows if row.text is None])
        redrawn = await self._redrawn_since([row for row in rows if row.purpose == EDIT_PURPOSE])
        paused: datetime | None = None  # Telegram asked for a pause (429): nothing until then
        behind: dict[int, datetime] = {}  # a chat's message put off: the ones after it wait
        for row in rows:
            if row.text is None:
                found = rendered.get(row.id)
                if found is None:
                    # The item or its reader is gone (withdrawn access, say): nothing to say.
                    outcomes.append((row, Outcome(OutboxStatus.UNDELIVERABLE, "no reader")))
                    continue
                row.text, row.reply_markup, row.chat_id = found
            if row.id in redrawn:
                # A later turn drew this message otherwise: this face is out of date.
                outcomes.append((row, Outcome(OutboxStatus.SENT)))
                continue
            wait = paused or behind.get(row.chat_id) or self.pacing.wait_for(row.chat_id, utcnow())
            if wait is not None:
                # Over Telegram's rate: try again shortly, without using up a retry.
                outcome = Outcome(OutboxStatus.PENDING, not_before=wait, attempts=row.attempts - 1)
            else:
                if row.purpose != EDIT_PURPOSE:
                    if not await self._begin(row, row.id in rendered, outcomes[stored:]):
                        break  # the attempt cannot be recorded: nothing more goes out now
                    stored = len(outcomes)
                outcome = await self._send(row)
                if outcome.status is OutboxStatus.SENT:
                    self.pacing.sent(row.chat_id, utcnow())
                elif outcome.status is OutboxStatus.PENDING and outcome.not_before is not None:
                    behind[row.chat_id] = outcome.not_before
                    paused = outcome.not_before if outcome.flood else paused
            outcomes.append((row, outcome))
        await self._record(outcomes[stored:])
        return sum(outcome.status is OutboxStatus.SENT for _, outcome in outcomes)

    async def _record(self, outcomes: list[tuple[OutboxMessage, Outcome]]) -> None:
        """Store the outcomes, waiting out a database that went away meanwhile: the
        messages are out, and rows left "sending" would look never tried once their
        lease ran out, and be sent again."""
        pause = 0.5
        while True:
            try:
                return await self._write_outcomes(outcomes)
            except Exception as exc:
                if not database_unavailable(exc):
                    raise
                log.warning("outbox: cannot record %d outcomes yet: %s", len(outcomes), exc)
            await asyncio.sleep(pause)
            pause = min(pause * 2, RECORD_PAUSE_SECONDS)

    async def _write_outcomes(self, outcomes: list[tuple[OutboxMessage, Outcome]]) -> None:
        async with UnitOfWork(self.sessions) as uow:
            await self._store(uow, outcomes)
            await uow.commit()

    async def _store(self, uow: UnitOfWork, outcomes: list[tuple[OutboxMessage, Outcome]]) -> None:
        """Outcomes in `uow`'s transaction, with the replies delivered meanwhile forgotten."""
        self.forget_delivered(uow)
        await uow.outbox.finish([outcome.values(row) for row, outcome in outcomes])
        for row, outcome in outcomes:
            if outcome.status is OutboxStatus.UNDELIVERABLE and row.ticket_id is not None:
                uow.tickets.add_event(
                    ticket_id=row.ticket_id,
                    created_at=utcnow(),
                    kind=EventKind.UNDELIVERABLE.value,
                    actor_kind="system",
                    note=f"{row.purpose}: {outcome.error}",
                )

    async def _begin(
        self, row: OutboxMessage, notice: bool, before: list[tuple[OutboxMessage, Outcome]]
    ) -> bool:
        """Commit that this row's request is leaving (`sent_at`), as a turn does for its
        replies (handlers.replies): if the process dies before the outcome is recorded,
        Telegram may have the message, so the next sender finds it `unknown` instead of
        sending it twice. The outcomes `before` it in the batch go with it: a process dying
        now leaves one message of unknown fate, not the batch's. An edit is not marked:
        making it again is harmless. A `notice` keeps the words it was rendered to. False
        when the database is away (the row, untried, waits for its lease to run out)."""
        try:
            async with UnitOfWork(self.sessions) as uow:
                await self._store(uow, before)
                rendered = row.text if notice else None
                await uow.outbox.mark_sending(row.id, utcnow(), rendered=rendered)
                await uow.commit()
        except Exception as exc:
            if not database_unavailable(exc):
                raise
            log.warning("outbox %s: cannot record the attempt yet: %s", row.id, exc)
            return False
        return True

    async def _render(self, rows: list[OutboxMessage]) -> dict[int, Rendered]:
        """Screens for notices queued as data, read as the items stand now."""
        if not rows or self.render is None:
            return {}
        async with UnitOfWork(self.sessions) as uow:
            return await self.render(uow, rows)

    async def _redrawn_since(self, edits: list[OutboxMessage]) -> set[int]:
        """Queued edits whose message a later turn has drawn otherwise (the bot's record of
        each message's face, `drawn_messages`, is written with the turn that decides it)."""
        keys = [(row.chat_id, row.telegram_message_id or 0) for row in edits]
        if not keys:
            return set()
        async with UnitOfWork(self.sessions) as uow:
            faces = await uow.drawn.faces(keys)
        stale = set()
        for row, key in zip(edits, keys, strict=True):
            markup = markup_from_dict(row.reply_markup)
            shown = markup if isinstance(markup, InlineKeyboardMarkup) else None
            # The stored text is the HTML the turn wrote (a str would read as plain text).
            if key in faces and faces[key] != fingerprint(Html(row.text or ""), shown):
                stale.add(row.id)
        return stale

    async def _edit(self, row: OutboxMessage, now: datetime) -> Outcome:
        """Redraw the message a turn could not edit then."""
        assert row.text is not None
        assert row.telegram_message_id is not None
        try:
            markup = markup_from_dict(row.reply_markup)
            note = await edit_html(
                self.bot,
                row.chat_id,
                row.telegram_message_id,
                Html(row.text),  # stored as the HTML it was rendered as (outbox.add)
                markup if isinstance(markup, InlineKeyboardMarkup) else None,
                what=f"outbox {row.id} {row.purpose}",
            )
        except BadRequest as exc:
            if not_modified(exc):  # an earlier attempt, whose answer was lost, made it
                return Outcome(OutboxStatus.SENT, sent_at=now, message_id=row.telegram_message_id)
            if "to edit not found" in exc.message or "can't be edited" in exc.message:
                return Outcome(OutboxStatus.UNDELIVERABLE, error=exc.message)
            return outcome_of(row, exc, now, self.retry)
        except Exception as exc:
            return outcome_of(row, exc, now, self.retry, idempotent=True)
        # Redrawn only as plain text (its HTML refused): kept with the note, as for a send.
        return Outcome(
            OutboxStatus.SENT, error=note, sent_at=now, message_id=row.telegram_message_id
        )

    async def _send(self, row: OutboxMessage) -> Outcome:
        now = utcnow()
        assert row.text is not None
        if row.purpose == EDIT_PURPOSE:
            return await self._edit(row, now)
        try:
            markup = markup_from_dict(row.reply_markup)
            what = f"outbox {row.id} {row.purpose}"
            if row.photo_file_id:
                caption = Html(row.text)  # the caption, stored as the HTML it was rendered as
                message_id, note = await send_html_photo(
                    self.bot, row.chat_id, row.photo_file_id, caption, markup, what=what
                )
            else:
                # The stored text is the HTML it was rendered as (outbox.add takes Html).
                text = Html(row.text)
                message_id, note = await send_html(self.bot, row.chat_id, text, markup, what=what)
        except Exception as exc:
            return outcome_of(row, exc, now, self.retry)
        return Outcome(OutboxStatus.SENT, error=note, sent_at=now, message_id=message_id)


def outcome_of(
    row: OutboxMessage,
    exc: Exception,
    now: datetime,
    retry: RetryPolicy,
    *,
    idempotent: bool = False,
) -> Outcome:
    """What a failed attempt at `now` comes to (called while handling `exc`). A message
    Telegram may have delivered is not sent again; an `idempotent` call (an edit) is."""
    fate = fate_of(exc)
    if isinstance(exc, RetryAfter):
        wait = exc.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        return replace(_later(row, now + timedelta(seconds=seconds), exc), flood=True)
    if fate is Fate.MAYBE_SENT and not idempotent:
        # Telegram may have delivered it: resending blindly is how duplicates happen.
        log.warning("outbox %s: Telegram's answer was lost (%s); outcome unknown", row.id, exc)
        return Outcome(OutboxStatus.UNKNOWN, error=str(exc) or type(exc).__name__)
    if isinstance(exc, Forbidden):
        return Outcome(OutboxStatus.UNDELIVERABLE, error=exc.message)
    if isinstance(exc, BadRequest):
        gone = "chat not found" in exc.message.lower()
        log.error("outbox %s refused by Telegram: %s", row.id, exc.message)
        return Outcome(OutboxStatus.UNDELIVERABLE if gone else OutboxStatus.FAILED, exc.message)
    if isinstance(exc, TelegramError):
        if row.attempts >= retry.max_attempts:
            return Outcome(OutboxStatus.FAILED, error=str(exc))
        return _later(row, now + retry.delay(row.attempts), exc)
    # A row that cannot even be built (a bad stored keyboard, say) will not get better by
    # retrying: it is failed with its reason, for an operator to see.
    log.exception("outbox %s cannot be sent", row.id)
    return Outcome(OutboxStatus.FAILED, error=f"{type(exc).__name__}: {exc}")


def _later(row: OutboxMessage, when: datetime, exc: Exception) -> Outcome:
    log.info("outbox %s deferred: %s", row.id, exc)
    return Outcome(OutboxStatus.PENDING, error=str(exc), not_before=when)

"""Long polling that confirms to Telegram only what has been committed.

Why not `Application.run_polling`: PTB's Updater queues a fetched batch and at once asks for
the next one with `offset = last id + 1`, and that offset tells Telegram to forget the whole
batch while it is still being handled. A process killed then loses those updates for good.

Here the application runs without an Updater. The loop fetches a batch with its own offset,
hands each update, in order, to `Application.process_update` (one unit of work per update,
its id committed with its effects: see `handlers.runtime`), and moves the offset past an
update only once it has been handled. A crash therefore means Telegram sends the rest of
the batch again, and whatever was already done is recognised by its id and skipped.

Everything `run_polling` did is kept: initialize, post_init, start (the job queue runs),
stop, post_stop, shutdown and post_shutdown; SIGINT/SIGTERM stop after the update at hand;
network errors back off (429 waits `retry_after`); a 409 Conflict (another process polling
with this token, or a webhook set meanwhile) stops the bot with a clear message. Pending
updates are never dropped: the webhook is deleted without `drop_pending_updates`.

With several processes on one database only the holder of the updates lease
(bot.services.consumer) fetches; the others stand by, sending the outbox and firing alarms
through the job queue, and check the lease every few seconds. A 409 Conflict then means a
predecessor's long poll is still open at Telegram: it is waited out for a while.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Sequence
from datetime import timedelta

from telegram import Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application

from bot.clock import utcnow
from bot.desk import Desk
from bot.outage import Outage
from bot.services.consumer import ConsumerLease
from bot.waiting import tell_to_wait
from storage.availability import database_answers

log = logging.getLogger(__name__)
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
LONG_POLL_SECONDS = 10  # as run_polling's default
BATCH = 100  # Telegram's maximum per getUpdates
MAX_BACKOFF_SECONDS = 30.0
MAX_OUTAGE_PAUSE_SECONDS = 5.0  # how often to ask whether the database is back


class PollingConflict(Exception):
    """Telegram answered 409: someone else takes this bot's updates."""


class Poller:
    """Fetch a batch, handle each update in order, then confirm it with the next offset."""

    def __init__(
        self,
        application: Application,
        *,
        allowed_updates: Sequence[str] | None,
        long_poll: int = LONG_POLL_SECONDS,
        first_backoff: float = 1.0,
        lease: ConsumerLease | None = None,
    ) -> None:
        self.application = application
        self.allowed_updates = allowed_updates
        self.long_poll = long_poll
        self.first_backoff = first_backoff  # seconds after the first failed fetch
        self.offset: int | None = None  # None: start from what Telegram still holds
        self.lease = lease  # None: the only process, always the consumer
        self._stop = asyncio.Event()

    def stop(self) -> None:
        """Finish the update at hand, confirm what is done, and return from `run`."""
        self._stop.set()

    def _consuming(self) -> bool:
        return self.lease is None or self.lease.held()

    async def run(self) -> None:
        backoff = 0.0
        conflicts = 0
        while not self._stop.is_set():
            if not self._consuming():
                self.offset = None  # the next consumer starts from what Telegram holds
                assert self.lease is not None
                await self._pause(self.lease.policy.renew_seconds / 3)
                continue
            try:
                updates = await self._fetch()
            except Conflict as exc:
                conflicts += 1
                if self.lease is None or conflicts * 2 > self.lease.policy.takeover_seconds:
                    log.error("409 Conflict from getUpdates, stopping: %s", exc.message)
                    raise PollingConflict(exc.message) from None
                log.warning("409 Conflict from getUpdates (a predecessor's poll?): %s", exc)
                await self._pause(2.0)
                continue
            except InvalidToken:
                raise
            except RetryAfter as exc:
                await self._pause(_seconds(exc.retry_after) + 0.5)
                continue
            except TimedOut:
                continue  # a long poll that outlived its read timeout: ask again at once
            except Exception as exc:
                backoff = min(MAX_BACKOFF_SECONDS, max(self.first_backoff, backoff * 1.5))
                log.warning("getUpdates failed (%s); retrying in %.1f s", exc, backoff)
                await self._pause(backoff)
                continue
            backoff = conflicts = 0
            for update in updates or ():
                if self._stop.is_set() or not self._consuming():
                    break  # not confirmed: it comes again to the next process
                await self._handle(update)
                if self.outage.has_failed(update.update_id):
                    await self._ride_out(update.update_id)
                    break  # not confirmed: fetched again from this update, now handled
                self.offset = update.update_id + 1
        await self._confirm()

    @property
    def outage(self) -> Outage:
        desk: Desk = self.application.bot_data["desk"]
        return desk.outage

    async def _ride_out(self, failed_id: int) -> None:
        """The database is away: keep Telegram's copy of every update from the failed one on
        (the offset stays put), tell each person who writes meanwhile, once, that it was
        received, and return when the database takes a write again (or on stop)."""
        desk: Desk = self.application.bot_data["desk"]
        self.offset = failed_id
        seen = {failed_id}
        pause = self.first_backoff
        first_probe = True
        while not self._stop.is_set():
            if await database_answers(desk.engine):
                if first_probe and self.outage.give_up(failed_id):
                    # The database answered all along: the failure is the update's own.
                    log.error("update %s keeps failing; given up", failed_id)
                    self.offset = failed_id + 1
                lasted = self.outage.end(utcnow())
                self.outage.take_held()  # fetched again from the offset, in order
                log.warning("database answers again after %.1f s", lasted.total_seconds())
                return
            first_probe = False
            with contextlib.suppress(TelegramError):
                for update in await self._fetch(long_poll=0) or ():
                    if update.update_id not in seen:
                        seen.add(update.update_id)
                        await tell_to_wait(update, None, desk)
            await self._pause(pause)
            pause = min(MAX_OUTAGE_PAUSE_SECONDS, pause * 1.5)

    async def _fetch(self, *, long_poll: int | None = None) -> tuple[Update, ...] | None:
        """One long poll, abandoned (None) if a stop is asked for meanwhile."""
        fetch = asyncio.ensure_future(
            self.application.bot.get_updates(
                offset=self.offset,
                limit=BATCH,
                timeout=self.long_poll if long_poll is None else long_poll,
                allowed_updates=self.allowed_updates,
            )
        )
        stopping = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait((fetch, stopping), return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            if not fetch.done():  # stopping (or this task is cancelled): drop the request
                fetch.cancel()
                with contextlib.suppress(asyncio.CancelledError, TelegramError):
                    await fetch
        return None if fetch.cancelled() else fetch.result()

    async def _handle(self, update: Update) -> None:
        """Handlers' errors go to the error handler inside process_update; anything that
        still escapes is logged, so one bad update never stops the others."""
        try:
            await self.application.process_update(update)
        except Exception:
            log.exception("update %s could not be processed", update.update_id)

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)

    async def _confirm(self) -> None:
        """Tell Telegram what is done, so the next start is not sent it again (if this
        fails, the next start is sent it again and skips it: nothing is lost)."""
        if self.offset is None:
            return
        try:
            await self.application.bot.get_updates(
                offset=self.offset, limit=1, timeout=0, allowed_updates=self.allowed_updates
            )
        except TelegramError as exc:
            log.info("could not confirm handled updates on stop: %s", exc)


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def serve(application: Application, poller: Poller) -> None:
    """The application's whole life around the polling loop, as run_polling orders it."""
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows' loop
        for sig in STOP_SIGNALS:
            loop.add_signal_handler(sig, poller.stop)
    try:
        await application.initialize()
        if application.post_init is not None:
            await application.post_init(application)
        # A webhook and getUpdates exclude each other; its pending updates are kept.
        await application.bot.delete_webhook(drop_pending_updates=False)
        await application.start()
        keeper = None
        if poller.lease is not None:
            await _first_claim(poller.lease)
            keeper = asyncio.ensure_future(poller.lease.keep())
        try:
            await poller.run()
        finally:
            if keeper is not None and poller.lease is not None:
                await poller.lease.stop(keeper)
            await application.stop()
            if application.post_stop is not None:
                await application.post_stop(application)
    finally:
        try:
            await application.shutdown()
            if application.post_shutdown is not None:
                await application.post_shutdown(application)
        finally:
            with contextlib.suppress(NotImplementedError):
                for sig in STOP_SIGNALS:
                    loop.remove_signal_handler(sig)


async def _first_claim(lease: ConsumerLease) -> None:
    """Try for the lease once before the first fetch (a database error here stops the
    start, like any other); a process that does not get it says it stands by."""
    if not await lease.claim():
        log.warning("another process consumes updates; this one stands by (%s)", lease.holder)


def run_polling(
    application: Application, *, allowed_updates: Sequence[str] | None, alone: bool
) -> None:
    """Run until SIGINT/SIGTERM; raises PollingConflict if another poller keeps polling.
    `alone`: the database serves one bot process only (an SQLite file: the start already
    proved this one alone, see scheduler.recovery), so no consumer lease is needed."""
    desk = application.bot_data["desk"]
    lease = None if alone else ConsumerLease(desk.sessions, desk.policy.processes)
    poller = Poller(application, allowed_updates=allowed_updates, lease=lease)
    asyncio.run(serve(application, poller))

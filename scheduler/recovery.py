"""At start, take over what a dead process left half-sent, when this one is provably alone.

Messages a process queued with an update are leased to it, and another sender waits for the
lease to run out (OUTBOX_LEASE) because their owner may still be alive and sending. A bot
on SQLite can know better: for as long as it runs it holds an exclusive lock on a file
beside the database, which the system releases when the process ends, even by `kill -9`.
The process that gets the lock is the only bot on that database, so whatever is still
"sending" belongs to a dead one: rows it never tried go out now, before the first update
is read (a person's earlier replies still come before the answers to their next messages),
and rows whose attempt had begun become `unknown` (Telegram may have them).

PostgreSQL may serve several processes at once (and a transaction pooler makes session
locks unreliable), so there the leases simply run out.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from bot.clock import utcnow
from bot.desk import Desk
from storage.db import is_sqlite, normalise_url
from storage.uow import UnitOfWork

try:
    import fcntl
except ImportError:  # not on Windows: there the leases run out, as on PostgreSQL
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)


class SenderLock:
    """An exclusive lock on `<database>-sender.lock`, held until released or exit."""

    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, database_url: str) -> SenderLock | None:
        """The lock if this process is the only bot on this SQLite file, else None."""
        if not cls.only_one(database_url):
            return None
        url = normalise_url(database_url)
        path = Path(f"{url.database}-sender.lock").expanduser()
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return None
        return cls(fd)

    @staticmethod
    def only_one(database_url: str) -> bool:
        """Whether this database allows one bot process only (an SQLite file, where the
        lock can tell): a second is refused at start."""
        url = normalise_url(database_url)
        return fcntl is not None and is_sqlite(url) and url.database not in (None, "", ":memory:")

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None


async def take_over(desk: Desk) -> SenderLock | None:
    """Claim the lock and, with it, the rows a dead predecessor held; returns the lock to
    keep for the life of the process (None: not alone, or not SQLite)."""
    lock = SenderLock.acquire(desk.settings.database_url)
    if lock is None:
        if is_sqlite(normalise_url(desk.settings.database_url)):
            log.warning("another bot process uses this database: leased messages wait")
        return None
    async with UnitOfWork(desk.sessions) as uow:
        unknown, due = await uow.outbox.take_over(utcnow())
        await uow.commit()
    if unknown or due:
        log.warning(
            "taken over from a stopped process: %d messages to send, %d whose delivery is unknown",
            due,
            unknown,
        )
    if due and desk.outbox is not None:
        await desk.outbox.deliver_due()
    return lock

"""One consumer of updates among many processes: a lease row in the database.

Any number of `python -m bot` processes may share one PostgreSQL database. All of them send
the outbox and fire due alarms (those rows are claimed one by one); only the holder of the
"updates" lease fetches updates from Telegram (two pollers would meet Telegram's 409). The
holder renews the lease every `renew_seconds`; if it dies, the lease runs out
`lease_seconds` after its last renewal and the first standby to try takes it, so updates
wait at most `takeover_seconds`. A holder that cannot renew (the database is away) stops
fetching one renewal period before its lease runs out, so two never fetch at once.

Each update's effects are exactly once whoever handles it (handlers.runtime claims its id),
so the lease is about Telegram's one-poller rule and order, not about correctness.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import utcnow
from bot.policy import ProcessPolicy
from storage.repositories.consumers import ConsumerLeaseRepository
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
UPDATES = "updates"


def _machine() -> str:
    """This host and process namespace: a pid means the same process only within both."""
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = "?"
    return f"{socket.gethostname()[:64]}/{namespace[:32]}"


def process_name() -> str:
    """This process among the others: machine, pid and a random tail (pids are reused)."""
    return f"{_machine()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def known_dead(holder: str) -> bool:
    """Whether `holder` was a process on this machine that no longer runs (a restart after
    `kill -9`): its lease need not be waited out. Elsewhere nothing is known: False."""
    parts = holder.rsplit(":", 2)  # machine, pid, random tail
    if len(parts) != 3 or "?" in parts[0] or parts[0] != _machine() or not parts[1].isdigit():
        return False
    pid_text = parts[1]
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, another user's
        return False
    return False


class ConsumerLease:
    """This process's hold on the updates lease: claim, renew, check, release."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        policy: ProcessPolicy,
        holder: str | None = None,
        name: str = UPDATES,
    ) -> None:
        self.sessions = sessions
        self.policy = policy
        self.holder = holder or process_name()
        self.name = name
        self.until: datetime | None = None  # the end of the lease as last renewed

    @property
    def renew_every(self) -> timedelta:
        return timedelta(seconds=self.policy.renew_seconds)

    def held(self, now: datetime | None = None) -> bool:
        """Whether this process may fetch updates now: it holds the lease with at least one
        renewal period to spare."""
        now = now or utcnow()
        return self.until is not None and now < self.until - self.renew_every

    async def claim(self, now: datetime | None = None) -> bool:
        """Take the lease if it is free or has run out, or renew it if it is ours."""
        now = now or utcnow()
        was = self.held(now)
        async with UnitOfWork(self.sessions) as uow:
            leases = ConsumerLeaseRepository(uow.session)
            until = await leases.claim(self.name, self.holder, now, self.policy.lease)
            if until is None:
                found = await leases.holder(self.name)
                if found is not None and known_dead(found[0]):
                    log.warning("the updates lease's holder %s is gone: taken at once", found[0])
                    until = await leases.take_from(
                        self.name, found[0], self.holder, now, self.policy.lease
                    )
            await uow.commit()
        self.until = until
        if until is not None and not was:
            log.warning("this process now consumes updates (%s)", self.holder)
        elif until is None and was:
            log.warning("the updates lease went to another process; standing by")
        return until is not None

    async def release(self) -> None:
        """On a clean stop: let the lease run out now, so a standby takes over at once."""
        if self.until is None:
            return
        self.until = None
        async with UnitOfWork(self.sessions) as uow:
            await ConsumerLeaseRepository(uow.session).release(self.name, self.holder, utcnow())
            await uow.commit()

    async def keep(self) -> None:
        """Claim or renew every `renew_seconds`, for ever (cancel to stop); a failure (the
        database away) is logged and tried again, while `held` runs down by itself."""
        while True:
            try:
                await self.claim()
            except Exception as exc:  # the database away: try again next period
                log.warning("could not renew the updates lease: %s", exc)
            await asyncio.sleep(self.policy.renew_seconds)

    async def stop(self, keeper: asyncio.Task[None]) -> None:
        keeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeper
        try:
            await self.release()
        except Exception as exc:
            log.info("could not release the updates lease (it runs out by itself): %s", exc)

"""SQLite statements run on the event loop thread instead of hopping to a worker thread.

aiosqlite sends every call (cursor, execute, fetch, close, commit) through a thread and
back; on a small machine each hop costs ~150 µs, and SQLAlchemy makes about four of them
per statement, so a dialogue step spent most of its time crossing threads. A local SQLite
statement on an indexed WAL database takes microseconds, so running it inline is far cheaper.

The one way SQLite can make a caller wait is a lock held by another process. That wait is
not left to SQLite's busy handler (which would freeze the event loop): the busy timeout is 0
and a "database is locked" answer is retried here with asyncio.sleep, so other updates go on.
Everything else (connection set-up, closing) still uses aiosqlite's own thread.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from typing import Any

import aiosqlite

LOCK_WAIT_SECONDS = 5.0


class InlineConnection(aiosqlite.Connection):
    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + LOCK_WAIT_SECONDS
        delay = 0.001
        while True:
            try:
                return fn(*args, **kwargs)
            except sqlite3.OperationalError as exc:
                busy = "locked" in str(exc) or "busy" in str(exc)
                if not busy or loop.time() >= deadline:
                    raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.05)


def inline_creator(database: str) -> Callable[[], Any]:
    """An `async_creator` for SQLAlchemy's aiosqlite dialect."""

    def connector() -> sqlite3.Connection:
        # Made on aiosqlite's thread, used on the loop's thread: one user at a time, by design.
        return sqlite3.connect(database, check_same_thread=False)

    async def create() -> InlineConnection:
        connection = InlineConnection(connector, 64)
        connection._thread.daemon = True
        await connection
        return connection

    return create

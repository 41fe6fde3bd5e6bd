"""SQLite statements run in the calling greenlet instead of hopping to a worker thread.

aiosqlite sends every call (cursor, execute, fetch, close, commit) through a thread and
back; on a small machine each hop costs ~150 µs, and SQLAlchemy makes about four of them
per statement, so a dialogue step spent most of its time crossing threads. A local SQLite
statement on an indexed WAL database takes microseconds, so running it inline is far cheaper.

Inline is taken one step further here: SQLAlchemy's asyncio adapter still wraps each of
those calls in a coroutine and switches greenlets to await it (open the cursor, execute and
fetch, close it, and a commit), although nothing waits. `InlineAdaptedConnection` opens,
closes and commits on the sqlite3 objects directly, in the greenlet SQLAlchemy already runs
its work in; a statement keeps one switch, as SQLAlchemy's `AsyncConnection.execute`
insists on seeing one.

The one way SQLite can make a caller wait is a lock held by another process. That wait is
not left to SQLite's busy handler (which would freeze the event loop): the busy timeout is 0
and a "database is locked" answer is retried here, sleeping on the event loop between
tries (`await_` from inside SQLAlchemy's greenlet), so other updates go on.
Everything else (connection set-up, closing) still uses aiosqlite's own thread.
"""

from __future__ import annotations

import asyncio
import collections
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util.concurrency import await_

LOCK_WAIT_SECONDS = 5.0
T = TypeVar("T")


def busy(exc: BaseException | None) -> bool:
    """Another process holds the lock (SQLite's words for it)."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    return "locked" in str(exc) or "busy" in str(exc)


async def _retrying(fn: Callable[..., T], *args: Any) -> T:
    """Call `fn`; while another process holds the lock, wait on the loop and try again."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + LOCK_WAIT_SECONDS
    delay = 0.001
    while True:
        try:
            return fn(*args)
        except sqlite3.OperationalError as exc:
            if not busy(exc) or loop.time() >= deadline:
                raise
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.05)


class Direct:
    """Marks a call `storage.sqlite_session.InlineSession` makes outside SQLAlchemy's
    greenlet, in a transaction that holds the write lock already: nothing in it can wait."""

    depth = 0

    def __enter__(self) -> None:
        self.depth += 1

    def __exit__(self, *exc: object) -> None:
        self.depth -= 1


direct = Direct()


def _run(fn: Callable[..., T], *args: Any) -> T:
    """The same from synchronous code in SQLAlchemy's greenlet: at once when it succeeds (no
    coroutine, no greenlet switch), through `_retrying` only once the database is locked
    (and not in a direct call, which holds the lock: the error is its caller's)."""
    try:
        return fn(*args)
    except sqlite3.OperationalError as exc:
        if not busy(exc) or direct.depth:
            raise
    return await_(_retrying(fn, *args))


def _statement(fn: Callable[..., T], *args: Any) -> T:
    """A statement: at once in a direct call; otherwise through the event loop once (see
    the module's docstring)."""
    if direct.depth:
        return fn(*args)
    return await_(_retrying(fn, *args))


class InlineConnection(aiosqlite.Connection):
    """aiosqlite's connection, its calls made inline (the few SQLAlchemy still awaits)."""

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return await _retrying(lambda: fn(*args, **kwargs))


class InlineCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's adapted cursor over a plain sqlite3 cursor, every call synchronous."""

    __slots__ = ()
    _awaitable_cursor_close = False  # sqlite3's close is a plain call

    def _make_new_cursor(self, connection: Any) -> Any:
        return connection  # opened in `_aenter_cursor`, where errors are translated

    def _aenter_cursor(self, cursor: Any) -> Any:
        try:
            return cursor._conn.cursor()
        except Exception as error:  # a closed connection: SQLAlchemy's own translation
            self._adapt_connection._handle_exception(error)

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        cursor: sqlite3.Cursor = self._cursor  # type: ignore[assignment]
        try:
            if parameters is None:
                result = _statement(cursor.execute, operation)
            else:
                result = _statement(cursor.execute, operation, parameters)
            if cursor.description:
                self._rows = collections.deque(cursor.fetchall())
            return result
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        cursor: sqlite3.Cursor = self._cursor  # type: ignore[assignment]
        try:
            return _statement(cursor.executemany, operation, seq_of_parameters)
        except Exception as error:
            self._adapt_connection._handle_exception(error)


class InlineAdaptedConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = InlineCursor

    def commit(self) -> None:
        self._finish(lambda connection: connection.commit())

    def rollback(self) -> None:
        self._finish(lambda connection: connection.rollback())

    def close(self) -> None:
        """Closed on aiosqlite's thread, as aiosqlite closes; in a direct call (the pool
        letting a connection go as a transaction ends) without waiting for it."""
        if not direct.depth:
            super().close()
        elif self._connection._connection is not None:
            self._connection.stop()

    def begin_immediate(self) -> None:
        """Take the write lock now: a transaction that reads first and writes later could
        find the database locked halfway. Waits out another process's lock like a statement."""
        try:
            _run(self._connection._conn.execute, "BEGIN IMMEDIATE")
        except Exception as error:
            self._handle_exception(error)

    def _finish(self, end: Callable[[sqlite3.Connection], None]) -> None:
        if not self._connection._connection:
            return  # closed already, as SQLAlchemy's own adapter allows
        try:
            _run(end, self._connection._conn)
        except Exception as error:
            self._handle_exception(error)


class InlineDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The aiosqlite DB-API as SQLAlchemy adapts it, with inline cursors and commits."""

    def connect(self, *arg: Any, **kw: Any) -> InlineAdaptedConnection:
        adapted = super().connect(*arg, **kw)
        return InlineAdaptedConnection(self, adapted._connection)


def begin_immediate(connection: Any) -> None:
    """`Dialect.do_begin` for the inline adapter (`connection`: the pool's proxy of an
    `InlineAdaptedConnection`). As the dialect's own begin, its errors go through SQLAlchemy's
    translation like a statement's (a lock held too long, a connection closed underneath);
    and it is one call on the sqlite3 connection, where a `begin` event issuing the statement
    took the whole way of one through SQLAlchemy (about 40 µs, two or three times a step)."""
    connection.dbapi_connection.begin_immediate()


def inline_dbapi() -> InlineDBAPI:
    """The `module` to give SQLAlchemy's aiosqlite dialect."""
    return InlineDBAPI(aiosqlite, sqlite3)


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

"""SQLite sessions whose calls are plain calls, not each a greenlet of its own.

SQLAlchemy's `AsyncSession` runs every call (execute, get, flush, commit, close, and the
`AsyncConnection` a repository asks for) in a greenlet of its own, so that a driver deep
inside can await its I/O. With SQLite run inline (`storage.sqlite_inline`) nothing inside
a transaction awaits: the one wait SQLite can impose, another process's write lock, is met
when the transaction begins (`BEGIN IMMEDIATE`), and a connection is only ever opened then.
So `InlineSession` begins a transaction in a greenlet when it must (the lock waited for on
the event loop, a connection opened because the pool has none ready) and makes every other
call directly. A dialogue step made about thirty greenlets and twice as many switches.

Every such call is marked (`storage.sqlite_inline.direct`): a statement outside one still
needs SQLAlchemy's greenlet, so an attribute loaded lazily by mistake fails on SQLite as
it would on PostgreSQL, instead of passing here unnoticed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import MissingGreenlet, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.util import EMPTY_DICT, immutabledict
from sqlalchemy.util.concurrency import greenlet_spawn

from storage.sqlite_inline import busy, direct

# As AsyncSession: an ORM result's rows are read in full before it is returned.
_BUFFERED = immutabledict({"prebuffer_rows": True})
_BOUND = "inline_bound"  # in Session.info: a connection is in the session's transaction
_PROXY = "inline_connection"  # in Session.info: its InlineConnection, while it is


class InlineSyncSession(Session):
    """The sync session under `InlineSession`, which tells it when a transaction holds a
    connection (the events below)."""


@event.listens_for(InlineSyncSession, "after_begin")
def _bound(session: Session, _transaction: SessionTransaction, _connection: Connection) -> None:
    session.info[_BOUND] = True


@event.listens_for(InlineSyncSession, "after_transaction_end")
def _released(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info[_BOUND] = False
        session.info.pop(_PROXY, None)


def _options(execution_options: Any) -> Any:
    if execution_options:
        return immutabledict(execution_options).union(_BUFFERED)
    return _BUFFERED


class InlineConnection(AsyncConnection):
    """The session's connection, its statements made directly (the lock is held)."""

    async def execute(
        self,
        statement: Any,
        parameters: Any = None,
        *,
        execution_options: Any = None,
    ) -> Any:
        with direct:
            return self._proxied.execute(
                statement, parameters, execution_options=execution_options
            )

    async def scalar(
        self,
        statement: Any,
        parameters: Any = None,
        *,
        execution_options: Any = None,
    ) -> Any:
        result = await self.execute(statement, parameters, execution_options=execution_options)
        return result.scalar()


class InlineSession(AsyncSession):
    """`AsyncSession` for SQLite: a greenlet to begin a transaction if need be, none for
    its calls."""

    sync_session_class = InlineSyncSession

    async def _begin(self) -> None:
        if not self.sync_session.info.get(_BOUND):
            await self._take_connection()

    async def _begin_to_write(self) -> None:
        """Only a transaction with something to write needs one for a flush or commit."""
        session = self.sync_session
        if not session.info.get(_BOUND) and (session.new or session.deleted or session.dirty):
            await self._take_connection()

    async def _take_connection(self) -> None:
        """Directly when the pool has a connection ready and the lock is free; otherwise in
        a greenlet, where opening a connection and waiting for the lock can await."""
        pool = getattr(self.sync_session.get_bind(), "pool", None)  # none if bound to a connection
        checkedin = getattr(pool, "checkedin", None)
        if checkedin is not None and checkedin():
            try:
                with direct:
                    self.sync_session.connection()
                return
            except MissingGreenlet:
                pass  # the pool's connection was invalidated: a new one is to be opened
            except OperationalError as error:
                if not busy(error.orig):
                    raise
        await greenlet_spawn(self.sync_session.connection)

    async def execute(
        self,
        statement: Any,
        params: Any = None,
        *,
        execution_options: Any = EMPTY_DICT,
        bind_arguments: Any = None,
        **kw: Any,
    ) -> Any:
        await self._begin()
        with direct:
            return self.sync_session.execute(
                statement,
                params=params,
                execution_options=_options(execution_options),
                bind_arguments=bind_arguments,
                **kw,
            )

    async def scalar(self, statement: Any, params: Any = None, **kw: Any) -> Any:
        return (await self.scalars(statement, params, **kw)).first()

    async def scalars(self, statement: Any, params: Any = None, **kw: Any) -> Any:
        return (await self.execute(statement, params, **kw)).scalars()

    async def get(self, entity: Any, ident: Any, **kw: Any) -> Any:
        await self._begin()
        with direct:
            return self.sync_session.get(entity, ident, **kw)

    async def refresh(
        self,
        instance: object,
        attribute_names: Any = None,
        with_for_update: Any = None,
    ) -> None:
        await self._begin()
        with direct:
            self.sync_session.refresh(
                instance, attribute_names=attribute_names, with_for_update=with_for_update
            )

    async def flush(self, objects: Sequence[Any] | None = None) -> None:
        await self._begin_to_write()
        with direct:
            self.sync_session.flush(objects=objects)

    async def commit(self) -> None:
        await self._begin_to_write()
        with direct:
            self.sync_session.commit()

    async def rollback(self) -> None:
        with direct:
            self.sync_session.rollback()

    async def close(self) -> None:
        with direct:
            self.sync_session.close()

    async def connection(
        self,
        bind_arguments: Any = None,
        execution_options: Any = None,
        **kw: Any,
    ) -> AsyncConnection:
        """The transaction's connection; asked for by a repository before each statement,
        so kept for the transaction (repositories pass no arguments)."""
        proxy: InlineConnection | None = self.sync_session.info.get(_PROXY)
        if proxy is not None and bind_arguments is None and execution_options is None and not kw:
            return proxy
        await self._begin()
        with direct:
            sync_connection = self.sync_session.connection(
                bind_arguments=bind_arguments, execution_options=execution_options, **kw
            )
        proxy = InlineConnection(self.bind, sync_connection)  # type: ignore[arg-type]
        if bind_arguments is None and execution_options is None and not kw:
            self.sync_session.info[_PROXY] = proxy
        return proxy

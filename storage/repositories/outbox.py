"""Messages owed to people, and their atomic claiming by senders."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.htmltext import Html
from storage.models import OutboxMessage, OutboxStatus
from storage.repositories._common import is_postgres

PENDING, SENDING = OutboxStatus.PENDING.value, OutboxStatus.SENDING.value
# A row found "sending" with its attempt marked (`sent_at`) after its sender died: Telegram
# may have it, so it is not sent again (the same rule as a timeout).
DIED_SENDING = "the process sending it died: Telegram may or may not have it"


def _claim_outbox(skip_locked: bool) -> Any:
    moment = OutboxMessage.__table__.c.not_before.type
    now = bindparam("now", type_=moment)
    due = (
        select(OutboxMessage.id)
        .where(
            or_(
                (OutboxMessage.status == OutboxStatus.PENDING.value)
                & (OutboxMessage.not_before <= now),
                (OutboxMessage.status == OutboxStatus.SENDING.value)
                & (OutboxMessage.lease_until <= now),
            ),
            OutboxMessage.chat_id.not_in(bindparam("busy", expanding=True)),
        )
        .order_by(OutboxMessage.id)
        .limit(bindparam("limit"))
    )
    if skip_locked:
        due = due.with_for_update(skip_locked=True)
    return (
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due.scalar_subquery()))
        .values(
            status=OutboxStatus.SENDING.value,
            lease_until=bindparam("lease_until", type_=moment),
            attempts=OutboxMessage.attempts + 1,
        )
        .returning(OutboxMessage)
    )


CLAIM_OUTBOX = {False: _claim_outbox(False), True: _claim_outbox(True)}
_OUTBOX: Table = OutboxMessage.__table__  # type: ignore[assignment]
_MOMENT = _OUTBOX.c.not_before.type
INSERT_MANY = insert(_OUTBOX).returning(_OUTBOX.c.id, sort_by_parameter_order=True)
# A notice rendered just before it leaves keeps its words (`text`, else the stored text is
# kept): if the process dies before its outcome is known, the operator's list of unknown
# rows says what it was.
MARK_SENDING = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("row_id"), _OUTBOX.c.status == SENDING)
    .values(
        sent_at=bindparam("now", type_=_MOMENT),
        text=func.coalesce(bindparam("text", type_=_OUTBOX.c.text.type), _OUTBOX.c.text),
    )
)
FORGET = delete(_OUTBOX).where(_OUTBOX.c.id.in_(bindparam("row_ids", expanding=True)))
_DEAD_MID_SEND = (
    update(_OUTBOX)
    .where(_OUTBOX.c.status == SENDING, _OUTBOX.c.sent_at.is_not(None))
    .values(
        status=OutboxStatus.UNKNOWN.value,
        lease_until=None,
        sent_at=None,
        last_error=DIED_SENDING,
    )
)
ABANDONED = _DEAD_MID_SEND.where(_OUTBOX.c.lease_until <= bindparam("now", type_=_MOMENT))
RELEASE_UNTRIED = (
    update(_OUTBOX)
    .where(_OUTBOX.c.status == SENDING, _OUTBOX.c.sent_at.is_(None))
    .values(lease_until=bindparam("now", type_=_MOMENT))
)
FINISH = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("b_row_id"))
    .values(
        {
            column: bindparam(f"b_{column}", type_=_OUTBOX.c[column].type)
            for column in (
                "status",
                "lease_until",
                "last_error",
                "not_before",
                "attempts",
                "sent_at",
                "telegram_message_id",
                "text",
                "reply_markup",
                "purpose",
            )
        }
    )
)


# When a chat may next be written to (None: now), as the process's sender paces Telegram.
Paced = Callable[[int, datetime], datetime | None]


class OutboxRepository:
    def __init__(
        self, session: AsyncSession, lease: timedelta | None = None, paced: Paced | None = None
    ) -> None:
        self.session = session
        self.lease = lease
        self.paced = paced
        self.leased: list[OutboxMessage] = []
        self.replies: list[OutboxMessage] = []  # written first, so they keep their place
        self._notices: list[dict[str, Any]] = []
        self._forgotten: list[int] = []

    def add_notice(
        self,
        *,
        chat_id: int,
        notice: dict[str, Any],
        purpose: str,
        now: datetime,
        ticket_id: int | None = None,
        not_before: datetime | None = None,
    ) -> None:
        """Queue a notice to be rendered when sent; written in bulk with the transaction."""
        self._notices.append(
            {
                "chat_id": chat_id,
                "notice": notice,  # text and keyboard stay empty until it is rendered
                "purpose": purpose,
                "ticket_id": ticket_id,
                "status": PENDING,
                "attempts": 0,
                "not_before": not_before or now,
                "created_at": now,
            }
        )

    def wait_for(self, chat_id: int, now: datetime) -> datetime | None:
        """When the chat may next be written to, if not now (this process's pace)."""
        return self.paced(chat_id, now) if self.paced is not None else None

    def add_reply(
        self,
        *,
        chat_id: int,
        text: Html,
        purpose: str,
        now: datetime,
        reply_markup: dict[str, Any] | None = None,
    ) -> OutboxMessage:
        """Queue a reply the caller sends itself right after commit (leased to it).

        Replies are written at commit before every other row of the transaction, so after a
        crash a sender taking rows by id still sends a reply before the notices its update
        queued to the same chat. The row's id is set when it is written.
        """
        row = OutboxMessage(
            chat_id=chat_id,
            text=str(text),
            reply_markup=reply_markup,
            purpose=purpose,
            status=PENDING,
            attempts=0,
            not_before=now,
            created_at=now,
        )
        if self.lease is not None:
            row.status, row.lease_until, row.attempts = SENDING, now + self.lease, 1
        self.replies.append(row)
        return row

    async def write_pending(self) -> None:
        """The turn's replies, then the rows leased to this process, in one statement that
        returns their ids in order (the ORM's flush spent more than SQLite on each row);
        then the notices queued as data; then the rows forgotten, in one statement."""
        rows = [row for row in (*self.replies, *self.leased) if row.id is None]
        if rows:
            connection = await self.session.connection()
            written = await connection.execute(INSERT_MANY, [_columns(row) for row in rows])
            for row, row_id in zip(rows, written.scalars(), strict=True):
                row.id = row_id
        if self._notices:
            connection = await self.session.connection()
            await connection.execute(insert(_OUTBOX), self._notices)
            self._notices = []
        if self._forgotten:
            connection = await self.session.connection()
            await connection.execute(FORGET, {"row_ids": self._forgotten})
            self._forgotten = []

    def add(
        self,
        *,
        chat_id: int,
        text: Html,
        purpose: str,
        now: datetime,
        reply_markup: dict[str, Any] | None = None,
        ticket_id: int | None = None,
        not_before: datetime | None = None,
        photo_file_id: str | None = None,
    ) -> OutboxMessage:
        """Queue a message: `text` is HTML the bot rendered (`bot.htmltext`), never a raw
        string, so nothing reaches the outbox unescaped; it is stored as the HTML it is.
        `photo_file_id`: sent as that photo with `text` as its caption (the caller fits it
        within Telegram's caption limit)."""
        row = OutboxMessage(
            chat_id=chat_id,
            text=str(text),
            reply_markup=reply_markup,
            photo_file_id=photo_file_id,
            purpose=purpose,
            ticket_id=ticket_id,
            status=OutboxStatus.PENDING.value,
            attempts=0,
            not_before=not_before or now,
            created_at=now,
        )
        wait = self.wait_for(chat_id, now)
        if self.lease is not None and row.not_before <= now and wait is None:
            # Written already claimed by this process, which sends it right after commit;
            # added to the session at commit, after the transaction's replies. A row for
            # later (a scheduled notice) waits for the periodic sender instead.
            row.status, row.lease_until = OutboxStatus.SENDING.value, now + self.lease
            row.attempts = 1
            self.leased.append(row)
        else:
            # A chat written to this very second (a staff member's cards in a busy hour)
            # waits its turn: queued for then, not taken now only to be put back.
            if wait is not None:
                row.not_before = max(row.not_before, wait)
            self.session.add(row)
        return row

    async def claim(
        self, now: datetime, *, limit: int, lease: timedelta, busy: Collection[int] = ()
    ) -> list[OutboxMessage]:
        """Take due rows (and rows whose sender died mid-lease) for this sender alone.

        A dead sender's row whose attempt had begun is marked unknown instead: resending it
        could say the same thing twice. Rows for the `busy` chats (the sender may not write
        to them yet) are left where they are: taking a long queue only to put it back at
        every run costs work that grows with the queue, on the loop residents wait on."""
        connection = await self.session.connection()
        await connection.execute(ABANDONED, {"now": now})
        statement = CLAIM_OUTBOX[is_postgres(self.session)]
        result = await self.session.scalars(
            statement,
            {"now": now, "lease_until": now + lease, "limit": limit, "busy": list(busy)},
            execution_options={"synchronize_session": False},
        )
        return sorted(result, key=lambda row: row.id)

    async def finish(self, outcomes: list[dict[str, Any]]) -> None:
        """Store what became of sent rows: one prebuilt statement, executed for them all.

        Each outcome names every column FINISH sets (row_id, status, lease_until,
        last_error, not_before, attempts, sent_at, telegram_message_id, text, reply_markup,
        purpose)."""
        if outcomes:
            connection = await self.session.connection()
            await connection.execute(
                FINISH, [{f"b_{k}": v for k, v in o.items()} for o in outcomes]
            )

    async def mark_sending(
        self, row_id: int, now: datetime, *, rendered: str | None = None
    ) -> None:
        """Note that this row's request is about to leave (committed before it does);
        `rendered`: the text of a notice queued as data, as it goes out."""
        connection = await self.session.connection()
        await connection.execute(MARK_SENDING, {"row_id": row_id, "now": now, "text": rendered})

    def forget(self, row_ids: list[int]) -> None:
        """Delete rows that need no record once delivered (a turn's replies), with the
        transaction's commit: a turn's redraw sent before its reply and the replies of the
        turns before it go in one statement, not one each."""
        self._forgotten.extend(row_ids)

    async def take_over(self, now: datetime) -> tuple[int, int]:
        """Rows a dead sender held, for a sender that knows it is the only one: those it
        never tried are due now, those it was sending are unknown. (unknown, due) counts."""
        connection = await self.session.connection()
        unknown = await connection.execute(_DEAD_MID_SEND)
        due = await connection.execute(RELEASE_UNTRIED, {"now": now})
        return int(unknown.rowcount or 0), int(due.rowcount or 0)

    async def by_status(
        self, status: OutboxStatus, *, noted: bool = False, limit: int = 50
    ) -> list[OutboxMessage]:
        """Rows in a status, oldest first; `noted`: only those with an error kept (a row
        sent, but only as plain text after Telegram refused its formatting)."""
        query = select(OutboxMessage).where(OutboxMessage.status == status.value)
        if noted:
            query = query.where(OutboxMessage.last_error.is_not(None))
        return list(await self.session.scalars(query.order_by(OutboxMessage.id).limit(limit)))

    async def counts(self) -> dict[str, int]:
        rows = await self.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        )
        return {status: int(count) for status, count in rows}


def _columns(row: OutboxMessage) -> dict[str, Any]:
    return {
        "chat_id": row.chat_id,
        "text": row.text,
        "reply_markup": row.reply_markup,
        "photo_file_id": row.photo_file_id,
        "ticket_id": row.ticket_id,
        "purpose": row.purpose,
        "status": row.status,
        "attempts": row.attempts,
        "not_before": row.not_before,
        "lease_until": row.lease_until,
        "created_at": row.created_at,
        "telegram_message_id": row.telegram_message_id,  # the message an edit redraws
    }

"""A turn's new messages survive a crash: queued with its commit, sent right after it.

Each `Send` of a turn is written as an outbox row in the turn's own transaction, leased to
this process (`OutboxRepository.add_reply`), so a reply is owed exactly when what it answers
is saved. Right after the commit this process sends the rows itself, in the turn's order and
between its edits (unpaced, as a conversation needs), and records what became of them:

- delivered: the row is deleted, in bulk by the next transaction that records an attempt
  or the outbox sender's (within seconds: a process dying meanwhile leaves it `unknown`,
  never resent); nothing more is owed, and the registry holds the facts;
- refused for now (429, 5xx, network): it stays pending, and so do the replies behind it,
  for the outbox sender to send in order once Telegram takes them;
- refused for good, blocked, or timed out: it keeps that status for the operator.

Just before a row's request leaves, its attempt is committed (`sent_at`). If the process
dies before that, the row was never tried and goes out when its lease runs out (or at the
next start, see `scheduler.recovery`); if it dies after, Telegram may have it, so like a
timeout it becomes `unknown` instead of being said twice.

A turn's redraws (edits) are kept the same way, as rows of purpose `deferred_edit`: one the
process dies before making is made by the next sender (`DurableEdit`). They are not marked
before they leave: an edit made twice is made once ("message is not modified").

Photos, files and callback answers go out directly as before; a file is rebuilt on request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from telegram.error import BadRequest

from bot.clock import utcnow
from bot.desk import Outbox
from handlers.output import EditMessage, EditTapped, Refusal, Send, Target
from scheduler.outbox import Outcome, RetryPolicy, outcome_of
from storage.models import OutboxMessage, OutboxStatus
from storage.uow import UnitOfWork

# One purpose for every reply held in the outbox, sent at once or later.
REPLY_PURPOSE = "deferred_reply"
BLOCKED = "not sent: Telegram refused an earlier message of the same reply (blocked)"


def _sent(now: datetime, note: str | None, key: str | None) -> Outcome:
    """Delivered; `note`: only as plain text, listed for the operator under its `key`."""
    return Outcome(OutboxStatus.SENT, error=note, sent_at=now, purpose=key if note else None)


def _forgettable(outcome: Outcome) -> bool:
    """Delivered as written: nothing more is owed, and nothing for an operator to see."""
    return outcome.status is OutboxStatus.SENT and outcome.error is None


@dataclass
class ReplyLedger:
    """The rows of one turn's replies and what became of each, written through the turn's
    own unit of work once it has committed (a session less to open for each reply)."""

    uow: UnitOfWork
    # The outbox sender: delivered rows go to it, to be deleted by a later transaction
    # (its own, or the next attempt's commit, which deletes them as well: a process dying
    # leaves the reply in flight of unknown fate, not every reply delivered since).
    # Without one, they are deleted at once.
    sender: Outbox | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    rows: list[OutboxMessage] = field(default_factory=list)
    _done: dict[int, Outcome] = field(default_factory=dict)  # by row id
    _written: set[int] = field(default_factory=set)

    async def begin(self, row: OutboxMessage) -> None:
        """Commit that this row's request is leaving (with what is known of the ones
        before it), so a crash from now on cannot make it go out twice."""
        written = await self._write()
        if self.sender is not None:
            self.sender.forget_delivered(self.uow)
        await self.uow.outbox.mark_sending(row.id, utcnow())
        await self._commit(written)

    def note(self, row: OutboxMessage, outcome: Outcome) -> None:
        self._done[row.id] = outcome

    async def settle(self, refusal: Refusal | None, *, interrupted: bool = False) -> None:
        """Record every row's outcome. Rows never tried wait behind a refusal (in order),
        are undeliverable once the chat blocked the bot, or are left for the sender if
        delivery broke off. When all were delivered (the usual case) their deletion is left
        to the outbox sender's next transaction: no transaction of its own."""
        now = utcnow()
        untried = [row for row in self.rows if row.id not in self._done]
        if untried:
            outcome = self._untried_outcome(refusal, interrupted, now)
            for row in untried:
                self._done[row.id] = outcome
        fresh = [row_id for row_id in self._done if row_id not in self._written]
        if not fresh:
            return
        if self.sender is not None and all(_forgettable(self._done[r]) for r in fresh):
            self.sender.delivered(fresh)
            self._written.update(fresh)
            return
        await self._commit(await self._write())

    def leave_to_sender(self) -> list[OutboxMessage]:
        """The database went away mid-delivery: nothing more can be written now. Rows
        delivered as written are left for the sender's next transaction to delete (as
        usual); the rows never tried are returned, for the sender to send. A row whose
        attempt was recorded but not its outcome stays "sending", to be reported unknown."""
        delivered = [
            row_id
            for row_id, outcome in self._done.items()
            if row_id not in self._written and _forgettable(outcome)
        ]
        if delivered and self.sender is not None:
            self.sender.delivered(delivered)
            self._written.update(delivered)
        return [row for row in self.rows if row.id not in self._done]

    def _untried_outcome(
        self, refusal: Refusal | None, interrupted: bool, now: datetime
    ) -> Outcome:
        if refusal is not None:
            waits = [o.not_before for o in self._done.values() if o.not_before is not None]
            # Behind the refused one, never before it.
            return Outcome(OutboxStatus.PENDING, not_before=max([refusal.not_before, *waits]))
        if interrupted:
            return Outcome(OutboxStatus.PENDING, not_before=now)
        return Outcome(OutboxStatus.UNDELIVERABLE, error=BLOCKED)

    async def _write(self) -> list[int]:
        """Write the outcomes not written yet; their ids, to count once committed."""
        fresh = [(row, self._done[row.id]) for row in self.rows if self._is_fresh(row.id)]
        if not fresh:
            return []
        outbox = self.uow.outbox
        outbox.forget([row.id for row, o in fresh if _forgettable(o)])
        await outbox.finish([o.values(row) for row, o in fresh if not _forgettable(o)])
        return [row.id for row, _ in fresh]

    async def _commit(self, written: list[int]) -> None:
        try:
            await self.uow.commit()
        except BaseException:
            await self.uow.session.rollback()  # usable again, for what is left to record
            raise
        self._written.update(written)

    def _is_fresh(self, row_id: int) -> bool:
        return row_id in self._done and row_id not in self._written


@dataclass(frozen=True, slots=True)
class DurableSend:
    """A `Send` whose row is in the outbox: delivered like one, its outcome recorded."""

    send: Send
    row: OutboxMessage
    ledger: ReplyLedger

    async def deliver(self, target: Target) -> None:
        await self.ledger.begin(self.row)
        now = utcnow()
        try:
            note = await self.send.send(target)
        except Exception as exc:
            self.ledger.note(self.row, outcome_of(self.row, exc, now, self.ledger.retry))
            raise  # delivery carries on (or stops) as for any output
        # Sent as plain text (its HTML refused): kept, with the note, for `python -m bot outbox`,
        # under its catalogue key rather than the purpose every reply shares.
        self.ledger.note(self.row, _sent(now, note, self.send.key))

    def deferred(self, target: Target) -> None:
        return None  # its row is already queued; the ledger sets when it goes


@dataclass(frozen=True, slots=True)
class DurableEdit:
    """An edit whose row is in the outbox (the message's new face): made like one, its
    outcome recorded; if the process dies first, the outbox sender makes it."""

    edit: EditTapped | EditMessage
    row: OutboxMessage
    ledger: ReplyLedger

    async def deliver(self, target: Target) -> None:
        now = utcnow()
        try:
            note = await self.edit.deliver(target)
        except BadRequest as exc:
            if "to edit not found" in exc.message or "can't be edited" in exc.message:
                # The person deleted the message: there is nothing left to redraw.
                outcome = Outcome(OutboxStatus.UNDELIVERABLE, error=exc.message)
            else:
                outcome = outcome_of(self.row, exc, now, self.ledger.retry, idempotent=True)
            self.ledger.note(self.row, outcome)
            raise  # delivery carries on (or stops) as for any output
        except Exception as exc:
            outcome = outcome_of(self.row, exc, now, self.ledger.retry, idempotent=True)
            self.ledger.note(self.row, outcome)
            raise
        # Redrawn as plain text (its HTML refused): kept with the note, as a send is.
        self.ledger.note(self.row, _sent(now, note, self.edit.key))

    def deferred(self, target: Target) -> None:
        return None  # its row is already queued; the ledger sets when it goes

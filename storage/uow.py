"""Unit of work: one session per update, rolled back unless the use case commits once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.repositories import (
    AccessLogRepository,
    AlarmRepository,
    DialogueRepository,
    DispatchRepository,
    DrawnMessageRepository,
    DutyRepository,
    EstateRepository,
    ExtensionRepository,
    HandledUpdateRepository,
    HandoverRepository,
    InviteRepository,
    OutboxRepository,
    PrivacyRepository,
    RegistryRepository,
    ReportRepository,
    ResidentRepository,
    StaffRepository,
    SurveyRepository,
    TicketRepository,
)
from storage.repositories.outbox import Paced


class UnitOfWork:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        lease_outbox: timedelta | None = None,
        paced: Paced | None = None,
    ) -> None:
        """With lease_outbox, messages it queues are claimed for this process to send, but
        those to a chat `paced` says must wait, which are queued for then."""
        self._sessions = sessions
        self._lease_outbox = lease_outbox
        self._paced = paced
        self._after_commit: list[Callable[[], None]] = []

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._sessions()
        self.estate = EstateRepository(self.session)
        self.residents = ResidentRepository(self.session)
        self.tickets = TicketRepository(self.session)
        self.dialogues = DialogueRepository(self.session)
        self.outbox = OutboxRepository(self.session, self._lease_outbox, self._paced)
        self.staff = StaffRepository(self.session)
        self.invites = InviteRepository(self.session)
        self.access_log = AccessLogRepository(self.session)
        self.privacy = PrivacyRepository(self.session)
        self.alarms = AlarmRepository(self.session)
        self.extensions = ExtensionRepository(self.session)
        self.registry = RegistryRepository(self.session)
        self.reports = ReportRepository(self.session)
        self.surveys = SurveyRepository(self.session)
        self.dispatches = DispatchRepository(self.session)
        self.handovers = HandoverRepository(self.session)
        self.updates = HandledUpdateRepository(self.session)
        self.drawn = DrawnMessageRepository(self.session)
        self.duty = DutyRepository(self.session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self.session.rollback()
        finally:
            await self.session.close()

    async def flush(self) -> None:
        """Assign ids to new rows without committing (a service needs them mid-transaction)."""
        await self.session.flush()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the next commit has succeeded (never if it fails)."""
        self._after_commit.append(callback)

    async def commit(self) -> None:
        # Taken first: a commit that fails drops them, or a later commit of this unit of
        # work (a turn's, recording its replies) would run them for changes rolled back.
        callbacks, self._after_commit = self._after_commit, []
        await self.tickets.write_pending()
        await self.outbox.write_pending()
        await self.session.commit()
        for callback in callbacks:
            callback()

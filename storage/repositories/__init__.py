"""Repositories: the only place that builds SQL. They never commit; the unit of work does."""

from storage.repositories.alarms import AlarmRepository
from storage.repositories.dialogues import DialogueRepository
from storage.repositories.dispatches import DispatchRepository
from storage.repositories.drawn import DrawnMessageRepository
from storage.repositories.duty import DutyRepository
from storage.repositories.estate import EstateRepository
from storage.repositories.handovers import HandoverRepository
from storage.repositories.outbox import OutboxRepository
from storage.repositories.privacy import PrivacyRepository
from storage.repositories.registry import RegistryRepository
from storage.repositories.reports import ReportRepository
from storage.repositories.residents import ResidentRepository, StoredDialogue, card_of
from storage.repositories.staff import (
    AccessLogRepository,
    ExtensionRepository,
    InviteRepository,
    StaffRepository,
)
from storage.repositories.surveys import SurveyRepository
from storage.repositories.tickets import TicketPage, TicketRepository
from storage.repositories.updates import HandledUpdateRepository

__all__ = [
    "AccessLogRepository",
    "AlarmRepository",
    "DialogueRepository",
    "DispatchRepository",
    "DrawnMessageRepository",
    "DutyRepository",
    "EstateRepository",
    "ExtensionRepository",
    "HandledUpdateRepository",
    "HandoverRepository",
    "InviteRepository",
    "OutboxRepository",
    "PrivacyRepository",
    "RegistryRepository",
    "ReportRepository",
    "ResidentRepository",
    "StaffRepository",
    "StoredDialogue",
    "SurveyRepository",
    "TicketPage",
    "TicketRepository",
    "card_of",
]

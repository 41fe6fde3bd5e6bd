"""Repositories: the only place that builds SQL. They never commit; the unit of work does."""

from storage.repositories.alarms import AlarmRepository
from storage.repositories.dialogues import DialogueRepository
from storage.repositories.estate import EstateRepository
from storage.repositories.outbox import OutboxRepository
from storage.repositories.registry import RegistryRepository
from storage.repositories.residents import ResidentRepository, StoredDialogue, card_of
from storage.repositories.staff import (
    AccessLogRepository,
    ExtensionRepository,
    InviteRepository,
    StaffRepository,
)
from storage.repositories.tickets import TicketPage, TicketRepository

__all__ = [
    "AccessLogRepository",
    "AlarmRepository",
    "DialogueRepository",
    "EstateRepository",
    "ExtensionRepository",
    "InviteRepository",
    "OutboxRepository",
    "RegistryRepository",
    "ResidentRepository",
    "StaffRepository",
    "StoredDialogue",
    "TicketPage",
    "TicketRepository",
    "card_of",
]

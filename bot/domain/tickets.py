"""Tickets (complaints, suggestions, later repairs and concierge orders) and their lifecycle."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class TicketKind(StrEnum):
    COMPLAINT = "complaint"
    SUGGESTION = "suggestion"
    REPAIR = "repair"
    CONCIERGE = "concierge"
    VISIT = "visit"  # an in-person follow-up visit about another item (回访)
    TASK = "task"  # a manager going along with a birthday delivery

    @classmethod
    def _missing_(cls, value: object) -> TicketKind | None:
        """A kind added as data (bot.domain.kinds.register) is a member from then on, so
        every screen and query that reads an item's kind takes it like a built-in one."""
        if not isinstance(value, str) or value not in _ADDED:
            return None
        member = str.__new__(cls, value)
        member._name_ = value.upper()
        member._value_ = value
        return cls._value2member_map_.setdefault(value, member)  # type: ignore[return-value]


_ADDED: set[str] = set()


def register_kind(code: str) -> None:
    """Make `code` a TicketKind (bot.domain.kinds keeps what the kind means)."""
    _ADDED.add(code)


class TicketStatus(StrEnum):
    NEW = "new"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"
    REVIEW = "review"  # a department reported a result; the desk has not checked it yet
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"


OPEN_STATUSES = frozenset(
    {
        TicketStatus.NEW,
        TicketStatus.ACCEPTED,
        TicketStatus.IN_PROGRESS,
        TicketStatus.WAITING,
        TicketStatus.REVIEW,
        TicketStatus.REOPENED,
    }
)


class Severity(StrEnum):
    GENERAL = "general"
    IMPORTANT = "important"
    MAJOR = "major"


class Nature(StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    COMMUNICATION = "communication"


class Channel(StrEnum):
    BOT = "bot"
    PHONE = "phone"
    VISIT = "visit"
    LETTER = "letter"
    ONLINE = "online"


class WaitingReason(StrEnum):
    RESIDENT = "resident"
    PARTS = "parts"
    ACCESS = "access"


class LocationKind(StrEnum):
    OWN_UNIT = "own_unit"
    COMMON_AREA = "common_area"


class EventKind(StrEnum):
    CREATED = "created"
    STATUS_CHANGED = "status_changed"
    NOTE = "note"
    MESSAGE = "message"
    ACCEPTED = "accepted"
    REPLIED = "replied"
    CLASSIFIED = "classified"
    TRANSFERRED = "transferred"
    WAITING = "waiting"
    RESOLVED = "resolved"
    RESULT_ACCEPTED = "result_accepted"
    SENT_BACK = "sent_back"
    UNDELIVERABLE = "undeliverable"
    RESUMED = "resumed"  # waiting over: the resolve clock runs again
    REMINDED = "reminded"  # an alarm fired: a reminder or a rung of the escalation ladder
    HANDED = "handed"  # an important or major item handed to whoever handles it
    REOFFERED = "reoffered"  # nobody accepted in time: offered to the department
    UPGRADED = "upgraded"  # a valid complaint open too long became major
    EXTENSION_ASKED = "extension_asked"
    EXTENSION_APPROVED = "extension_approved"
    EXTENSION_REJECTED = "extension_rejected"
    ASKED_SUPERVISOR = "asked_supervisor"  # the nature could not be judged at the desk
    ESCALATED = "escalated"  # beyond one's authority: up the zone's chain
    TAKEN_OVER = "taken_over"
    RETURNED = "returned"  # sent back down with instructions
    FOLLOWUP_ASKED = "followup_asked"
    FOLLOWUP_ANSWERED = "followup_answered"
    FOLLOWUP_NO_RESPONSE = "followup_no_response"
    PHONE_FOLLOWUP = "phone_followup"
    REOPENED = "reopened"
    CLOSED = "closed"
    VISIT_CREATED = "visit_created"
    SENT_FOR_CHECK = "sent_for_check"  # a major result passed to the CS manager to check
    LIAISON = "liaison"  # out of scope: the desk contacted the utility (who, when, said)
    ADOPTED = "adopted"  # a suggestion the office takes up …
    NOT_ADOPTED = "not_adopted"  # … or not, with the reason the resident reads
    LINKED = "linked"  # joined an incident: one owner and one answer for many reports
    UNLINKED = "unlinked"  # taken out of its incident: handled on its own again


@dataclass(frozen=True, slots=True)
class Draft:
    """What a resident has entered so far; validated as a whole before filing."""

    kind: TicketKind
    description: str = ""
    category: str | None = None
    photos: tuple[str, ...] = ()
    location_kind: LocationKind | None = None
    location_text: str | None = None
    requested_by: date | None = None
    voice: str | None = None  # a voice note told as the description (its file)


class DraftIncomplete(ValueError):
    """Raised when a draft lacks a field the kind of item requires."""

    def __init__(self, missing: str) -> None:
        super().__init__(missing)
        self.missing = missing


@dataclass(frozen=True, slots=True)
class NewTicket:
    """A ticket ready to be stored, with its promised first-answer time."""

    kind: TicketKind
    category: str | None
    description: str
    photos: tuple[str, ...]
    location_kind: LocationKind | None
    location_text: str | None
    requested_by: date | None
    channel: Channel
    status: TicketStatus
    created_at: datetime
    first_answer_due_at: datetime
    resolve_due_at: datetime | None
    events: list[EventKind] = field(default_factory=lambda: [EventKind.CREATED])
    voice: str | None = None


def check_draft(draft: Draft, categories: list[str]) -> None:
    """Refuse a draft that cannot become a ticket; the dialogue should never get here."""
    if not draft.description.strip():
        raise DraftIncomplete("description")
    if draft.kind is TicketKind.COMPLAINT:
        if draft.category not in categories:
            raise DraftIncomplete("category")
        if draft.location_kind is None:
            raise DraftIncomplete("location")
        if draft.location_kind is LocationKind.COMMON_AREA and not draft.location_text:
            raise DraftIncomplete("location")


def open_ticket(
    draft: Draft,
    *,
    categories: list[str],
    now: datetime,
    first_answer_due_at: datetime,
    resolve_due_at: datetime,
    channel: Channel = Channel.BOT,
) -> NewTicket:
    """Turn a checked draft into a new ticket with its clocks started (the due times come
    from bot.domain.deadlines.promise: the general promise until staff classify it, or the
    resident's own earlier date). A suggestion promises an answer, not a resolution."""
    check_draft(draft, categories)
    resolve_due: datetime | None = None
    if draft.kind is not TicketKind.SUGGESTION:
        resolve_due = resolve_due_at
    return NewTicket(
        kind=draft.kind,
        category=draft.category,
        description=draft.description.strip(),
        photos=draft.photos,
        voice=draft.voice,
        location_kind=draft.location_kind,
        location_text=draft.location_text,
        requested_by=draft.requested_by,
        channel=channel,
        status=TicketStatus.NEW,
        created_at=now,
        first_answer_due_at=first_answer_due_at,
        resolve_due_at=resolve_due,
    )


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """An item as screens and rules read it, detached from the database."""

    id: int
    reference: str
    kind: TicketKind
    status: TicketStatus
    category: str | None
    nature: Nature | None
    severity: Severity | None
    own_unit: bool
    place: str | None  # the resident's home for their own unit, else the place they named
    description: str
    photos: tuple[str, ...]
    requested_by: date | None
    created_at: datetime
    first_answer_due_at: datetime | None
    resolve_due_at: datetime | None
    resident_id: int | None
    owner_staff_id: int | None
    assignee_staff_id: int | None
    department: str | None
    zone: str | None
    estate_id: int | None
    contact_phone: str | None = None
    report_due_at: datetime | None = None
    waiting_until: date | None = None
    escalated_to_staff_id: int | None = None
    awaiting_call: bool = False  # closed without an answer to the follow-up: phone them
    parent_id: int | None = None  # a visit's item
    service: str | None = None  # an order's catalogue service, a repair's type
    stage: str | None = None
    details: dict[str, Any] | None = None  # an order's answers, a repair's particulars
    service_at: datetime | None = None  # delivery, or the visit
    reviewer_staff_id: int | None = None  # a major result waits for this person's check
    adopted: bool | None = None  # a suggestion: taken up or not (None: not decided)
    confidential: bool = False  # the resident asked for confidential service
    voices: tuple[str, ...] = ()  # voice notes told as the description (sent as they came)
    resolved_at: datetime | None = None  # when the result reached the resident
    channel: Channel = Channel.BOT  # how it came in: a letter's follow-up is written

"""Tables of the registry. Times are stored in UTC and always come back timezone-aware."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, column_property, mapped_column, relationship

from bot.domain.deadlines import FollowupState

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """SQLite forgets offsets; store naive UTC everywhere and hand back aware UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


class Estate(Base):
    __tablename__ = "estates"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Published to every resident (welcome, help, every emergency answer).
    hotline: Mapped[str] = mapped_column(String(64), default="", server_default="")
    office_address: Mapped[str] = mapped_column(String(200), default="", server_default="")


class Building(Base):
    __tablename__ = "buildings"
    __table_args__ = (UniqueConstraint("estate_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    zone: Mapped[str] = mapped_column(String(64), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class Unit(Base):
    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("building_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"))
    code: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    building: Mapped[Building] = relationship(lazy="joined")


class Resident(Base):
    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    language: Mapped[str] = mapped_column(String(16))
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    # Confidential service (客情保密): who recorded the resident's consent, and when.
    confidential_at: Mapped[datetime | None]
    confidential_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Kept with consent only: the project's wishes on this day every year (None: not asked).
    birthday: Mapped[date | None] = mapped_column(Date)
    birthday_wishes: Mapped[bool | None] = mapped_column(Boolean)
    wished_year: Mapped[int | None] = mapped_column(Integer)

    unit: Mapped[Unit | None] = relationship(lazy="joined")


class Birthday(Base):
    """The birthday of someone a resident ordered a cake for ("my daughter Lily"), kept
    with the resident's consent for the project's yearly wishes, which name them. A refusal
    is kept too (asked once), without the date."""

    __tablename__ = "birthdays"
    __table_args__ = (UniqueConstraint("resident_id", "whom_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    whom: Mapped[str] = mapped_column(String(40))  # as the resident named them
    whom_key: Mapped[str] = mapped_column(String(40))  # the same, compared
    day: Mapped[date | None] = mapped_column(Date)
    wishes: Mapped[bool] = mapped_column(Boolean)
    wished_year: Mapped[int | None] = mapped_column(Integer)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))  # the order
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Staff(Base):
    """Desk staff and managers; enrollment and roles arrive with the staff-side work."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"))
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(32))
    department: Mapped[str] = mapped_column(String(32))
    zone: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(16), default="zh_Hans")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    deactivated_at: Mapped[datetime | None]


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_resident_created", "resident_id", "created_at"),
        Index("ix_tickets_status_first_answer_due", "status", "first_answer_due_at"),
        Index("ix_tickets_status_resolve_due", "status", "resolve_due_at"),
        Index("ix_tickets_estate_created", "estate_id", "created_at"),
        Index("ix_tickets_estate_answered", "estate_id", "first_answered_at"),
        Index("ix_tickets_estate_resolved", "estate_id", "resolved_at"),
        # A fault's reports (IncidentRepository.tally), counted from the index alone.
        Index("ix_tickets_fault", "estate_id", "category", "created_at", "status", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(32))
    nature: Mapped[str | None] = mapped_column(String(16))
    severity: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    location_kind: Mapped[str | None] = mapped_column(String(16))
    location_text: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[date | None] = mapped_column(Date)
    department: Mapped[str | None] = mapped_column(String(32))
    estate_id: Mapped[int | None] = mapped_column(ForeignKey("estates.id"))
    zone: Mapped[str | None] = mapped_column(String(64))
    waiting_reason: Mapped[str | None] = mapped_column(String(32))
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    registered_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    owner_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    assignee_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    first_answer_due_at: Mapped[datetime | None]
    resolve_due_at: Mapped[datetime | None]
    first_answered_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # The clocks (bot.domain.deadlines): when the promises started counting (filing, or the
    # last reopening), and the time the resolve clock spent paused while waiting.
    clock_started_at: Mapped[datetime | None]
    paused_at: Mapped[datetime | None]
    paused_s: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    waiting_until: Mapped[date | None] = mapped_column(Date)
    report_from_at: Mapped[datetime | None]  # handed to a department at …
    report_due_at: Mapped[datetime | None]  # … which reports back by
    escalated_to_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # Escalated to a manager who has not tapped Seen: at this time it climbs a rung.
    escalation_climb_at: Mapped[datetime | None]
    # Follow-up (回访): the resident's verdict, and a reopened item's count.
    followup: Mapped[str | None] = mapped_column(String(16))
    followup_asked_at: Mapped[datetime | None]
    solved: Mapped[bool | None] = mapped_column(Boolean)
    rating: Mapped[int | None] = mapped_column(Integer)
    feedback: Mapped[str | None] = mapped_column(Text)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))  # a visit's item
    # Orders and repairs: which service (or repair type), how far along, the answers of
    # the form, when it is to be delivered (or visited), and the resident's signature.
    service: Mapped[str | None] = mapped_column(String(32))
    stage: Mapped[str | None] = mapped_column(String(16))
    details: Mapped[dict[str, Any] | None]
    service_at: Mapped[datetime | None]
    service_done_at: Mapped[datetime | None]
    signed_at: Mapped[datetime | None]
    wish_on: Mapped[date | None] = mapped_column(Date)  # a birthday: the project's wishes
    # Whose birthday it is, as the resident named them ("my daughter Lily"); None: their own.
    wish_for: Mapped[str | None] = mapped_column(String(40))
    followup_due_at: Mapped[datetime | None]  # a follow-up window of its own (repairs)
    # A cancelled order (or any item withdrawn): when, and why, where the reports read them.
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # A major item's result waits for this person's check (the CS manager) before the
    # resident hears it; a suggestion's adoption, as the desk recorded it.
    reviewer_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    adopted: Mapped[bool | None] = mapped_column(Boolean)
    # An emergency nobody has said they are on the way to: its next page is due then.
    page_next_at: Mapped[datetime | None]

    attachments: Mapped[list[Attachment]] = relationship(
        order_by="Attachment.id", lazy="selectin", cascade="all, delete-orphan"
    )
    unit: Mapped[Unit | None] = relationship(lazy="joined")
    # The resident asked for confidential service: read with the row, never stored twice.
    resident_confidential: Mapped[bool | None] = column_property(
        select(Resident.confidential)
        .where(Resident.id == resident_id)
        .correlate_except(Resident)
        .scalar_subquery(),
        expire_on_flush=False,
    )

    @property
    def awaiting_call(self) -> bool:
        """Closed without an answer to the follow-up: the desk must phone."""
        return self.followup == FollowupState.NO_RESPONSE

    @property
    def confidential(self) -> bool:
        """Its resident asked for confidential service (as read with the row; a row made
        in this unit of work has it read back when stored by the repository)."""
        if "resident_confidential" in inspect(self).unloaded:
            return False
        return bool(self.resident_confidential)


class Alarm(Base):
    """A moment something must happen to an item (a reminder, a rung of the ladder, the
    follow-up question). Swept when due and claimed once: `fired_at` is set in the same
    transaction as what the firing did, and (item, kind, due time) is unique."""

    __tablename__ = "alarms"
    __table_args__ = (
        UniqueConstraint("ticket_id", "kind", "due_at"),
        Index(
            "ix_alarms_due_unfired",
            "due_at",
            sqlite_where=text("fired_at IS NULL"),
            postgresql_where=text("fired_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Looked up by item through the unique constraint's index (ticket_id leads it).
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    kind: Mapped[str] = mapped_column(String(24))
    due_at: Mapped[datetime]
    fired_at: Mapped[datetime | None]


class Emergency(Base):
    """An emergency (突发事件) filed from what someone typed, registered or not: who to
    answer (their chat), how many pages went out and to whom, who is on the way, and
    whether the reporter said it was not an emergency (a misfire of the keywords)."""

    __tablename__ = "emergencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    code: Mapped[str] = mapped_column(String(32))
    reporter_user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    reporter_chat_id: Mapped[int] = mapped_column(BigInteger)
    language: Mapped[str] = mapped_column(String(16))
    pages: Mapped[int] = mapped_column(Integer, default=0)
    paged_staff: Mapped[list[int]] = mapped_column(JSON, default=list)
    where_asked: Mapped[bool] = mapped_column(Boolean, default=False)
    on_way_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    on_way_at: Mapped[datetime | None]
    misfire_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Extension(Base):
    """A request to move an item's resolve time, and the approver's decision."""

    __tablename__ = "extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    requested_by_staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    requested_at: Mapped[datetime]
    new_due_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    decided_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime | None]


class UtilityContact(Base):
    """The desk's liaison with a utility about an out-of-scope item: who was contacted,
    when, and what they said (each one told to the resident)."""

    __tablename__ = "utility_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    contacted: Mapped[str] = mapped_column(String(200))
    contacted_at: Mapped[datetime]
    said: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class MoneyEntry(Base):
    """The money trail of an order: prepayment and receipt, purchase voucher, final amount,
    balance, refund, invoice. Never edited: a correction is a new entry."""

    __tablename__ = "money_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    number: Mapped[str | None] = mapped_column(String(64))  # receipt, voucher, invoice no.
    note: Mapped[str | None] = mapped_column(Text)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime]


class Attachment(Base):
    __tablename__ = "ticket_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="photo")
    file_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]


class TicketEvent(Base):
    """Append-only timeline of an item: who did what, when."""

    __tablename__ = "ticket_events"
    __table_args__ = (Index("ix_ticket_events_kind_created", "kind", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    created_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_role: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)


class ReferenceCounter(Base):
    """Last sequence number handed out per prefix and local day."""

    __tablename__ = "reference_counters"

    prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class Dialogue(Base):
    """The step a person is at in a guided dialogue and what they entered so far."""

    __tablename__ = "dialogues"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    flow: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]]
    language: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class HandledUpdate(Base):
    """A Telegram update whose effects are committed: written in the same transaction as
    them, so an update fetched again after a crash (or posted twice to the webhook) is
    skipped instead of applied twice."""

    __tablename__ = "handled_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    handled_at: Mapped[datetime] = mapped_column(index=True)


class ConsumerLease(Base):
    """Which process consumes Telegram updates (getUpdates), until when: the holder renews
    it every few seconds; a standby takes the row once it has run out (bot.services.consumer)."""

    __tablename__ = "consumer_leases"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime]
    renewed_at: Mapped[datetime]


class DrawnMessage(Base):
    """What the bot last drew in one of its messages (text and buttons, as a fingerprint),
    so an edit that would change nothing is skipped: Telegram refuses it."""

    __tablename__ = "drawn_messages"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    message_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    fingerprint: Mapped[str] = mapped_column(String(16))
    drawn_at: Mapped[datetime] = mapped_column(index=True)


class OutboxStatus(StrEnum):
    """Where a queued message stands; `unknown`, `failed` and `undeliverable` need a look."""

    PENDING = "pending"  # waiting for its time (not_before)
    SENDING = "sending"  # claimed by a sender until lease_until
    SENT = "sent"
    UNKNOWN = "unknown"  # timed out: Telegram may or may not have delivered it
    UNDELIVERABLE = "undeliverable"  # the person blocked the bot, or the chat is gone
    FAILED = "failed"  # Telegram refused it for good, or it could not be built


class OutboxMessage(Base):
    """A message owed to someone, written with the change that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_not_before", "status", "not_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    # Rendered when queued, or (text empty) rendered from `notice` when sent: a sweep
    # queues thousands of reminders as data, and each card shows the item as it is then.
    text: Mapped[str | None] = mapped_column(Text)
    notice: Mapped[dict[str, Any] | None]
    reply_markup: Mapped[dict[str, Any] | None]
    # A photo (Telegram file id) sent with the text as its caption (a notice's picture).
    photo_file_id: Mapped[str | None] = mapped_column(String(255))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    purpose: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(Text)


class Invite(Base):
    """A single-use enrollment link; only the token's hash is kept."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"))
    role: Mapped[str] = mapped_column(String(32))
    department: Mapped[str] = mapped_column(String(32))
    zone: Mapped[str | None] = mapped_column(String(64))
    created_by_user_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class SensitiveView(Base):
    """Every time staff saw a resident's personal data: who, whose, what, when."""

    __tablename__ = "sensitive_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    what: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]


class AccessGrant(Base):
    """A request to see a resident (or one item) outside one's remit: both approvers must
    say yes, and it then runs until `expires_at`."""

    __tablename__ = "access_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    subject: Mapped[str] = mapped_column(String(64))  # what was asked for: a unit, a reference
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # pending / approved / refused
    requested_at: Mapped[datetime]
    senior_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    senior_at: Mapped[datetime | None]
    chief_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    chief_at: Mapped[datetime | None]
    refused_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]


class Relay(Base):
    """A message the desk took for a resident (留言服务), and the resident's answer."""

    __tablename__ = "relays"

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]


class Incident(Base):
    """Many residents' reports of one fault (the same category in the same building, or a
    notice's planned works or outage): one owner, one set of promises, one answer to all.
    The lead item carries the owner and the promises; the others follow it."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    category: Mapped[str | None] = mapped_column(String(32))
    lead_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("estate_notices.id"))
    status: Mapped[str] = mapped_column(String(16))  # open / resolved
    created_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]


class IncidentItem(Base):
    """An item linked to an incident (an item belongs to one incident at most)."""

    __tablename__ = "incident_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    linked_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    linked_at: Mapped[datetime]


class EstateNotice(Base):
    """A notice to residents (小区通知): to a building, a zone or the whole estate, sent at
    once or at a set time; planned works and outages run from `starts_at` to `ends_at`."""

    __tablename__ = "estate_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    scope: Mapped[str] = mapped_column(String(16))  # building / zone / estate
    target: Mapped[str | None] = mapped_column(String(64))  # the building's code, the zone
    kind: Mapped[str] = mapped_column(String(16))  # notice / works / outage
    category: Mapped[str | None] = mapped_column(String(32))  # the fault it explains
    text: Mapped[str] = mapped_column(Text)
    photo_file_id: Mapped[str | None] = mapped_column(String(255))
    send_at: Mapped[datetime]
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class NoticeReply(Base):
    """A resident's tap under a notice: *This affects me*, or *Still a problem*."""

    __tablename__ = "notice_replies"
    __table_args__ = (UniqueConstraint("notice_id", "resident_id", "answer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("estate_notices.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    answer: Mapped[str] = mapped_column(String(16))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    created_at: Mapped[datetime]


class SavedSearch(Base):
    """What someone typed after /find, so the result's page buttons can name it by id."""

    __tablename__ = "saved_searches"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    text: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class Dispatch(Base):
    """A pushed report (weekly, monthly) or daily ledger: one row per estate and period,
    inserted before anything is sent, so a second process or a restart never sends twice."""

    __tablename__ = "dispatches"
    __table_args__ = (UniqueConstraint("kind", "estate_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)  # exclusive
    created_at: Mapped[datetime]
    # The daily ledger's two signatures (工作台帐): the staff on duty and the supervisor.
    duty_signed_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    duty_signed_at: Mapped[datetime | None]
    supervisor_signed_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    supervisor_signed_at: Mapped[datetime | None]


class Acknowledgement(Base):
    """Someone read and signed a report, a ledger or a handover (their tap is the signature)."""

    __tablename__ = "acknowledgements"
    __table_args__ = (UniqueConstraint("subject", "subject_id", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(16))  # dispatch / handover
    subject_id: Mapped[int] = mapped_column(Integer)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime]


class DutyRosterEntry(Base):
    """Who is rostered for which shift on which day (/duty); a day with no rows for the
    estate has no roster, and every member of staff counts as on duty."""

    __tablename__ = "duty_roster"
    __table_args__ = (UniqueConstraint("staff_id", "day", "shift"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    day: Mapped[date] = mapped_column(Date, index=True)  # the day the shift starts
    shift: Mapped[str] = mapped_column(String(16))
    set_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime]


class DutyMark(Base):
    """A tap on *Start shift* (on) or *End shift* (off): kept, so the day can be read back."""

    __tablename__ = "duty_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    on: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(index=True)


class Handover(Base):
    """The shift's handover book (交接班): who was on, what everyone must know, notes."""

    __tablename__ = "handovers"

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"), index=True)
    written_by_staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    shift: Mapped[str] = mapped_column(String(16))  # day / night
    shift_start: Mapped[datetime]
    shift_end: Mapped[datetime]
    people: Mapped[str] = mapped_column(Text)
    matters: Mapped[str] = mapped_column(Text)
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)
    made: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # note → its item's ref
    created_at: Mapped[datetime]
    # The senior butler's signature on the day's book: who, and when.
    signed_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    signed_at: Mapped[datetime | None]


class HandoverItem(Base):
    """An open item handed to the next shift: tracked until done (by whom, when)."""

    __tablename__ = "handover_items"
    __table_args__ = (UniqueConstraint("handover_id", "ticket_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    handover_id: Mapped[int] = mapped_column(ForeignKey("handovers.id"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    carried: Mapped[bool] = mapped_column(Boolean, default=False)
    note_ticket: Mapped[bool] = mapped_column(Boolean, default=False)  # made from a note


class Survey(Base):
    """The yearly satisfaction survey: its questions, asked of every registered resident."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"))
    started_by_staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    questions: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime]


class SurveyAnswer(Base):
    __tablename__ = "survey_answers"
    __table_args__ = (UniqueConstraint("survey_id", "resident_id", "question"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    question: Mapped[int] = mapped_column(Integer)
    rating: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]

"""Who must be told what after a change: written to the outbox by the notifier, in the
reader's own language, in the same transaction as the change."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum


class NoticeKind(StrEnum):
    STAFF_CARD = "staff_card"  # the item's card with the reader's actions, under a headline
    RESIDENT = "resident"  # a message to the resident about their item


@dataclass(frozen=True, slots=True)
class Label:
    """Catalogue keys to translate for each reader, joined with " · " (a role, a nature…)."""

    keys: tuple[str, ...]

    @classmethod
    def of(cls, *keys: str) -> Label:
        return cls(keys)


# Values are formatted for each reader: text as is (escaped), labels translated, times,
# days and spans in the reader's language.
Value = str | Label | datetime | date | timedelta


@dataclass(frozen=True, slots=True)
class Notice:
    kind: NoticeKind
    ticket_id: int
    key: str
    staff_id: int | None = None
    values: dict[str, Value] = field(default_factory=dict)
    about: bool = True  # resident notices start with "About your item TS-…"
    # Buttons of the notice itself, above a card's own (catalogue key of the label, packed
    # callback data): Approve / Reject on an extension request, the follow-up questions.
    buttons: tuple[tuple[str, str], ...] = ()


def staff_card(staff_id: int, ticket_id: int, key: str, **values: Value) -> Notice:
    return Notice(NoticeKind.STAFF_CARD, ticket_id, key, staff_id=staff_id, values=values)


def to_resident(ticket_id: int, key: str, **values: Value) -> Notice:
    return Notice(NoticeKind.RESIDENT, ticket_id, key, values=values)


def with_buttons(notice: Notice, buttons: tuple[tuple[str, str], ...]) -> Notice:
    return replace(notice, buttons=buttons)


def to_resident_plain(ticket_id: int, key: str, **values: Value) -> Notice:
    """A message that names the item itself (an acknowledgement), without "About …"."""
    return Notice(NoticeKind.RESIDENT, ticket_id, key, values=values, about=False)

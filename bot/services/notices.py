"""Who must be told what after a change; rendered into outbox rows by the Telegram edge."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class NoticeKind(StrEnum):
    STAFF_CARD = "staff_card"  # the item's card with action buttons, and a headline
    RESIDENT = "resident"  # a message to the resident about their item


@dataclass(frozen=True, slots=True)
class Notice:
    kind: NoticeKind
    ticket_id: int
    key: str
    staff_id: int | None = None
    values: dict[str, str] = field(default_factory=dict)


def staff_card(staff_id: int, ticket_id: int, key: str, **values: str) -> Notice:
    return Notice(NoticeKind.STAFF_CARD, ticket_id, key, staff_id=staff_id, values=values)


def to_resident(ticket_id: int, key: str, **values: str) -> Notice:
    return Notice(NoticeKind.RESIDENT, ticket_id, key, values=values)

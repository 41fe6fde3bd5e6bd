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
    # A resident's message (its catalogue key) that the desk passes on by phone or in
    # writing: this card's headline quotes it, rendered from the same values.
    relays: str | None = None


def staff_card(staff_id: int, ticket_id: int, key: str, **values: Value) -> Notice:
    return Notice(NoticeKind.STAFF_CARD, ticket_id, key, staff_id=staff_id, values=values)


def to_resident(ticket_id: int, key: str, **values: Value) -> Notice:
    return Notice(NoticeKind.RESIDENT, ticket_id, key, values=values)


def with_buttons(notice: Notice, buttons: tuple[tuple[str, str], ...]) -> Notice:
    return replace(notice, buttons=buttons)


def to_resident_plain(ticket_id: int, key: str, **values: Value) -> Notice:
    """A message that names the item itself (an acknowledgement), without "About …"."""
    return Notice(NoticeKind.RESIDENT, ticket_id, key, values=values, about=False)


def relay(staff_id: int, told: Notice, key: str, **values: Value) -> Notice:
    """The desk's task of passing a resident's message on (`key` says how, quoting it as
    `said`); the resident's buttons are theirs, so the card has its own."""
    return Notice(
        NoticeKind.STAFF_CARD,
        told.ticket_id,
        key,
        staff_id=staff_id,
        values={**told.values, **values},
        relays=told.key,
    )


# --- as stored in the outbox, for a notice rendered when it is sent ------------------------
def to_json(notice: Notice) -> dict[str, object]:
    return {
        "kind": notice.kind.value,
        "ticket": notice.ticket_id,
        "key": notice.key,
        "staff": notice.staff_id,
        "about": notice.about,
        "buttons": [list(b) for b in notice.buttons],
        "relays": notice.relays,
        "values": {name: _value_json(v) for name, v in notice.values.items()},
    }


def from_json(data: dict[str, object]) -> Notice:
    values = data.get("values")
    buttons = data.get("buttons")
    staff = data.get("staff")
    relays = data.get("relays")
    return Notice(
        kind=NoticeKind(str(data["kind"])),
        ticket_id=int(str(data["ticket"])),
        key=str(data["key"]),
        staff_id=int(str(staff)) if staff is not None else None,
        values={
            str(name): _value_from(v)
            for name, v in (values if isinstance(values, dict) else {}).items()
        },
        about=bool(data.get("about", True)),
        buttons=tuple(
            (str(b[0]), str(b[1])) for b in (buttons if isinstance(buttons, list) else [])
        ),
        relays=str(relays) if relays else None,
    )


def _value_json(value: Value) -> object:
    if isinstance(value, Label):
        return {"label": list(value.keys)}
    if isinstance(value, datetime):
        return {"at": value.isoformat()}
    if isinstance(value, date):
        return {"day": value.isoformat()}
    if isinstance(value, timedelta):
        return {"span": value.total_seconds()}
    return value


def _value_from(data: object) -> Value:
    if isinstance(data, dict):
        if "label" in data:
            return Label(tuple(str(k) for k in data["label"]))
        if "at" in data:
            return datetime.fromisoformat(str(data["at"]))
        if "day" in data:
            return date.fromisoformat(str(data["day"]))
        if "span" in data:
            return timedelta(seconds=float(data["span"]))
    return str(data)

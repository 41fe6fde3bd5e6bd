"""What of an item's timeline a resident may read: internal work stays internal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from bot.domain.tickets import EventKind, TicketStatus


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    created_at: datetime
    kind: str
    status: str | None
    note: str | None


class Shown(Enum):
    HIDDEN = "hidden"
    LINE = "line"  # the event, without its note
    WITH_NOTE = "with_note"  # the event and its text (a reply, a result, their own message)


def for_resident(kind: str, status: str | None) -> Shown:
    if kind in (EventKind.REPLIED, EventKind.MESSAGE):
        return Shown.WITH_NOTE
    if kind in (EventKind.LIAISON, EventKind.ADOPTED, EventKind.NOT_ADOPTED):
        return Shown.WITH_NOTE  # each contact with the utility; a suggestion's outcome
    if kind == EventKind.RESOLVED:
        # A department's result is shown only once the desk has accepted it.
        return Shown.WITH_NOTE if status == TicketStatus.RESOLVED else Shown.HIDDEN
    if kind in (
        EventKind.CREATED,
        EventKind.ACCEPTED,
        EventKind.TRANSFERRED,
        EventKind.WAITING,
        EventKind.RESULT_ACCEPTED,
        EventKind.STATUS_CHANGED,
    ):
        return Shown.LINE
    return Shown.HIDDEN  # internal notes, classification, send-backs, delivery problems


def resident_timeline(entries: list[TimelineEntry]) -> list[tuple[TimelineEntry, bool]]:
    """The entries a resident may read, each with whether its note may be shown."""
    shown = [(e, for_resident(e.kind, e.status)) for e in entries]
    return [(e, how is Shown.WITH_NOTE) for e, how in shown if how is not Shown.HIDDEN]

"""The handover book's shifts (交接班): which span of time a shift's book covers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta


def shift_span(span: str, local_now: datetime) -> tuple[datetime, datetime]:
    """The latest start of a shift like "20:00-08:00" at or before now, and its end: the
    book is written near the end of the shift (or just after it)."""
    first, last = span.split("-")
    starts, ends = time.fromisoformat(first), time.fromisoformat(last)
    start = datetime.combine(local_now.date(), starts, local_now.tzinfo)
    if start > local_now:
        start -= timedelta(days=1)
    end = datetime.combine(start.date(), ends, local_now.tzinfo)
    if end <= start:
        end += timedelta(days=1)
    return start, end


@dataclass(frozen=True, slots=True)
class Book:
    """One shift's handover book as screens read it."""

    id: int
    shift: str
    shift_start: datetime
    shift_end: datetime
    people: str
    matters: str
    notes: tuple[str, ...]
    made: dict[str, str]  # a note's index → the reference of the item made from it
    written_at: datetime | None = None
    signed_by: tuple[str, str] | None = None  # the senior butler who signed it: name, role
    signed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CarriedItem:
    ticket_id: int
    reference: str
    description: str
    open: bool
    finished_by: str | None
    finished_at: datetime | None

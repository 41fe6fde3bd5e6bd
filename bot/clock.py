"""The one source of "now", always timezone-aware UTC (tests move it with time-machine).

`python -m bot demo` moves it forward with the page's clock buttons (`advance`), so
reminders, escalations and follow-ups can be watched without waiting; everywhere else the
offset stays zero and `utcnow` is the wall clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_ahead = [timedelta(0)]  # the demo's offset; a list so no `global` is needed to move it


def utcnow() -> datetime:
    return datetime.now(UTC) + _ahead[0]


def advance(by: timedelta) -> datetime:
    """Move "now" forward by `by` (the demo's clock control only); returns the new now."""
    if by < timedelta(0):
        raise ValueError("the clock only moves forward")
    _ahead[0] += by
    return utcnow()


def ahead() -> timedelta:
    """How far the demo moved the clock (zero outside the demo)."""
    return _ahead[0]


def reset() -> None:
    """Back to the wall clock (a demo that ends, or a test of it)."""
    _ahead[0] = timedelta(0)

"""The per-person flood limit: more than R updates within S seconds, and the person is held.

A sliding window per person, in the memory of the one process that consumes updates (see
bot.services.consumer). Every update counts, the held ones too, so a person who keeps
sending fast stays held; once their pace falls back under the limit they are served again.
The first update over the limit gets the notice; the rest of the spell gets silence.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


class Verdict(StrEnum):
    SERVE = "serve"  # handle the update as usual
    NOTICE = "notice"  # over the limit just now: tell the person once, do nothing else
    HOLD = "hold"  # still over the limit: do nothing, say nothing


@dataclass(slots=True)
class _Pace:
    seen: deque[datetime] = field(default_factory=deque)
    told: bool = False


class FloodGate:
    """`limit` updates per `window` per person; `check` says what to do with one more."""

    def __init__(self, limit: int, window: timedelta) -> None:
        self.limit = limit
        self.window = window
        self._people: dict[int, _Pace] = {}
        self._checks = 0

    def check(self, person: int, now: datetime) -> Verdict:
        pace = self._people.setdefault(person, _Pace())
        seen = pace.seen
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        seen.append(now)
        self._checks += 1
        if self._checks % 1000 == 0:
            self._forget_quiet(now)
        if len(seen) <= self.limit:
            pace.told = False
            return Verdict.SERVE
        if pace.told:
            return Verdict.HOLD
        pace.told = True
        return Verdict.NOTICE

    def _forget_quiet(self, now: datetime) -> None:
        """Drop the people who sent nothing within the window: memory stays bounded."""
        quiet = [p for p, pace in self._people.items() if pace.seen[-1] <= now - self.window]
        for person in quiet:
            del self._people[person]

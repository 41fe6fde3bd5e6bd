"""The resident's main menu (the reply keyboard): each feature adds its own entry.

A tapped entry arrives as plain text in the person's language (or the one they used
before switching), so entries are recognised in every language.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from telegram import ReplyKeyboardMarkup

from handlers.runtime import Turn

Run = Callable[[Turn], Awaitable[None]]
STAFF_DESK = "menu.staff_desk"  # shown to staff who are residents too: back to their desk


@dataclass(frozen=True, slots=True)
class Entry:
    key: str  # catalogue key of the button's label
    run: Run
    order: int


ENTRIES: dict[str, Entry] = {}


F = TypeVar("F", bound=Run)


def add(key: str, order: int) -> Callable[[F], F]:
    """Register a menu entry; the decorated function runs when it is tapped."""

    def register(run: F) -> F:
        ENTRIES[key] = Entry(key, run, order)
        return run

    return register


def main_menu(turn: Turn) -> ReplyKeyboardMarkup:
    labels = [turn.t(e.key) for e in sorted(ENTRIES.values(), key=lambda e: e.order)]
    if turn.staff is not None:
        labels.append(turn.t(STAFF_DESK))
    rows = [labels[i : i + 2] for i in range(0, len(labels), 2)]
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, is_persistent=True)


def choice(turn: Turn, text: str | None) -> str | None:
    """Which entry's key a typed text is, in any language (people switch languages)."""
    if not text:
        return None
    typed = text.strip()
    for key in (*ENTRIES, STAFF_DESK):
        if typed in turn.desk.texts.all_variants(key):
            return key
    return None

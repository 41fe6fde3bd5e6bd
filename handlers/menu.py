"""The resident's main menu (the reply keyboard): each feature declares its entries (its
`Feature.menu`), and a provider adds entries known only at run time (the kinds of request
defined as data); `handlers.register` installs them.

A tapped entry arrives as plain text in the person's language (or the one they used
before switching), so entries are recognised in every language.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from telegram import ReplyKeyboardMarkup

from bot.i18n import LANGUAGES
from handlers.runtime import Turn

Run = Callable[[Turn], Awaitable[None]]
STAFF_DESK = "menu.staff_desk"  # shown to staff who are residents too: back to their desk


@dataclass(frozen=True, slots=True)
class Entry:
    key: str  # catalogue key of the button's label (or, for an entry from data, its id)
    run: Run
    order: int
    label: Callable[[str], str] | None = None  # an entry from data: its label per language
    # Whether the entry can do anything for this reader now (an order with no services
    # to order: none). An entry that would only answer "not available" is not shown.
    available: Callable[[Turn], bool] | None = None


ENTRIES: dict[str, Entry] = {}
_PROVIDERS: list[Callable[[], list[Entry]]] = []


def install(
    entries: Iterable[Entry] = (), providers: Iterable[Callable[[], list[Entry]]] = ()
) -> None:
    """Add features' entries, and providers of entries read when the menu is drawn (they
    may change while the bot runs). Installing the same ones again changes nothing."""
    for entry in entries:
        ENTRIES[entry.key] = entry
    for provider in providers:
        if provider not in _PROVIDERS:
            _PROVIDERS.append(provider)


def entries() -> list[Entry]:
    found = list(ENTRIES.values())
    for provider in _PROVIDERS:
        found += provider()
    return sorted(found, key=lambda e: e.order)


def _label(turn: Turn, entry: Entry) -> str:
    return entry.label(turn.language) if entry.label else turn.t(entry.key)


def shown(turn: Turn) -> list[Entry]:
    """The entries this reader can use: the way back to the staff desk only for staff, and
    none that has nothing to offer at this desk."""
    return [
        e
        for e in entries()
        if (e.key != STAFF_DESK or turn.staff is not None)
        and (e.available is None or e.available(turn))
    ]


def label_of(turn: Turn, key: str) -> str:
    """The button's label, in the reader's language, for an entry's key."""
    found = next((e for e in entries() if e.key == key), None)
    return _label(turn, found) if found is not None else turn.t(key)


def main_menu(turn: Turn) -> ReplyKeyboardMarkup:
    labels = [_label(turn, e) for e in shown(turn)]
    rows = [labels[i : i + 2] for i in range(0, len(labels), 2)]
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, is_persistent=True)


def choice(turn: Turn, text: str | None) -> str | None:
    """Which entry's key a typed text is, in any language (people switch languages)."""
    if not text:
        return None
    typed = text.strip()
    for entry in entries():
        if entry.label is not None:
            if typed in {entry.label(language) for language in LANGUAGES}:
                return entry.key
        elif typed in turn.desk.texts.all_variants(entry.key):
            return entry.key
    if typed in turn.desk.texts.all_variants(STAFF_DESK):
        return STAFF_DESK
    return None


async def run(turn: Turn, key: str) -> None:
    """What the chosen entry does."""
    chosen = next(e for e in entries() if e.key == key)
    await chosen.run(turn)

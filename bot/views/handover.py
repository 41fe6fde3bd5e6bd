"""The handover book as a message: the shift, the people, what everyone must know, the
notes (each can become an item with one tap), and the open items carried over."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.callbacks import CallbackData
from bot.domain.handover import Book, CarriedItem
from bot.htmltext import Html, join, plain
from bot.views import Button, Screen, Views, rows_of

NOTE_BUTTONS = 5  # notes offered as items by button (the rest: by /new)


class HandoverAction(StrEnum):
    ACKNOWLEDGE = "ack"
    SIGN = "sign"  # the senior butler's signature on the day's book
    OPEN = "open"  # the book again (from /status: books not signed)
    ITEMS = "items"  # the carried items, open or finished by whom and when
    WORK_ORDER = "wo"  # a note becomes a work order …
    COMPLAINT = "cp"  # … or a complaint


@dataclass(frozen=True, slots=True)
class HandoverTap(CallbackData, prefix="ho"):
    action: HandoverAction
    handover: int
    note: int = 0


def handover_screen(
    views: Views,
    language: str,
    book: Book,
    writer: str,
    items: list[tuple[str, str]],
    *,
    signs: bool = False,
) -> Screen:
    """The book; for the one who signs it (`signs`) with *Sign* instead of *Acknowledge*."""
    t = views.t
    shift_key = f"handover.shift_{book.shift}"
    named = views.texts.has(language, shift_key)
    lines = [
        t(
            language,
            "handover.title",
            shift=t(language, shift_key) if named else book.shift,
            start=views.moment(language, book.shift_start),
            end=views.moment(language, book.shift_end),
            writer=writer,
        ),
        t(language, "handover.people", people=book.people),
        t(language, "handover.matters", matters=book.matters),
    ]
    if book.notes:
        lines.append(t(language, "handover.notes_title"))
        for number, note in enumerate(book.notes, start=1):
            made = (book.made or {}).get(str(number - 1))
            suffix = f" → {made}" if made else ""
            lines.append(Html("{}. {}{}").format(number, note, suffix))
    lines.append(t(language, "handover.items_title", count=len(items)))
    lines += [Html("• {} {}").format(ref, text[:60]) for ref, text in items[:30]]
    if book.signed_by is not None and book.signed_at is not None:
        name, role = book.signed_by
        lines += [Html(""), signed_line(views, language, name, role, book.signed_at)]
    first = (
        Button(t(language, "handover.sign"), HandoverTap(HandoverAction.SIGN, book.id).pack())
        if signs
        else Button(
            t(language, "dispatch.acknowledge"),
            HandoverTap(HandoverAction.ACKNOWLEDGE, book.id).pack(),
        )
    )
    buttons = [
        *([first] if not (signs and book.signed_at) else []),
        Button(
            t(language, "handover.show_items"), HandoverTap(HandoverAction.ITEMS, book.id).pack()
        ),
    ]
    notes = []
    for index, _note in enumerate(book.notes[:NOTE_BUTTONS]):
        if str(index) in (book.made or {}):
            continue
        for action, key in (
            (HandoverAction.WORK_ORDER, "handover.note_work_order"),
            (HandoverAction.COMPLAINT, "handover.note_complaint"),
        ):
            tap = HandoverTap(action, book.id, index).pack()
            notes.append(Button(t(language, key, number=index + 1), tap))
    return Screen(join("\n", lines), rows_of(buttons, 2) + rows_of(notes, 2))


def signed_line(views: Views, language: str, name: str, role: str, at: datetime) -> Html:
    return views.t(
        language,
        "handover.signed",
        name=name,
        role=views.t(language, f"role.{role}"),
        at=views.moment(language, at),
    )


def unsigned_screen(views: Views, language: str, books: list[tuple[Book, str]]) -> Screen:
    """The books of earlier days nobody has signed yet, each a button to open it."""
    t = views.t
    lines = [t(language, "handover.unsigned_title", count=len(books))]
    buttons = []
    for book, writer in books[:20]:
        shift_key = f"handover.shift_{book.shift}"
        shift = t(language, shift_key) if views.texts.has(language, shift_key) else book.shift
        start = views.moment(language, book.shift_start)
        lines.append(Html("• {} {} · {}").format(shift, start, writer))
        tap = HandoverTap(HandoverAction.OPEN, book.id).pack()
        buttons.append(Button(f"{plain(shift)} {plain(start)}", tap))
    if not books:
        lines.append(t(language, "registry.empty"))
    return Screen(join("\n", lines), rows_of(buttons, 1))


def carried_text(views: Views, language: str, items: list[CarriedItem]) -> str:
    t = views.t
    lines = [t(language, "handover.carried_title")]
    for item in items:
        if item.open:
            lines.append(t(language, "handover.carried_open", reference=item.reference))
        else:
            lines.append(
                t(
                    language,
                    "handover.carried_done",
                    reference=item.reference,
                    by=item.finished_by or "—",
                    at=views.moment(language, item.finished_at) if item.finished_at else "—",
                )
            )
    if not items:
        lines.append(t(language, "registry.empty"))
    return join("\n", lines)

"""The handover book as a message: the shift, the people, what everyone must know, the
notes (each can become an item with one tap), and the open items carried over."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.callbacks import CallbackData
from bot.domain.handover import Book, CarriedItem
from bot.htmltext import Html, join
from bot.views import Button, Screen, Views, rows_of

NOTE_BUTTONS = 5  # notes offered as items by button (the rest: by /new)


class HandoverAction(StrEnum):
    ACKNOWLEDGE = "ack"
    ITEMS = "items"  # the carried items, open or finished by whom and when
    WORK_ORDER = "wo"  # a note becomes a work order …
    COMPLAINT = "cp"  # … or a complaint


@dataclass(frozen=True, slots=True)
class HandoverTap(CallbackData, prefix="ho"):
    action: HandoverAction
    handover: int
    note: int = 0


def handover_screen(
    views: Views, language: str, book: Book, writer: str, items: list[tuple[str, str]]
) -> Screen:
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
    buttons = [
        Button(
            t(language, "dispatch.acknowledge"),
            HandoverTap(HandoverAction.ACKNOWLEDGE, book.id).pack(),
        ),
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

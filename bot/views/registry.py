"""/status and the lists behind it, as screens: each line a button that lists its items,
each item a button that opens its card, pages of eight."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from bot.callbacks import CallbackData
from bot.domain.registry import STATUS_SCREEN, Line
from bot.domain.tickets import TicketFacts
from bot.htmltext import Html, join, plain
from bot.views import Button, Screen, Views, rows_of, web_app_button


class Listing(StrEnum):
    LINE = "l"  # a line of /status (key: the line)
    FIND = "f"  # a /find result (key: the saved search's id)
    OPEN = "o"  # one item's card (key: its id)
    BOOKS = "b"  # the handover books of earlier days not signed yet (key: unused)


@dataclass(frozen=True, slots=True)
class RegistryTap(CallbackData, prefix="rg"):
    what: Listing
    key: str
    page: int = 0


def status_screen(
    views: Views,
    language: str,
    counts: dict[Line, int],
    *,
    books: int | None = None,
    webapp: str | None = None,
) -> Screen:
    """The lines of /status; for the one who signs the handover books (`books` not None),
    first the books of earlier days still unsigned. With the Mini App's address
    (`webapp`), a last button opens the same board there, with filters and charts."""
    t = views.t
    lines: list[str] = [t(language, "registry.status_title")]
    buttons: list[Button] = []
    if books is not None:
        label = t(language, "registry.line_books_unsigned")
        lines += ["", Html("{}: <b>{}</b>").format(label, books)]
        if books:
            tap = RegistryTap(Listing.BOOKS, "-").pack()
            buttons.append(Button(f"{plain(label)} ({books})", tap))
    for group in STATUS_SCREEN:
        lines.append("")
        for line in group:
            label = t(language, f"registry.line_{line.value}")
            lines.append(Html("{}: <b>{}</b>").format(label, counts.get(line, 0)))
            if counts.get(line, 0):
                tap = RegistryTap(Listing.LINE, line.value).pack()
                buttons.append(Button(f"{plain(label)} ({counts[line]})", tap))
    rows = rows_of(buttons, 2)
    if webapp is not None:
        rows += ((web_app_button(t(language, "webapp.open_button"), webapp),),)
    return Screen(join("\n", lines), rows)


def _item_line(views: Views, language: str, item: TicketFacts) -> Html:
    status = views.t(language, f"status.{item.status.value}")
    due = item.resolve_due_at or item.first_answer_due_at
    when = views.moment(language, due) if due else "—"
    return Html("<b>{}</b> · {} · {}\n{}").format(
        item.reference, status, when, item.description[:60]
    )


def list_screen(
    views: Views,
    language: str,
    title: str,
    items: list[TicketFacts],
    *,
    total: int,
    page: int,
    pages: int,
    page_tap: Callable[[int], str],
) -> Screen:
    """A page of items: a line each, a button each to open its card, and the pages."""
    t = views.t
    if not items:
        return Screen(join("\n\n", [title, t(language, "registry.empty")]))
    head = t(language, "registry.list_head", total=total, page=page + 1, pages=pages)
    body = join("\n\n", (_item_line(views, language, item) for item in items))
    opens = [
        Button(item.reference, RegistryTap(Listing.OPEN, str(item.id)).pack()) for item in items
    ]
    nav = []
    if page > 0:
        nav.append(Button(t(language, "button.previous"), page_tap(page - 1)))
    if page + 1 < pages:
        nav.append(Button(t(language, "button.next"), page_tap(page + 1)))
    return Screen(
        Html("{} · {}\n\n{}").format(title, head, body),
        (*rows_of(opens, 2), tuple(nav)) if nav else rows_of(opens, 2),
    )

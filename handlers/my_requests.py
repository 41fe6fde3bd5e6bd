"""*My requests*: a resident's own items and the timeline of each, and nobody else's."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.permissions import Viewer, ViewerKind
from bot.services.tickets import resident_tickets, visible_ticket
from handlers.runtime import Turn
from storage.models import Ticket, TicketEvent

PER_PAGE = 8


def _status(turn: Turn, ticket: Ticket) -> str:
    return turn.t(f"status.{ticket.status}")


async def show_list(turn: Turn, page: int = 0) -> None:
    """List one page of the resident's items, newest first, as buttons to open each."""
    assert turn.resident is not None
    result = await resident_tickets(turn.uow, turn.resident, page=page, per_page=PER_PAGE)
    if result.total == 0:
        turn.edit(turn.t("requests.empty"))
        return
    rows = [
        [InlineKeyboardButton(f"{t.reference} · {_status(turn, t)}", callback_data=f"tk:{t.id}")]
        for t in result.items
    ]
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton(turn.t("button.previous"), callback_data=f"rq:{page - 1}"))
    if (page + 1) * PER_PAGE < result.total:
        nav.append(InlineKeyboardButton(turn.t("button.next"), callback_data=f"rq:{page + 1}"))
    if nav:
        rows.append(nav)
    pages = (result.total + PER_PAGE - 1) // PER_PAGE
    text = turn.t("requests.title", total=result.total, page=page + 1, pages=pages)
    turn.edit(text, InlineKeyboardMarkup(rows))


def _event_line(turn: Turn, event: TicketEvent) -> str:
    text = turn.t(f"event.{event.kind}", status=turn.t(f"status.{event.status or 'new'}"))
    if event.note:
        text += f": {turn.esc(event.note)}"
    return f"{turn.local(event.created_at)} · {text}"


async def show_ticket(turn: Turn, ticket_id: int) -> None:
    """Open one item; someone else's item reads exactly like a missing one."""
    assert turn.resident is not None
    viewer = Viewer(ViewerKind.RESIDENT, turn.resident.id)
    found = await visible_ticket(turn.uow, viewer, ticket_id)
    if found is None:
        turn.answer(turn.t("requests.not_found"), alert=True)
        return
    ticket, events = found
    location = (
        turn.t("requests.location_own")
        if ticket.location_kind == "own_unit"
        else turn.esc(ticket.location_text or "—")
    )
    lines = [
        turn.t(
            "requests.detail",
            reference=ticket.reference,
            kind=turn.t(f"kind.{ticket.kind}"),
            category=turn.t(f"category.{ticket.category}") if ticket.category else "—",
            status=_status(turn, ticket),
            created=turn.local(ticket.created_at),
            location=location,
            photos=len(ticket.attachments),
            description=turn.esc(ticket.description[:1500]),
        ),
        "",
        turn.t("requests.timeline"),
        *(_event_line(turn, e) for e in events[-20:]),
    ]
    back = InlineKeyboardButton(turn.t("button.back"), callback_data="rq:0")
    turn.edit("\n".join(lines), InlineKeyboardMarkup([[back]]))

"""*My requests*: a resident's own items and the timeline of each, and nobody else's."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.permissions import Viewer, ViewerKind
from bot.domain.references import find_reference
from bot.domain.tickets import OPEN_STATUSES
from bot.domain.timeline import Shown, for_resident
from bot.domain.validation import Invalid, clean_text
from bot.services.tickets import resident_tickets, visible_ticket
from bot.services.workflow import Refused, resident_message
from handlers import dialogue
from handlers.dialogue import Flow, Step
from handlers.notices import queue
from handlers.runtime import Input, InputKind, Turn
from storage.models import Ticket, TicketEvent

PER_PAGE = 8
MESSAGE_FLOW = "rm"


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


def _event_line(turn: Turn, event: TicketEvent) -> str | None:
    shown = for_resident(event.kind, event.status)
    if shown is Shown.HIDDEN:
        return None
    text = turn.t(f"event.{event.kind}", status=turn.t(f"status.{event.status or 'new'}"))
    if shown is Shown.WITH_NOTE and event.note:
        text += f": {turn.esc(event.note[:300])}"
    return f"{turn.moment(event.created_at)} · {text}"


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
            created=turn.moment(ticket.created_at),
            location=location,
            photos=len(ticket.attachments),
            description=turn.esc(ticket.description[:1500]),
        ),
        "",
        turn.t("requests.timeline"),
        *[line for line in map(lambda e: _event_line(turn, e), events) if line][-20:],
    ]
    buttons = [InlineKeyboardButton(turn.t("button.back"), callback_data="rq:0")]
    if ticket.status in OPEN_STATUSES:
        buttons.insert(
            0,
            InlineKeyboardButton(turn.t("requests.add_message"), callback_data=f"rm:{ticket.id}"),
        )
    turn.edit("\n".join(lines), InlineKeyboardMarkup([buttons]))


async def start_resident_message(turn: Turn, ticket_id: int) -> None:
    """*Add message* on an open item: ask for the text, then pass it on."""
    if turn.dialogue is not None:
        turn.answer(turn.t("common.finish_first"))
        return
    await dialogue.begin(turn, MESSAGE_FLOW, "text", ticket=ticket_id)


async def ask_message(turn: Turn) -> None:
    turn.reply(turn.t("requests.ask_message"))


async def on_message_text(turn: Turn, inp: Input) -> None:
    if inp.kind is not InputKind.TEXT:
        await dialogue.reprompt(turn, "invalid.need_text")
        return
    text = clean_text(inp.text, max_chars=turn.desk.policy.dialogue.max_text_chars)
    if isinstance(text, Invalid):
        await dialogue.reprompt(turn, text)
        return
    assert turn.dialogue is not None
    await _pass_on(turn, int(str(turn.dialogue.data["ticket"])), text)
    turn.end()


async def _pass_on(turn: Turn, ticket_id: int, text: str) -> None:
    assert turn.resident is not None
    try:
        notices = await resident_message(turn.uow, turn.resident, ticket_id, text, turn.now)
    except Refused:
        turn.reply(turn.t("requests.not_open"))
        return
    await queue(turn.desk, turn.uow, notices, turn)
    turn.reply(turn.t("requests.message_sent"))


async def reply_about_item(turn: Turn, inp: Input) -> bool:
    """A reply to one of the bot's messages that names an item goes to that item's staff."""
    message = turn.update.effective_message
    quoted = message.reply_to_message if message else None
    if inp.kind is not InputKind.TEXT or quoted is None or turn.resident is None:
        return False
    reference = find_reference(quoted.text or quoted.caption)
    if reference is None:
        return False
    ticket = await turn.uow.tickets.by_reference(reference)
    text = clean_text(inp.text, max_chars=turn.desk.policy.dialogue.max_text_chars)
    if ticket is None or isinstance(text, Invalid):
        return False
    await _pass_on(turn, ticket.id, text)
    return True


dialogue.register_flow(Flow(MESSAGE_FLOW, {"text": Step(ask_message, on_message_text)}))

"""*My requests*: a resident's own items and the timeline of each, and nobody else's."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import CallbackQueryHandler

from bot.callbacks import CallbackData
from bot.domain.references import find_reference
from bot.domain.tickets import OPEN_STATUSES, TicketFacts, TicketStatus
from bot.domain.timeline import TimelineEntry, resident_timeline
from bot.domain.validation import Invalid, clean_text
from bot.htmltext import join, plain
from bot.services.tickets import resident_reference, resident_ticket, resident_tickets
from bot.services.workflow import Refused, replies_close_at, resident_message
from bot.views import timeline_line
from handlers import dialogue
from handlers.common import item_context
from handlers.complaint import start_complaint
from handlers.dialogue import Flow, state, text_step
from handlers.feature import Feature, ItemButtons
from handlers.menu import Entry
from handlers.runtime import Input, InputKind, Turn, entry

PER_PAGE = 8
MESSAGE_FLOW = "message"
# Buttons other features add under an item (an order's *Cancel*): each gets the item.
# Their `Feature.item_buttons`, installed by handlers.register.
_ITEM_BUTTONS: list[ItemButtons] = []


def install(buttons: Iterable[ItemButtons]) -> None:
    """Add features' item buttons; installing the same ones again changes nothing."""
    for add in buttons:
        if add not in _ITEM_BUTTONS:
            _ITEM_BUTTONS.append(add)


@dataclass(slots=True)
class MessageTo:
    """*Add message*: the item the typed words are for."""

    ticket: int


class Open(StrEnum):
    PAGE = "p"  # a page of the list
    ITEM = "i"  # one item with its timeline
    WRITE = "w"  # add a message to an open item
    NEW_ABOUT = "n"  # a new complaint about an item closed for good


@dataclass(frozen=True, slots=True)
class RequestsTap(CallbackData, prefix="rq"):
    what: Open
    number: int  # the page, or the item's id


def _button(label: str, what: Open, number: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=RequestsTap(what, number).pack())


def _status(turn: Turn, item: TicketFacts) -> str:
    return turn.t(f"status.{item.status.value}")


async def my_requests(turn: Turn) -> None:
    await show_list(turn, 0)


async def show_list(turn: Turn, page: int) -> None:
    """List one page of the resident's items, newest first, as buttons to open each."""
    assert turn.resident is not None
    result = await resident_tickets(turn.uow, turn.resident, page=page, per_page=PER_PAGE)
    if result.total == 0:
        turn.edit(turn.t("requests.empty"))
        return
    rows = [
        [_button(f"{t.reference} · {plain(_status(turn, t))}", Open.ITEM, t.id)]
        for t in result.items
    ]
    nav = []
    if page > 0:
        nav.append(_button(turn.t("button.previous"), Open.PAGE, page - 1))
    if (page + 1) * PER_PAGE < result.total:
        nav.append(_button(turn.t("button.next"), Open.PAGE, page + 1))
    if nav:
        rows.append(nav)
    pages = (result.total + PER_PAGE - 1) // PER_PAGE
    text = turn.t("requests.title", total=result.total, page=page + 1, pages=pages)
    turn.edit(text, InlineKeyboardMarkup(rows))


def _event_line(turn: Turn, entry: TimelineEntry, with_note: bool) -> str:
    return timeline_line(turn.views, turn.language, entry, note=with_note, resident=True)


async def show_ticket(turn: Turn, ticket_id: int) -> None:
    """Open one item; someone else's item reads exactly like a missing one."""
    assert turn.resident is not None
    found = await resident_ticket(turn.uow, turn.resident, ticket_id)
    if found is None:
        turn.answer(turn.t("requests.not_found"), alert=True)
        return
    item, timeline = found
    location = turn.t("requests.location_own") if item.own_unit else turn.esc(item.place or "—")
    lines = [
        turn.t(
            "requests.detail",
            reference=item.reference,
            kind=turn.views.kind(turn.language, item.kind.value),
            category=turn.views.category(turn.language, item.kind.value, item.category),
            status=_status(turn, item),
            created=turn.moment(item.created_at),
            location=location,
            photos=len(item.photos),
            description=turn.esc(item.description[:1500]),
        ),
        "",
        turn.t("requests.timeline"),
        *[_event_line(turn, e, note) for e, note in resident_timeline(timeline)][-20:],
    ]
    buttons = [_button(turn.t("button.back"), Open.PAGE, 0)]
    if _takes_messages(turn, item):
        buttons.insert(0, _button(turn.t("requests.add_message"), Open.WRITE, item.id))
    elif item.status is TicketStatus.RESOLVED:  # said before anyone types, with the way on
        closed = replies_close_at(turn.desk.policy, item.resolved_at or item.created_at)
        day = turn.day(closed.astimezone(turn.desk.settings.tz).date())
        lines += ["", turn.t("requests.replies_closed", day=day)]
        buttons.insert(0, _button(turn.t("requests.new_about"), Open.NEW_ABOUT, item.id))
    extra = [b for add in _ITEM_BUTTONS for b in add(turn, item)]
    rows = [extra, buttons] if extra else [buttons]
    turn.edit(join("\n", lines), InlineKeyboardMarkup(rows))


@entry
async def on_tap(turn: Turn) -> None:
    """The list's buttons: a page, an item, *Add message*."""
    query = turn.update.callback_query
    tap = RequestsTap.unpack(query.data if query else None)
    if tap is None or turn.resident is None:
        turn.answer(turn.t("common.stale_button"))
    elif tap.what is Open.PAGE:
        await show_list(turn, max(tap.number, 0))
    elif tap.what is Open.ITEM:
        await show_ticket(turn, tap.number)
    elif turn.dialogue is not None:
        turn.answer(turn.t("common.finish_first"))
    elif tap.what is Open.NEW_ABOUT:
        await _new_about(turn, tap.number)
    else:
        await _write(turn, tap.number)


def _takes_messages(turn: Turn, item: TicketFacts) -> bool:
    """*Add message* is offered only where the message will be taken: an open item, or a
    resolved one within the reply window (the rule `resident_message` keeps)."""
    if item.status in OPEN_STATUSES:
        return True
    if item.status is not TicketStatus.RESOLVED or item.resolved_at is None:
        return False
    return turn.now <= replies_close_at(turn.desk.policy, item.resolved_at)


async def _write(turn: Turn, ticket_id: int) -> None:
    """*Add message*: checked at the tap, before anything is typed; a view drawn while
    replies were still open is redrawn as it stands (saying why, with the way on)."""
    assert turn.resident is not None
    found = await resident_ticket(turn.uow, turn.resident, ticket_id)
    if found is None:
        turn.answer(turn.t("requests.not_found"), alert=True)
    elif not _takes_messages(turn, found[0]):
        await show_ticket(turn, ticket_id)
    else:
        await dialogue.begin(turn, MESSAGE_FLOW, "text", MessageTo(ticket_id))


async def _new_about(turn: Turn, ticket_id: int) -> None:
    assert turn.resident is not None
    found = await resident_ticket(turn.uow, turn.resident, ticket_id)
    if found is None:
        turn.answer(turn.t("requests.not_found"), alert=True)
        return
    turn.edit(turn.t("requests.new_about_chosen", reference=found[0].reference))
    await start_complaint(turn, quotes=found[0].reference)


async def on_message_text(turn: Turn, text: str) -> None:
    await _pass_on(turn, state(turn, MessageTo).ticket, text)
    turn.end()


async def _pass_on(turn: Turn, ticket_id: int, text: str) -> None:
    """Their words reach the item's people; about an item closed for good, they are offered
    a new complaint that quotes it (never a reply that goes nowhere)."""
    assert turn.resident is not None
    try:
        item = await resident_message(item_context(turn), turn.resident, ticket_id, text)
    except Refused:
        offer = _button(turn.t("requests.new_about"), Open.NEW_ABOUT, ticket_id)
        turn.reply(turn.t("requests.closed_offer_new"), InlineKeyboardMarkup([[offer]]))
        return
    # Thanks, and what happens next: the staff answer here, and the item's promise stands
    # (none while it waits: the resident was told the day we are back in touch).
    if item.status == TicketStatus.RESOLVED:
        turn.reply(turn.t("requests.message_sent_resolved"))
    elif item.resolve_due_at is not None and item.status != TicketStatus.WAITING:
        turn.reply(turn.t("requests.message_sent", due=turn.moment(item.resolve_due_at)))
    else:
        turn.reply(turn.t("requests.message_sent_plain"))


async def reply_about_item(turn: Turn, inp: Input) -> bool:
    """A reply to one of the bot's messages that names an item goes to that item's staff."""
    message = turn.update.effective_message
    quoted = message.reply_to_message if message else None
    if inp.kind is not InputKind.TEXT or quoted is None or turn.resident is None:
        return False
    reference = find_reference(quoted.text or quoted.caption)
    if reference is None:
        return False
    ticket_id = await resident_reference(turn.uow, turn.resident, reference)
    text = clean_text(inp.text, max_chars=turn.desk.policy.dialogue.max_text_chars)
    if ticket_id is None or isinstance(text, Invalid):
        return False
    await _pass_on(turn, ticket_id, text)
    return True


FEATURE = Feature(
    "my_requests",
    handlers=(CallbackQueryHandler(on_tap, pattern=RequestsTap.pattern()),),
    flows=(Flow(MESSAGE_FLOW, {"text": text_step("requests.ask_message", on_message_text)}),),
    menu=(Entry("menu.my_requests", my_requests, order=5),),
)

"""Incidents at the desk: *Link them* under the offer (many reports of one fault), /link
and /unlink by hand (by references), *Unlink* from an item's card."""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.services import incidents
from bot.services.workflow import Refused
from bot.views.incidents import IncidentAction, IncidentTap
from handlers.cards import action_context
from handlers.common import PRIVATE, refuse
from handlers.feature import Feature
from handlers.runtime import Turn, entry


def _references(turn: Turn) -> list[str]:
    message = turn.update.effective_message
    return [p.upper() for p in ((message.text if message else "") or "").split()[1:]]


@entry
async def link_command(turn: Turn) -> None:
    """/link TS-… TS-… [TS-…]: one incident of these items (the first report leads)."""
    if turn.staff is None:
        refuse(turn)
        return
    ids = []
    for reference in _references(turn):
        ticket = await turn.uow.tickets.by_reference(reference)
        if ticket is None:
            turn.reply(turn.t("staff.ticket_not_found"))
            return
        ids.append(ticket.id)
    if len(ids) < 2:
        turn.reply(turn.t("incident.link_usage"))
        return
    try:
        lead, count = await incidents.link(action_context(turn), ids)
    except Refused:
        refuse(turn)
        return
    turn.reply(turn.t("incident.linked", reference=lead, count=count))


@entry
async def unlink_command(turn: Turn) -> None:
    """/unlink TS-…: the item is handled on its own again."""
    references = _references(turn)
    if turn.staff is None:
        refuse(turn)
        return
    ticket = await turn.uow.tickets.by_reference(references[0]) if references else None
    if ticket is None:
        turn.reply(turn.t("incident.unlink_usage"))
        return
    try:
        lead = await incidents.unlink(action_context(turn), ticket.id)
    except Refused:
        refuse(turn)
        return
    turn.reply(turn.t("incident.unlinked", reference=ticket.reference, lead=lead))


@entry
async def incident_tap(turn: Turn) -> None:
    query = turn.update.callback_query
    tap = IncidentTap.unpack(query.data if query else None)
    if tap is None or turn.staff is None:
        turn.answer(turn.t("common.stale_button"))
        return
    ctx = action_context(turn)
    try:
        if tap.action is IncidentAction.LINK:
            lead, count = await incidents.link_offered(ctx, tap.ticket)
            turn.reply(turn.t("incident.linked", reference=lead, count=count))
        else:
            lead = await incidents.unlink(ctx, tap.ticket)
            turn.reply(turn.t("incident.unlinked_tap", lead=lead))
    except Refused:
        refuse(turn)
        return
    turn.answer()


FEATURE = Feature(
    "incidents",
    handlers=(
        CommandHandler("link", link_command, filters=PRIVATE),
        CommandHandler("unlink", unlink_command, filters=PRIVATE),
        CallbackQueryHandler(incident_tap, pattern=IncidentTap.pattern()),
    ),
)

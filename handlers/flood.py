"""The flood limit at the door: before any feature sees an update, a person over the
policy's pace (bot.domain.flood) gets one polite notice, then silence, and no work is done.

It runs in a group before every feature's and stops the update there
(ApplicationHandlerStop); the update is still confirmed to Telegram like any other, so it
is not fetched again.
"""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, TypeHandler

from bot.clock import utcnow
from bot.desk import Desk
from bot.domain.flood import FloodGate, Verdict
from handlers.runtime import Turn, entry

GROUP = -10  # before every feature's handlers (group 0) and the fallbacks
GATE_KEY = "flood_gate"


@entry
async def _notice(turn: Turn) -> None:
    limit = turn.desk.policy.flood
    turn.reply(turn.t("flood.notice", seconds=int(limit.seconds)))
    if turn.update.callback_query is not None:
        turn.answer()


async def gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != ChatType.PRIVATE:
        # What people say in a group (or a channel posts) is not acted on: it counts for
        # nothing, and the notice is never said there.
        return
    found = context.bot_data.get(GATE_KEY)
    if not isinstance(found, FloodGate):
        desk: Desk = context.bot_data["desk"]
        found = FloodGate(desk.policy.flood.updates, desk.policy.flood.window)
        context.bot_data[GATE_KEY] = found
    verdict = found.check(user.id, utcnow())
    if verdict is Verdict.SERVE:
        return
    if verdict is Verdict.NOTICE:
        await _notice(update, context)
    raise ApplicationHandlerStop


def install(application: Application) -> None:
    application.add_handler(TypeHandler(Update, gate), group=GROUP)

"""The last resort: log what broke and tell the person, kindly, that nothing was lost."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot.clock import utcnow
from bot.desk import Desk
from bot.waiting import language_of, tell_to_wait
from storage.availability import database_unavailable

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Report a failed update; the unit of work already rolled back, so the step is intact."""
    desk: Desk = context.bot_data["desk"]
    if context.error is not None and database_unavailable(context.error):
        await _database_away(update, context, desk)
        return
    log.error("update failed", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer()
        await context.bot.send_message(
            update.effective_chat.id, desk.t(language_of(update, desk), "common.error")
        )
    except Forbidden:
        pass
    except TelegramError:
        log.warning("could not tell chat %s about the failure", update.effective_chat.id)


async def _database_away(update: object, context: ContextTypes.DEFAULT_TYPE, desk: Desk) -> None:
    """Not the update's fault: it is kept to be handled again once the database is back,
    and its writer is told once that it was received (a tap is left unanswered: it is
    answered when its turn is really handled)."""
    if not isinstance(update, Update):
        log.warning("database unreachable (%s); a timed job will run again", context.error)
        return
    if desk.outage.failed_update(update.update_id, update, utcnow()):
        log.warning("database unreachable, updates held until it answers: %s", context.error)
    await tell_to_wait(update, context, desk)

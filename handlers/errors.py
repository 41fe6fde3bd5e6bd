"""The last resort: log what broke and tell the person, kindly, that nothing was lost."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot.desk import Desk
from bot.i18n import language_from_telegram

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Report a failed update; the unit of work already rolled back, so the step is intact."""
    log.error("update failed", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    desk: Desk = context.bot_data["desk"]
    user = update.effective_user
    language = language_from_telegram(
        user.language_code if user else None, desk.settings.default_language
    )
    try:
        if update.callback_query is not None:
            await update.callback_query.answer()
        await context.bot.send_message(update.effective_chat.id, desk.t(language, "common.error"))
    except Forbidden:
        pass
    except TelegramError:
        log.warning("could not tell chat %s about the failure", update.effective_chat.id)

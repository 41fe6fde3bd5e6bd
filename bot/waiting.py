"""While the database is away: tell each person who writes, once per outage, that their
message was received and will be handled (no database needed). Used by the error handler
(handlers.errors), for an update that failed for want of the database, and by the polling
loop (bot.polling), for the updates that come in meanwhile."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.desk import Desk
from bot.i18n import language_from_telegram

log = logging.getLogger(__name__)


async def tell_to_wait(
    update: Update, context: ContextTypes.DEFAULT_TYPE | None, desk: Desk
) -> None:
    """The one "received, one moment" message per person and outage."""
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE or update.effective_user is None:
        return
    if not desk.outage.tell(chat.id):
        return
    bot = context.bot if context is not None else update.get_bot()
    try:
        await bot.send_message(chat.id, desk.t(language_of(update, desk), "common.received_wait"))
    except TelegramError as exc:
        log.info("could not tell chat %s to wait: %s", chat.id, exc)


def language_of(update: Update, desk: Desk) -> str:
    """The language to answer an update in without the database: its sender's Telegram's."""
    user = update.effective_user
    return language_from_telegram(
        user.language_code if user else None, desk.settings.default_language
    )

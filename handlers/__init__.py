"""Telegram edges. `register` is the single ordered list of handlers: order matters."""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from handlers import common
from handlers.errors import on_error

PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE


def register(application: Application) -> None:
    application.add_handlers(
        [
            CommandHandler("start", common.start, filters=PRIVATE),
            CommandHandler("help", common.help_command, filters=PRIVATE),
            CommandHandler("cancel", common.cancel, filters=PRIVATE),
            CommandHandler("profile", common.profile, filters=PRIVATE),
            CommandHandler("menu", common.menu, filters=PRIVATE),
            CommandHandler("invite", common.invite, filters=PRIVATE),
            CommandHandler("staff", common.staff_list, filters=PRIVATE),
            CommandHandler("new", common.new_item, filters=PRIVATE),
            CommandHandler("ticket", common.ticket, filters=PRIVATE),
            CallbackQueryHandler(common.on_button),
            MessageHandler(PRIVATE & filters.COMMAND, common.unknown_command),
            MessageHandler(PRIVATE & ~filters.StatusUpdate.ALL, common.on_message),
        ]
    )
    application.add_error_handler(on_error)


BOT_COMMANDS = ("start", "menu", "profile", "help", "cancel")

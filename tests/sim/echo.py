"""A minimal PTB echo bot on the simulation: the baseline the benchmark compares against."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from tests.sim.bot_api import FakeBotAPI
from tests.sim.request import SimRequest

ECHO_TOKEN = "123456789:ECHO-token-for-the-offline-simulation"


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say back what was said."""
    if update.effective_message and update.effective_message.text:
        await update.effective_message.reply_text(update.effective_message.text)


def make_echo_application(api: FakeBotAPI) -> Application:
    application = (
        ApplicationBuilder()
        .token(ECHO_TOKEN)
        .request(SimRequest(api))
        .get_updates_request(SimRequest(api))
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, _echo))
    return application

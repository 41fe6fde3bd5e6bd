"""A minimal PTB bot on the simulation: the baseline the benchmark compares against, and the
subject of the simulation's own tests.

Text is echoed; /start offers an inline keyboard whose taps are answered and edited into the
message; /menu shows a reply keyboard with a share-contact button, /hide removes it. Errors
raised by handlers land in `application.bot_data["errors"]` so tests can inspect them.
"""

from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.sim.bot_api import FakeBotAPI
from tests.sim.request import SimRequest

ECHO_TOKEN = "123456789:ECHO-token-for-the-offline-simulation"
START_KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("Yes", callback_data="yes"),
            InlineKeyboardButton("No", callback_data="no"),
        ]
    ]
)
MENU_KEYBOARD = ReplyKeyboardMarkup(
    [["Hello"], [KeyboardButton("📱 Share my phone", request_contact=True)]],
    resize_keyboard=True,
)


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say back what was said."""
    if update.effective_message and update.effective_message.text:
        await update.effective_message.reply_text(update.effective_message.text)


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offer buttons, to exercise callback queries."""
    if update.effective_message:
        await update.effective_message.reply_text("Pick one", reply_markup=START_KEYBOARD)


async def _menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show a reply keyboard, to exercise taps that send text or a contact."""
    if update.effective_message:
        await update.effective_message.reply_text("Menu", reply_markup=MENU_KEYBOARD)


async def _hide(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Take the reply keyboard away again."""
    if update.effective_message:
        await update.effective_message.reply_text("Hidden", reply_markup=ReplyKeyboardRemove())


async def _contact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Acknowledge a shared phone number."""
    message = update.effective_message
    if message and message.contact:
        await message.reply_text(f"Phone {message.contact.phone_number}")


async def _chose(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the tap, then edit the keyboard message into the choice."""
    query = update.callback_query
    if query is None:
        return
    await query.answer(f"Chose {query.data}")
    await query.edit_message_text(f"You chose {query.data}")


async def _record_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Keep handler errors where a test can assert on them, instead of only logging them."""
    context.application.bot_data.setdefault("errors", []).append(context.error)


def make_echo_application(api: FakeBotAPI) -> Application:
    """The echo bot wired to the fake server in-process."""
    application = (
        ApplicationBuilder()
        .token(ECHO_TOKEN)
        .request(SimRequest(api))
        .get_updates_request(SimRequest(api))
        .build()
    )
    application.add_handler(CommandHandler("start", _start))
    application.add_handler(CommandHandler("menu", _menu))
    application.add_handler(CommandHandler("hide", _hide))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    application.add_handler(MessageHandler(filters.CONTACT, _contact))
    application.add_handler(CallbackQueryHandler(_chose))
    application.add_error_handler(_record_error)
    return application

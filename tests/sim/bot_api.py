"""Moved to `bot.standin.bot_api` (the demo ships it); this name stays for the tests.

An in-memory Telegram Bot API server: enough of its behaviour, and all of its limits.
"""

from bot.standin.bot_api import *  # noqa: F403

"""Moved to `bot.standin.markup` (the demo ships it); this name stays for the tests.

How Telegram reads formatted text and keyboards, so the fake server refuses what it refuses.
"""

from bot.standin.markup import *  # noqa: F403

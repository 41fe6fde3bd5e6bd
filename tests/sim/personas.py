"""Moved to `bot.standin.personas` (the demo ships it); this name stays for the tests.

People in a test: `resident.says(...)`, `.taps(...)`, `.shares_contact()`, `.sends_photo()`.
"""

from bot.standin.personas import *  # noqa: F403

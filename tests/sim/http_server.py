"""Moved to `bot.standin.http_server` (the demo ships it); this name stays for the tests.

The fake Bot API over real loopback HTTP, for `python -m bot` and PTB's own HTTPX stack.
"""

from bot.standin.http_server import *  # noqa: F403

"""The Bot API stand-in: an in-memory Telegram with all of its limits, served over loopback.

`python -m bot demo` runs the bot against it, and every test does too (tests/sim re-exports
it, with the in-process PTB adapter the tests add), so the demo cannot drift from what the
tests trust. It answers like Telegram where the bot relies on it (message ids, edits,
"message is not modified", callback answers, 64-byte callback data, 4096-character texts,
file ids) and refuses what Telegram refuses, with Telegram's own words.
"""

from bot.standin.bot_api import (
    BOT_ID,
    BOT_USERNAME,
    ConnectTimeout,
    FakeBotAPI,
    Fault,
    NetworkDown,
    ResetAfterDelivery,
    ResetBeforeDelivery,
    RetryAfter,
    SentMessage,
    ServerError,
    SimulatedNetworkFault,
    TimeoutAfterDelivery,
    Upload,
)
from bot.standin.http_server import LoopbackBotAPIServer
from bot.standin.markup import BotAPIError, Rendered, render
from bot.standin.personas import Fed, Persona, TelegramSim

__all__ = [
    "BOT_ID",
    "BOT_USERNAME",
    "BotAPIError",
    "ConnectTimeout",
    "FakeBotAPI",
    "Fault",
    "Fed",
    "LoopbackBotAPIServer",
    "NetworkDown",
    "Persona",
    "Rendered",
    "ResetAfterDelivery",
    "ResetBeforeDelivery",
    "RetryAfter",
    "SentMessage",
    "ServerError",
    "SimulatedNetworkFault",
    "TelegramSim",
    "TimeoutAfterDelivery",
    "Upload",
    "render",
]

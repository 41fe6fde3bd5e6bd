"""The offline Telegram used by every test: a fake Bot API, its PTB adapter, personas."""

from tests.sim.bot_api import (
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
from tests.sim.http_server import LoopbackBotAPIServer
from tests.sim.markup import BotAPIError, Rendered, render
from tests.sim.personas import Fed, Persona, TelegramSim
from tests.sim.request import SimRequest

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
    "SimRequest",
    "SimulatedNetworkFault",
    "TelegramSim",
    "TimeoutAfterDelivery",
    "Upload",
    "render",
]

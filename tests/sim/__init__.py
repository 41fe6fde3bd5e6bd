"""The offline Telegram used by every test: a fake Bot API, its PTB adapter, personas."""

from tests.sim.bot_api import (
    FakeBotAPI,
    NetworkDown,
    RetryAfter,
    SentMessage,
    ServerError,
    TimeoutAfterDelivery,
)
from tests.sim.http_server import LoopbackBotAPIServer
from tests.sim.personas import Persona, TelegramSim
from tests.sim.request import SimRequest

__all__ = [
    "FakeBotAPI",
    "LoopbackBotAPIServer",
    "NetworkDown",
    "Persona",
    "RetryAfter",
    "SentMessage",
    "ServerError",
    "SimRequest",
    "TelegramSim",
    "TimeoutAfterDelivery",
]

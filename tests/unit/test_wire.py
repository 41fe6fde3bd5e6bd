"""Direct Bot API calls (`bot.wire`): PTB's encoding, base URL and errors, none of what a
call through PTB's methods would add, and an application that adds none of it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot
from telegram.error import BadRequest
from telegram.request import BaseRequest, RequestData

from bot import wire
from bot.app import build_application
from tests.conftest import TEST_TOKEN, make_settings


class Recording(BaseRequest):
    """Answers every call with one canned reply and keeps what was asked."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status, self.body = status, body
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float:
        return 1.0

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, **_: Any
    ) -> tuple[int, bytes]:
        assert request_data is not None
        self.calls.append((url, request_data.json_parameters))
        return self.status, json.dumps(self.body).encode()


async def test_a_call_goes_to_the_bot_s_base_url_encoded_as_ptb_encodes_it() -> None:
    request = Recording(200, {"ok": True, "result": {"message_id": 7, "date": 0}})
    bot = Bot(TEST_TOKEN, request=request, base_url="http://127.0.0.1:8081/bot")
    keyboard = {"inline_keyboard": [[{"text": "Confirm", "callback_data": "c:1"}]]}
    sent = await wire.call(
        bot, "sendMessage", chat_id=42, text="a & b", parse_mode=None, reply_markup=keyboard
    )
    assert wire.message_id(sent) == 7
    [(url, params)] = request.calls
    assert url == f"http://127.0.0.1:8081/bot{TEST_TOKEN}/sendMessage"
    assert params == {"chat_id": "42", "text": "a & b", "reply_markup": json.dumps(keyboard)}


async def test_a_refusal_is_ptb_s_own_error() -> None:
    refusal = {"ok": False, "error_code": 400, "description": "Bad Request: can't parse entities"}
    bot = Bot(TEST_TOKEN, request=Recording(400, refusal))
    with pytest.raises(BadRequest, match="parse entities"):
        await wire.call(bot, "editMessageText", chat_id=1, message_id=2, text="<b")


def test_the_bot_adds_nothing_a_direct_call_would_leave_out(tmp_path: Path) -> None:
    """No defaults, no rate limiter, no arbitrary callback data: what PTB's methods would
    add to a call, which `bot.wire` sends without (see its docstring)."""
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}")
    bot = build_application(settings).bot
    assert bot.defaults is None
    assert bot.rate_limiter is None
    assert bot.callback_data_cache is None

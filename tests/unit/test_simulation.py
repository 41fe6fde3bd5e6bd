"""The simulation must enforce Telegram's limits, or bot bugs would pass the tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

import bot  # noqa: F401 - opts in to timedelta durations before any PTB error is read
from tests.sim import (
    FakeBotAPI,
    LoopbackBotAPIServer,
    NetworkDown,
    ServerError,
    SimRequest,
    TelegramSim,
    TimeoutAfterDelivery,
)
from tests.sim import RetryAfter as InjectRetryAfter
from tests.sim.echo import ECHO_TOKEN, make_echo_application

CHAT = 42


@pytest.fixture
def api() -> FakeBotAPI:
    fake = FakeBotAPI()
    fake.known_chat(CHAT)
    return fake


@pytest.fixture
async def app(api: FakeBotAPI) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    application = make_echo_application(api)
    await application.initialize()
    yield application
    await application.shutdown()


async def test_echo_through_the_real_stack(api: FakeBotAPI, app: Application) -> None:  # type: ignore[type-arg]
    person = TelegramSim(api, app).user(CHAT)
    await person.says("hello")
    assert person.last_text == "hello"
    assert [m.text for m in person.replies] == ["hello"]


async def test_text_length_is_checked_after_html_parsing(
    api: FakeBotAPI, app: Application
) -> None:  # type: ignore[type-arg]
    await app.bot.send_message(CHAT, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)too long"):
        await app.bot.send_message(CHAT, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)empty"):
        await app.bot.send_message(CHAT, "<b></b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await app.bot.send_message(CHAT, "<b>unclosed", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await app.bot.send_message(CHAT, "fish & chips", parse_mode="HTML")


@pytest.mark.parametrize("data", ["x" * 65, "投" * 22])
async def test_callback_data_over_64_bytes_is_refused(
    app: Application,
    data: str,  # type: ignore[type-arg]
) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("go", callback_data=data)]])
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await app.bot.send_message(CHAT, "pick", reply_markup=markup)


async def test_one_answer_per_callback_query_and_no_op_edits(
    api: FakeBotAPI,
    app: Application,  # type: ignore[type-arg]
) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("go", callback_data="go")]])
    sent = await app.bot.send_message(CHAT, "pick", reply_markup=markup)
    query_id = api.new_callback_query_id()
    assert await app.bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await app.bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await app.bot.answer_callback_query("never-issued")
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await app.bot.edit_message_text("pick", CHAT, sent.message_id, reply_markup=markup)
    await app.bot.edit_message_text("picked", CHAT, sent.message_id)
    assert api.messages(CHAT)[-1].reply_markup is None
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await app.bot.edit_message_text("x", CHAT, 999)


async def test_injected_faults_surface_as_ptb_errors(api: FakeBotAPI, app: Application) -> None:  # type: ignore[type-arg]
    api.inject(InjectRetryAfter(7), method="sendMessage")
    with pytest.raises(RetryAfter) as caught:
        await app.bot.send_message(CHAT, "a")
    assert caught.value.retry_after == timedelta(seconds=7)
    api.inject(ServerError(502), method="sendMessage")
    with pytest.raises(NetworkError):
        await app.bot.send_message(CHAT, "b")
    api.inject(NetworkDown(), chat_id=CHAT)
    with pytest.raises(NetworkError):
        await app.bot.send_message(CHAT, "c")
    assert api.messages(CHAT) == []
    api.inject(TimeoutAfterDelivery())
    with pytest.raises(TimedOut):
        await app.bot.send_message(CHAT, "d")
    assert [m.text for m in api.messages(CHAT)] == ["d"]
    api.block(CHAT)
    with pytest.raises(Forbidden, match=r"(?i)blocked"):
        await app.bot.send_message(CHAT, "e")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await app.bot.send_message(CHAT + 1, "f")


async def test_loopback_http_server_speaks_the_bot_api(api: FakeBotAPI) -> None:
    with LoopbackBotAPIServer(api) as server:
        bot = Bot(ECHO_TOKEN, base_url=server.base_url)
        async with bot:
            assert bot.username == "estate_desk_test_bot"
            markup = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="d:1")]])
            sent = await bot.send_message(
                CHAT, "<b>hi</b>", parse_mode="HTML", reply_markup=markup
            )
            assert sent.reply_markup == markup
            photo = await bot.send_photo(CHAT, b"\x89PNG fake bytes", caption="pic")
            assert photo.photo
            api.push_update(
                {
                    "update_id": api.next_update_id(),
                    "message": {
                        "message_id": 100,
                        "date": 0,
                        "chat": {"id": CHAT, "type": "private"},
                        "from": {"id": CHAT, "is_bot": False, "first_name": "R"},
                        "text": "ping",
                    },
                }
            )
            updates = await bot.get_updates(timeout=1)
            assert [u.message.text for u in updates if u.message] == ["ping"]
            with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
                await bot.send_message(
                    CHAT,
                    "x",
                    reply_markup=InlineKeyboardMarkup(
                        [[InlineKeyboardButton("no", callback_data="z" * 65)]]
                    ),
                )
    assert [m.body for m in api.messages(CHAT)] == ["<b>hi</b>", "pic"]


def test_sim_request_is_a_base_request(api: FakeBotAPI) -> None:
    assert SimRequest(api).read_timeout is None

"""The simulation must enforce Telegram's limits, or bot bugs would pass the tests."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.request
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import time_machine
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import Application
from telegram.request import HTTPXRequest

from tests.sim import (
    ConnectTimeout,
    FakeBotAPI,
    Fault,
    LoopbackBotAPIServer,
    NetworkDown,
    ResetAfterDelivery,
    ResetBeforeDelivery,
    ServerError,
    SimRequest,
    TelegramSim,
    TimeoutAfterDelivery,
)
from tests.sim import RetryAfter as InjectRetryAfter
from tests.sim.echo import ECHO_TOKEN, make_echo_application

CHAT = 42
PICK = InlineKeyboardMarkup([[InlineKeyboardButton("go", callback_data="go")]])


@pytest.fixture(autouse=True)
def durations_as_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB warns on every RetryAfter unless its next-major durations are opted into."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
def api() -> FakeBotAPI:
    fake = FakeBotAPI()
    fake.known_chat(CHAT)
    return fake


@pytest.fixture
async def app(api: FakeBotAPI) -> AsyncIterator[Application]:
    application = make_echo_application(api)
    await application.initialize()
    yield application
    await application.shutdown()


def errors(app: Application) -> list[Exception]:
    return list(app.bot_data.get("errors", []))


# --- the echo bot through personas --------------------------------------------------------
async def test_echo_through_the_real_stack(api: FakeBotAPI, app: Application) -> None:
    li = TelegramSim(api, app).user(1001, first_name="Li", language_code="zh-hans")
    await li.says("hello")
    assert li.last_text == "hello"
    assert [m.text for m in li.replies] == ["hello"]
    sent = li.transcript[0]
    assert sent.raw["from"]["username"] == "estate_desk_test_bot"
    assert sent.raw["chat"] == {"id": 1001, "type": "private", "first_name": "Li"}
    assert sent.message_id == 2  # the person's message was 1: one counter per chat
    assert api.count("sendmessage") == 1
    await li.sends_sticker()
    await li.sends_location()
    await li.sends_document()
    assert li.replies == []
    assert errors(app) == []


async def test_inline_buttons_are_answered_once_and_edited(
    api: FakeBotAPI,
    app: Application,
) -> None:
    li = TelegramSim(api, app).user(1002)
    await li.says("/start")
    assert li.buttons() == ["Yes", "No"]
    await li.taps("Yes")
    assert [m.text for m in li.replies] == ["You chose yes"]
    assert li.last_text == "You chose yes"
    assert li.buttons() == []  # an edit without reply_markup removes the keyboard
    assert li.transcript[0].edits[0]["text"] == "Pick one"
    ((query_id, answer),) = api.callback_answers.items()
    assert answer["text"] == "Chose yes"
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await app.bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await app.bot.answer_callback_query("never-issued")
    await li.taps_data("forged:data", message=li.transcript[0])
    assert li.last_text == "You chose forged:data"
    with pytest.raises(AssertionError, match="buttons are"):
        await li.taps("Yes")


async def test_reply_keyboard_taps_send_text_and_contacts(
    api: FakeBotAPI,
    app: Application,
) -> None:
    li = TelegramSim(api, app).user(1003)
    await li.says("/menu")
    assert li.buttons() == ["Hello", "📱 Share my phone"]
    await li.taps("Hello")
    assert li.last_text == "Hello"
    await li.taps("Share")  # no exact label: the one containing it
    assert li.last_text == "Phone +8613800138000"
    assert li.buttons() == ["Hello", "📱 Share my phone"]  # a reply keyboard stays
    await li.says("/hide")
    assert li.buttons() == []
    with pytest.raises(AssertionError, match=r"no button 'Hello'; buttons are \[\]"):
        await li.taps("Hello")


async def test_replies_to_and_reply_parameters(api: FakeBotAPI, app: Application) -> None:
    li = TelegramSim(api, app).user(1004)
    await li.says("first")
    await li.replies_to(li.transcript[0], "quoting")
    quoted = li.sent[-1]["reply_to_message"]
    assert quoted["text"] == "first"
    assert quoted["from"]["is_bot"]
    sent = await app.bot.send_message(1004, "re", reply_to_message_id=li.sent[0]["message_id"])
    assert sent.reply_to_message is not None
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await app.bot.send_message(1004, "re", reply_to_message_id=999)


# --- limits -------------------------------------------------------------------------------
async def test_a_4097_character_echo_fails_the_bots_send(
    api: FakeBotAPI,
    app: Application,
) -> None:
    li = TelegramSim(api, app).user(1005)
    await li.says("字" * 4096)
    assert li.last_text == "字" * 4096
    await li.says("x" * 4097)
    assert li.replies == []
    (error,) = errors(app)
    assert isinstance(error, BadRequest)
    assert "message is too long" in str(error).lower()


async def test_text_length_is_checked_after_html_parsing(
    api: FakeBotAPI,
    app: Application,
) -> None:
    sent = await app.bot.send_message(CHAT, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    assert sent.text == "x" * 4096
    assert sent.entities[0].type == "bold"
    await app.bot.send_message(CHAT, "&lt;" * 4096, parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)too long"):
        await app.bot.send_message(CHAT, "&lt;" * 4097, parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)too long"):
        await app.bot.send_message(CHAT, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)text is empty"):
        await app.bot.send_message(CHAT, "<b> </b>", parse_mode="HTML")
    await app.bot.send_photo(
        CHAT, api.new_file_id()[0], caption="<i>" + "c" * 1024 + "</i>", parse_mode="HTML"
    )
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await app.bot.send_photo(CHAT, api.new_file_id()[0], caption="c" * 1025)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("<b>unclosed", 'end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'expected "</i>", found "</b>"'),
        ("line<br>break", 'unsupported start tag "br"'),
        ("price < 100", 'unsupported start tag ""'),
        ("<kahn@inbox.ru>", 'unsupported start tag "kahn@inbox.ru" at byte offset 0'),
        ("fish & chips", "entity"),
    ],
)
async def test_malformed_html_is_refused(
    app: Application,
    text: str,
    reason: str,
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities") as caught:
        await app.bot.send_message(CHAT, text, parse_mode="HTML")
    assert reason.lower() in str(caught.value).lower()


async def test_markdown_v2_escapes_and_reserved_characters(
    api: FakeBotAPI,
    app: Application,
) -> None:
    sent = await app.bot.send_message(CHAT, "*Done\\.* 1\\+1", parse_mode="MarkdownV2")
    assert sent.text == "Done. 1+1"
    await app.bot.send_message(CHAT, "\\." * 4096, parse_mode="MarkdownV2")
    with pytest.raises(BadRequest, match=r"(?i)character '\.' is reserved"):
        await app.bot.send_message(CHAT, "Done.", parse_mode="MarkdownV2")
    with pytest.raises(BadRequest, match=r"(?i)can't find end of bold entity"):
        await app.bot.send_message(CHAT, "*open", parse_mode="MarkdownV2")


@pytest.mark.parametrize(
    ("data", "ok"),
    [("x" * 64, True), ("x" * 65, False), ("投" * 21, True), ("投" * 22, False), ("", False)],
)
async def test_callback_data_is_1_to_64_bytes(
    app: Application,
    data: str,
    ok: bool,
) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("go", callback_data=data)]])
    if ok:
        await app.bot.send_message(CHAT, "pick", reply_markup=markup)
        return
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await app.bot.send_message(CHAT, "pick", reply_markup=markup)


async def test_keyboards_must_be_well_formed(api: FakeBotAPI) -> None:
    for markup, reason in [
        ({"inline_keyboard": [{"text": "row is not a list"}]}, "keyboard markup"),
        ({"inline_keyboard": [[{"text": "no action"}]]}, "text buttons are unallowed"),
        ({"inline_keyboard": [[{"callback_data": "x"}]]}, 'field "text"'),
        ({"keyboard": [[{"text": ""}]]}, 'field "text"'),
        ({"neither": True}, "keyboard markup"),
        ("not json", "reply_markup json"),
    ]:
        status, body = api.handle(
            "sendMessage", {"chat_id": CHAT, "text": "t", "reply_markup": markup}
        )
        assert status == 400, markup
        assert reason in body["description"].lower(), body


async def test_edits_must_change_something(api: FakeBotAPI, app: Application) -> None:
    sent = await app.bot.send_message(CHAT, "pick", reply_markup=PICK)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified: specified new"):
        await app.bot.edit_message_text("pick", CHAT, sent.message_id, reply_markup=PICK)
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await app.bot.edit_message_reply_markup(CHAT, sent.message_id, reply_markup=PICK)
    await app.bot.edit_message_text(
        "<b>pick</b>", CHAT, sent.message_id, parse_mode="HTML", reply_markup=PICK
    )  # same letters, new formatting: a real change
    await app.bot.edit_message_text("picked", CHAT, sent.message_id)
    message = api.messages(CHAT)[-1]
    assert message.reply_markup is None
    assert [e["text"] for e in message.edits] == ["pick", "<b>pick</b>"]
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await app.bot.edit_message_text("x", CHAT, 999)
    with pytest.raises(BadRequest, match=r"(?i)no caption in the message"):
        await app.bot.edit_message_caption(CHAT, sent.message_id, caption="c")


async def test_deletes_within_48_hours_only(api: FakeBotAPI, app: Application) -> None:
    with time_machine.travel(1_700_000_000, tick=False):
        first = await app.bot.send_message(CHAT, "one")
        second = await app.bot.send_message(CHAT, "two")
        assert await app.bot.delete_message(CHAT, first.message_id)
        assert api.messages(CHAT)[0].deleted
        with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
            await app.bot.delete_message(CHAT, first.message_id)
    with (
        time_machine.travel(1_700_000_000 + 49 * 3600, tick=False),
        pytest.raises(BadRequest, match=r"(?i)can't be deleted"),
    ):
        await app.bot.delete_message(CHAT, second.message_id)


async def test_only_issued_file_ids_can_be_sent(api: FakeBotAPI, app: Application) -> None:
    li = TelegramSim(api, app).user(1006)
    first, second = await li.sends_photo(), await li.sends_photo(caption="gate")
    await app.bot.send_photo(1006, first)
    album = await app.bot.send_media_group(1006, [InputMediaPhoto(first), InputMediaPhoto(second)])
    assert album[0].media_group_id == album[1].media_group_id
    assert [m.photo_file_id for m in li.transcript] == [first, first, second]
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await app.bot.send_photo(1006, "made-up-file-id")
    with pytest.raises(BadRequest, match=r"(?i)type of file mismatch"):
        await app.bot.send_document(1006, first)


# --- faults -------------------------------------------------------------------------------
async def test_injected_faults_surface_as_ptb_errors(api: FakeBotAPI, app: Application) -> None:
    api.inject(InjectRetryAfter(7), method="sendMessage")
    with pytest.raises(RetryAfter) as caught:
        await app.bot.send_message(CHAT, "a")
    assert caught.value.retry_after == timedelta(seconds=7)
    api.inject(ServerError(502), method="SENDMESSAGE")
    with pytest.raises(NetworkError):
        await app.bot.send_message(CHAT, "b")
    api.inject(ServerError())
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await app.bot.send_message(CHAT, "b")
    assert api.count("sendMessage") == 3  # refused requests are still requests
    api.inject(NetworkDown(), chat_id=CHAT)
    with pytest.raises(NetworkError) as down:
        await app.bot.send_message(CHAT, "c")
    assert not isinstance(down.value, TimedOut)
    assert api.count("sendMessage") == 3  # never reached the server
    assert api.messages(CHAT) == []
    api.inject(TimeoutAfterDelivery())
    with pytest.raises(TimedOut):
        await app.bot.send_message(CHAT, "d")
    assert [m.text for m in api.messages(CHAT)] == ["d"]


@pytest.mark.parametrize(
    ("fault", "error", "cause", "delivered"),
    [
        (NetworkDown(), NetworkError, httpx.ConnectError, False),
        (ResetBeforeDelivery(), NetworkError, httpx.ConnectError, False),
        (ConnectTimeout(), TimedOut, httpx.ConnectTimeout, False),
        (ResetAfterDelivery(), NetworkError, httpx.ReadError, True),
        (TimeoutAfterDelivery(), TimedOut, httpx.ReadTimeout, True),
    ],
)
async def test_network_faults_raise_what_ptb_raises_over_httpx(
    api: FakeBotAPI,
    app: Application,
    fault: Fault,
    error: type[NetworkError],
    cause: type[httpx.HTTPError],
    delivered: bool,
) -> None:
    api.inject(fault, method="sendMessage")
    with pytest.raises(error) as caught:
        await app.bot.send_message(CHAT, "x")
    assert type(caught.value) is error  # TimedOut is a NetworkError too: the exact class
    assert isinstance(caught.value.__cause__, cause)
    assert [m.text for m in api.messages(CHAT)] == (["x"] if delivered else [])
    assert api.served_faults == [("sendMessage", fault)]


async def test_an_upload_gets_a_file_id_only_once_it_arrived(
    api: FakeBotAPI, app: Application
) -> None:
    api.inject(ResetBeforeDelivery(), method="sendDocument")
    with pytest.raises(NetworkError):
        await app.bot.send_document(CHAT, b"rows", filename="export.xlsx")
    assert api.uploads == []
    api.inject(ResetAfterDelivery(), method="sendDocument")
    with pytest.raises(NetworkError):
        await app.bot.send_document(CHAT, b"rows", filename="export.xlsx")
    assert [u.file_name for u in api.uploads] == ["export.xlsx"]
    assert [m.method for m in api.messages(CHAT)] == ["sendDocument"]


async def test_repeating_a_request_whose_answer_was_lost_is_no_mistake(
    api: FakeBotAPI, app: Application
) -> None:
    sent = await app.bot.send_message(CHAT, "a", reply_markup=PICK)
    query = api.new_callback_query_id()
    api.inject(ResetAfterDelivery(), method="editMessageText")
    api.inject(TimeoutAfterDelivery(), method="answerCallbackQuery")
    with pytest.raises(NetworkError):
        await app.bot.edit_message_text("b", CHAT, sent.message_id)
    with pytest.raises(TimedOut):
        await app.bot.answer_callback_query(query, "done")
    with pytest.raises(BadRequest, match="not modified"):
        await app.bot.edit_message_text("b", CHAT, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await app.bot.answer_callback_query(query, "done")
    assert api.refusals == []
    assert [name for name, _ in api.repeats_refused] == ["editmessagetext", "answercallbackquery"]
    # Once is a repeat; a second time it is a request that changes nothing.
    with pytest.raises(BadRequest, match="not modified"):
        await app.bot.edit_message_text("b", CHAT, sent.message_id)
    assert [method for method, _, _ in api.refusals] == ["editMessageText"]


async def test_a_fault_source_serves_requests_no_queued_fault_matches(
    api: FakeBotAPI, app: Application
) -> None:
    api.chaos = lambda method, params: ServerError(502) if method == "sendmessage" else None
    api.inject(InjectRetryAfter(2), method="sendMessage")
    with pytest.raises(RetryAfter):
        await app.bot.send_message(CHAT, "a")
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await app.bot.send_message(CHAT, "b")
    await app.bot.send_chat_action(CHAT, "typing")
    assert [type(f).__name__ for _, f in api.served_faults] == ["RetryAfter", "ServerError"]


async def test_faults_match_and_queue_in_order(api: FakeBotAPI, app: Application) -> None:
    api.known_chat(CHAT + 1)
    api.inject(InjectRetryAfter(1), method="sendMessage", chat_id=CHAT, times=2)
    api.inject(NetworkDown(), method="sendMessage", chat_id=CHAT)
    await app.bot.send_message(CHAT + 1, "other chat is fine")
    await app.bot.send_chat_action(CHAT, "typing")  # other method is fine
    for expected in (RetryAfter, RetryAfter, NetworkError):
        with pytest.raises(expected):
            await app.bot.send_message(CHAT, "x")
    await app.bot.send_message(CHAT, "through")
    assert [m.text for m in api.messages(CHAT)] == ["through"]


async def test_blocked_and_unknown_chats(api: FakeBotAPI, app: Application) -> None:
    api.block(CHAT)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await app.bot.send_message(CHAT, "e")
    api.unblock(CHAT)
    await app.bot.send_message(CHAT, "e")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await app.bot.send_message(CHAT + 1, "f")
    with pytest.raises(EndPointNotFound):  # unknown methods are 404 Not Found
        await app.bot.do_api_request("noSuchMethod")


# --- updates ------------------------------------------------------------------------------
async def test_get_updates_long_polls_without_blocking(api: FakeBotAPI, app: Application) -> None:
    update = {
        "update_id": api.next_update_id(),
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": 77, "type": "private", "first_name": "R"},
            "from": {"id": 77, "is_bot": False, "first_name": "R"},
            "text": "ping",
        },
    }
    timer = threading.Timer(0.05, api.push_update, args=(update,))
    started = time.monotonic()
    timer.start()
    updates = await app.bot.get_updates(timeout=5)
    assert time.monotonic() - started < 2
    assert [u.message.text for u in updates if u.message] == ["ping"]
    await app.bot.send_message(77, "the chat is known now")
    assert await app.bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()


async def test_a_sim_without_application_queues_updates(api: FakeBotAPI) -> None:
    li = TelegramSim(api, None).user(1007)
    await li.says("/start")
    status, body = api.handle("getUpdates", {"offset": 0, "timeout": 0})
    assert status == 200
    assert body["result"][0]["message"]["entities"][0]["type"] == "bot_command"


# --- loopback HTTP ------------------------------------------------------------------------
async def test_loopback_http_server_speaks_the_bot_api(api: FakeBotAPI) -> None:
    with LoopbackBotAPIServer(api) as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        bot = Bot(ECHO_TOKEN, base_url=server.base_url)
        async with bot:
            assert bot.username == "estate_desk_test_bot"
            markup = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="d:1")]])
            sent = await bot.send_message(
                CHAT, "<b>hi</b>", parse_mode="HTML", reply_markup=markup
            )
            assert sent.reply_markup == markup
            assert sent.text == "hi"
            photo = await bot.send_photo(CHAT, b"\x89PNG fake bytes", caption="pic")
            assert photo.photo
            assert photo.caption == "pic"
            (upload,) = api.uploads
            assert upload.size == len(b"\x89PNG fake bytes")
            assert photo.photo[-1].file_id == upload.file_id
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


async def test_loopback_faults_are_what_httpx_sees_on_a_socket(api: FakeBotAPI) -> None:
    def caught(error: pytest.ExceptionInfo[NetworkError]) -> tuple[str, type[BaseException]]:
        return type(error.value).__name__, type(error.value.__cause__)

    with LoopbackBotAPIServer(api) as server:
        quick = HTTPXRequest(read_timeout=0.5, connect_timeout=0.3)
        async with Bot(ECHO_TOKEN, base_url=server.base_url, request=quick) as bot:
            api.inject(ResetAfterDelivery())
            with pytest.raises(NetworkError) as reset:
                await bot.send_message(CHAT, "reset after delivery")
            assert caught(reset) == ("NetworkError", httpx.ReadError)
            api.inject(TimeoutAfterDelivery())
            with pytest.raises(TimedOut) as late:
                await bot.send_message(CHAT, "answer withheld")
            assert caught(late) == ("TimedOut", httpx.ReadTimeout)
            # Arrived, then dropped unanswered: on a socket, no telling it was not processed.
            api.inject(ResetBeforeDelivery())
            with pytest.raises(NetworkError) as dropped:
                await bot.send_message(CHAT, "dropped on arrival")
            assert caught(dropped) == ("NetworkError", httpx.RemoteProtocolError)
            with server.unreachable():
                with pytest.raises(NetworkError) as refused:
                    await bot.send_message(CHAT, "refused")
                assert caught(refused) == ("NetworkError", httpx.ConnectError)
            with server.unreachable(stall=True):
                with pytest.raises(TimedOut) as hung:
                    await bot.send_message(CHAT, "never connected")
                assert caught(hung) == ("TimedOut", httpx.ConnectTimeout)
            await bot.send_message(CHAT, "reachable again")
    assert [m.body for m in api.messages(CHAT)] == [
        "reset after delivery",
        "answer withheld",
        "reachable again",
    ]


async def test_loopback_http_server_reads_json_and_query_strings(api: FakeBotAPI) -> None:
    def post(path: str, body: dict[str, Any] | None) -> tuple[int, dict[str, Any]]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"http://127.0.0.1:{server.port}{path}",
            data,
            {"Content-Type": "application/json"},
            method="POST" if data else "GET",
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, json.loads(exc.read())

    with LoopbackBotAPIServer(api) as server:
        status, body = await asyncio.to_thread(
            post,
            f"/bot{ECHO_TOKEN}/sendMessage",
            {"chat_id": CHAT, "text": "json", "reply_markup": {"remove_keyboard": True}},
        )
        assert (status, body["result"]["text"]) == (200, "json")
        status, body = await asyncio.to_thread(
            post, f"/bot{ECHO_TOKEN}/sendMessage?chat_id={CHAT}&text=query", None
        )
        assert (status, body["result"]["text"]) == (200, "query")
        status, body = await asyncio.to_thread(post, f"/file/bot{ECHO_TOKEN}/photos/x", None)
        assert status == 404


def test_sim_request_is_a_base_request(api: FakeBotAPI) -> None:
    assert SimRequest(api).read_timeout is None

"""Which failed requests Telegram may have acted on, told from what PTB's own HTTPX
transport raises (the real `HTTPXRequest`, its network replaced by one that fails), and
which are made again at once."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.request import HTTPXRequest

from bot.delivery import ATTEMPTS, Fate, again, fate_of, not_modified, query_answered
from tests.sim import (
    ConnectTimeout,
    Fault,
    NetworkDown,
    ResetAfterDelivery,
    ResetBeforeDelivery,
    TimeoutAfterDelivery,
)
from tests.sim.request import httpx_error, ptb_error

URL = "https://api.telegram.org/bot123:abc/sendMessage"


def answer(status: int, description: str, **parameters: Any) -> httpx.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return httpx.Response(status, content=json.dumps(body).encode())


async def raised(network: Callable[[httpx.Request], httpx.Response]) -> TelegramError:
    """What PTB raises for one request when the network (or Telegram) behaves so."""
    request = HTTPXRequest(httpx_kwargs={"transport": httpx.MockTransport(network)})
    await request.initialize()
    try:
        await request.post(URL)
    except TelegramError as exc:
        return exc
    finally:
        await request.shutdown()
    raise AssertionError("the request went through")


def failing(error: Exception) -> Callable[[httpx.Request], httpx.Response]:
    def network(request: httpx.Request) -> httpx.Response:
        raise error

    return network


@pytest.mark.parametrize(
    ("error", "fate"),
    [
        (httpx.ConnectError("[Errno 111] Connection refused"), Fate.NOT_SENT),
        (httpx.ConnectError("[Errno 104] Connection reset by peer"), Fate.NOT_SENT),
        (httpx.ConnectTimeout("timed out"), Fate.NOT_SENT),
        (httpx.PoolTimeout("no connection free"), Fate.NOT_SENT),
        (httpx.WriteTimeout("timed out"), Fate.NOT_SENT),
        (httpx.ReadTimeout("The read operation timed out"), Fate.MAYBE_SENT),
        (httpx.ReadError("[Errno 104] Connection reset by peer"), Fate.MAYBE_SENT),
        (httpx.RemoteProtocolError("Server disconnected"), Fate.MAYBE_SENT),
        (RuntimeError("a bug in the HTTP client"), Fate.MAYBE_SENT),
    ],
)
async def test_network_failures_by_whether_the_request_left(error: Exception, fate: Fate) -> None:
    assert fate_of(await raised(failing(error))) is fate


@pytest.mark.parametrize(
    ("status", "description", "parameters", "fate"),
    [
        (502, "Bad Gateway", {}, Fate.NOT_SENT),
        (500, "Internal Server Error", {}, Fate.NOT_SENT),
        (429, "Too Many Requests: retry after 3", {"retry_after": 3}, Fate.FLOOD),
        (400, "Bad Request: message is not modified", {}, None),
        (403, "Forbidden: bot was blocked by the user", {}, None),
    ],
)
async def test_telegrams_answers(
    status: int, description: str, parameters: dict[str, Any], fate: Fate | None
) -> None:
    exc = await raised(lambda request: answer(status, description, **parameters))
    assert fate_of(exc) is fate


def test_errors_with_no_cause_to_tell() -> None:
    assert fate_of(TimedOut()) is Fate.MAYBE_SENT  # not known to have stopped short
    assert fate_of(ValueError("not Telegram's")) is None


@pytest.mark.parametrize(
    "fault",
    [
        NetworkDown(),
        ResetBeforeDelivery(),
        ConnectTimeout(),
        ResetAfterDelivery(),
        TimeoutAfterDelivery(),
    ],
)
async def test_the_simulation_raises_what_ptb_raises(fault: Fault) -> None:
    error = httpx_error(fault, URL)
    real = await raised(failing(error))
    simulated = ptb_error(error)
    assert (type(simulated), str(simulated)) == (type(real), str(real))
    assert type(real.__cause__) is type(error)


class Calls:
    """A Bot API call that fails as scripted, then succeeds."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.made = 0

    async def __call__(self) -> str:
        self.made += 1
        if self.failures:
            raise self.failures.pop(0)
        return "done"


def failure(cause: httpx.HTTPError) -> TelegramError:
    """What PTB raises for this httpx error, with it as the cause."""
    error = ptb_error(cause)
    error.__cause__ = cause
    return error


def not_sent() -> TelegramError:
    return failure(httpx.ConnectError("refused"))


def maybe_sent() -> TelegramError:
    return failure(httpx.ReadError("reset"))


async def test_a_request_that_never_left_is_made_again_at_once() -> None:
    call = Calls(not_sent(), NetworkError("Bad Gateway"))
    assert await again(call, idempotent=False) == "done"
    assert call.made == 3
    endless = Calls(*(not_sent() for _ in range(ATTEMPTS)))
    with pytest.raises(NetworkError):
        await again(endless, idempotent=False)
    assert endless.made == ATTEMPTS


async def test_a_message_whose_answer_was_lost_is_not_sent_again() -> None:
    call = Calls(maybe_sent())
    with pytest.raises(NetworkError):
        await again(call, idempotent=False)
    assert call.made == 1
    flood = Calls(RetryAfter(3))
    with pytest.raises(RetryAfter):
        await again(flood, idempotent=True)  # waiting is for the caller (the outbox)
    assert flood.made == 1


async def test_an_edit_whose_answer_was_lost_is_made_again_and_found_done() -> None:
    call = Calls(maybe_sent(), BadRequest("Message is not modified: specified new message"))
    assert await again(call, idempotent=True, done=not_modified) is None
    assert call.made == 2
    answered = Calls(maybe_sent(), BadRequest("Query is too old and response timeout expired"))
    assert await again(answered, idempotent=True, done=query_answered) is None
    # Without a lost answer before it, "not modified" is an edit that changes nothing: a bug.
    mistake = Calls(BadRequest("Message is not modified: specified new message"))
    with pytest.raises(BadRequest):
        await again(mistake, idempotent=True, done=not_modified)

"""Whether Telegram may have acted on a request that failed, and so whether to make it again.

A failed request is safe to repeat only if Telegram cannot have acted on it. PTB's HTTPX
transport says which by the cause it raises from: a connection that was never made
(`httpx.ConnectError`, `ConnectTimeout`, `PoolTimeout`) or a request that could not be
written out carried nothing to Telegram, and a 5xx answer means Telegram did not do it;
but a connection reset or a read timeout after the request went out (`ReadError`,
`RemoteProtocolError`, `ReadTimeout`) leaves it open whether Telegram did. A message sent
again in that case may be read twice, so sends are not repeated then (their outcome is
unknown); an edit, a callback answer or a command menu may be: doing it twice is doing it
once ("message is not modified" and "query is too old" then mean it was done).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import TypeVar

import httpx
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut

log = logging.getLogger(__name__)
T = TypeVar("T")
# A call Telegram cannot have acted on (or that is harmless twice) is made this often at
# once before it is left to a later attempt (the outbox) or given up.
ATTEMPTS = 3

# The request never left: no connection, or it could not be written in full.
_NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.WriteError,
    httpx.WriteTimeout,
    httpx.LocalProtocolError,
    httpx.UnsupportedProtocol,
    httpx.ProxyError,
)


class Fate(StrEnum):
    """What a request that failed for now may have done at Telegram."""

    FLOOD = "flood"  # 429: refused; Telegram takes requests again after retry_after
    NOT_SENT = "not sent"  # Telegram never got it, or answered that it failed (5xx)
    MAYBE_SENT = "maybe sent"  # its answer was lost: Telegram may have acted on it


def fate_of(exc: BaseException) -> Fate | None:
    """The fate of a request that raised `exc`; None when it is no passing failure (Telegram
    refused it for good, or the error is not Telegram's)."""
    if isinstance(exc, RetryAfter):
        return Fate.FLOOD
    if isinstance(exc, BadRequest) or not isinstance(exc, NetworkError):
        return None  # BadRequest is a NetworkError in PTB, but Telegram answered it
    cause = exc.__cause__
    if isinstance(cause, _NOT_SENT):
        return Fate.NOT_SENT
    if isinstance(exc, TimedOut) or isinstance(cause, httpx.HTTPError | OSError):
        return Fate.MAYBE_SENT  # a read timeout or a reset once the request was out
    if cause is None or isinstance(cause, TelegramError):
        return Fate.NOT_SENT  # Telegram's own answer: 5xx (or its body could not be read)
    return Fate.MAYBE_SENT  # an error inside the HTTP client: nothing says where it stopped


def repeatable(fate: Fate | None, *, idempotent: bool) -> bool:
    """Whether to make the request again now: Telegram never had it, or twice is once."""
    return fate is Fate.NOT_SENT or (fate is Fate.MAYBE_SENT and idempotent)


def not_modified(exc: BadRequest) -> bool:
    """An edit Telegram has already made."""
    return "message is not modified" in exc.message.lower()


def query_answered(exc: BadRequest) -> bool:
    """A callback query Telegram has already had its answer to (or that is too old)."""
    return "query is too old" in exc.message.lower()


async def again(
    call: Callable[[], Awaitable[T]],
    *,
    idempotent: bool,
    done: Callable[[BadRequest], bool] | None = None,
    attempts: int = ATTEMPTS,
) -> T | None:
    """Make a Bot API call, and again at once while it is `repeatable` (up to `attempts` in
    all); the last failure is raised. After an attempt that may have got through, a refusal
    that `done` recognises ("message is not modified") means it did: None is returned."""
    maybe_done = False
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except BadRequest as exc:
            if maybe_done and done is not None and done(exc):
                return None
            raise
        except TelegramError as exc:
            fate = fate_of(exc)
            if attempt == attempts or not repeatable(fate, idempotent=idempotent):
                raise
            maybe_done = maybe_done or fate is Fate.MAYBE_SENT
            log.info("Telegram call failed (%s: %s); trying again", fate, exc)
    raise AssertionError("unreachable")  # pragma: no cover

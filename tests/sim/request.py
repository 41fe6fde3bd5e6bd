"""A PTB `BaseRequest` that answers from a `FakeBotAPI` in the same process."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import httpx
from telegram.error import NetworkError, TelegramError, TimedOut
from telegram.request import BaseRequest, RequestData

from tests.sim.bot_api import (
    FAST_POLL_SECONDS,
    ConnectTimeout,
    FakeBotAPI,
    Files,
    NetworkDown,
    NetworkFault,
    ResetAfterDelivery,
    ResetBeforeDelivery,
    SimulatedNetworkFault,
    TimeoutAfterDelivery,
)


def httpx_error(fault: NetworkFault, url: str) -> httpx.HTTPError:
    """What httpx raises when the network fails this way."""
    request = httpx.Request("POST", url)
    if isinstance(fault, NetworkDown):
        return httpx.ConnectError("[Errno 111] Connection refused", request=request)
    if isinstance(fault, ResetBeforeDelivery):
        return httpx.ConnectError("[Errno 104] Connection reset by peer", request=request)
    if isinstance(fault, ConnectTimeout):
        return httpx.ConnectTimeout("timed out", request=request)
    if isinstance(fault, ResetAfterDelivery):
        return httpx.ReadError("[Errno 104] Connection reset by peer", request=request)
    assert isinstance(fault, TimeoutAfterDelivery)
    return httpx.ReadTimeout("The read operation timed out", request=request)


def ptb_error(error: httpx.HTTPError) -> TelegramError:
    """The exception PTB's `HTTPXRequest.do_request` raises for an httpx error (raise it
    `from error`): a timeout is `TimedOut`, anything else `NetworkError` naming the class."""
    if isinstance(error, httpx.PoolTimeout):
        return TimedOut(
            message=(
                "Pool timeout: All connections in the connection pool are occupied. "
                "Request was *not* sent to Telegram. Consider adjusting the connection "
                "pool size or the pool timeout."
            )
        )
    if isinstance(error, httpx.TimeoutException):
        return TimedOut()
    return NetworkError(f"httpx.{error.__class__.__name__}: {error}")


class SimRequest(BaseRequest):
    """Like PTB's own test networking: no sockets, but every call goes through the real Bot,
    its serialisation and its error mapping (status codes become PTB exceptions)."""

    def __init__(self, api: FakeBotAPI) -> None:
        self.api = api

    @property
    def read_timeout(self) -> float | None:
        """No socket, so no default read timeout to report."""
        return None

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        """Route one Bot API call to the fake server; network faults raise as httpx's would."""
        api_method = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data is not None else {}
        if api_method.lower() == "getupdates":
            await self._long_poll(params)
            params["timeout"] = 0  # waited above, without blocking the event loop
        try:
            status, body = self.api.handle(api_method, params, self._files(request_data))
        except SimulatedNetworkFault as exc:
            # What PTB's HTTPXRequest raises, from the httpx error the network would cause:
            # the bot tells whether Telegram got the request by that cause.
            error = httpx_error(exc.fault, url)
            raise ptb_error(error) from error
        return status, json.dumps(body).encode()

    @staticmethod
    def _files(request_data: RequestData | None) -> Files | None:
        """Uploaded files by part name; the server gives them file ids once it has them."""
        if request_data is None or not request_data.contains_files:
            return None
        files: Files = {}
        for name, (file_name, content, mime_type) in request_data.multipart_data.items():
            data = content if isinstance(content, bytes) else content.read()
            files[name] = (file_name, data, mime_type)
        return files

    async def _long_poll(self, params: dict[str, Any]) -> None:
        """getUpdates waits for updates like Telegram, but cancellably on the event loop."""
        timeout = max(0.0, float(params.get("timeout") or 0))
        if self.api.fast_poll:
            timeout = min(timeout, FAST_POLL_SECONDS)
        offset = int(params.get("offset") or 0)
        loop = asyncio.get_running_loop()
        arrived = asyncio.Event()
        remove = self.api.on_update(lambda: loop.call_soon_threadsafe(arrived.set))
        try:
            if timeout > 0 and not self.api.has_updates(offset):
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(arrived.wait(), timeout)
        finally:
            remove()

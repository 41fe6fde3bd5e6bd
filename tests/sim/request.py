"""A PTB `BaseRequest` that answers from a `FakeBotAPI` in the same process."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from tests.sim.bot_api import (
    FAST_POLL_SECONDS,
    FakeBotAPI,
    NetworkDown,
    SimulatedNetworkFault,
    attach_uploads,
)


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
        params = self._params(request_data)
        if api_method.lower() == "getupdates":
            await self._long_poll(params)
            params["timeout"] = 0  # waited above, without blocking the event loop
        try:
            status, body = self.api.handle(api_method, params)
        except SimulatedNetworkFault as exc:
            if isinstance(exc.fault, NetworkDown):
                raise NetworkError("simulated network failure: request not delivered") from None
            raise TimedOut("simulated timeout: delivered, but the answer was lost") from None
        return status, json.dumps(body).encode()

    def _params(self, request_data: RequestData | None) -> dict[str, Any]:
        """Parameters as Python values; uploaded files become file ids the server issued."""
        if request_data is None:
            return {}
        params: dict[str, Any] = dict(request_data.parameters)
        if not request_data.contains_files:
            return params
        uploads: dict[str, str] = {}
        for name, (file_name, content, mime_type) in request_data.multipart_data.items():
            data = content if isinstance(content, bytes) else content.read()
            uploads[name] = self.api.register_upload(
                name, file_name, len(data), mime_type, data=data
            )
        return attach_uploads(params, uploads)

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

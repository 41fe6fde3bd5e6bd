"""A PTB `BaseRequest` that answers from a `FakeBotAPI` in the same process."""

from __future__ import annotations

import json
from typing import Any

from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from tests.sim.bot_api import FakeBotAPI, NetworkDown, TimeoutAfterDelivery


class SimRequest(BaseRequest):
    """Like PTB's own test networking: no sockets, but every call goes through the real Bot."""

    def __init__(self, api: FakeBotAPI) -> None:
        self.api = api

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

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
        api_method = url.rstrip("/").rsplit("/", 1)[-1]
        params: dict[str, Any] = dict(request_data.parameters) if request_data else {}
        if request_data is not None and request_data.contains_files:
            for name in request_data.multipart_data:
                params.setdefault(name, self.api.new_file_id("upload")[0])
        if api_method.lower() == "getupdates":
            params["timeout"] = 0  # never block the event loop in-process
        fault = self.api.take_fault(api_method, params)
        if isinstance(fault, NetworkDown):
            raise NetworkError("simulated network failure")
        if fault is not None and not isinstance(fault, TimeoutAfterDelivery):
            answer = self.api.apply_fault(fault)
            assert answer is not None
            return answer[0], json.dumps(answer[1]).encode()
        status, body = self.api.handle(api_method, params)
        if isinstance(fault, TimeoutAfterDelivery):
            raise TimedOut("simulated timeout after delivery")
        return status, json.dumps(body).encode()

"""The fake Bot API over real loopback HTTP, for the end-to-end test of `python -m bot`."""

from __future__ import annotations

import json
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.sim.bot_api import FakeBotAPI, NetworkDown, TimeoutAfterDelivery


def parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    """Form-encoded, JSON or multipart: whatever an HTTP client of the Bot API sends."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return {}
    if kind == "application/json":
        data = json.loads(body)
        return dict(data) if isinstance(data, dict) else {}
    if kind == "multipart/form-data":
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        params: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str):
                continue
            payload = part.get_payload(decode=True)
            if not isinstance(payload, bytes):
                payload = b""
            if part.get_filename():
                params[name] = f"upload-{len(payload)}-bytes"
            else:
                params[name] = payload.decode("utf-8")
        return params
    return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client killed with -9 is part of the tests, not an error worth a traceback."""


class LoopbackBotAPIServer:
    """`with LoopbackBotAPIServer(api) as server:` then point PTB at `server.base_url`."""

    def __init__(self, api: FakeBotAPI, host: str = "127.0.0.1") -> None:
        self.api = api
        handler = self._handler_class(api)
        self._server = _QuietServer((host, 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/bot"

    def __enter__(self) -> LoopbackBotAPIServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @staticmethod
    def _handler_class(api: FakeBotAPI) -> type[BaseHTTPRequestHandler]:
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return None

            def do_GET(self) -> None:
                self._serve(b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self._serve(self.rfile.read(length))

            def _serve(self, body: bytes) -> None:
                url = urlsplit(self.path)
                parts = url.path.strip("/").split("/")
                if len(parts) != 2 or not parts[0].startswith("bot"):
                    self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                    return
                params = dict(parse_qsl(url.query))
                params.update(parse_body(self.headers.get("Content-Type", ""), body))
                fault = api.take_fault(parts[1], params)
                if isinstance(fault, NetworkDown):
                    self.close_connection = True
                    self.connection.close()
                    return
                if fault is not None and not isinstance(fault, TimeoutAfterDelivery):
                    answer = api.apply_fault(fault)
                    assert answer is not None
                    self._reply(*answer)
                    return
                status, payload = api.handle(parts[1], params)
                self._reply(status, payload)

            def _reply(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the bot process was killed mid-request

        return Handler

"""The fake Bot API over real loopback HTTP, for `python -m bot` and PTB's own HTTPX stack.

Serves `/bot<token>/<method>` with form-encoded, JSON or multipart bodies (PTB 22 sends
form fields with JSON-encoded complex values, and multipart when it uploads files).
Network faults close the connection without an answer, which HTTPX reports as an error.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.sim.bot_api import FakeBotAPI, SimulatedNetworkFault, attach_uploads

NOT_FOUND: dict[str, Any] = {"ok": False, "error_code": 404, "description": "Not Found"}


def parse_body(
    content_type: str, body: bytes
) -> tuple[dict[str, Any], dict[str, tuple[str | None, bytes, str | None]]]:
    """Form-encoded, JSON or multipart: the fields, and any uploaded files by part name."""
    kind = content_type.split(";", 1)[0].strip().lower()
    files: dict[str, tuple[str | None, bytes, str | None]] = {}
    if not body:
        return {}, files
    if kind == "application/json":
        data = json.loads(body)
        return (dict(data) if isinstance(data, dict) else {}), files
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
            data_bytes = payload if isinstance(payload, bytes) else b""
            file_name = part.get_filename()
            if file_name is not None:
                files[name] = (file_name, data_bytes, part.get_content_type())
            else:
                params[name] = data_bytes.decode("utf-8")
        return params, files
    return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True)), files


class _QuietServer(ThreadingHTTPServer):
    """Tracks open connections so closing the server closes them too."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        """Remember the connection before its thread starts serving it."""
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        """Forget the connection once its thread is done with it."""
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client killed with -9 is part of the tests, not an error worth a traceback."""

    def drop_connections(self) -> None:
        """Wake handler threads blocked on idle keep-alive connections."""
        with self.connections_lock:
            open_now = list(self.connections)
        for connection in open_now:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class LoopbackBotAPIServer:
    """`with LoopbackBotAPIServer(api) as server:` then point PTB at `server.base_url`."""

    def __init__(self, api: FakeBotAPI) -> None:
        self.api = api
        self._server = _QuietServer(("127.0.0.1", 0), self._handler_class(api))
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fake-bot-api", daemon=True
        )

    @property
    def base_url(self) -> str:
        """PTB's `base_url` (and TELEGRAM_API_BASE_URL): the token and method are appended."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/bot"

    @property
    def port(self) -> int:
        """The port the OS chose."""
        return int(self._server.server_address[1])

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
        self._server.drop_connections()
        self._server.server_close()
        self._thread.join(timeout=5)

    @staticmethod
    def _handler_class(api: FakeBotAPI) -> type[BaseHTTPRequestHandler]:
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                """Keep test output clean."""

            def do_GET(self) -> None:
                """Some clients use GET with a query string."""
                self._serve(b"")

            def do_POST(self) -> None:
                """PTB always posts."""
                length = int(self.headers.get("Content-Length") or 0)
                self._serve(self.rfile.read(length))

            def _serve(self, body: bytes) -> None:
                url = urlsplit(self.path)
                parts = url.path.strip("/").split("/")
                if len(parts) != 2 or not parts[0].startswith("bot") or not parts[1]:
                    self._reply(404, NOT_FOUND)  # includes /file/bot<token>/<path>
                    return
                params: dict[str, Any] = dict(parse_qsl(url.query, keep_blank_values=True))
                try:
                    fields, files = parse_body(self.headers.get("Content-Type", ""), body)
                except ValueError:
                    self._reply(
                        400,
                        {"ok": False, "error_code": 400, "description": "Bad Request: bad body"},
                    )
                    return
                params.update(fields)
                uploads = {
                    name: api.register_upload(name, file_name, len(data), mime_type)
                    for name, (file_name, data, mime_type) in files.items()
                }
                params = attach_uploads(params, uploads)
                try:
                    status, payload = api.handle(parts[1], params)
                except SimulatedNetworkFault:
                    self._drop()
                    return
                except Exception as exc:  # a bug in the simulation: say so to the client
                    description = f"Internal Server Error: simulation failed: {exc!r}"
                    self._reply(500, {"ok": False, "error_code": 500, "description": description})
                    return
                self._reply(status, payload)

            def _drop(self) -> None:
                """No answer at all: the client sees the connection close mid-request."""
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)

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

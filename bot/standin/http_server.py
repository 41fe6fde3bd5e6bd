"""The fake Bot API over real loopback HTTP, for `python -m bot` and PTB's own HTTPX stack.

Serves `/bot<token>/<method>` with form-encoded, JSON or multipart bodies (PTB 22 sends
form fields with JSON-encoded complex values, and multipart when it uploads files).

Network faults are what a client on a real socket sees. After Telegram acted on a request,
the connection is reset (httpx.ReadError) or the answer withheld until the client's read
timeout (httpx.ReadTimeout). Over plain HTTP only a failed connect proves a request never
left: `unreachable()` refuses connections (httpx.ConnectError) or lets them hang
(httpx.ConnectTimeout). A before-delivery fault matched to a request that has already
arrived closes the connection unanswered, which the client cannot tell from a reset after
delivery; in-process (`SimRequest`) it is a failed connect.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
import time
from collections.abc import Iterator
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from bot.standin.bot_api import (
    FakeBotAPI,
    ResetAfterDelivery,
    SimulatedNetworkFault,
    TimeoutAfterDelivery,
)

NOT_FOUND: dict[str, Any] = {"ok": False, "error_code": 404, "description": "Not Found"}
# An answer withheld is held at most this long (the client gives up well before).
WITHHOLD_SECONDS = 60.0
POLL_SECONDS = 0.05


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
        self._thread = self._serving()

    def _serving(self) -> threading.Thread:
        return threading.Thread(
            target=self._server.serve_forever,
            args=(POLL_SECONDS,),
            name="fake-bot-api",
            daemon=True,
        )

    @contextlib.contextmanager
    def unreachable(self, *, stall: bool = False) -> Iterator[None]:
        """Nobody answers at this address while the block runs: connecting is refused (PTB
        raises NetworkError from httpx.ConnectError) or, with `stall`, never completes
        (TimedOut from httpx.ConnectTimeout, after the client's connect timeout). Open
        connections are closed first, so the client has to connect anew."""
        self._server.shutdown()
        self._thread.join(timeout=5)
        self._server.drop_connections()
        self._server.socket.close()
        blockers = _stalled_listener(self.port) if stall else []
        try:
            yield
        finally:
            for blocker in blockers:
                blocker.close()
            self._server.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self._server.server_bind()
            self._server.server_activate()
            self._thread = self._serving()
            self._thread.start()

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
            # The status line and headers, then the body, are written separately: with
            # Nagle's algorithm the body waits for the client's delayed ACK (~40 ms a
            # request on Linux loopback), which no real Bot API server makes a bot wait.
            disable_nagle_algorithm = True

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
                try:
                    status, payload = api.handle(parts[1], params, files)
                except SimulatedNetworkFault as fault:
                    if isinstance(fault.fault, TimeoutAfterDelivery):
                        self._withhold()
                    else:
                        self._drop(reset=isinstance(fault.fault, ResetAfterDelivery))
                    return
                except Exception as exc:  # a bug in the simulation: say so to the client
                    description = f"Internal Server Error: simulation failed: {exc!r}"
                    self._reply(500, {"ok": False, "error_code": 500, "description": description})
                    return
                self._reply(status, payload)

            def _drop(self, *, reset: bool = False) -> None:
                """No answer at all: the client sees the connection close mid-request
                (httpx.RemoteProtocolError) or, with `reset`, reset (httpx.ReadError)."""
                self.close_connection = True
                with contextlib.suppress(OSError):
                    if reset:  # linger 0: closing sends RST instead of FIN
                        linger = struct.pack("ii", 1, 0)
                        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                        self.connection.close()
                    else:
                        self.connection.shutdown(socket.SHUT_RDWR)

            def _withhold(self) -> None:
                """Keep the connection open without answering until the client gives up
                (its read timeout) or the server stops."""
                self.close_connection = True
                self.connection.settimeout(POLL_SECONDS)
                deadline = time.monotonic() + WITHHOLD_SECONDS
                while time.monotonic() < deadline:
                    try:
                        if not self.connection.recv(1):
                            return  # the client closed its end
                    except TimeoutError:
                        continue
                    except OSError:
                        return

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


def _stalled_listener(port: int) -> list[socket.socket]:
    """A listener on `port` whose backlog is full, so the kernel drops new connection
    attempts and clients time out connecting; returned with the connections filling it."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(0)
    fillers = []
    for _ in range(3):
        filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    time.sleep(0.05)  # let the kernel queue them before a client tries
    return [listener, *fillers]

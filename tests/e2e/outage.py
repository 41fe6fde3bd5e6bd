"""Taking the database away in tests: a TCP relay the tests can cut (what a client sees when
its PostgreSQL server stops), or an SQLite file locked by another program.

Cutting closes every open connection and stops listening (new connections are refused,
as by a stopped PostgreSQL); restoring listens again on the same port.
"""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import threading
from types import TracebackType

from sqlalchemy import make_url

from storage.db import is_sqlite, normalise_url


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.cuts = 0

    def __enter__(self) -> TcpProxy:
        self.restore()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.cut()

    def restore(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            sockets, self._open = self._open, set()
        if listener is not None:
            self.cuts += 1
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._listener is not listener:
                    client.close()
                    upstream.close()
                    return
                self._open |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


class Outage:
    """Takes the database away and brings it back, as the test's `database_url` needs."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite = is_sqlite(normalise_url(url))
        self._proxy: TcpProxy | None = None
        self._lock: sqlite3.Connection | None = None

    @property
    def bot_url(self) -> str:
        """Where the bot connects: the file itself, or the server through the relay."""
        if self._proxy is None:
            return self.url
        return (
            make_url(self.url)
            .set(host="127.0.0.1", port=self._proxy.port)
            .render_as_string(hide_password=False)
        )

    def __enter__(self) -> Outage:
        if not self.sqlite:
            parsed = make_url(self.url)
            self._proxy = TcpProxy(parsed.host or "127.0.0.1", parsed.port or 5432).__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.end()
        if self._proxy is not None:
            self._proxy.cut()

    def begin(self) -> None:
        if self._proxy is not None:
            self._proxy.cut()
            return
        path = normalise_url(self.url).database
        assert path
        self._lock = sqlite3.connect(path, isolation_level=None)
        self._lock.execute("BEGIN EXCLUSIVE")

    def end(self) -> None:
        if self._proxy is not None and self._proxy.cuts and not self._proxy_listening():
            self._proxy.restore()
        if self._lock is not None:
            self._lock.execute("ROLLBACK")
            self._lock.close()
            self._lock = None

    def _proxy_listening(self) -> bool:
        assert self._proxy is not None
        return self._proxy._listener is not None

"""The demo's page and its JSON API (tornado, like the bot's other HTTP servers).

GET  /                   the page (static/index.html, demo.js, demo.css, texts.json)
GET  /api/state          every column: messages, keyboards, answers, refused calls, the clock
POST /api/act            {"who", "do": "say"|"tap"|"contact"|"photo", …}: one person acts
POST /api/clock          {"hours": n} or {"to": "morning"}: the clock moves forward, and
                         what fell due meanwhile fires at once
POST /api/webapp         {"who", "url"}: where to open a Mini App button, with signed launch
GET  /file/<file_id>     what the bot uploaded (charts, spreadsheets)
     /webapp/…           the managers' Mini App itself (bot.webapp.server's routes)

POSTs take JSON only: a form on another site cannot send that without the browser asking
first, so the page's actions cannot be triggered from elsewhere.
"""

from __future__ import annotations

import json
import logging
import socket
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import tornado.web
from tornado.httpserver import HTTPServer

from bot.demo.world import People
from bot.webapp import server as webapp_server

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
    "connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'"
)


class _Page(tornado.web.StaticFileHandler):
    def set_extra_headers(self, path: str) -> None:
        self.set_header("Content-Security-Policy", CSP)
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Cache-Control", "no-cache")


class _Api(tornado.web.RequestHandler):
    def initialize(self, people: People) -> None:
        self.people = people

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")

    def _json(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(data, ensure_ascii=False))

    def _body(self) -> dict[str, Any]:
        kind = self.request.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
        if kind != "application/json":
            raise tornado.web.HTTPError(415)
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            raise tornado.web.HTTPError(400) from None
        if not isinstance(body, dict):
            raise tornado.web.HTTPError(400)
        return body


class State(_Api):
    def get(self) -> None:
        self._json(self.people.state())


class Act(_Api):
    async def post(self) -> None:
        body = self._body()
        try:
            handled = await self.people.act(str(body.get("who", "")), body)
        except ValueError as problem:
            self._json({"error": str(problem)}, status=400)
            return
        self._json({"handled": handled})


class Clock(_Api):
    async def post(self) -> None:
        body = self._body()
        hours = body.get("hours")
        if body.get("to") == "morning":
            hours = self.people.to_morning().total_seconds() / 3600
        if not isinstance(hours, int | float) or isinstance(hours, bool):
            self._json({"error": "hours?"}, status=400)
            return
        try:
            fired = await self.people.move_clock(timedelta(hours=hours))
        except ValueError as problem:
            self._json({"error": str(problem)}, status=400)
            return
        self._json({"fired": fired, "state": self.people.state()})


class Launch(_Api):
    def post(self) -> None:
        body = self._body()
        try:
            src = self.people.launch(str(body.get("who", "")), str(body.get("url", "")))
        except ValueError as problem:
            self._json({"error": str(problem)}, status=400)
            return
        self._json({"src": src})


class File(_Api):
    def get(self, file_id: str) -> None:
        found = self.people.api.upload(file_id)
        if found is None:
            # A file a person sent (their photos are the page's sample image).
            self.redirect("/static/sample.png")
            return
        data, mime_type, name = found
        self.set_header("Content-Type", mime_type or "application/octet-stream")
        if name and not (mime_type or "").startswith("image/"):
            self.set_header(
                "Content-Disposition", f"attachment; filename*=UTF-8''{quote(name, safe='')}"
            )
        self.finish(data)


def routes(people: People) -> list[Any]:
    shared = {"people": people}
    page = {"path": str(STATIC), "default_filename": "index.html"}
    return [
        (r"/api/state", State, shared),
        (r"/api/act", Act, shared),
        (r"/api/clock", Clock, shared),
        (r"/api/webapp", Launch, shared),
        (r"/file/([A-Za-z0-9_-]{1,80})", File, shared),
        *webapp_server.routes(people.application),
        (r"/static/(.*)", _Page, {"path": str(STATIC)}),
        (r"/()", _Page, page),
    ]


def serve_page(people: People, sockets: list[socket.socket]) -> HTTPServer:
    """Serve the page on sockets bound already (the port is known before the bot starts:
    the Mini App's address names it)."""
    server = HTTPServer(tornado.web.Application(routes(people)))
    server.add_sockets(sockets)
    return server

"""The Mini App over HTTP (tornado, like /healthz and /metrics): its page and its API.

Mounted on PTB's webhook server in webhook mode, and served on WEBAPP_LISTEN:WEBAPP_PORT
when that is set (polling mode's only way). Everything is under /webapp/; the page asks
relative paths, so a proxy may publish it at any address (WEBAPP_URL).

Every API call carries Telegram's signed launch data (`Authorization: tma <initData>`).
It is verified before anything is read: unsigned, forged, expired, another bot's, or not
an active staff member's -> 401. Who reads is the Telegram user the data names; their role
and remit come from the database. Handlers are thin: parse, verify, ask bot.webapp.board,
answer JSON (or the chart's PNG). GET only: the app changes nothing.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tornado.web
from telegram.ext import Application
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from bot.clock import utcnow
from bot.desk import Desk
from bot.domain.staff import StaffMember
from bot.webapp import board
from bot.webapp.initdata import InitDataRefused, verify
from bot.webhook import webhook_server_app
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
WEBAPP = "webapp"  # bot_data key: the Mini App's own server, when it has one
PREFIX = "/webapp"
STATIC = Path(__file__).resolve().parent / "static"
SCHEME = "tma"  # Authorization: tma <initData>
# The page loads nothing from elsewhere; the chart is shown from a blob the page fetched.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'"
)


def _safe_headers(handler: tornado.web.RequestHandler) -> None:
    handler.set_header("X-Content-Type-Options", "nosniff")
    handler.set_header("Referrer-Policy", "no-referrer")
    handler.set_header("Content-Security-Policy", CSP)


class PageFile(tornado.web.StaticFileHandler):
    """index.html, app.js, app.css: revalidated on each open, so an upgrade shows at once."""

    def set_extra_headers(self, path: str) -> None:
        _safe_headers(self)
        self.set_header("Cache-Control", "no-cache")


class Shell(tornado.web.RequestHandler):
    """The page's frame texts in both languages (title, loading, "open it from the chat"):
    no data, so no signature asked; everything else is the API's."""

    def initialize(self, bot_application: Application) -> None:
        self.desk: Desk = bot_application.bot_data["desk"]

    def get(self) -> None:
        _safe_headers(self)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-cache")
        self.finish(json.dumps(board.shell_texts(self.desk.views), ensure_ascii=False))


class _Api(tornado.web.RequestHandler):
    """A signed reader's question; subclasses answer it."""

    def initialize(self, bot_application: Application) -> None:
        self.desk: Desk = bot_application.bot_data["desk"]

    def set_default_headers(self) -> None:
        _safe_headers(self)
        self.set_header("Cache-Control", "no-store")

    def _launch_data(self) -> str:
        scheme, _, value = self.request.headers.get("Authorization", "").partition(" ")
        return value.strip() if scheme.lower() == SCHEME else ""

    async def get(self, *path: str) -> None:
        try:
            launch = verify(
                self._launch_data(),
                self.desk.settings.bot_token.get_secret_value(),
                now=utcnow(),
                max_age=self.desk.policy.webapp.auth_max_age,
            )
        except InitDataRefused as refused:
            self._refuse(str(refused))
            return
        async with UnitOfWork(self.desk.sessions) as uow:
            member = await board.reader(uow, launch.user_id)
            if member is None:
                self._refuse("not active staff")
                return
            try:
                await self.answer(uow, member, *path)
            except board.BadRequest as problem:
                self._json({"error": str(problem)}, status=400)
                return
            await uow.commit()  # only a view under a grant is written: the access log

    async def answer(self, uow: UnitOfWork, member: StaffMember, *path: str) -> None:
        raise NotImplementedError

    def _refuse(self, why: str) -> None:
        log.info("mini app: refused a request (%s)", why)
        self.set_header("WWW-Authenticate", SCHEME)
        self._json({"error": "unauthorized"}, status=401)

    def _json(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(data, ensure_ascii=False))

    def _args(self) -> dict[str, str]:
        return {name: self.get_query_argument(name) for name in self.request.query_arguments}


class Me(_Api):
    async def answer(self, uow: UnitOfWork, member: StaffMember, *path: str) -> None:
        self._json(board.me(self.desk.views, member, self.desk.estate))


class Board(_Api):
    async def answer(self, uow: UnitOfWork, member: StaffMember, *path: str) -> None:
        now, views = utcnow(), self.desk.views
        filters = board.filters_of(
            self._args(), board.today_of(now, views.tz), views.tz, views, member.language
        )
        self._json(await board.board(uow, views, member, filters, now))


class Listing(_Api):
    async def answer(self, uow: UnitOfWork, member: StaffMember, *path: str) -> None:
        now, views, args = utcnow(), self.desk.views, self._args()
        filters = board.filters_of(
            args, board.today_of(now, views.tz), views.tz, views, member.language
        )
        line = board.line_of(args, views, member.language)
        page = board.page_of(args)
        self._json(await board.listing(uow, views, member, line, filters, page, now))


class Item(_Api):
    async def answer(self, uow: UnitOfWork, member: StaffMember, *path: str) -> None:
        found = await board.item_card(uow, self.desk.views, member, int(path[0]), utcnow())
        if found is None:
            self._json({"error": "not found"}, status=404)
            return
        self._json(found)


class Chart(_Api):
    async def answer(self, uow: UnitOfWork, member: StaffMember, *path: str) -> None:
        views, args = self.desk.views, self._args()
        today = board.today_of(utcnow(), views.tz)
        filters = board.filters_of(args, today, views.tz, views, member.language)
        period = board.chart_period(board.period_of(args, today, views, member.language), today)
        data = await board.chart(uow, views, member, period, filters)
        self.set_header("Content-Type", "image/png")
        self.finish(data)


def routes(application: Application) -> list[tuple[str, type, dict[str, Any]]]:
    shared = {"bot_application": application}
    files = {"path": str(STATIC), "default_filename": "index.html"}
    return [
        (rf"{PREFIX}/api/me", Me, shared),
        (rf"{PREFIX}/api/board", Board, shared),
        (rf"{PREFIX}/api/list", Listing, shared),
        (rf"{PREFIX}/api/item/(\d{{1,12}})", Item, shared),
        (rf"{PREFIX}/api/chart\.png", Chart, shared),
        (rf"{PREFIX}/texts\.json", Shell, shared),
        (rf"{PREFIX}/()", PageFile, files),
        (rf"{PREFIX}/(app\.js|app\.css)", PageFile, files),
        (PREFIX, tornado.web.RedirectHandler, {"url": f"{PREFIX}/"}),
    ]


def mount_on_webhook(application: Application) -> bool:
    """Add the Mini App to PTB's webhook server, if it runs and WEBAPP_URL is set."""
    desk: Desk = application.bot_data["desk"]
    server = webhook_server_app(application)
    if server is None or not desk.settings.webapp_url:
        return False
    server.add_handlers(r".*", routes(application))
    return True


@dataclass(slots=True)
class WebAppServer:
    server: HTTPServer
    port: int


async def start_server(application: Application, port: int, host: str = "127.0.0.1") -> int:
    """Serve the Mini App on `port` (0: any free one); returns the port."""
    sockets = bind_sockets(port, address=host)
    server = HTTPServer(tornado.web.Application(routes(application)))
    server.add_sockets(sockets)
    bound = int(sockets[0].getsockname()[1])
    application.bot_data[WEBAPP] = WebAppServer(server, bound)
    log.info("the managers' Mini App on port %d", bound)
    return bound


async def stop_server(application: Application) -> None:
    running = application.bot_data.pop(WEBAPP, None)
    if isinstance(running, WebAppServer):
        running.server.stop()
        await running.server.close_all_connections()

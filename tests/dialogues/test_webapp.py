"""The managers' Mini App through real HTTP, served by the bot application on a loopback
port, with launch data signed in the test the way Telegram signs it: every request without
valid launch data (missing, forged, expired, another bot's, a deactivated staff member's, a
resident's) is refused before anything is read; staff get the /status board they see in the
chat, in the same remit; /status, the pushed reports and managers' menu open it."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from telegram.ext._utils.webhookhandler import WebhookAppClass, WebhookServer
from tornado.netutil import bind_sockets

from bot.clock import utcnow
from bot.config import Settings
from bot.webapp import menu
from bot.webapp.board import PAGE_TEXTS
from bot.webapp.initdata import signed
from bot.webapp.server import STATIC, WEBAPP, mount_on_webhook
from scheduler.sweep import push_reports
from tests.conftest import TEST_TOKEN, DeskHarness, make_settings
from tests.dialogues.helpers import ADMIN, file_complaint, register
from tests.sim import FakeBotAPI, Persona

URL = "https://desk.example.org/webapp/"
OTHER_BOT = "987654321:ANOTHER-bots-token-entirely-its-own"
ENDPOINTS = ("api/me", "api/board", "api/list?line=new", "api/item/1", "api/chart.png")


@pytest.fixture
def app_settings(migrated_url: str) -> Settings:
    return make_settings(migrated_url, admin_ids=[ADMIN], webapp_url=URL, webapp_port=0)


@pytest.fixture
async def app_desk(app_settings: Settings) -> AsyncIterator[DeskHarness]:
    async with DeskHarness(FakeBotAPI(), app_settings) as running:
        yield running


def launch(user_id: int, *, token: str = TEST_TOKEN, at: datetime | None = None) -> str:
    """Launch data as Telegram hands it to the Mini App of the bot with `token`."""
    issued = int((at or utcnow()).timestamp())
    user = json.dumps({"id": user_id, "first_name": "Someone", "language_code": "en"})
    return signed({"auth_date": str(issued), "query_id": "AAE", "user": user}, token)


async def get(
    desk: DeskHarness, path: str, init_data: str | None = None, **params: str
) -> httpx.Response:
    port = desk.application.bot_data[WEBAPP].port
    headers = {"Authorization": f"tma {init_data}".strip()} if init_data is not None else {}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}/webapp/") as client:
        return await client.get(path, headers=headers, params=params or None)


async def enroll(desk: DeskHarness, user_id: int, name: str, role: str, zone: str) -> Persona:
    admin = desk.sim.user(ADMIN, first_name="Admin", language_code="en")
    await admin.says("/invite")
    await admin.taps(role)
    await admin.taps("Customer service")
    await admin.taps(zone)
    token = re.search(r"start=(inv_[A-Za-z0-9_-]+)", admin.last_text)
    assert token, admin.last_text
    person = desk.sim.user(user_id, first_name=name, language_code="en")
    await person.says(f"/start {token.group(1)}")
    assert "Welcome aboard" in person.last_text
    return person


class CountingSessions:
    """The desk's session factory, counting the sessions opened through it."""

    def __init__(self, inner: Callable[[], Any]) -> None:
        self.inner = inner
        self.opened = 0

    def __call__(self) -> Any:
        self.opened += 1
        return self.inner()


async def test_every_request_without_valid_launch_data_is_refused(app_desk: DeskHarness) -> None:
    chief = await enroll(app_desk, 8701, "Wang", "Chief butler", "No zone")
    leaving = await enroll(app_desk, 8702, "Zhou", "Butler", "B")
    li = app_desk.sim.user(8711, language_code="en")
    await register(li)
    await file_complaint(li)
    assert (await get(app_desk, "api/board", launch(leaving.user_id))).status_code == 200
    admin = app_desk.sim.user(ADMIN, language_code="en")
    await admin.says("/staff")
    await admin.taps("Zhou")
    await admin.taps("Deactivate")
    assert "deactivated" in admin.last_text

    genuine = launch(chief.user_id)
    forged = re.sub(r"hash=\w+", "hash=" + "0" * 64, genuine)
    tampered = genuine.replace("8701", "8702")
    unsigned = re.sub(r"&hash=\w+", "", genuine)
    expired = launch(chief.user_id, at=utcnow() - timedelta(minutes=61))
    not_read = {
        "missing": None,
        "empty": "",
        "unsigned": unsigned,
        "forged": forged,
        "tampered": tampered,
        "expired": expired,
        "another bot's": launch(chief.user_id, token=OTHER_BOT),
    }
    counting = CountingSessions(app_desk.desk.sessions)
    app_desk.desk.sessions = counting  # type: ignore[assignment]
    for path in ENDPOINTS:
        counting.opened = 0
        for why, init_data in not_read.items():
            answer = await get(app_desk, path, init_data)
            assert answer.status_code == 401, (path, why)
            assert answer.json() == {"error": "unauthorized"}
        assert counting.opened == 0, path  # refused before anything was read
        for who in (leaving, li, app_desk.sim.user(8799)):  # deactivated, resident, stranger
            assert (await get(app_desk, path, launch(who.user_id))).status_code == 401, path
        # Telegram's scheme only: the same data under another scheme is not taken.
        port = app_desk.application.bot_data[WEBAPP].port
        async with httpx.AsyncClient() as client:
            bearer = await client.get(
                f"http://127.0.0.1:{port}/webapp/{path}",
                headers={"Authorization": f"Bearer {genuine}"},
            )
        assert bearer.status_code == 401
    for path in ENDPOINTS:
        assert (await get(app_desk, path, genuine)).status_code == 200, path
    # Read-only: nothing but GET.
    async with httpx.AsyncClient() as client:
        port = app_desk.application.bot_data[WEBAPP].port
        posted = await client.post(
            f"http://127.0.0.1:{port}/webapp/api/board",
            headers={"Authorization": f"tma {genuine}"},
            content=b"{}",
        )
    assert posted.status_code == 405


def _status_figures(text: str) -> dict[str, int]:
    """`label: <b>n</b>` lines of /status, by label."""
    return {label: int(count) for label, count in re.findall(r"^(.+?): <b>(\d+)</b>$", text, re.M)}


def _board_figures(board: dict[str, Any]) -> dict[str, int]:
    return {line["label"]: line["count"] for group in board["groups"] for line in group}


async def test_the_board_is_what_status_shows_the_same_reader(app_desk: DeskHarness) -> None:
    """The remit test of the chat commands (tests/dialogues/test_registry.py), mirrored."""
    butler_b = await enroll(app_desk, 8721, "Zhao", "Butler", "B")
    butler_a = await enroll(app_desk, 8722, "Qian", "Butler", "A")
    chief = await enroll(app_desk, 8723, "Sun", "Chief butler", "No zone")
    li = app_desk.sim.user(8731, language_code="en")
    await register(li)  # building 3: zone B
    for n in range(9):
        await file_complaint(li, f"The lobby lift is stuck, time {n}")

    boards = {}
    for person in (butler_b, butler_a, chief):
        await person.says("/status")
        answer = await get(app_desk, "api/board", launch(person.user_id))
        assert answer.status_code == 200
        assert answer.headers["Cache-Control"] == "no-store"
        boards[person.user_id] = answer.json()
        shown = _status_figures(person.last_text)
        assert len(shown) == 17
        assert _board_figures(boards[person.user_id]) == shown, person.user["first_name"]
    assert _board_figures(boards[butler_b.user_id])["🆕 New"] == 9
    assert _board_figures(boards[butler_a.user_id])["🆕 New"] == 0  # none of zone B's
    assert _board_figures(boards[chief.user_id])["🆕 New"] == 9

    listed = (await get(app_desk, "api/list", launch(chief.user_id), line="new")).json()
    assert (listed["total"], len(listed["items"]), listed["head"]) == (9, 9, "9 in all, page 1/1")
    assert listed["items"][0]["description"] == "The lobby lift is stuck, time 8"  # newest
    empty = (await get(app_desk, "api/list", launch(butler_a.user_id), line="new")).json()
    assert (empty["total"], empty["items"]) == (0, [])

    item = listed["items"][-1]
    path = f"api/item/{item['id']}"
    card = (await get(app_desk, path, launch(chief.user_id))).json()
    assert card["reference"] == item["reference"]
    assert card["card"].startswith(f"{item['reference']} · Complaint · Received")
    assert "<b>" not in card["card"]  # plain text: the page sets textContent
    await chief.says(f"/ticket {item['reference']}")
    shown_card, shown_timeline = (m.plain for m in chief.transcript[-2:])
    assert card["card"] == shown_card  # the same facts as /ticket's card …
    assert card["timeline"]
    assert all(entry in shown_timeline for entry in card["timeline"])  # … and timeline
    assert (await get(app_desk, path, launch(butler_b.user_id))).status_code == 200
    assert (await get(app_desk, path, launch(butler_a.user_id))).status_code == 404
    assert (await get(app_desk, "api/item/999999", launch(chief.user_id))).status_code == 404

    async def new(person: Persona, **filters: str) -> int:
        answer = await get(app_desk, "api/board", launch(person.user_id), **filters)
        assert answer.status_code == 200, answer.text
        return int(_board_figures(answer.json())["🆕 New"])

    assert await new(chief, zone="B") == 9
    assert await new(chief, zone="A") == 0
    assert await new(chief, building="3") == 9
    assert await new(chief, building="1") == 0
    assert await new(chief, department="engineering") == 9  # facilities: [routing]
    assert await new(chief, department="security") == 0
    assert await new(chief, kind="complaint") == 9
    assert await new(chief, kind="repair") == 0
    assert await new(chief, period="week") == 9
    assert await new(chief, **{"from": "2020-01-01", "to": "2020-01-31"}) == 0
    assert await new(butler_a, zone="B") == 0  # a filter never widens the remit
    bad = await get(app_desk, "api/board", launch(chief.user_id), department="finance")
    assert bad.status_code == 400
    assert bad.json() == {"error": "That filter is not understood; please choose again."}
    filtered = await get(app_desk, "api/list", launch(chief.user_id), line="new", zone="A")
    assert filtered.json()["total"] == 0

    chart = await get(app_desk, "api/chart.png", launch(chief.user_id), period="month")
    assert chart.status_code == 200
    assert chart.headers["Content-Type"] == "image/png"
    assert chart.content.startswith(b"\x89PNG\r\n\x1a\n")
    late = await get(app_desk, "api/chart.png", launch(chief.user_id), period="decade")
    assert late.status_code == 400

    me = (await get(app_desk, "api/me", launch(chief.user_id))).json()
    assert me["who"] == "Sun · Chief butler"
    assert set(me["texts"]) == set(PAGE_TEXTS)
    assert {o["value"] for o in me["options"]["zone"]} == {"A", "B"}
    assert "repair" in {o["value"] for o in me["options"]["kind"]}


async def test_status_reports_and_the_menu_open_the_app(app_desk: DeskHarness) -> None:
    senior = await enroll(app_desk, 8741, "Li", "Senior butler", "No zone")
    chief = await enroll(app_desk, 8742, "Zhou", "Chief butler", "No zone")
    butler = await enroll(app_desk, 8743, "Wu", "Butler", "B")
    api = app_desk.api
    for manager in (senior, chief):
        assert api.menu_buttons[manager.user_id] == {
            "type": "web_app",
            "text": "Board",
            "web_app": {"url": URL},
        }
    assert api.menu_buttons[butler.user_id] == {"type": "default"}

    await butler.says("/status")
    opens = [b for b in butler.transcript[-1].inline_buttons() if "web_app" in b]
    assert opens == [{"text": "📊 Open the board", "web_app": {"url": URL}}]

    await push_reports(app_desk.desk)
    await app_desk.deliver()
    weekly = next(m for m in chief.transcript if "Weekly report" in m.body)
    (button,) = [b for b in weekly.inline_buttons() if "web_app" in b]
    assert re.fullmatch(
        re.escape(URL) + r"\?view=chart&from=\d{4}-\d\d-\d\d&to=\d{4}-\d\d-\d\d",
        button["web_app"]["url"],
    )

    admin = app_desk.sim.user(ADMIN, language_code="en")
    await admin.says("/staff")
    await admin.taps("Li")
    await admin.taps("Deactivate")
    assert api.menu_buttons[senior.user_id] == {"type": "default"}  # the button goes too

    api.menu_buttons.clear()  # a start gives every active manager theirs again
    assert await menu.publish(app_desk.application) == 1
    assert set(api.menu_buttons) == {chief.user_id}


async def test_without_the_url_nothing_changes(desk: DeskHarness) -> None:
    chief = await enroll(desk, 8751, "Zheng", "Chief butler", "No zone")
    await chief.says("/status")
    assert all("web_app" not in b for b in chief.transcript[-1].inline_buttons())
    assert desk.api.menu_buttons == {}
    assert WEBAPP not in desk.application.bot_data


async def test_the_page_ships_with_the_bot_and_loads_nothing_else(app_desk: DeskHarness) -> None:
    port = app_desk.application.bot_data[WEBAPP].port
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        page = await client.get("/webapp/")
        assert page.status_code == 200
        assert "default-src 'none'" in page.headers["Content-Security-Policy"]
        assert '<script src="app.js"></script>' in page.text
        assert (await client.get("/webapp/app.js")).status_code == 200
        assert (await client.get("/webapp/app.css")).status_code == 200
        assert (await client.get("/webapp/board.py")).status_code == 404
        moved = await client.get("/webapp?view=chart")
        assert (moved.status_code, moved.headers["Location"]) == (301, "/webapp/?view=chart")
        shell = (await client.get("/webapp/texts.json")).json()
    assert shell["zh_Hans"]["webapp.refused"].startswith("此看板仅供")
    assert shell["en"]["webapp.title"] == "📊 Service desk board"
    for name in ("index.html", "app.js", "app.css"):
        source = (STATIC / name).read_text(encoding="utf-8")
        assert not re.search(r"(?i)(src|href)=\"(https?:)?//|@import|url\(\s*['\"]?http", source)
        assert "innerHTML" not in source
        assert "insertAdjacentHTML" not in source
    script = (STATIC / "app.js").read_text(encoding="utf-8")
    used = set(re.findall(r"\bt\(\"([a-z_]+\.[a-z_]+)\"\)", script))
    used |= set(
        re.findall(r"data-text=\"([a-z_]+\.[a-z_]+)\"", (STATIC / "index.html").read_text())
    )
    used |= {f"webapp.period_{p}" for p in ("any", "week", "month", "range")}
    assert used <= set(PAGE_TEXTS), used - set(PAGE_TEXTS)
    assert "tgWebAppData" in script  # Telegram's launch parameter, read from the fragment


async def test_the_webhook_server_serves_the_app(app_desk: DeskHarness) -> None:
    chief = await enroll(app_desk, 8761, "Feng", "Chief butler", "No zone")
    webapp = WebhookAppClass("/hook", app_desk.application.bot, asyncio.Queue(), "s" * 16)
    sockets = bind_sockets(0, address="127.0.0.1")
    port = int(sockets[0].getsockname()[1])
    for sock in sockets:
        sock.close()
    server = WebhookServer("127.0.0.1", port, webapp, None, None)
    ready = asyncio.Event()
    serving = asyncio.create_task(server.serve_forever(ready=ready))
    await ready.wait()
    app_desk.application.updater = SimpleNamespace(_httpd=server)  # type: ignore[assignment]
    try:
        assert mount_on_webhook(app_desk.application)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            assert (await client.get("/webapp/api/board")).status_code == 401
            signed_in = {"Authorization": f"tma {launch(chief.user_id)}"}
            assert (await client.get("/webapp/api/board", headers=signed_in)).status_code == 200
            assert (await client.get("/webapp/")).status_code == 200
            assert (await client.get("/hook")).status_code == 405  # Telegram's path stays
    finally:
        app_desk.application.updater = None
        await server.shutdown()
        await serving

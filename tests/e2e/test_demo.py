"""`python -m bot demo` without a browser: its page's JSON API, driven as the page does.

The demo runs in-process on free ports (the stand-in, the real bot polling it over
loopback HTTP, the page server); the test plays the resident filing a complaint and the
zone butler accepting and resolving it by pressing what the page shows, then reads the
registry row. The Mini App's launch data, the clock buttons and the red refused calls are
checked the same way. tests/e2e/test_demo_browser.py does the same clicks in Chromium.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import text

from bot.demo.cli import RunningDemo, running_demo
from bot.demo.world import DATABASE_FILE
from bot.webapp.initdata import signed

REFERENCE = re.compile(r"\bTS-\d{8}-\d{4}\b")
COMPLAINT = (
    "📝 Complaint",
    "Facilities (lifts, lights, water, power, A/C)",
    "say:The corridor light on floor 12 is broken",
    "say:Corridor of floor 12, building 3",
    "Confirm",
)


@pytest.fixture
async def demo(tmp_path: Path, migrated_sqlite_template: Path) -> AsyncIterator[RunningDemo]:
    """The demo on free ports, from a database already migrated (as on a second start)."""
    data = tmp_path / "demo"
    data.mkdir()
    shutil.copy(migrated_sqlite_template, data / DATABASE_FILE)
    async with running_demo(data, port=0) as running:
        await asyncio.wait_for(running.setup, 60)
        assert running.people.setup == "ready"
        yield running


@pytest.fixture
async def page(demo: RunningDemo) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=demo.url, timeout=20) as client:
        yield client


async def column(page: httpx.AsyncClient, who: str) -> dict[str, Any]:
    state = (await page.get("/api/state")).json()
    return next(p for p in state["people"] if p["key"] == who)


async def press(page: httpx.AsyncClient, who: str, label: str, on: str = "") -> None:
    """What a click on the page sends: an inline button's data with its message, a reply
    keyboard button's text; "say:…" types into the text box."""
    if label.startswith("say:"):
        body: dict[str, Any] = {"who": who, "do": "say", "text": label.removeprefix("say:")}
    else:
        body = await _button(page, who, label, on)
    answer = await page.post("/api/act", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"handled": True}


async def _button(page: httpx.AsyncClient, who: str, label: str, on: str) -> dict[str, Any]:
    """The newest shown button with this label (exactly, else containing it), as a person
    looks for it: on the messages first, then on the reply keyboard."""
    shown = await column(page, who)
    for exact in (True, False):
        for message in reversed(shown["messages"]):
            if on not in message["text"] or message.get("deleted"):
                continue
            for button in (b for row in message["buttons"] for b in row):
                if _matches(button["text"], label, exact) and "data" in button:
                    return {
                        "who": who,
                        "do": "tap",
                        "message_id": message["id"],
                        "data": button["data"],
                    }
        for button in (b for row in shown["keyboard"] for b in row):
            if _matches(button["text"], label, exact):
                return {"who": who, "do": "say", "text": button["text"]}
    last = shown["messages"][-1] if shown["messages"] else {}
    raise AssertionError(f"{who} sees no button {label!r} ({last.get('text')!r}, {last})")


def _matches(text: str, label: str, exact: bool) -> bool:
    return text == label if exact else label in text


async def shown_to(page: httpx.AsyncClient, who: str, words: str, within: float = 10) -> str:
    """The newest message to `who` holding `words`, once it came (others are told by the
    outbox, a moment after the action that told them)."""
    for _ in range(int(within / 0.1)):
        for message in reversed((await column(page, who))["messages"]):
            if message["from"] == "bot" and words in message["text"]:
                return str(message["text"])
        await asyncio.sleep(0.1)
    seen = [m["text"][:80] for m in (await column(page, who))["messages"]]
    raise AssertionError(f"{who} was never told {words!r}; shown: {seen}")


async def morning(page: httpx.AsyncClient) -> None:
    """The page's "next 10:00" button: the day shift, when the zone butler is told (at
    night the night duty is told first, whenever the test runs)."""
    moved = await page.post("/api/clock", json={"to": "morning"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["state"]["now"].endswith(" 10:00")


async def file_and_resolve(page: httpx.AsyncClient) -> str:
    """The resident files a complaint, the zone butler accepts and resolves it."""
    await morning(page)
    for step in COMPLAINT:
        await press(page, "resident", step)
    found = REFERENCE.search(await shown_to(page, "resident", "TS-"))
    assert found is not None
    reference = found.group(0)
    await shown_to(page, "butler", reference)
    await press(page, "butler", "✅ Accept", on=reference)
    await shown_to(page, "resident", "accepted")
    await press(page, "butler", "✔️ Resolve", on=reference)
    await press(page, "butler", "say:Replaced the lamp")
    await shown_to(page, "resident", "Replaced the lamp")
    return reference


async def test_a_complaint_filed_and_resolved_through_the_page(
    demo: RunningDemo, page: httpx.AsyncClient
) -> None:
    home = await page.get("/")
    assert home.status_code == 200
    assert "demo.js" in home.text
    assert (await page.get("/static/texts.json")).json().keys() == {"en", "zh_Hans"}

    reference = await file_and_resolve(page)

    async with demo.people.desk.engine.connect() as conn:
        row = (
            await conn.execute(
                text("select status, description from tickets where reference = :ref"),
                {"ref": reference},
            )
        ).one()
    assert row.status == "resolved"
    assert "corridor light" in row.description
    # The staff were enrolled through real invite links; the bot made no request Telegram
    # would refuse, so the page shows nothing in red.
    assert demo.people.api.refusals == []
    state = (await page.get("/api/state")).json()
    assert state["refused"] == []
    assert all(person["refused"] == [] for person in state["people"])


async def test_the_mini_app_opens_with_signed_launch_data_only(
    demo: RunningDemo, page: httpx.AsyncClient
) -> None:
    await press(page, "chief", "say:/status")
    status = await shown_to(page, "chief", "Status")
    # The chief butler's menu button opens the Mini App; the page asks where, signed.
    chief = await column(page, "chief")
    assert chief["menu_app"] is not None
    opened = await page.post("/api/webapp", json={"who": "chief", "url": chief["menu_app"]["url"]})
    src = opened.json()["src"]
    assert src.startswith("/webapp/")
    launch = launch_data(src)
    board = await page.get("/webapp/api/board", headers={"Authorization": f"tma {launch}"})
    assert board.status_code == 200, board.text
    assert status  # the figures themselves are compared in the browser test

    forged = signed({"auth_date": "1", "user": json.dumps({"id": 2003})}, "1:forged")
    refused = await page.get("/webapp/api/board", headers={"Authorization": f"tma {forged}"})
    assert refused.status_code == 401
    # A resident is no manager: launch data signed for them opens nothing either.
    theirs = await page.post("/api/webapp", json={"who": "resident", "url": "/webapp/"})
    resident_launch = launch_data(theirs.json()["src"])
    board = await page.get(
        "/webapp/api/board", headers={"Authorization": f"tma {resident_launch}"}
    )
    assert board.status_code == 401
    elsewhere = await page.post("/api/webapp", json={"who": "chief", "url": "https://x.example/"})
    assert elsewhere.status_code == 400


def launch_data(src: str) -> str:
    """The signed launch data the page hands the Mini App (Telegram's URL fragment)."""
    return parse_qs(urlsplit(src).fragment)["tgWebAppData"][0]


async def test_the_clock_buttons_move_now_and_fire_what_fell_due(
    demo: RunningDemo, page: httpx.AsyncClient
) -> None:
    await morning(page)
    for step in COMPLAINT:
        await press(page, "resident", step)
    reference = REFERENCE.search(await shown_to(page, "resident", "TS-"))
    assert reference is not None
    before = len((await column(page, "butler"))["messages"])
    ahead = (await page.get("/api/state")).json()["ahead_hours"]
    moved = await page.post("/api/clock", json={"hours": 24})
    assert moved.status_code == 200
    assert moved.json()["fired"] > 0  # unanswered a day: reminders and escalation fired
    assert moved.json()["state"]["ahead_hours"] == pytest.approx(ahead + 24, abs=0.02)
    assert len((await column(page, "butler"))["messages"]) > before
    for wrong in (0, -1, "1", 24 * 40):
        assert (await page.post("/api/clock", json={"hours": wrong})).status_code == 400


async def test_refused_requests_show_in_red_in_their_chat(
    demo: RunningDemo, page: httpx.AsyncClient
) -> None:
    api = demo.people.api
    resident = (await column(page, "resident"))["user_id"]
    # What a bug would do: Telegram refuses an empty text; the page shows it in that chat.
    status, _ = api.handle("sendMessage", {"chat_id": resident, "text": " "})
    assert status == 400
    refused = (await column(page, "resident"))["refused"]
    assert [(r["method"], r["status"]) for r in refused] == [("sendMessage", 400)]
    assert "message text is empty" in refused[0]["description"]
    # Forms from elsewhere cannot act: JSON only.
    form = await page.post("/api/act", data={"who": "resident", "do": "say", "text": "hi"})
    assert form.status_code == 415
    nobody = await page.post("/api/act", json={"who": "nobody", "do": "say", "text": "hi"})
    assert nobody.status_code == 400

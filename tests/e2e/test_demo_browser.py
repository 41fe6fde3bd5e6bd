"""The demo page in a real browser: headless Chromium (the system's `chromium`, driven by
Playwright, no browser download) plays the resident filing a repair-type complaint and the
zone butler accepting and resolving it by clicking, then opens the Mini App from the chief
butler's /status: the board's figures equal the message's. Forged launch data gets 401.
One demo and one browser for all of it: starting them is most of the time.

Screenshots go to the test's tmp dir (the path is printed) and to `test-artifacts/` at the
top of the checkout (git-ignored), so a person can look at them. Without a browser the
test is skipped and says how to get one.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from bot.demo.cli import RunningDemo, running_demo
from bot.demo.world import DATABASE_FILE
from bot.webapp.initdata import signed

try:
    from playwright.async_api import Locator, Page, async_playwright
except ImportError:  # pragma: no cover - the dev extra brings it
    async_playwright = None  # type: ignore[assignment]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
REFERENCE = re.compile(r"\bTS-\d{8}-\d{4}\b")
STATUS_LINE = re.compile(r"^(.+): (\d+)$", re.MULTILINE)
STEPS = (
    "📝 Complaint",
    "Facilities (lifts, lights, water, power, A/C)",
    "say:The corridor light on floor 12 is broken",
    "say:Corridor of floor 12, building 3",
    "Confirm",
)

pytestmark = pytest.mark.skipif(
    async_playwright is None or not Path(CHROMIUM).exists(),
    reason=(
        "no browser: install Chromium (Debian: `apt-get install chromium`) and Playwright "
        '(`python3 -m pip install -e ".[dev]"`) to run the demo in a browser'
    ),
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
async def browser_page(demo: RunningDemo) -> AsyncIterator[Page]:
    assert async_playwright is not None
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        try:
            page = await browser.new_page(viewport={"width": 1750, "height": 1000})
            await page.goto(demo.url)
            await page.wait_for_selector("body[data-setup=ready]", timeout=30_000)
            yield page
        finally:
            await browser.close()


def save(path: Path, name: str, data: bytes) -> None:
    """The screenshot in the test's tmp dir and in test-artifacts/, both printed."""
    ARTIFACTS.mkdir(exist_ok=True)
    for folder in (path, ARTIFACTS):
        (folder / name).write_bytes(data)
        print(f"screenshot: {folder / name}")


async def idle(page: Page) -> None:
    """An action's POST answered and the page redrawn."""
    await page.locator("body:not(.busy)").wait_for()


async def click(page: Page, who: str, step: str, on: str = "") -> None:
    column = page.locator(f"section.column[data-key={who}]")
    if step.startswith("say:"):
        await column.locator("input.say").fill(step.removeprefix("say:"))
        await column.locator("input.say").press("Enter")
    else:
        await button(column, step, on).click()
    await idle(page)


def button(column: Locator, label: str, on: str) -> Locator:
    """The newest button with this label: exactly, else containing it."""
    where = column.locator(".message", has_text=on) if on else column
    exact = where.locator("button.inline, button.reply").filter(
        has_text=re.compile(f"^{re.escape(label)}$")
    )
    loose = where.locator("button.inline, button.reply").filter(has_text=label)
    return exact.or_(loose).last


async def shown(page: Page, who: str, words: str) -> str:
    message = page.locator(f"section.column[data-key={who}] .message.bot", has_text=words).last
    await message.wait_for(timeout=15_000)
    return await message.inner_text()


async def test_resident_butler_and_the_mini_app_in_a_browser(
    demo: RunningDemo, browser_page: Page, tmp_path: Path
) -> None:
    page = browser_page
    await page.click("#morning")  # the day shift: the zone butler is told at once
    await page.locator("#now").filter(has_text=re.compile(r"10:00$")).wait_for()

    for step in STEPS:
        await click(page, "resident", step)
    found = REFERENCE.search(await shown(page, "resident", "TS-"))
    assert found is not None
    reference = found.group(0)
    await shown(page, "butler", reference)
    await click(page, "butler", "✅ Accept", on=reference)
    await click(page, "butler", "✔️ Resolve", on=reference)
    await click(page, "butler", "say:Replaced the lamp")
    await shown(page, "resident", "Replaced the lamp")
    status = await demo.people.desk.engine.connect()
    try:
        row = await status.exec_driver_sql(
            "select status from tickets where reference = ?", (reference,)
        )
        assert row.scalar() == "resolved"
    finally:
        await status.close()
    assert await page.locator(".refused").count() == 0
    save(tmp_path, "demo.png", await page.screenshot(full_page=True))

    # The chief butler's /status, then the same board in the Mini App from its button.
    await click(page, "chief", "say:/status")
    text = await shown(page, "chief", "Status")
    said = {label.strip(): int(count) for label, count in STATUS_LINE.findall(text)}
    chief = page.locator("section.column[data-key=chief]")
    await chief.locator(".message", has_text="Status").last.locator("button.web-app").click()
    frame = page.frame_locator("#app")
    await frame.locator("button.line .count").first.wait_for(timeout=15_000)
    board: dict[str, int] = {}
    for line in await frame.locator("button.line").all():
        label = await line.locator(".label").inner_text()
        board[label.strip()] = int(await line.locator(".count").inner_text())
    assert board, "the board shows no lines"
    assert {label: said.get(label) for label in board} == board
    assert sum(board.values()) > 0  # the resolved complaint counts somewhere
    save(tmp_path, "mini-app.png", await page.screenshot(full_page=True))

    # The Mini App opened with launch data signed by anyone but this bot's token: 401.
    forged = signed({"auth_date": "1", "user": json.dumps({"id": 2003})}, "1:not-this-bot")
    answers: list[Any] = []
    browser = page.context.browser
    assert browser is not None
    app = await (await browser.new_context()).new_page()
    app.on("response", lambda r: answers.append(r) if "/webapp/api/" in r.url else None)
    await app.goto(f"{demo.url}webapp/#tgWebAppData={quote(forged, safe='')}")
    await app.locator("#message").filter(has_text=re.compile(".")).wait_for()
    assert answers
    assert {answer.status for answer in answers} == {401}
    save(tmp_path, "mini-app-forged.png", await app.screenshot(full_page=True))

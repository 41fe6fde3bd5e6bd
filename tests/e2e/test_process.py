"""The real process: `python -m bot` against the fake Bot API over loopback HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import DEFAULTS_DIR
from tests.sim import FakeBotAPI, LoopbackBotAPIServer, Persona, TelegramSim

TOKEN = "123456789:E2E-token-for-the-offline-simulation"
PASS_THROUGH = ("PATH", "HOME", "LANG", "PYTHONPATH", "SYSTEMROOT", "VIRTUAL_ENV")


def clean_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in PASS_THROUGH}
    env.update(values)
    return env


class BotProcess:
    def __init__(self, cwd: Path, env: dict[str, str], module: str = "bot") -> None:
        self.log = (cwd / "bot.log").open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", module], cwd=cwd, env=env, stdout=self.log, stderr=self.log
        )

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=30)
        finally:
            self.log.close()


@pytest.fixture
def api() -> FakeBotAPI:
    fake = FakeBotAPI()
    fake.fast_poll = True
    return fake


def wait_for(api: FakeBotAPI, person: Persona, text: str) -> None:
    """Wait (bounded) for the other process to answer; the clock is not being tested here."""
    if not api.wait_until(lambda: text in person.last_text, timeout=30):
        raise AssertionError(f"bot never said {text!r}; last: {person.last_text!r}")


def quick_policy(tmp_path: Path) -> Path:
    """The default policy, but a test person taps faster than the flood limit allows a
    resident (the limit has its own test)."""
    text = (DEFAULTS_DIR / "policy.toml").read_text(encoding="utf-8")
    limit = "updates = 20\nseconds = 10"
    assert limit in text
    path = tmp_path / "policy.toml"
    path.write_text(text.replace(limit, "updates = 10000\nseconds = 1"), encoding="utf-8")
    return path


def start_bot(
    tmp_path: Path,
    server: LoopbackBotAPIServer,
    api: FakeBotAPI,
    ready_call: str = "getUpdates",
    **extra: str,
) -> BotProcess:
    calls = api.count(ready_call)
    extra.setdefault("POLICY_FILE", str(quick_policy(tmp_path)))
    bot = BotProcess(
        tmp_path,
        clean_env(
            BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=server.base_url, LOG_LEVEL="INFO", **extra
        ),
    )
    started = api.wait_until(
        lambda: api.count(ready_call) > calls or bot.proc.poll() is not None, timeout=60
    )
    if not started or bot.proc.poll() is not None:
        bot.stop(signal.SIGKILL)
        raise AssertionError((tmp_path / "bot.log").read_text())
    return bot


async def test_complaint_filed_through_the_real_process(tmp_path: Path, api: FakeBotAPI) -> None:
    with LoopbackBotAPIServer(api) as server:
        bot = start_bot(tmp_path, server, api)
        li = TelegramSim(api, None).user(5001, language_code="en")
        try:
            await li.says("/start")
            wait_for(api, li, "contact phone")
            await li.shares_contact("+8613800138000", name="Li Lei")
            wait_for(api, li, "Which building")
            await li.says("3-1202")
            wait_for(api, li, "Please check your details")
            await li.taps("Confirm")
            wait_for(api, li, "you are registered")
            await li.taps("📝 Complaint")
            wait_for(api, li, "What is it about?")
            await li.taps("Security")
            wait_for(api, li, "describe what happened")
            # kill -9 mid-dialogue: the next process resumes at the same step.
            assert bot.stop(signal.SIGKILL) != 0
            bot = start_bot(tmp_path, server, api)
            await li.says("Stranger tailgating through the north gate")
            wait_for(api, li, "Where is it?")
            await li.sends_photo()
            wait_for(api, li, "Photo 1/5 added")
            await li.says("North gate")
            wait_for(api, li, "Please check your complaint")
            await li.taps("Confirm")
            wait_for(api, li, "registered as <b>TS-")
        finally:
            code = bot.stop()
    assert code == 0, (tmp_path / "bot.log").read_text()
    with sqlite3.connect(tmp_path / "data" / "estate-desk.db") as db:
        row = db.execute(
            "select t.category, t.description, t.location_text, r.name "
            "from tickets t join residents r on r.id = t.resident_id"
        ).fetchone()
        photos = db.execute("select count(*) from ticket_attachments").fetchone()[0]
    assert row == (
        "security",
        "Stranger tailgating through the north gate",
        "North gate",
        "Li Lei",
    )
    assert photos == 1
    assert api.commands["en"][0]["command"] == "start"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def post_update(port: int, update: dict[str, object], secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/tg-hook", json.dumps(update).encode(), headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except urllib.error.URLError:
        return 0  # not listening yet


def test_webhook_mode_requires_the_secret_token(tmp_path: Path, api: FakeBotAPI) -> None:
    port, secret = free_port(), "s3cret-token-of-the-webhook"
    with LoopbackBotAPIServer(api) as server:
        bot = start_bot(
            tmp_path,
            server,
            api,
            ready_call="setWebhook",
            MODE="webhook",
            WEBHOOK_URL="https://desk.example.org/tg-hook",
            WEBHOOK_SECRET=secret,
            WEBHOOK_PORT=str(port),
        )
        try:
            hook = api.webhook or {}
            assert hook["url"] == "https://desk.example.org/tg-hook"
            assert hook["secret_token"] == secret
            api.known_chat(5002)
            update = {
                "update_id": api.next_update_id(),
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "chat": {"id": 5002, "type": "private"},
                    "from": {
                        "id": 5002,
                        "is_bot": False,
                        "first_name": "R",
                        "language_code": "en",
                    },
                    "text": "/start",
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                },
            }
            deadline = time.monotonic() + 30
            while post_update(port, update, secret) != 200:  # the listener may still be binding
                assert time.monotonic() < deadline, (tmp_path / "bot.log").read_text()
                time.sleep(0.2)
            assert api.wait_until(lambda: len(api.messages(5002)) == 2, timeout=30)
            assert "contact phone" in api.messages(5002)[-1].body
            assert post_update(port, update, None) == 403
            assert post_update(port, update, "wrong-secret-wrong-secret") == 403
        finally:
            assert bot.stop() == 0


def run_cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "code", "message"),
    [
        ({}, 2, "configuration error: BOT_TOKEN is not set"),
        ({"BOT_TOKEN": "nonsense"}, 2, "BOT_TOKEN does not look like a token"),
        ({"BOT_TOKEN": TOKEN, "TIMEZONE": "Nowhere/Land"}, 2, "unknown time zone"),
        ({"BOT_TOKEN": TOKEN, "POLICY_FILE": "missing.toml"}, 2, "policy file missing.toml"),
        (
            {"BOT_TOKEN": TOKEN, "DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none"},
            3,
            "cannot use the database postgresql://nobody@127.0.0.1:9/none: ",
        ),
        (
            {"BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot"},
            4,
            "cannot reach the Telegram Bot API",
        ),
        (
            {"BOT_TOKEN": TOKEN, "DATABASE_URL": "sqlite:////proc/no/such/dir/x.db"},
            3,
            "cannot use the database",
        ),
    ],
)
def test_bad_configuration_ends_with_one_line(
    tmp_path: Path, env: dict[str, str], code: int, message: str
) -> None:
    result = run_cli(tmp_path, **env)
    assert result.returncode == code
    lines = result.stderr.strip().splitlines()
    assert message in lines[-1], result.stderr  # ends with one line for the operator
    assert all(" INFO " in line for line in lines[:-1]), result.stderr  # only progress logs
    assert "Traceback" not in result.stderr


def test_migrate_and_load_estate_commands(tmp_path: Path) -> None:
    estate = tmp_path / "estate.toml"
    estate.write_text(
        '[estate]\ncode="oak"\nname="Oak Court"\n[[buildings]]\ncode="A"\nunits=["101","102"]\n'
    )
    assert run_cli(tmp_path, "migrate", BOT_TOKEN=TOKEN).returncode == 0
    result = run_cli(tmp_path, "load-estate", str(estate), BOT_TOKEN=TOKEN)
    assert result.returncode == 0, result.stderr
    assert "2 units" in result.stdout
    with sqlite3.connect(tmp_path / "data" / "estate-desk.db") as db:
        assert db.execute("select name from estates").fetchall() == [("Oak Court",)]
        db.execute(
            "insert into outbox (chat_id, text, purpose, status, attempts, not_before, "
            "created_at, last_error) values (1, 'x', 'ticket_ack', 'unknown', 1, "
            "'2026-11-24 00:00:00', '2026-11-24 00:00:00', 'Timed out')"
        )
    report = run_cli(tmp_path, "outbox", BOT_TOKEN=TOKEN)
    assert report.returncode == 0, report.stderr
    assert "unknown              1" in report.stdout
    assert "#1 unknown chat=1 ticket=None ticket_ack: Timed out" in report.stdout


async def tap(api: FakeBotAPI, person: Persona, label: str) -> None:
    """Tap once the other process has shown the button (it answers in its own time)."""
    if not api.wait_until(lambda: any(label in b for b in person.buttons()), timeout=30):
        raise AssertionError(f"no button {label!r}; buttons are {person.buttons()}")
    await person.taps(label)


async def test_repair_order_and_managers_view_on_the_real_process(
    tmp_path: Path, api: FakeBotAPI
) -> None:
    """A Chinese resident files a repair and orders flowers, an English chief butler asks
    for the status, the report and the spreadsheet: Telegram refuses none of the calls."""
    with LoopbackBotAPIServer(api) as server:
        bot = start_bot(tmp_path, server, api, ADMIN_IDS="6000")
        sim = TelegramSim(api, None)
        mei = sim.user(6001, language_code="zh-hans")
        admin = sim.user(6000, first_name="Admin", language_code="en")
        try:
            await admin.says("/invite")
            wait_for(api, admin, "role")
            await tap(api, admin, "Chief butler")
            await tap(api, admin, "Customer service")
            await tap(api, admin, "No zone")
            wait_for(api, admin, "start=inv_")
            token = admin.last_text.split("start=")[1].split()[0].strip('"<>')
            chief = sim.user(6002, first_name="Zhou", language_code="en")
            await chief.says(f"/start {token}")
            wait_for(api, chief, "Welcome aboard")

            await mei.says("/start")
            wait_for(api, mei, "联系电话")
            await mei.shares_contact("+8613800138000", name="韩梅梅")
            wait_for(api, mei, "楼栋")
            await mei.says("3-1202")
            wait_for(api, mei, "请核对您的资料")
            await tap(api, mei, "确认")
            wait_for(api, mei, "登记完成")
            await tap(api, mei, "🔧 报修")
            wait_for(api, mei, "需要维修什么")
            await tap(api, mei, "🚰 水管")
            wait_for(api, mei, "描述")
            await mei.says("厨房水龙头漏水")
            wait_for(api, mei, "方便维修师傅上门")
            await mei.says("工作日晚上七点后")
            wait_for(api, mei, "请核对您的报修信息")
            await tap(api, mei, "确认")
            wait_for(api, mei, "BX-")

            await tap(api, mei, "🎂 委托代办")
            wait_for(api, mei, "代办什么")
            await tap(api, mei, "鲜花")
            wait_for(api, mei, "花束")
            await tap(api, mei, "🌹 玫瑰")
            wait_for(api, mei, "贺卡留言")
            await tap(api, mei, "跳过")
            wait_for(api, mei, "送达")
            day = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)).date()
            await mei.says(f"{day.month}月{day.day}日 18点")
            wait_for(api, mei, "送到哪里")
            await mei.says("3栋1202")
            wait_for(api, mei, "签收")
            await tap(api, mei, "韩梅梅")
            wait_for(api, mei, "电话")
            await tap(api, mei, "+8613800138000")
            wait_for(api, mei, "请核对以下内容")
            await tap(api, mei, "✍️ 签字 · 支付宝")
            wait_for(api, mei, "WT-")

            await chief.says("/status")
            wait_for(api, chief, "Status")
            await chief.says("/report week")
            assert api.wait_until(lambda: api.count("sendPhoto") >= 1, timeout=30)
            await chief.says("/export week")
            assert api.wait_until(lambda: api.count("sendDocument") >= 1, timeout=30)
        finally:
            code = bot.stop()
    assert code == 0, (tmp_path / "bot.log").read_text()
    assert not api.refusals, api.refusals
    with sqlite3.connect(tmp_path / "data" / "estate-desk.db") as db:
        kinds = [k for (k,) in db.execute("select kind from tickets order by id")]
    assert kinds == ["repair", "concierge"]

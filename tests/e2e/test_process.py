"""The real process: `python -m bot` against the fake Bot API over loopback HTTP."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sim import FakeBotAPI, LoopbackBotAPIServer, Persona, TelegramSim

TOKEN = "123456789:E2E-token-for-the-offline-simulation"
PASS_THROUGH = ("PATH", "HOME", "LANG", "PYTHONPATH", "SYSTEMROOT", "VIRTUAL_ENV")


def clean_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in PASS_THROUGH}
    env.update(values)
    return env


class BotProcess:
    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.log = (cwd / "bot.log").open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot"], cwd=cwd, env=env, stdout=self.log, stderr=self.log
        )

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=30)
        finally:
            self.log.close()


@pytest.fixture
def api() -> Iterator[FakeBotAPI]:
    fake = FakeBotAPI()
    fake.fast_poll = True
    yield fake


def wait_for(api: FakeBotAPI, person: Persona, text: str) -> None:
    """Wait (bounded) for the other process to answer; the clock is not being tested here."""
    if not api.wait_until(lambda: text in person.last_text, timeout=30):
        raise AssertionError(f"bot never said {text!r}; last: {person.last_text!r}")


def start_bot(tmp_path: Path, server: LoopbackBotAPIServer, api: FakeBotAPI) -> BotProcess:
    calls = api.count("getUpdates")
    bot = BotProcess(
        tmp_path,
        clean_env(BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=server.base_url, LOG_LEVEL="INFO"),
    )
    started = api.wait_until(
        lambda: api.count("getUpdates") > calls or bot.proc.poll() is not None, timeout=60
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
            wait_for(api, li, "choose a language")
            await li.taps("English")
            wait_for(api, li, "type your name")
            await li.says("Li Lei")
            wait_for(api, li, "Which building")
            await li.says("3-1202")
            wait_for(api, li, "contact phone")
            await li.shares_contact("+8613800138000")
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
            wait_for(api, li, "Send photos")
            await li.sends_photo()
            wait_for(api, li, "Photo 1/5 received")
            await li.taps("Done")
            wait_for(api, li, "Where is it?")
            await li.says("North gate")
            wait_for(api, li, "solved")
            await li.taps("No particular date")
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
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
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

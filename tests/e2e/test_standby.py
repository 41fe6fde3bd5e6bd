"""Two `python -m bot` processes on one PostgreSQL: one consumes updates, the other stands
by and takes over when the first is killed (`kill -9`) mid-conversation; every update is
answered once, and the takeover time is printed. On SQLite a second process is refused.

Both run on this machine, where a standby sees the killed holder's pid gone and takes the
lease at once; the lease running out (another machine) is proven in
tests/services/test_consumer_lease.py. The lease is shortened for CI (a standby takes over
within 3 s); STANDBY_DEFAULT_POLICY=1 runs it with the policy's own numbers (within 15 s).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import DEFAULTS_DIR
from tests.conftest import fresh_postgres, pg_url
from tests.e2e.test_process import TOKEN, BotProcess, clean_env, start_bot, wait_for
from tests.sim import FakeBotAPI, LoopbackBotAPIServer, TelegramSim

SHORT = "lease_seconds = 2\nrenew_seconds = 0.5\ntakeover_seconds = 3\n"


def policy_file(tmp_path: Path) -> tuple[Path, float]:
    text = (DEFAULTS_DIR / "policy.toml").read_text(encoding="utf-8")
    if os.environ.get("STANDBY_DEFAULT_POLICY") == "1":
        return DEFAULTS_DIR / "policy.toml", 15.0
    start = text.index("lease_seconds = ")
    end = text.index("\n", text.index("takeover_seconds = ")) + 1
    path = tmp_path / "policy.toml"
    path.write_text(text[:start] + SHORT + text[end:], encoding="utf-8")
    return path, 3.0


@pytest.fixture
def api() -> FakeBotAPI:
    fake = FakeBotAPI()
    fake.fast_poll = True
    return fake


@pytest.fixture
def postgres() -> Iterator[str]:
    admin = pg_url()
    if admin is None:
        pytest.skip("PostgreSQL is not reachable (set TEST_DATABASE_URL)")
    with fresh_postgres(admin, "desk_standby") as url:
        yield url


def said(api: FakeBotAPI, chat: int, text: str) -> int:
    return sum(1 for m in api.messages(chat) if text in m.body)


async def test_a_standby_takes_over_when_the_consumer_is_killed(
    tmp_path: Path, api: FakeBotAPI, postgres: str
) -> None:
    policy, takeover = policy_file(tmp_path)
    url = postgres
    with LoopbackBotAPIServer(api) as server:
        env = {"DATABASE_URL": url, "POLICY_FILE": str(policy)}
        (tmp_path / "a").mkdir()
        (tmp_path / "b").mkdir()
        first = start_bot(tmp_path / "a", server, api, **env)
        second = BotProcess(
            tmp_path / "b",
            clean_env(
                BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=server.base_url, LOG_LEVEL="INFO", **env
            ),
        )
        log_b = tmp_path / "b" / "bot.log"
        li = TelegramSim(api, None).user(5301, language_code="en")
        try:
            assert api.wait_until(lambda: "stands by" in log_b.read_text(), timeout=60), (
                log_b.read_text()
            )
            await li.says("/start")
            wait_for(api, li, "contact phone")
            await li.says("13800138000")
            wait_for(api, li, "type your name")
            assert first.stop(signal.SIGKILL) != 0  # mid-conversation
            killed = time.monotonic()
            await li.says("Li Lei")
            wait_for(api, li, "Which building")
            waited = time.monotonic() - killed
            print(f"\ntakeover: the standby answered {waited:.2f} s after kill -9 (same host)")
            assert waited < takeover + 3.0, log_b.read_text()  # + the sim's fast poll
            await li.says("3-1202")
            wait_for(api, li, "Please check your details")
        finally:
            code = second.stop()
        assert code == 0, log_b.read_text()
        for text in ("contact phone", "type your name", "Which building", "check your details"):
            assert said(api, li.user_id, text) == 1, text  # every update answered once


def test_a_second_process_on_one_sqlite_file_is_refused(tmp_path: Path, api: FakeBotAPI) -> None:
    with LoopbackBotAPIServer(api) as server:
        bot = start_bot(tmp_path, server, api)
        try:
            second = subprocess.run(
                [sys.executable, "-m", "bot"],
                cwd=tmp_path,
                env=clean_env(BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=server.base_url),
                capture_output=True,
                text=True,
                timeout=60,
            )
        finally:
            assert bot.stop() == 0
    assert second.returncode == 2
    assert "SQLite serves one process" in second.stderr

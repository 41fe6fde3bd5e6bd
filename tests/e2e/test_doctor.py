"""`python -m bot doctor` as an operator runs it: one line per check, exit code 1 on any
failure, the token checked through the configured Bot API (here the simulated one)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.e2e.test_process import TOKEN, clean_env
from tests.sim import FakeBotAPI, LoopbackBotAPIServer

CHECKS = ("token", "policy", "texts", "services", "estate", "timezone", "webhook", "database")


def doctor(cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "doctor"],
        cwd=cwd,
        env=clean_env(PYTHONPATH=str(Path(__file__).resolve().parents[2]), **env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def lines(run: subprocess.CompletedProcess[str]) -> dict[str, str]:
    assert "Traceback" not in run.stdout + run.stderr, run.stdout + run.stderr
    found = {}
    for line in run.stdout.splitlines():
        mark, check, _ = line.split(maxsplit=2)
        assert mark in ("ok", "FAIL"), line
        found[check] = line
    return found


def test_everything_in_order_passes(migrated_url: str, tmp_path: Path) -> None:
    with LoopbackBotAPIServer(FakeBotAPI()) as server:
        run = doctor(
            tmp_path,
            BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=server.base_url,
            DATABASE_URL=migrated_url,
        )
    found = lines(run)
    assert run.returncode == 0, run.stdout
    assert set(CHECKS) | {"outbox", "alarms"} <= set(found)
    assert all(line.startswith("ok") for line in found.values())
    assert f"via {server.base_url}" in found["token"]


def test_an_unreachable_api_is_one_line_and_the_rest_still_checked(
    migrated_url: str, tmp_path: Path
) -> None:
    run = doctor(
        tmp_path,
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL="http://127.0.0.1:9/bot",
        DATABASE_URL=migrated_url,
    )
    found = lines(run)
    assert run.returncode == 1
    assert found["token"].startswith("FAIL token")
    assert "cannot reach the Bot API at http://127.0.0.1:9/bot" in found["token"]
    assert "TELEGRAM_API_BASE_URL" in found["token"]
    assert found["database"].startswith("ok")


def test_a_missing_token_and_a_bad_webhook_are_named(tmp_path: Path) -> None:
    run = doctor(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'none.db'}")
    found = lines(run)
    assert run.returncode == 1
    assert "BOT_TOKEN is not set" in found["token"]
    assert found["policy"].startswith("ok")
    assert "python -m bot migrate" in found["database"]

    run = doctor(
        tmp_path,
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL="http://127.0.0.1:9/bot",
        MODE="webhook",
        WEBHOOK_URL="http://desk.example.org:8080/hook",
        WEBHOOK_SECRET="s" * 20,
    )
    assert "FAIL webhook   WEBHOOK_URL must start with https://" in run.stdout


def test_a_broken_policy_file_fails_its_line(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("[doctor]\noutbox_late_minutes = 0\n")
    run = doctor(tmp_path, POLICY_FILE=str(policy))
    found = lines(run)
    assert run.returncode == 1
    assert found["policy"].startswith("FAIL policy")
    assert str(policy) in found["policy"]

"""The deployment files (Dockerfile, compose.yaml, the systemd unit) hold what the README
promises; `docker build` itself runs where Docker and a registry are at hand
(DOCKER_BUILD=1)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_image_is_slim_non_root_with_the_cjk_font_and_runs_the_bot() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.1\d-slim", text, re.M)
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert users, "no USER"
    assert users[-1] not in ("root", "0")
    assert "fonts-noto-cjk" in text
    assert 'ENTRYPOINT ["python", "-m", "bot"]' in text
    # Everything the wheel needs is copied in: the catalogues and migrations too.
    for source in ("bot", "handlers", "storage", "scheduler", "locales", "migrations"):
        assert re.search(rf"^COPY {source} ", text, re.M), source


def test_compose_runs_the_bot_on_postgresql_with_a_volume() -> None:
    text = (ROOT / "compose.yaml").read_text()
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load(text)
    db, bot = compose["services"]["db"], compose["services"]["bot"]
    assert db["image"].startswith("postgres")
    volume = db["volumes"][0].split(":")[0]
    assert volume in compose["volumes"]
    assert bot["build"] == "."
    assert bot["environment"]["DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert "@db/" in bot["environment"]["DATABASE_URL"]
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    assert bot["env_file"] == ".env"


def test_the_systemd_unit_runs_the_bot_as_its_own_user() -> None:
    text = (ROOT / "docs" / "estate-desk-bot.service").read_text()
    for section in ("[Unit]", "[Service]", "[Install]"):
        assert section in text
    assert re.search(r"^ExecStart=\S+python -m bot$", text, re.M)
    assert re.search(r"^User=desk$", text, re.M)
    assert re.search(r"^Restart=on-failure$", text, re.M)
    assert "EnvironmentFile=" in text


def test_the_readme_walks_through_each() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Deployment", 1)[1].split("\n## ", 1)[0]
    for needed in ("python -m bot doctor", "docker compose", "estate-desk-bot.service"):
        assert needed in section


@pytest.mark.skipif(not os.environ.get("DOCKER_BUILD"), reason="set DOCKER_BUILD=1 to build")
def test_the_image_builds() -> None:  # pragma: no cover - needs Docker and a registry
    if shutil.which("docker") is None:
        pytest.skip("docker is not installed")
    subprocess.run(["docker", "build", "-t", "estate-desk-bot:test", str(ROOT)], check=True)

"""The bot installs as a real package: a wheel built from the sources, installed into a
fresh virtual environment, runs from another directory with its catalogues and migrations.

Dependencies come from this environment (`--system-site-packages`, the wheel installed
with `--no-deps`); building needs setuptools from the package index (build isolation).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("bot", "handlers", "storage", "scheduler", "locales", "migrations")
PIP_INSTALL = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
TOKEN = "123456789:E2E-token-for-the-offline-simulation"


def test_the_package_list_names_every_package() -> None:
    """pyproject.toml lists packages by hand (two are mapped from the top of the checkout):
    a new subpackage missing from it would be missing from the wheel."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("bot", "handlers", "storage", "scheduler")
        for init in (ROOT / top).rglob("__init__.py")
    }
    mapped = {"bot.locales", "bot.migrations", "bot.migrations.versions"}
    assert set(config["packages"]) == found | mapped
    assert config["package-dir"] == {"bot.locales": "locales", "bot.migrations": "migrations"}


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "PIP_INDEX_URL")}
    keep.update(env)
    return subprocess.run(
        args, cwd=cwd, env=keep, capture_output=True, text=True, timeout=180, check=False
    )


@pytest.mark.long
def test_a_wheel_installed_elsewhere_runs_doctor_and_migrate(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    for name in SOURCES:
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), "."],
        source,
    )
    if built.returncode and "No matching distribution" in built.stdout + built.stderr:
        pytest.skip("the package index is unreachable: cannot fetch setuptools to build")
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = tmp_path.glob("estate_desk_bot-*.whl")
    with zipfile.ZipFile(wheel) as built_wheel:  # the Mini App's page ships with the bot
        shipped = set(built_wheel.namelist())
    assert {f"bot/webapp/static/{name}" for name in ("index.html", "app.js", "app.css")} <= shipped
    demo_page = ("index.html", "demo.js", "demo.css", "texts.json", "sample.png")
    assert {f"bot/demo/static/{name}" for name in demo_page} <= shipped

    env_dir = tmp_path / "venv"
    venv.create(env_dir, system_site_packages=True, with_pip=False)
    python = env_dir / "bin" / "python"
    installed = _run(
        [
            *PIP_INSTALL,
            "--python",
            str(python),
            "install",
            "-q",
            "--no-deps",
            "--ignore-installed",
            str(wheel),
        ],
        tmp_path,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    database = f"sqlite:///{elsewhere / 'desk.db'}"
    migrated = _run(
        [str(python), "-m", "bot", "migrate"], elsewhere, BOT_TOKEN=TOKEN, DATABASE_URL=database
    )
    assert migrated.returncode == 0, migrated.stderr
    assert (elsewhere / "desk.db").exists()

    checked = _run(
        [str(python), "-m", "bot", "doctor"],
        elsewhere,
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL="http://127.0.0.1:9/bot",
        DATABASE_URL=database,
    )
    assert checked.returncode == 1  # the Bot API is unreachable: the token cannot be checked
    assert "Traceback" not in checked.stdout + checked.stderr
    lines = {line.split()[1]: line for line in checked.stdout.splitlines()}
    assert lines["token"].startswith("FAIL token     cannot reach the Bot API")
    # The texts come from the installed package, not from a checkout.
    assert lines["texts"].startswith("ok")
    assert str(env_dir) in lines["texts"]
    assert "site-packages" in lines["texts"]
    assert lines["database"].startswith("ok   database")
    assert "schema current" in lines["database"]

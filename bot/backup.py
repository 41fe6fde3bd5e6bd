"""`python -m bot backup FILE` and `python -m bot restore FILE`.

SQLite: the online backup API copies the database page by page under one read transaction,
so the copy is consistent even while the bot keeps writing (WAL lets writers go on). The
copy is written beside FILE and renamed into place: a half-written backup is never left
under the name asked for. Restore copies a backup into a missing or empty database only.

PostgreSQL: the documented commands (`pg_dump --format=custom`, `pg_restore` into an empty
database). They run when the client tools are on PATH; otherwise the exact command is printed
for the operator to run where they are. The password is passed in PGPASSWORD, never shown.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import URL

from storage.db import create_engine, is_sqlite, normalise_url


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class Command:
    """A PostgreSQL client command, its environment (the password), and whether it ran."""

    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    ran: bool = False

    def shown(self) -> str:
        password = " (with PGPASSWORD set)" if "PGPASSWORD" in self.env else ""
        return shlex.join(self.argv) + password


def sqlite_path(url: URL) -> Path:
    database = url.database or ""
    if database in ("", ":memory:"):
        raise BackupError("an in-memory SQLite database has nothing to back up")
    return Path(database).expanduser()


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and the password as environment."""
    plain = URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )
    env = {"PGPASSWORD": url.password} if url.password else {}
    return plain.render_as_string(hide_password=False), env


def backup(database_url: str, target: Path) -> Command | None:
    """Back the database up to `target`; for PostgreSQL, the command (run if possible)."""
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new file name")
    url = normalise_url(database_url)
    if is_sqlite(url):
        backup_sqlite(sqlite_path(url), target)
        return None
    dsn, env = _libpq(url)
    command = Command(["pg_dump", "--format=custom", f"--file={target}", f"--dbname={dsn}"], env)
    return _run(command)


def backup_sqlite(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupError(f"no SQLite database at {source}")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    # Read-only: the backup never writes to, or creates, the live database.
    with (
        sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True) as live,
        sqlite3.connect(partial) as copy,
    ):
        live.execute("PRAGMA busy_timeout=30000")
        live.backup(copy)  # all pages in one step: one consistent snapshot
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        if copy.execute("PRAGMA quick_check").fetchone() != ("ok",):
            raise BackupError("the copy failed its integrity check; try again")
    live.close()
    copy.close()
    os.replace(partial, target)


def restore(database_url: str, source: Path) -> Command | None:
    """Restore `source` into the (empty) database; for PostgreSQL, the command."""
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    url = normalise_url(database_url)
    if is_sqlite(url):
        restore_sqlite(source, sqlite_path(url))
        return None
    tables = asyncio.run(_table_names(url))
    if tables:
        raise BackupError(
            f"the database {url.database} is not empty ({len(tables)} tables); "
            "restore into a new, empty database"
        )
    dsn, env = _libpq(url)
    command = Command(
        [
            "pg_restore",
            "--no-owner",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={dsn}",
            str(source),
        ],
        env,
    )
    return _run(command)


def restore_sqlite(source: Path, target: Path) -> None:
    with sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True) as backup_db:
        tables = _sqlite_tables(backup_db)
        if "alembic_version" not in tables:
            raise BackupError(f"{source} is not a backup of this bot's database")
        if target.exists():
            with sqlite3.connect(target) as existing:
                found = _sqlite_tables(existing)
            existing.close()
            if found:
                raise BackupError(
                    f"{target} is not empty ({len(found)} tables); restore into a new "
                    "file, or move the old one away first"
                )
        target.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(target) as restored:
            backup_db.backup(restored)
            restored.execute("PRAGMA journal_mode=WAL")
        restored.close()
    backup_db.close()


def _sqlite_tables(connection: sqlite3.Connection) -> list[str]:
    rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return [name for (name,) in rows if not name.startswith("sqlite_")]


async def _table_names(url: URL) -> list[str]:
    engine = create_engine(url.render_as_string(hide_password=False))
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await engine.dispose()


def _run(command: Command) -> Command:
    """Run the client tool when it is installed here; else hand the command back to print."""
    if shutil.which(command.argv[0]) is None:
        return command
    env = {**os.environ, **command.env}
    finished = subprocess.run(command.argv, env=env, capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        lines = (finished.stderr or finished.stdout).strip().splitlines()
        raise BackupError(f"{command.argv[0]} failed: {lines[0] if lines else 'no output'}")
    return Command(command.argv, command.env, ran=True)

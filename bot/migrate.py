"""Bring the database schema to the newest revision; the bot does this on every start."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from bot.resources import shipped

MIGRATIONS_DIR = shipped("migrations")


def alembic_config(url: str, connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Run from synchronous code only: the environment starts its own event loop."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


def upgrade_on(connection: Connection, revision: str = "head") -> None:
    """Migrate over a connection someone else holds (tests, `run_sync`)."""
    command.upgrade(alembic_config(str(connection.engine.url), connection), revision)

"""Where the files that ship with the bot are: the translation catalogues and migrations.

A checkout keeps them at its top (`locales/`, `migrations/`, where alembic.ini and the
guide point); an installed wheel carries them inside the package (`bot/locales`,
`bot/migrations`, mapped in pyproject.toml), so the bot runs from any directory.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def shipped(name: str) -> Path:
    """The directory `name` inside the installed package, else the checkout's own."""
    inside = PACKAGE_DIR / name
    return inside if inside.is_dir() else PACKAGE_DIR.parent / name

"""The operator's TOML files (policy, estate): read once at start, one readable line on error."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from bot.config import ConfigError
from bot.domain.estate import EstateError, EstatePlan, parse_estate


def read_toml(path: Path, what: str) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{what} {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{what} {path} is not valid TOML: {exc}") from None


def load_estate(path: Path) -> EstatePlan:
    raw = read_toml(path, "estate file")
    try:
        return parse_estate(raw, source=f"estate file {path}")
    except EstateError as exc:
        raise ConfigError(str(exc)) from None

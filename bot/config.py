"""Process settings read from the environment (and an optional `.env` file)."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULTS_DIR = Path(__file__).resolve().parent / "defaults"
SAMPLE_ESTATE = DEFAULTS_DIR / "estate.toml"
TOKEN_PATTERN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{20,}$")


class RunMode(StrEnum):
    POLLING = "polling"
    WEBHOOK = "webhook"


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class ConfigError(Exception):
    """A setting is missing or wrong; the message is meant for the operator."""


class Settings(BaseSettings):
    """Every knob of the process; policy numbers live in the policy file instead."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    bot_token: SecretStr
    database_url: str = "sqlite+aiosqlite:///data/estate-desk.db"
    mode: RunMode = RunMode.POLLING
    telegram_api_base_url: str | None = None
    telegram_api_base_file_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    timezone: str = "Asia/Shanghai"
    default_language: str = "zh_Hans"
    policy_file: Path = DEFAULTS_DIR / "policy.toml"
    catalogue_file: Path = DEFAULTS_DIR / "services.toml"
    estate_file: Path | None = None
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    log_level: str = "INFO"
    log_format: LogFormat = LogFormat.TEXT  # json: one JSON object per line
    # /healthz and /metrics on this port (any mode); in webhook mode also on the webhook server.
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    metrics_listen: str = "127.0.0.1"  # 0.0.0.0 in a container
    # The managers' Mini App: its public HTTPS address (None: no Mini App, no buttons), and
    # where it is served besides the webhook server (polling mode: its only server).
    webapp_url: str | None = None
    webapp_listen: str = "127.0.0.1"
    webapp_port: int | None = Field(default=None, ge=0, le=65535)

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        if not TOKEN_PATTERN.match(value.get_secret_value()):
            raise ValueError("does not look like a token from @BotFather (digits:secret)")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("default_language")
    @classmethod
    def _supported_language(cls, value: str) -> str:
        if value not in ("zh_Hans", "en"):
            raise ValueError("must be zh_Hans or en")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.replace(";", ",").split(",") if part.strip()]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("webapp_url")
    @classmethod
    def _webapp_https(cls, value: str | None) -> str | None:
        """Telegram opens Mini Apps over HTTPS only (the TLS proxy in front of the bot)."""
        if value is not None and not re.match(r"^https://[^\s/?#]+(/\S*)?$", value):
            raise ValueError("must be a public https:// URL (Telegram opens Mini Apps over HTTPS)")
        return value

    @model_validator(mode="after")
    def _webapp_served(self) -> Settings:
        if self.webapp_url and self.mode is RunMode.POLLING and self.webapp_port is None:
            raise ValueError(
                "WEBAPP_URL in polling mode needs WEBAPP_PORT (the Mini App's own port)"
            )
        return self

    @model_validator(mode="after")
    def _webhook_complete(self) -> Settings:
        if self.mode is RunMode.WEBHOOK:
            if not self.webhook_url:
                raise ValueError("MODE=webhook needs WEBHOOK_URL")
            if self.webhook_secret is None or len(self.webhook_secret.get_secret_value()) < 16:
                raise ValueError("MODE=webhook needs WEBHOOK_SECRET of at least 16 characters")
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning pydantic's report into one line an operator can act on."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"]).upper() or "settings"
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "missing":
                message = "is not set"
            problems.append(f"{field} {message}")
        raise ConfigError("; ".join(problems)) from None

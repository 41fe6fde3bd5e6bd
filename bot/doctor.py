"""`python -m bot doctor`: check a configuration before starting, one line per check.

Each line says `ok` and what was found, or `FAIL` with what is wrong and how to fix it; the
exit code is 1 when any check failed. Nothing is changed: no migration, no webhook set or
deleted, no message sent. A check that cannot run because an earlier one failed says so.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import utcnow
from bot.config import ConfigError, RunMode, Settings
from bot.policy import DoctorPolicy

EXIT_FAILED = 1
DEFAULT_API = "https://api.telegram.org/bot"
# Lets every other check run when only the token is missing or malformed.
PLACEHOLDER_TOKEN = "000:doctor-placeholder-not-a-token"
WEBHOOK_PORTS = (443, 80, 88, 8443)  # the only ports Telegram delivers to
API_TIMEOUT = 10.0  # seconds for getMe: an unreachable API is a finding, not a hang


@dataclass(frozen=True, slots=True)
class Finding:
    check: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.check:<9} {self.detail}"


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(unparsable DATABASE_URL)"


def read_settings() -> tuple[Settings | None, list[Finding]]:
    """The settings, and findings for those that are wrong. A bad token alone does not stop
    the other checks; any other bad setting does (they depend on it)."""
    try:
        return Settings(), []
    except ValidationError as exc:
        errors = exc.errors()
    findings: list[Finding] = []
    others = False
    for error in errors:
        field = str(error["loc"][0]) if error["loc"] else ""
        message = error["msg"].removeprefix("Value error, ")
        if field == "bot_token":
            findings.append(
                Finding(
                    "token",
                    False,
                    "BOT_TOKEN is not set: put the token from @BotFather in BOT_TOKEN"
                    if error["type"] == "missing"
                    else f"BOT_TOKEN {message}: copy it again from @BotFather",
                )
            )
        elif not field:
            others = True
            findings.append(Finding("webhook", False, message))
        else:
            others = True
            findings.append(Finding("settings", False, f"{field.upper()} {message}"))
    if others:
        return None, findings
    return Settings(bot_token=PLACEHOLDER_TOKEN), findings


def _guarded(check: str, work: Callable[[], str]) -> Finding:
    try:
        return Finding(check, True, work())
    except ConfigError as exc:
        return Finding(check, False, str(exc))
    except Exception as exc:
        return Finding(check, False, f"{type(exc).__name__}: {_first_line(exc)}")


def check_files(settings: Settings) -> tuple[list[Finding], DoctorPolicy]:
    from bot.catalogue import load_catalogue
    from bot.files import load_estate
    from bot.i18n import LANGUAGES, LOCALES_DIR, load_catalogues
    from bot.policy import load_policy

    thresholds = DoctorPolicy()

    def policy() -> str:
        nonlocal thresholds
        thresholds = load_policy(settings.policy_file).doctor
        return str(settings.policy_file)

    def texts() -> str:
        load_catalogues(default=settings.default_language)
        return f"{', '.join(LANGUAGES)} from {LOCALES_DIR}"

    def services() -> str:
        found = load_catalogue(settings.catalogue_file)
        return f"{settings.catalogue_file}: {len(found.services)} services"

    def estate() -> str:
        if settings.estate_file is None:
            return (
                "ESTATE_FILE not set: the sample estate is loaded on first start; load "
                "yours with `python -m bot load-estate FILE`"
            )
        plan = load_estate(settings.estate_file)
        units = sum(len(b.units) for b in plan.buildings)
        return f"{settings.estate_file}: {len(plan.buildings)} buildings, {units} units"

    def zone() -> str:
        local = datetime.now(settings.tz)
        return f"{settings.timezone} (now {local:%Y-%m-%d %H:%M} there)"

    findings = [
        _guarded("policy", policy),
        _guarded("texts", texts),
        _guarded("services", services),
        _guarded("estate", estate),
        _guarded("timezone", zone),
        check_webhook_settings(settings),
    ]
    return findings, thresholds


def check_webhook_settings(settings: Settings) -> Finding:
    if settings.mode is RunMode.POLLING:
        return Finding("webhook", True, "MODE=polling: no webhook needed")
    assert settings.webhook_url is not None
    parts = urlsplit(settings.webhook_url)
    if parts.scheme != "https":
        return Finding("webhook", False, "WEBHOOK_URL must start with https:// (Telegram's rule)")
    if not parts.path.strip("/"):
        return Finding(
            "webhook", False, "WEBHOOK_URL needs a path, e.g. https://desk.example.org/tg-hook"
        )
    try:
        port = parts.port or 443
    except ValueError:
        return Finding("webhook", False, "WEBHOOK_URL has an invalid port")
    if port not in WEBHOOK_PORTS:
        return Finding(
            "webhook",
            False,
            f"WEBHOOK_URL port {port}: Telegram only delivers to 443, 80, 88, 8443",
        )
    return Finding(
        "webhook",
        True,
        f"MODE=webhook at {parts.scheme}://{parts.netloc}/…, listening on "
        f"{settings.webhook_listen}:{settings.webhook_port} behind a TLS proxy",
    )


async def check_telegram(settings: Settings) -> list[Finding]:
    """getMe through the configured Bot API, then what Telegram knows of a webhook."""
    from telegram import Bot
    from telegram.error import InvalidToken, NetworkError, TelegramError
    from telegram.request import HTTPXRequest

    base = settings.telegram_api_base_url or DEFAULT_API
    request = HTTPXRequest(connect_timeout=API_TIMEOUT, read_timeout=API_TIMEOUT)
    bot = Bot(settings.bot_token.get_secret_value(), base_url=base, request=request)
    try:
        async with bot:
            me = bot.bot
            info = await bot.get_webhook_info()
    except InvalidToken:
        return [Finding("token", False, "Telegram rejected BOT_TOKEN: check it with @BotFather")]
    except NetworkError as exc:
        return [
            Finding(
                "token",
                False,
                f"cannot reach the Bot API at {base}: {_first_line(exc)}; check the network, "
                "a proxy or TELEGRAM_API_BASE_URL",
            )
        ]
    except TelegramError as exc:
        return [Finding("token", False, f"the Bot API answered getMe with: {exc.message}")]
    findings = [Finding("token", True, f"@{me.username} (id {me.id}) via {base}")]
    if settings.mode is RunMode.POLLING:
        if info.url:
            findings.append(
                Finding("telegram", True, "a webhook is set at Telegram: polling removes it")
            )
    elif info.last_error_message:
        findings.append(
            Finding(
                "telegram",
                False,
                f"Telegram's last webhook delivery failed: {info.last_error_message}; "
                "check the TLS proxy in front of WEBHOOK_LISTEN:WEBHOOK_PORT",
            )
        )
    return findings


def _revisions(url: str, connection: Connection) -> tuple[set[str], set[str], set[str]]:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from bot.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config(url))
    current = set(MigrationContext.configure(connection).get_current_heads())
    known = {revision.revision for revision in script.walk_revisions()}
    return current, set(script.get_heads()), known


def _file_missing(database: str | None) -> bool:
    if database in (None, "", ":memory:"):
        return False
    return not Path(str(database)).expanduser().exists()


async def check_database(
    settings: Settings, thresholds: DoctorPolicy, now: datetime
) -> list[Finding]:
    from storage.db import create_engine, is_sqlite, normalise_url

    url = settings.database_url
    shown = _safe_url(url)
    try:
        parsed = normalise_url(url)
    except Exception as exc:
        return [Finding("database", False, f"DATABASE_URL cannot be read: {_first_line(exc)}")]
    if is_sqlite(parsed) and _file_missing(parsed.database):
        return [
            Finding(
                "database",
                False,
                f"{shown}: the file does not exist: run `python -m bot migrate` "
                "(the bot also creates it when it starts)",
            )
        ]
    engine = create_engine(url)
    try:
        return await _inspect(engine, url, shown, thresholds, now)
    except Exception as exc:
        return [Finding("database", False, f"cannot use {shown}: {_first_line(exc)}")]
    finally:
        await engine.dispose()


async def _inspect(
    engine: AsyncEngine, url: str, shown: str, thresholds: DoctorPolicy, now: datetime
) -> list[Finding]:
    from storage.models import Alarm, OutboxMessage, OutboxStatus

    async with engine.connect() as connection:
        current, heads, known = await connection.run_sync(lambda c: _revisions(url, c))
        if current - known:
            return [
                Finding(
                    "database",
                    False,
                    f"{shown} is at revision {', '.join(sorted(current - known))}, which this "
                    "version does not know: run the bot version that migrated it",
                )
            ]
        if current != heads:
            at = ", ".join(sorted(current)) or "no schema"
            return [
                Finding(
                    "database",
                    False,
                    f"{shown} is at {at}, this version needs {', '.join(sorted(heads))}: "
                    "run `python -m bot migrate`",
                )
            ]
        findings = [Finding("database", True, f"{shown}, schema current ({', '.join(heads)})")]

        late = now - timedelta(minutes=thresholds.outbox_late_minutes)
        waiting = OutboxMessage.status.in_(
            (OutboxStatus.PENDING.value, OutboxStatus.SENDING.value)
        )
        backlog = await connection.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(waiting, OutboxMessage.not_before <= late)
        )
        counts: dict[str, Any] = dict(
            (
                await connection.execute(
                    select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
                )
            ).all()
        )
        failed = int(counts.get(OutboxStatus.FAILED.value, 0))
        unknown = int(counts.get(OutboxStatus.UNKNOWN.value, 0))
        problems = []
        if backlog:
            problems.append(
                f"{backlog} messages waiting over {thresholds.outbox_late_minutes} min: "
                "is the bot running and reaching Telegram?"
            )
        if failed:
            problems.append(f"{failed} failed rows: see `python -m bot outbox`")
        pending = int(counts.get(OutboxStatus.PENDING.value, 0))
        if problems:
            findings.append(Finding("outbox", False, "; ".join(problems)))
        else:
            note = f", {unknown} unknown (see `python -m bot outbox`)" if unknown else ""
            findings.append(Finding("outbox", True, f"{pending} pending, none late{note}"))

        overdue_at = now - timedelta(minutes=thresholds.alarm_late_minutes)
        row = (
            await connection.execute(
                select(func.count(), func.min(Alarm.due_at)).where(
                    Alarm.fired_at.is_(None), Alarm.due_at <= overdue_at
                )
            )
        ).one()
        overdue, oldest = int(row[0] or 0), row[1]
        if overdue:
            since = f" (the oldest due {oldest:%Y-%m-%d %H:%M} UTC)" if oldest else ""
            findings.append(
                Finding(
                    "alarms",
                    False,
                    f"{overdue} alarms overdue by over {thresholds.alarm_late_minutes} min"
                    f"{since}: is the bot running? `python -m bot sweep` fires them now",
                )
            )
        else:
            findings.append(Finding("alarms", True, "none overdue"))
    return findings


async def diagnose(settings: Settings, token_ok: bool, now: datetime) -> list[Finding]:
    findings, thresholds = check_files(settings)
    if token_ok:
        findings[:0] = await check_telegram(settings)
    findings += await check_database(settings, thresholds, now)
    return findings


def run(out: Any = None) -> int:
    """Print one line per check; 0 when all passed, EXIT_FAILED otherwise."""
    out = out or sys.stdout
    settings, findings = read_settings()
    if settings is None:
        findings.append(Finding("others", False, "not checked: fix the settings above first"))
    else:
        token_ok = not any(f.check == "token" for f in findings)
        findings += asyncio.run(diagnose(settings, token_ok, utcnow()))
    for finding in findings:
        print(finding.line(), file=out)
    return 0 if all(f.ok for f in findings) else EXIT_FAILED

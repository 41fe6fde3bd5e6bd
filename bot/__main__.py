"""Run the desk: `python -m bot` (polling or webhook), `migrate`, `doctor`, `load-estate FILE`,
or `demo` (the whole desk in a browser, offline).

Configuration problems end the process with one readable line and a non-zero exit code.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, Update
from telegram.error import InvalidToken, NetworkError
from telegram.ext import Application

from bot import migrate
from bot.app import build_application
from bot.config import ConfigError, RunMode, Settings, load_settings
from bot.logs import MASKER, configure_logging
from bot.polling import PollingConflict, run_polling
from scheduler.recovery import SenderLock

if TYPE_CHECKING:
    from storage.models import OutboxMessage

EXIT_CONFIG, EXIT_DATABASE, EXIT_NETWORK, EXIT_CONFLICT = 2, 3, 4, 5
EXIT_BACKUP = 6
WORDS_SHOWN = 120  # characters of an unknown message that `outbox` quotes
SWEEP_TRIES = 30  # `sweep` waits out another process holding the database, a second a try


def _safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(unparsable DATABASE_URL)"


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


async def _preflight(settings: Settings) -> None:
    """Ask Telegram who we are once, so a bad token or no network is one line, not a trace."""
    bot = Bot(
        settings.bot_token.get_secret_value(),
        base_url=settings.telegram_api_base_url or "https://api.telegram.org/bot",
    )
    async with bot:
        await bot.get_me()


def _run(settings: Settings, application: Application) -> None:
    if settings.mode is RunMode.WEBHOOK:
        assert settings.webhook_url
        assert settings.webhook_secret
        url_path = settings.webhook_url.rstrip("/").rsplit("/", 1)[-1]
        application.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=url_path,
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret.get_secret_value(),
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        # Not application.run_polling: see bot.polling for why.
        alone = SenderLock.only_one(settings.database_url)
        run_polling(application, allowed_updates=Update.ALL_TYPES, alone=alone)


async def load_estate_file(settings: Settings, path: Path) -> int:
    from bot.files import load_estate
    from storage.db import create_engine, create_sessionmaker
    from storage.uow import UnitOfWork

    plan = load_estate(path)
    engine = create_engine(settings.database_url)
    try:
        async with UnitOfWork(create_sessionmaker(engine)) as uow:
            await uow.estate.sync(plan)
            await uow.commit()
    finally:
        await engine.dispose()
    return sum(len(b.units) for b in plan.buildings)


async def _sweep(settings: Settings) -> int:
    """Fire what is due now (for cron, or after maintenance); the running bot does it too."""
    from bot.desk import Desk
    from scheduler.sweep import fire_due_alarms
    from storage.availability import database_unavailable
    from storage.db import create_engine

    desk = Desk.for_the_clock(settings, create_engine(settings.database_url))
    try:
        # Another process may hold the database for a while (a long sweep on the same
        # SQLite file): its batch rolled back here, so trying again is safe.
        for _ in range(SWEEP_TRIES - 1):
            try:
                return await fire_due_alarms(desk)
            except Exception as exc:
                if not database_unavailable(exc):
                    raise
                await asyncio.sleep(1.0)
        return await fire_due_alarms(desk)
    finally:
        await desk.engine.dispose()


async def _outbox_report(settings: Settings) -> str:
    """For operators: rows whose delivery is unknown (a timeout), failed, or went out only
    as plain text need a human look."""
    from storage.db import create_engine, create_sessionmaker
    from storage.models import OutboxStatus
    from storage.uow import UnitOfWork

    engine = create_engine(settings.database_url)
    needs_a_look = (OutboxStatus.UNKNOWN, OutboxStatus.FAILED, OutboxStatus.UNDELIVERABLE)
    try:
        async with UnitOfWork(create_sessionmaker(engine)) as uow:
            counts = await uow.outbox.counts()
            lines = [f"{status:<14}{counts.get(status, 0):>8}" for status in OutboxStatus]
            found = [await uow.outbox.by_status(status) for status in needs_a_look]
            # Delivered, but only as plain text: its formatting was refused (a bug to fix).
            found.append(await uow.outbox.by_status(OutboxStatus.SENT, noted=True))
            lines += [
                f"#{row.id} {row.status} chat={row.chat_id} ticket={row.ticket_id} "
                f"{row.purpose}: {row.last_error or ''}{_words(row)}"
                for rows in found
                for row in rows
            ]
    finally:
        await engine.dispose()
    return "\n".join(lines)


def _words(row: OutboxMessage) -> str:
    """What a message of unknown fate said (its start, on one line, phones masked before
    it is cut): the operator decides whether the person must be told again."""
    from bot.sending import plain_text
    from storage.models import OutboxStatus

    if row.status != OutboxStatus.UNKNOWN.value or not (row.text or "").strip():
        return ""
    return f" — “{' '.join(plain_text(MASKER.mask(row.text or ''), WORDS_SHOWN).split())}”"


def _backup_or_restore(settings: Settings, command: str, file: Path) -> int:
    from bot import backup

    try:
        if command == "backup":
            pg = backup.backup(settings.database_url, file)
        else:
            pg = backup.restore(settings.database_url, file)
    except backup.BackupError as exc:
        print(f"estate-desk-bot: {command}: {exc}", file=sys.stderr)
        return EXIT_BACKUP
    except (SQLAlchemyError, OSError) as exc:
        return _database_failed(settings, exc)
    if pg is not None and not pg.ran:
        print(
            f"estate-desk-bot: {pg.argv[0]} is not installed here; run this where it is:\n"
            f"  {pg.shown()}",
            file=sys.stderr,
        )
        return EXIT_BACKUP
    done = "backed up to" if command == "backup" else "restored from"
    print(f"{done} {file}" + (f" ({pg.shown()})" if pg is not None else ""))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="migrate the database and run the bot (the default)")
    sub.add_parser("migrate", help="only bring the database schema up to date")
    sub.add_parser("outbox", help="show queued messages by status, and the ones needing a look")
    sub.add_parser("sweep", help="fire the reminders and follow-ups that are due now, and exit")
    sub.add_parser("doctor", help="check the configuration, one line per check, and exit")
    loader = sub.add_parser("load-estate", help="load buildings and units from a TOML file")
    loader.add_argument("file", type=Path)
    backup = sub.add_parser("backup", help="back the database up to FILE (safe while running)")
    backup.add_argument("file", type=Path)
    restore = sub.add_parser("restore", help="restore a backup FILE into an empty database")
    restore.add_argument("file", type=Path)
    demo = sub.add_parser("demo", help="the whole desk in a browser, offline, no token needed")
    from bot.demo.options import add_arguments as demo_arguments

    demo_arguments(demo)
    args = parser.parse_args(argv)
    if args.command == "demo":
        # No settings from the environment: the demo brings its own.
        from bot.demo.cli import run as run_demo

        return run_demo(args)
    if args.command == "doctor":
        # Before the settings are loaded: a missing token is one of its findings, not the end.
        from bot import doctor

        return doctor.run()

    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"estate-desk-bot: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(settings.log_level, settings.log_format)
    if args.command in ("backup", "restore"):
        # Before migrating: a restore goes into an empty database, and a backup changes nothing.
        return _backup_or_restore(settings, args.command, args.file)
    try:
        # Policy, texts and settings are checked before anything touches the database.
        running = args.command in (None, "run")
        application = build_application(settings, takes_over=True) if running else None
        migrate.upgrade(settings.database_url)
        if application is not None:
            asyncio.run(_preflight(settings))
        if args.command == "migrate":
            return 0
        if args.command == "outbox":
            print(asyncio.run(_outbox_report(settings)))
            return 0
        if args.command == "sweep":
            print(f"alarms fired: {asyncio.run(_sweep(settings))}")
            return 0
        if args.command == "load-estate":
            count = asyncio.run(load_estate_file(settings, args.file))
            print(f"estate loaded: {count} units")
            return 0
        assert application is not None
        _run(settings, application)
    except ConfigError as exc:
        print(f"estate-desk-bot: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except InvalidToken:
        print(
            "estate-desk-bot: Telegram rejected BOT_TOKEN; check it with @BotFather",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    except NetworkError as exc:
        print(f"estate-desk-bot: cannot reach the Telegram Bot API: {exc}", file=sys.stderr)
        return EXIT_NETWORK
    except PollingConflict as exc:
        print(
            "estate-desk-bot: stopped: another process is taking this bot's updates "
            f"(409 Conflict: {exc}); run one poller per BOT_TOKEN and no webhook",
            file=sys.stderr,
        )
        return EXIT_CONFLICT
    except (SQLAlchemyError, OSError) as exc:
        return _database_failed(settings, exc)
    return 0


def _database_failed(settings: Settings, exc: Exception) -> int:
    """One line saying which database could not be used (the password never shown)."""
    print(
        f"estate-desk-bot: cannot use the database {_safe_url(settings.database_url)}: "
        f"{_first_line(exc)}",
        file=sys.stderr,
    )
    return EXIT_DATABASE


if __name__ == "__main__":
    sys.exit(main())

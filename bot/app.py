"""The composition root: settings, policy, texts, database and handlers become one Application."""

from __future__ import annotations

import functools
import logging

from telegram import BotCommand, BotCommandScopeAllPrivateChats
from telegram.ext import Application, ApplicationBuilder
from telegram.request import BaseRequest

import handlers
from bot.catalogue import load_catalogue
from bot.config import SAMPLE_ESTATE, ConfigError, RunMode, Settings
from bot.desk import Desk
from bot.domain.estate import EstatePlan
from bot.files import load_estate
from bot.i18n import load_catalogues
from bot.metrics import MeteredApplication, start_server, stop_server
from bot.policy import load_policy
from bot.services.notifier import render_queued
from bot.webapp import menu as webapp_menu
from bot.webapp import server as webapp_server
from handlers import flood
from scheduler.outbox import OutboxSender
from scheduler.recovery import SenderLock, take_over
from scheduler.setup import schedule
from scheduler.sweep import plan_missing_alarms
from storage.db import create_engine, create_sessionmaker
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

COMMAND_LANGUAGES = {"zh_Hans": "zh", "en": "en"}
SENDER_LOCK = "sender_lock"  # bot_data key: held while this process is the only sender


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    takes_over: bool = False,
) -> Application:
    """Assemble everything that can fail on bad configuration before any network call.

    `takes_over`: this is the bot's own process (`python -m bot`), which at start sends what
    a dead predecessor left half-sent when it can tell it is alone (scheduler.recovery)."""
    policy = load_policy(settings.policy_file)
    texts = load_catalogues(default=settings.default_language)
    services = load_catalogue(settings.catalogue_file)
    engine = create_engine(settings.database_url)
    desk = Desk(
        settings=settings,
        policy=policy,
        estate=EstatePlan(code="", name="", buildings=()),
        texts=texts,
        engine=engine,
        sessions=create_sessionmaker(engine),
        services=services,
    )
    builder = (
        ApplicationBuilder()
        .application_class(MeteredApplication)  # counts and times updates for /metrics
        .token(settings.bot_token.get_secret_value())
        .post_init(startup_taking_over if takes_over else startup)
        .post_shutdown(shutdown)
    )
    if settings.mode is RunMode.POLLING:
        builder = builder.updater(None)  # bot.polling fetches, and confirms only what is done
    if settings.telegram_api_base_url:
        builder = builder.base_url(settings.telegram_api_base_url)
        base_file_url = settings.telegram_api_base_file_url or _file_url(
            settings.telegram_api_base_url
        )
        builder = builder.base_file_url(base_file_url)
    if request is not None:
        builder = builder.request(request)
    if updates_request is not None:
        builder = builder.get_updates_request(updates_request)
    application = builder.build()
    application.bot_data["desk"] = desk
    handlers.register(application)
    flood.install(application)  # before every feature: a person over the pace is held
    return application


def _file_url(base_url: str) -> str:
    """Telegram serves files from /file/bot<token>; a self-hosted server mirrors that."""
    head, _, tail = base_url.rstrip("/").rpartition("/")
    return f"{head}/file/{tail}" if tail.startswith("bot") else f"{base_url}/file"


async def load_estate_plan(desk: Desk) -> EstatePlan:
    """Sync ESTATE_FILE if given (or the sample on an empty database), then read it back."""
    async with UnitOfWork(desk.sessions) as uow:
        source = desk.settings.estate_file
        if source is None and await uow.estate.plan() is None:
            source = SAMPLE_ESTATE
            log.warning("no estate loaded yet: using the sample estate from %s", source)
        if source is not None:
            await uow.estate.sync(load_estate(source))
        plan = await uow.estate.plan()
        await uow.commit()
    if plan is None or not plan.buildings:
        raise ConfigError("the estate has no buildings with units; load an estate file")
    return plan


async def startup(application: Application) -> None:
    """post_init: load the estate, start the outbox sender and jobs, publish the commands."""
    desk: Desk = application.bot_data["desk"]
    desk.estate = await load_estate_plan(desk)
    planned = await plan_missing_alarms(desk)
    if planned:
        log.info("planned the alarms of %d items that had none", planned)
    desk.outbox = OutboxSender(
        desk.sessions, application.bot, render=functools.partial(render_queued, desk.views)
    )
    if application.job_queue is not None:
        schedule(application)
    for language, code in COMMAND_LANGUAGES.items():
        commands = [
            BotCommand(name, desk.t(language, f"command.{name}")) for name in handlers.BOT_COMMANDS
        ]
        await application.bot.set_my_commands(
            commands, scope=BotCommandScopeAllPrivateChats(), language_code=code
        )
    default_commands = [
        BotCommand(name, desk.t(desk.settings.default_language, f"command.{name}"))
        for name in handlers.BOT_COMMANDS
    ]
    await application.bot.set_my_commands(default_commands)
    if desk.settings.metrics_port is not None:
        await start_server(application, desk.settings.metrics_port, desk.settings.metrics_listen)
    if desk.settings.webapp_url:
        if desk.settings.webapp_port is not None:
            await webapp_server.start_server(
                application, desk.settings.webapp_port, desk.settings.webapp_listen
            )
        await webapp_menu.publish(application)


async def startup_taking_over(application: Application) -> None:
    """post_init of the bot's own process: startup, then its predecessor's leftovers, before
    the first update is read."""
    desk: Desk = application.bot_data["desk"]
    if SenderLock.only_one(desk.settings.database_url) and not await _alone(desk):
        raise ConfigError(
            "another bot process already runs on this SQLite database; SQLite serves one "
            "process only (for a standby, use PostgreSQL)"
        )
    await startup(application)
    lock = await take_over(desk)
    if lock is not None:
        application.bot_data[SENDER_LOCK] = lock


async def _alone(desk: Desk) -> bool:
    """Whether no other bot holds this SQLite file's lock (checked before starting)."""
    probe = SenderLock.acquire(desk.settings.database_url)
    if probe is None:
        return False
    probe.release()
    return True


async def shutdown(application: Application) -> None:
    desk: Desk = application.bot_data["desk"]
    await stop_server(application)
    await webapp_server.stop_server(application)
    if desk.outbox is not None:  # the rows of the last replies delivered
        async with UnitOfWork(desk.sessions) as uow:
            desk.outbox.forget_delivered(uow)
            await uow.commit()
    await desk.engine.dispose()
    lock = application.bot_data.pop(SENDER_LOCK, None)
    if lock is not None:
        lock.release()

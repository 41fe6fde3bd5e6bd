"""Register the periodic jobs. They only sweep the database, so a restart loses nothing."""

from __future__ import annotations

import logging

from telegram.ext import Application, ContextTypes

from bot.clock import utcnow
from bot.config import RunMode
from bot.desk import Desk
from scheduler.sweep import (
    expire_idle_dialogues,
    fire_due_alarms,
    forget_handled_updates,
    push_reports,
    send_yearly_wishes,
)
from storage.availability import database_answers

OUTBOX_EVERY_SECONDS = 2.0
EXPIRY_EVERY_SECONDS = 30.0
PRUNE_EVERY_SECONDS = 3600.0
HELD_EVERY_SECONDS = 2.0
# APScheduler drops a run that starts over 1 s late by default; a sweep late is still useful.
log = logging.getLogger(__name__)
JOB_KWARGS = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}


async def _outbox_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    desk: Desk = context.bot_data["desk"]
    if desk.outbox is not None:
        await desk.outbox.deliver_due()


async def _expiry_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    desk: Desk = context.bot_data["desk"]
    if await expire_idle_dialogues(desk) and desk.outbox is not None:
        await desk.outbox.deliver_due()


async def _alarm_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    desk: Desk = context.bot_data["desk"]
    fired = await fire_due_alarms(desk) + await send_yearly_wishes(desk)
    fired += await push_reports(desk)
    if fired and desk.outbox is not None:
        await desk.outbox.deliver_due()


async def _held_updates_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Webhook mode: updates the database failed (Telegram counts them delivered) are
    handled again, in order, once it takes writes. Polling keeps them at Telegram instead."""
    desk: Desk = context.bot_data["desk"]
    if not desk.outage.active or not await database_answers(desk.engine):
        return
    lasted = desk.outage.end(utcnow())
    log.warning("database answers again after %.1f s", lasted.total_seconds())
    for update in desk.outage.take_held():
        await context.application.process_update(update)


async def _prune_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await forget_handled_updates(context.bot_data["desk"])


def schedule(application: Application) -> None:
    jobs = application.job_queue
    if jobs is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")
    jobs.run_repeating(
        _outbox_job, OUTBOX_EVERY_SECONDS, first=1, name="outbox", job_kwargs=JOB_KWARGS
    )
    jobs.run_repeating(
        _expiry_job, EXPIRY_EVERY_SECONDS, first=5, name="dialogue-expiry", job_kwargs=JOB_KWARGS
    )
    jobs.run_repeating(
        _prune_job, PRUNE_EVERY_SECONDS, first=60, name="handled-updates", job_kwargs=JOB_KWARGS
    )
    desk: Desk = application.bot_data["desk"]
    if desk.settings.mode is RunMode.WEBHOOK:
        jobs.run_repeating(
            _held_updates_job, HELD_EVERY_SECONDS, name="held-updates", job_kwargs=JOB_KWARGS
        )
    jobs.run_repeating(
        _alarm_job,
        desk.policy.deadlines.sweep_seconds,
        first=3,
        name="alarms",
        job_kwargs=JOB_KWARGS,
    )

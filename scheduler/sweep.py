"""Sweeps over due rows. Each claims its rows atomically, so two processes never both fire."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import utcnow
from bot.desk import Desk
from bot.domain.birthdays import addressed
from bot.domain.deadlines import AlarmKind
from bot.services import dispatches, duty
from bot.services.actions import ItemContext
from bot.services.alarms import fire
from bot.services.clocks import replan
from bot.services.duty import LateDigest
from bot.services.notifier import Notifier
from storage.repositories.dialogues import loses_nothing
from storage.uow import UnitOfWork


async def expire_idle_dialogues(desk: Desk) -> int:
    """Close dialogues idle past the policy's limit and tell each person, kindly, once.
    An optional step (the comment after a rating) ends in silence: what mattered was kept,
    so "closed, nothing was stored" would report a loss that never happened."""
    now = utcnow()
    async with UnitOfWork(desk.sessions) as uow:
        expired = await uow.dialogues.claim_expired(now)
        for row in expired:
            if loses_nothing(row.data):
                continue
            title = desk.views.flow_title(row.language, row.flow)
            uow.outbox.add(
                chat_id=row.chat_id,
                text=desk.t(
                    row.language,
                    "common.expired",
                    flow=title,
                    idle=desk.texts.duration(row.language, desk.policy.dialogue.idle),
                ),
                purpose="dialogue_expired",
                now=now,
            )
        await uow.commit()
    return len(expired)


ALARM_BATCH = 1000
REPLANS = frozenset(
    {
        AlarmKind.MONTH_OLD,
        AlarmKind.FOLLOWUP_ASK,
        AlarmKind.FOLLOWUP_REMIND,
        AlarmKind.FOLLOWUP_CLOSE,
        AlarmKind.ESCALATION_UNSEEN,
    }
)


async def fire_due_alarms(desk: Desk, *, batch: int = ALARM_BATCH) -> int:
    """Fire every alarm that is due, each exactly once: claimed in the same transaction as
    everything its firing does (PostgreSQL's SKIP LOCKED keeps two processes apart)."""
    fired = 0
    while True:
        now = utcnow()
        async with UnitOfWork(desk.sessions) as uow:
            due = await uow.alarms.claim(now, limit=batch)
            notifier = Notifier(uow, desk.views, deferred=True)  # rendered when sent
            ctx = ItemContext(uow, now, desk.policy, desk.settings.tz, notifier)
            await uow.tickets.lock_many([alarm.ticket_id for alarm in due])
            # Most alarms only tell; those that change an item (the month rule, the
            # follow-up) replan it: their alarms are read once and written together.
            await uow.alarms.batch([a.ticket_id for a in due if a.kind in REPLANS])
            digest = LateDigest()  # many late cards for one person: one list instead
            with uow.session.no_autoflush:  # one flush for the batch, at the end
                for alarm in due:
                    await fire(ctx, alarm, digest)
                await digest.flush(ctx)
            await uow.alarms.write_batch()
            await uow.commit()
        fired += len(due)
        if len(due) < batch:
            return fired


async def plan_missing_alarms(desk: Desk, *, batch: int = 500) -> int:
    """Items from before alarms existed (or from an interrupted change) get their plan."""
    planned, after = 0, 0
    rules = desk.policy.alarm_rules(desk.settings.tz)
    while True:
        async with UnitOfWork(desk.sessions) as uow:
            ids = await uow.alarms.unplanned(after, batch)
            for ticket_id in ids:
                ticket = await uow.tickets.get(ticket_id)
                if ticket is not None:
                    await replan(uow, ticket, rules, now=utcnow())
            await uow.commit()
        planned += len(ids)
        if len(ids) < batch:
            return planned
        after = ids[-1]


async def send_yearly_wishes(desk: Desk) -> int:
    """The project's birthday wishes, each year, to residents who said yes to them."""
    now = utcnow()
    local = now.astimezone(desk.settings.tz)
    if local.time() < desk.policy.concierge.wishes_at:
        return 0
    async with UnitOfWork(desk.sessions) as uow:
        wished = await uow.residents.claim_birthdays(local.date(), local.year)
        for resident in wished:
            if resident.chat_id is None:
                continue
            uow.outbox.add(
                chat_id=resident.chat_id,
                text=desk.t(resident.language, "order.birthday_wishes"),
                purpose="birthday_wishes",
                now=now,
            )
        # The birthdays of residents' people (a child's cake): the wishes name them.
        theirs = await uow.residents.claim_people_birthdays(local.date(), local.year)
        for resident, whom in theirs:
            if resident.chat_id is None:
                continue
            uow.outbox.add(
                chat_id=resident.chat_id,
                text=desk.t(resident.language, "order.birthday_wishes_for", whom=addressed(whom)),
                purpose="birthday_wishes",
                now=now,
            )
        await uow.commit()
    return len(wished) + len(theirs)


async def push_reports(desk: Desk) -> int:
    """The weekly and monthly reports and the day's ledger, each once, when their time
    comes (one transaction per estate: the claim and the messages commit together)."""
    now = utcnow()
    async with UnitOfWork(desk.sessions) as uow:
        estates = await uow.dispatches.estates()
    pushed = 0
    for estate_id in estates:
        async with UnitOfWork(desk.sessions) as uow:
            sent = await dispatches.push_due(
                uow, estate_id, desk.policy, desk.views, now, webapp=desk.settings.webapp_url
            )
            await uow.commit()
        pushed += len(sent)
        async with UnitOfWork(desk.sessions) as uow:
            pushed += await duty.morning_digests(
                uow, estate_id, desk.policy, desk.views, desk.settings.tz, now
            )
            await uow.commit()
    return pushed


# Telegram keeps an update nobody confirmed for at most 24 hours; twice that is ample.
DRAWINGS_KEPT = timedelta(days=30)
HANDLED_UPDATES_KEPT = timedelta(hours=48)


async def forget_handled_updates(desk: Desk) -> int:
    """Drop the ids of updates handled long ago: none of them can come again. A plain
    delete by age, so a second run (or a second process) finds nothing more to do."""
    async with UnitOfWork(desk.sessions) as uow:
        forgotten = await uow.updates.prune(utcnow() - HANDLED_UPDATES_KEPT)
        # The bot's record of what it drew goes too, after a month: a message that old is
        # not edited any more (its buttons are stale, and a tap redraws it from scratch).
        await uow.drawn.forget_before(utcnow() - DRAWINGS_KEPT)
        await uow.commit()
    return forgotten

"""/duty at the Telegram edge: who is on duty now, *Start shift* / *End shift*, a manager
setting the coming week's roster (a tap puts someone on a shift for the week, or takes
them off), and the late digest's buttons that open an item's card."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.domain.duty import on_duty
from bot.htmltext import escape, join
from bot.services import duty, items
from bot.services.duty import DutyTap
from handlers.cards import action_context
from handlers.common import PRIVATE, refuse
from handlers.feature import Feature
from handlers.keyboards import show
from handlers.runtime import Turn, entry


async def _screen(turn: Turn) -> tuple[str, InlineKeyboardMarkup]:
    assert turn.staff is not None
    desk, me = turn.desk, turn.staff
    policy, tz = desk.policy, desk.settings.tz
    staff = [p for p in await turn.uow.staff.members(me.estate_id) if p.active]
    shift = duty.shift_now(policy, tz, turn.now)
    roster = await duty.roster_at(turn.uow, policy, tz, me.estate_id, turn.now)
    shift_name = turn.t(f"handover.shift_{shift.name}")
    if roster.known:
        names = ", ".join(escape(p.name) for p in on_duty(staff, roster, turn.now)) or "—"
    else:
        names = turn.t("duty.everyone")
    lines = [turn.t("duty.title", shift=shift_name, names=names)]
    rows = [
        [
            InlineKeyboardButton(turn.t("duty.start"), callback_data=DutyTap("start").pack()),
            InlineKeyboardButton(turn.t("duty.end"), callback_data=DutyTap("end").pack()),
        ]
    ]
    if me.is_manager:
        lines.append(turn.t("duty.set_week"))
        week = await duty.week_roster(turn.uow, policy, tz, me.estate_id, turn.now)
        for name in policy.reports.shifts:
            label = turn.t(f"handover.shift_{name}")
            for person in staff:
                mark = "✅" if person.id in week.get(name, set()) else "▫️"
                text = f"{mark} {label}: {person.name}"
                data = DutyTap("toggle", person.id, name).pack()
                rows.append([InlineKeyboardButton(text[:60], callback_data=data)])
    return join("\n", lines), InlineKeyboardMarkup(rows)


@entry
async def duty_command(turn: Turn) -> None:
    if turn.staff is None:
        refuse(turn)
        return
    text, markup = await _screen(turn)
    turn.reply(text, markup)


@entry
async def duty_tap(turn: Turn) -> None:
    query = turn.update.callback_query
    tap = DutyTap.unpack(query.data if query else None)
    if turn.staff is None or tap is None:
        refuse(turn)
        return
    if tap.what == "card":
        screen = await items.card_for(turn.uow, turn.views, turn.staff, tap.arg)
        if screen is None:
            refuse(turn)
            return
        turn.answer()
        show(turn, screen)
        return
    if tap.what == "seen":
        if not await duty.seen(action_context(turn), tap.arg):
            refuse(turn)
            return
        turn.answer(turn.t("duty.seen_done"))
        return
    if tap.what in ("start", "end"):
        duty.mark(turn.uow, turn.staff, on=tap.what == "start", now=turn.now)
        turn.answer(turn.t(f"duty.{tap.what}ed"))
    elif tap.what == "toggle":
        policy, tz = turn.desk.policy, turn.desk.settings.tz
        done = await duty.toggle(turn.uow, policy, tz, turn.staff, tap.arg, tap.shift, turn.now)
        if done is None:
            refuse(turn)
            return
        turn.answer(turn.t("staff.done"))
    else:
        refuse(turn)
        return
    text, markup = await _screen(turn)
    turn.edit(text, markup)


FEATURE = Feature(
    "duty",
    handlers=(
        CommandHandler("duty", duty_command, filters=PRIVATE),
        CallbackQueryHandler(duty_tap, pattern=DutyTap.pattern()),
    ),
)

"""The buttons of a pushed report or ledger (chart, spreadsheet, *Acknowledge*), and
/ledger: the month's daily ledgers with who signed each."""

from __future__ import annotations

from datetime import date, timedelta

from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.htmltext import Html, join
from bot.services import dispatches, reports
from bot.services.dispatches import estate_remit, period_of
from bot.views.dispatch import DispatchAction, DispatchTap, signature_lines, signed_line
from handlers.common import PRIVATE, refuse
from handlers.feature import Feature
from handlers.keyboards import show
from handlers.reports import send_chart, send_registry
from handlers.runtime import Turn, entry
from storage.models import Dispatch


@entry
async def dispatch_tap(turn: Turn) -> None:
    query = turn.update.callback_query
    tap = DispatchTap.unpack(query.data if query else None)
    if turn.staff is None or tap is None:
        refuse(turn)
        return
    ledger = await dispatches.ledger_of(turn.uow, turn.staff, tap.dispatch)
    if ledger is not None:
        await _sign_ledger(turn, ledger, tap.action)
        return
    if tap.action is DispatchAction.ACKNOWLEDGE:
        signed = await dispatches.acknowledge(
            turn.uow, turn.staff, tap.dispatch, turn.desk.policy, turn.views, turn.now
        )
        if signed is None:
            refuse(turn)
            return
        line = signed_line(
            turn.views, turn.language, turn.staff.name, turn.staff.role.value, turn.now
        )
        turn.answer(turn.t("dispatch.thanks"))
        turn.reply(line)
        return
    found = await dispatches.readable(turn.uow, turn.staff, tap.dispatch)
    if found is None or tap.action is DispatchAction.SIGN:
        refuse(turn)
        return
    turn.answer()
    period = period_of(found)
    remit = estate_remit(found.estate_id)
    if tap.action is DispatchAction.CHART:
        send_chart(turn, await reports.weekly(turn.uow, remit, period, turn.desk.settings.tz))
    else:
        await send_registry(turn, remit, period)


async def _sign_ledger(turn: Turn, ledger: Dispatch, action: DispatchAction) -> None:
    """*Sign* (or an older ledger's *Acknowledge*): the staff on duty's or the supervisor's
    signature, then the ledger redrawn with both signatures as they stand."""
    assert turn.staff is not None
    if action not in (DispatchAction.SIGN, DispatchAction.ACKNOWLEDGE):
        refuse(turn)
        return
    signed = await dispatches.sign_ledger(turn.uow, turn.staff, ledger, turn.desk.policy, turn.now)
    if signed is None:
        refuse(turn)
        return
    turn.answer(turn.t("ledger.thanks" if signed else "ledger.already_signed"))
    screen = await dispatches.ledger_view(turn.uow, turn.staff, ledger, turn.views, turn.now)
    show(turn, screen, edit=True)


@entry
async def ledger_command(turn: Turn) -> None:
    """/ledger [2026-11]: the month's daily ledgers and their signatures (managers)."""
    if turn.staff is None or not turn.staff.is_manager:
        refuse(turn)
        return
    message = turn.update.effective_message
    parts = (message.text or "").split() if message else []
    today = turn.now.astimezone(turn.desk.settings.tz).date()
    month = today.replace(day=1)
    if len(parts) > 1:
        try:
            month = date.fromisoformat(f"{parts[1]}-01")
        except ValueError:
            turn.reply(turn.t("ledger.bad_month"))
            return
    end = (month + timedelta(days=32)).replace(day=1)
    found = await dispatches.archive(turn.uow, turn.staff.estate_id, month, end)
    lines = [turn.t("ledger.archive_title", month=f"{month:%Y-%m}")]
    for day, signatures in found:
        signed = join("; ", signature_lines(turn.views, turn.language, signatures))
        lines.append(Html("{}: {}").format(turn.day(day), signed))
    if len(lines) == 1:
        lines.append(turn.t("registry.empty"))
    turn.reply(join("\n", lines))


FEATURE = Feature(
    "dispatches",
    handlers=(
        CallbackQueryHandler(dispatch_tap, pattern=DispatchTap.pattern()),
        CommandHandler("ledger", ledger_command, filters=PRIVATE),
    ),
)

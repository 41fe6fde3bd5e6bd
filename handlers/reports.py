"""/report and /export: the analysis (with its chart) and the registry as a spreadsheet,
for a week, a month or any dates, within the reader's remit."""

from __future__ import annotations

from telegram.constants import ChatAction
from telegram.ext import CommandHandler

from bot.domain.permissions import Remit, remit_of, staff_viewer
from bot.domain.reports import Period, Week, parse_period
from bot.domain.validation import Invalid
from bot.services import export, reports
from bot.views.report import report_chart, report_text
from handlers.common import PRIVATE, refuse
from handlers.feature import Feature
from handlers.progress import say_first, showing
from handlers.runtime import Turn, entry


def _argument(turn: Turn) -> str:
    message = turn.update.effective_message
    parts = (message.text or "").split(maxsplit=1) if message else []
    return parts[1] if len(parts) > 1 else ""


def _period(turn: Turn) -> Period | None:
    today = turn.now.astimezone(turn.desk.settings.tz).date()
    period = parse_period(_argument(turn), today)
    if isinstance(period, Invalid):
        turn.reply(turn.t(period.reason, **(period.values or {})))
        return None
    return period


@entry
async def report_command(turn: Turn) -> None:
    remit = remit_of(staff_viewer(turn.staff)) if turn.staff else None
    if remit is None:
        refuse(turn)
        return
    period = _period(turn)
    if period is None:
        return
    async with showing(turn, ChatAction.UPLOAD_PHOTO):
        tz = turn.desk.settings.tz
        found = await reports.figures(turn.uow, remit, period, turn.desk.policy, tz)
        turn.reply(report_text(turn.views, turn.language, found))
        send_chart(turn, found.weekly)


def send_chart(turn: Turn, weeks: list[Week]) -> None:
    data = report_chart(turn.views, turn.language, weeks)
    caption = turn.t("report.chart_caption")
    turn.file(data, "report.png", caption, photo=True, when_busy=turn.t("report.busy"))


@entry
async def export_command(turn: Turn) -> None:
    remit = remit_of(staff_viewer(turn.staff)) if turn.staff else None
    if turn.staff is None or remit is None:
        refuse(turn)
        return
    period = _period(turn)
    if period is None:
        return
    await send_registry(turn, remit, period)


async def send_registry(turn: Turn, remit: Remit, period: Period) -> None:
    """The registry of the period as a spreadsheet, in the reader's language."""
    assert turn.staff is not None
    rows = await export.registry_size(turn.uow, remit, period, turn.desk.settings.tz)
    if rows > turn.desk.policy.reports.export_notice_rows:
        await say_first(turn, turn.t("export.preparing", count=rows))
    async with showing(turn, ChatAction.UPLOAD_DOCUMENT):
        data, listed = await export.registry_workbook(
            turn.uow,
            turn.staff,
            remit,
            period,
            turn.views,
            turn.language,
            turn.desk.policy,
            turn.now,
        )
    name = f"registry-{period.start:%Y%m%d}-{period.last_day:%Y%m%d}.xlsx"
    caption = turn.t(
        "export.caption",
        count=listed,
        start=turn.day(period.start),
        end=turn.day(period.last_day),
    )
    turn.file(data, name, caption, photo=False, when_busy=turn.t("report.busy"))


FEATURE = Feature(
    "reports",
    handlers=(
        CommandHandler("report", report_command, filters=PRIVATE),
        CommandHandler("export", export_command, filters=PRIVATE),
    ),
)

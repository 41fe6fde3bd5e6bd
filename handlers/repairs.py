"""Repair requests (报修): what is broken, where, what happened (with photos), when someone
may come, and whether staff may enter when nobody is home; then the resident's side of
the visit (agree, or pick another window) and the sign-off (fixed, or not: reopened).

The form is the desk's own (bot.domain.forms), asked by the one question engine
(handlers.form); its summary and filing are the complaint's (handlers.complaint) plus the
visit times and entry.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import CallbackQueryHandler

from bot.domain import forms
from bot.domain.questions import Answer, Source
from bot.domain.tickets import TicketKind
from bot.services import repairs
from bot.services.filing import own_form, supplied
from bot.services.workflow import Refused
from bot.views.followup import SignOff, SignOffTap, Visit, VisitTap
from bot.views.service import window_label
from handlers import complaint, form, intake
from handlers.common import item_context
from handlers.feature import Feature, IntakeForm
from handlers.menu import Entry
from handlers.runtime import Turn, entry

FLOW = TicketKind.REPAIR.value


async def start_repair(turn: Turn, subject: intake.Subject | None = None) -> None:
    asked = own_form(TicketKind.REPAIR, turn.desk.policy)
    await form.begin(turn, FLOW, asked, **intake.carrying(subject))


def _summary_lines(turn: Turn, answers: dict[str, Answer]) -> list[str]:
    """The visit's time and the entry permission (no, unless changed), for a repair in the
    home; a common area's repair has neither."""
    windows = answers.get(forms.WINDOWS)
    if not isinstance(windows, list) or not windows:
        return []
    shown = ", ".join(window_label(turn.views, turn.language, w) for w in windows)
    enter = "common.yes" if answers.get(forms.ENTER) == "yes" else "common.no"
    return [
        turn.t("summary.windows", windows=shown),
        turn.t("summary.enter", answer=turn.t(enter)),
    ]


REPAIR_FLOW = complaint.flow(FLOW, _summary_lines)


def _slots(turn: Turn) -> list[tuple[str, str]]:
    """The policy's visit slots on each of the next days: (stored value, button label)."""
    today = turn.now.astimezone(turn.desk.settings.tz).date()
    values = supplied(turn.desk.policy, today)[Source.VISIT_SLOTS]
    return [(v, window_label(turn.views, turn.language, v)) for v in values]


# --- the resident's answers to the visit and the work -------------------------------------
def _other(label: str, ticket_id: int, slot: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=VisitTap(Visit.OTHER, ticket_id, slot).pack())


@entry
async def on_visit(turn: Turn) -> None:
    """*That time suits me* / *Another time*: the other times are the policy's slots."""
    query = turn.update.callback_query
    tap = VisitTap.unpack(query.data if query else None)
    if tap is None or turn.resident is None:
        turn.answer(turn.t("common.stale_button"))
        return
    if tap.answer is Visit.OTHER and not tap.slot:
        rows = [
            [
                InlineKeyboardButton(
                    label, callback_data=VisitTap(Visit.OTHER, tap.ticket, v).pack()
                )
            ]
            for v, label in _slots(turn)
        ]
        turn.edit(turn.t("repair.ask_other_time"), InlineKeyboardMarkup(rows))
        return
    agreed = tap.answer is Visit.AGREE
    wanted = tap.slot or None  # as stored: staff read it in their own language
    try:
        visit_at = await repairs.visit_answer(
            item_context(turn), turn.resident.id, tap.ticket, agreed=agreed, wanted=wanted
        )
    except Refused:
        turn.answer(turn.t("common.stale_button"), alert=True)
        return
    if agreed:
        turn.edit(turn.t("repair.visit_agreed", at=turn.moment(visit_at or turn.now)))
    else:
        label = window_label(turn.views, turn.language, tap.slot)
        turn.edit(turn.t("repair.visit_asked_other", window=turn.esc(label)))


@entry
async def on_sign_off(turn: Turn) -> None:
    query = turn.update.callback_query
    tap = SignOffTap.unpack(query.data if query else None)
    if tap is None or turn.resident is None:
        turn.answer(turn.t("common.stale_button"))
        return
    fixed = tap.answer is SignOff.FIXED
    try:
        next_at = await repairs.sign_off(
            item_context(turn), turn.resident.id, tap.ticket, fixed=fixed
        )
    except Refused:
        turn.answer(turn.t("followup.already_answered"), alert=True)
        return
    when = next_at or turn.now  # a signed-off repair has its follow-up; a reopened one its due
    if fixed:
        day = when.astimezone(turn.desk.settings.tz).date()
        turn.edit(turn.t("repair.signed_off", day=turn.day(day)))
    else:
        turn.edit(turn.t("repair.reopened", due=turn.moment(when)))


FEATURE = Feature(
    "repairs",
    handlers=(
        CallbackQueryHandler(on_visit, pattern=VisitTap.pattern()),
        CallbackQueryHandler(on_sign_off, pattern=SignOffTap.pattern()),
    ),
    flows=(REPAIR_FLOW,),
    menu=(Entry("menu.repair", start_repair, 2),),
    intake_forms=(IntakeForm(TicketKind.REPAIR, start_repair, 2),),
)

"""Repair requests (报修): what is broken, where, what happened (with photos), when someone
may come, and whether staff may enter when nobody is home; then the resident's side of
the visit (agree, or pick another window) and the sign-off (fixed, or not: reopened).

The dialogue is the complaint's steps (handlers.complaint) plus two of its own.
"""

from __future__ import annotations

from datetime import date, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.domain.repairs import RepairType
from bot.domain.tickets import TicketKind
from bot.domain.validation import Invalid, clean_text
from bot.services import repairs
from bot.services.tickets import WorkOrder
from bot.services.workflow import Refused
from bot.views.followup import SignOff, SignOffTap, Visit, VisitTap
from bot.views.service import window_label
from handlers import complaint, dialogue, menu
from handlers.common import item_context
from handlers.complaint import REPORTS, Report, carry_on
from handlers.dialogue import Flow, Step, button, choice_step, reprompt, tapped
from handlers.dialogue import data as _data
from handlers.keyboards import grid
from handlers.runtime import Input, InputKind, Turn, entry

FLOW = "repair"
DONE = "done"
WINDOW_CHARS = 100


def _types(turn: Turn) -> list[tuple[str, str]]:
    return [(t.value, turn.t(f"repair.type_{t.value}")) for t in RepairType]


def _windows(turn: Turn) -> list[str]:
    windows = _data(turn).setdefault("windows", [])
    assert isinstance(windows, list)
    return windows


def _today(turn: Turn) -> date:
    return turn.now.astimezone(turn.desk.settings.tz).date()


def _slots(turn: Turn) -> list[tuple[str, str]]:
    """The policy's visit slots on each of the next days: (stored value, button label)."""
    repairs_policy = turn.desk.policy.repairs
    days = [_today(turn) + timedelta(days=n) for n in range(1, repairs_policy.visit_days + 1)]
    return [
        (f"{day.isoformat()} {slot}", f"{turn.short_day(day)} {slot}")
        for day in days
        for slot in repairs_policy.visit_slots
    ]


def _summary_lines(turn: Turn) -> list[str]:
    windows = ", ".join(window_label(turn.views, turn.language, w) for w in _windows(turn))
    enter = "common.yes" if _data(turn).get("may_enter") == "yes" else "common.no"
    return [
        turn.t("summary.windows", windows=turn.esc(windows or "—")),
        turn.t("summary.enter", answer=turn.t(enter)),
    ]


def _work(turn: Turn) -> WorkOrder:
    data = _data(turn)
    return repairs.work_order(
        RepairType(str(data["category"])), list(_windows(turn)), data.get("may_enter") == "yes"
    )


REPORTS[FLOW] = Report(
    TicketKind.REPAIR,
    {
        "category": "location",
        "location": "description",
        "location_text": "description",
        "description": "photos",
        "photos": "windows",
        "windows": "enter",
        "enter": "summary",
    },
    ("category", "location", "description", "photos", "windows", "enter"),
    categories=_types,
    summary=_summary_lines,
    work=_work,
)


@menu.add("menu.repair", order=2)
async def start_repair(turn: Turn) -> None:
    await dialogue.begin(turn, FLOW, "category", photos=[], windows=[])


# --- visit windows, several may be ticked ---------------------------------------------------
def _windows_markup(turn: Turn) -> InlineKeyboardMarkup:
    chosen = set(_windows(turn))
    buttons = [
        button(turn, f"✅ {label}" if value in chosen else label, value)
        for value, label in _slots(turn)
    ]
    columns = len(turn.desk.policy.repairs.visit_slots)
    rows = list(grid(buttons, columns).inline_keyboard)
    rows.append((button(turn, turn.t("repair.windows_done"), DONE),))
    return InlineKeyboardMarkup(rows)


def _windows_text(turn: Turn) -> str:
    typed = [w for w in _windows(turn) if w not in dict(_slots(turn))]
    text = turn.t("repair.ask_windows")
    if typed:
        text += "\n" + turn.t("repair.windows_typed", windows=turn.esc(", ".join(typed)))
    return text


async def ask_windows(turn: Turn) -> None:
    turn.reply(_windows_text(turn), _windows_markup(turn))


async def on_windows(turn: Turn, inp: Input) -> None:
    value = tapped(turn, inp)
    windows = _windows(turn)
    if value == DONE:
        if not windows:
            await reprompt(turn, "repair.pick_a_window")
            return
        shown = ", ".join(window_label(turn.views, turn.language, w) for w in windows)
        turn.edit(turn.t("repair.windows_chosen", windows=turn.esc(shown)))
        await carry_on(turn)
        return
    if value is not None and value in dict(_slots(turn)):
        if value in windows:
            windows.remove(value)
        else:
            windows.append(value)
        turn.touch()
        turn.edit(_windows_text(turn), _windows_markup(turn))
        return
    if inp.kind is not InputKind.TEXT:
        await reprompt(turn, "invalid.need_text")
        return
    typed = clean_text(inp.text, max_chars=WINDOW_CHARS)  # "weekday evenings after 7"
    if isinstance(typed, Invalid):
        await reprompt(turn, typed)
        return
    if typed not in windows:
        windows.append(typed)
        turn.touch()
    await dialogue.prompt_again(turn)


def _yes_no(turn: Turn) -> list[tuple[str, str]]:
    return [("yes", turn.t("common.yes")), ("no", turn.t("common.no"))]


async def _may_enter(turn: Turn, value: str, label: str) -> None:
    _data(turn)["may_enter"] = value
    turn.edit(turn.t("repair.enter_chosen", choice=label))
    await carry_on(turn)


dialogue.register_flow(
    Flow(
        FLOW,
        {
            **complaint.steps(
                "category", "location", "location_text", "description", "photos", "summary", "edit"
            ),
            "windows": Step(ask_windows, on_windows),
            "enter": choice_step("repair.ask_enter", _yes_no, _may_enter),
        },
    )
)


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
        await repairs.visit_answer(
            item_context(turn), turn.resident.id, tap.ticket, agreed=agreed, wanted=wanted
        )
    except Refused:
        turn.answer(turn.t("common.stale_button"), alert=True)
        return
    if agreed:
        turn.edit(turn.t("repair.visit_agreed"))
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
        await repairs.sign_off(item_context(turn), turn.resident.id, tap.ticket, fixed=fixed)
    except Refused:
        turn.answer(turn.t("followup.already_answered"), alert=True)
        return
    turn.edit(turn.t("repair.signed_off" if fixed else "repair.reopened"))


HANDLERS: list[BaseHandler] = [
    CallbackQueryHandler(on_visit, pattern=VisitTap.pattern()),
    CallbackQueryHandler(on_sign_off, pattern=SignOffTap.pattern()),
]

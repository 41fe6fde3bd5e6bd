"""Ordering a service from the catalogue (委托代办): the questions the catalogue asks, a
summary with every answer to confirm (the resident's signature), change or cancel.

The dialogue knows no service: it asks each applicable question of the chosen one, by
its kind (choice, text, date, date and time, yes/no, number, phone), and checks what the
catalogue says (lengths, numbers, lead time, service hours).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from telegram import InlineKeyboardButton
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.catalogue import Question, QuestionKind, Service
from bot.domain.orders import TimingProblem, check_service_time
from bot.domain.tickets import TicketFacts
from bot.domain.validation import (
    Invalid,
    clean_phone,
    clean_text,
    parse_moment,
    parse_requested_date,
    parse_time_of_day,
)
from bot.htmltext import Html, escape, join
from bot.services import orders
from bot.services.notifier import Notifier
from bot.services.residents import withdraw_birthday_wishes
from bot.services.workflow import Refused
from bot.views.followup import WITHDRAW, Wishes, WishesTap
from bot.views.service import CancelOrderTap, answer_label, resident_may_cancel
from handlers import dialogue, menu, my_requests
from handlers.common import item_context
from handlers.dialogue import (
    Flow,
    Step,
    button,
    goto,
    reprompt,
    summary_step,
    tapped,
    text_step,
)
from handlers.dialogue import data as _data
from handlers.keyboards import grid
from handlers.menu import main_menu
from handlers.runtime import Input, InputKind, Turn, entry

FLOW = "order"
CANCEL_FLOW = "order_cancel"
SKIP, DEFAULT, DAY = "-", "default", "day"
DAYS_SHOWN = 7


def _service(turn: Turn) -> Service:
    services = turn.desk.services
    found = services.service(str(_data(turn).get("service"))) if services else None
    assert found is not None
    return found


def _answers(turn: Turn) -> dict[str, str]:
    answers = _data(turn).setdefault("answers", {})
    assert isinstance(answers, dict)
    return answers


def _question(turn: Turn) -> Question:
    found = _service(turn).question(str(_data(turn).get("q")))
    assert found is not None
    return found


@menu.add("menu.order", order=3)
async def start_order(turn: Turn) -> None:
    if turn.desk.services is None:
        turn.reply(turn.t("common.not_understood"), main_menu(turn))
        return
    await dialogue.begin(turn, FLOW, "pick", answers={})


# --- choosing a service ----------------------------------------------------------------------
async def ask_service(turn: Turn) -> None:
    assert turn.desk.services is not None
    buttons = [
        button(turn, s.name.get(turn.language), s.code) for s in turn.desk.services.services
    ]
    turn.reply(turn.t("order.ask_service"), grid(buttons, 1))


async def on_service(turn: Turn, inp: Input) -> None:
    assert turn.desk.services is not None
    chosen = turn.desk.services.service(tapped(turn, inp) or "")
    if chosen is None:
        await reprompt(turn, "invalid.use_buttons")
        return
    _data(turn).update(service=chosen.code, answers={})
    price = chosen.price.get(turn.language) if chosen.price else ""
    name = turn.esc(chosen.name.get(turn.language))
    turn.edit(turn.t("order.service_chosen", service=name, price=turn.esc(price)))
    await _next(turn)


async def _next(turn: Turn) -> None:
    """The first applicable question not yet answered, else the summary."""
    answers = _answers(turn)
    pending = [q for q in _service(turn).asked(answers) if q.id not in answers]
    if not pending:
        await goto(turn, "summary")
        return
    _data(turn)["q"] = pending[0].id
    await goto(turn, "answer")


# --- one question, by its kind ----------------------------------------------------------------
def _value(turn: Turn, inp: Input) -> str | None:
    """A tapped value of this question (buttons name the question they answer)."""
    found = tapped(turn, inp)
    if found is None or "=" not in found:
        return None
    question_id, _, value = found.partition("=")
    return value if question_id == _question(turn).id else None


def _button(turn: Turn, label: str, value: str) -> InlineKeyboardButton:
    return button(turn, label, f"{_question(turn).id}={value}")


async def ask_answer(turn: Turn) -> None:
    question = _question(turn)
    text = escape(question.ask.get(turn.language))
    buttons: list[InlineKeyboardButton] = []
    if question.kind is QuestionKind.CHOICE:
        buttons = [_button(turn, c.label.get(turn.language), c.value) for c in question.choices]
    elif question.kind is QuestionKind.YESNO:
        buttons = [
            _button(turn, turn.t("common.yes"), "yes"),
            _button(turn, turn.t("common.no"), "no"),
        ]
    elif question.kind is QuestionKind.DATETIME:
        buttons = [_button(turn, turn.day(d), f"{DAY}:{d.isoformat()}") for d in _days(turn)]
    if question.default and turn.resident is not None:
        shown = turn.resident.name if question.default == "resident_name" else turn.resident.phone
        buttons.append(_button(turn, shown, DEFAULT))
    if not question.required:
        buttons.append(_button(turn, turn.t("button.skip"), SKIP))
    if question.kind is QuestionKind.TEXT and question.max:
        text += "\n" + turn.t("order.up_to", count=question.max)
    turn.reply(text, grid(buttons, 2) if buttons else None)


def _days(turn: Turn) -> list[date]:
    """The next days a delivery can be booked for (lead time and service hours allowing)."""
    service = _service(turn)
    tz = turn.desk.settings.tz
    earliest = (turn.now + timedelta(hours=service.lead_hours)).astimezone(tz)
    first = earliest.date()
    if service.closes is not None and earliest.time() > service.closes:
        first += timedelta(days=1)
    return [first + timedelta(days=n) for n in range(DAYS_SHOWN)]


async def on_answer(turn: Turn, inp: Input) -> None:
    question = _question(turn)
    value = _value(turn, inp)
    if inp.kind is InputKind.BUTTON and value is None:
        turn.answer(turn.t("common.stale_button"))
        await dialogue.prompt_again(turn)
        return
    if value == SKIP and not question.required:
        await _keep(turn, question, None, turn.t("order.skipped"))
        return
    if value == DEFAULT and question.default and turn.resident is not None:
        kept = turn.resident.name if question.default == "resident_name" else turn.resident.phone
        await _keep(turn, question, kept, kept)
        return
    if question.kind is QuestionKind.DATETIME and value and value.startswith(f"{DAY}:"):
        day = value.removeprefix(f"{DAY}:")
        _data(turn)["day"] = day
        turn.edit(turn.t("order.day_chosen", day=turn.day(date.fromisoformat(day))))
        await goto(turn, "time")
        return
    answer = _read(turn, question, inp, value)
    if isinstance(answer, Invalid):
        await reprompt(turn, answer)
        return
    await _keep(turn, question, answer, answer_label(turn.views, turn.language, question, answer))


def _read(turn: Turn, question: Question, inp: Input, value: str | None) -> str | Invalid:
    """The answer in the form it is stored in, or why it cannot be taken."""
    if question.kind is QuestionKind.CHOICE:
        if value is not None and question.choice(value):
            return value
        typed = (inp.text or "").strip() if inp.kind is InputKind.TEXT else ""
        labelled = {c.label.en: c.value for c in question.choices}
        labelled.update({c.label.zh_Hans: c.value for c in question.choices})
        if typed in labelled:
            return labelled[typed]
        if question.other and typed:
            return _text(question, inp)  # "or type another"
        return Invalid("invalid.use_buttons")
    if question.kind is QuestionKind.YESNO:
        return value if value in ("yes", "no") else Invalid("invalid.use_buttons")
    if inp.kind is not InputKind.TEXT:
        return Invalid("invalid.need_text")
    if question.kind is QuestionKind.TEXT:
        return _text(question, inp)
    if question.kind is QuestionKind.PHONE:
        return clean_phone(inp.text)
    if question.kind is QuestionKind.NUMBER:
        return _number(question, inp.text)
    if question.kind is QuestionKind.DATE:
        parsed = parse_requested_date(inp.text, today=_today(turn), max_days=366)
        return parsed if isinstance(parsed, Invalid) else parsed.isoformat()
    moment = parse_moment(inp.text, today=_today(turn), tz=turn.desk.settings.tz, max_days=366)
    return moment if isinstance(moment, Invalid) else _timed(turn, moment)


def _text(question: Question, inp: Input) -> str | Invalid:
    return clean_text(inp.text, max_chars=question.max or 2000)


def _number(question: Question, text: str | None) -> str | Invalid:
    raw = (text or "").strip()
    if not raw.isdigit():
        return Invalid("invalid.number", {"low": question.min or 0, "high": question.max or 9999})
    number = int(raw)
    if number < (question.min or 0) or (question.max is not None and number > question.max):
        return Invalid("invalid.number", {"low": question.min or 0, "high": question.max or 9999})
    return str(number)


def _today(turn: Turn) -> date:
    return turn.now.astimezone(turn.desk.settings.tz).date()


def _timed(turn: Turn, moment: datetime) -> str | Invalid:
    """A delivery time: ahead, past the service's lead time, within its hours."""
    service = _service(turn)
    local = moment.astimezone(turn.desk.settings.tz)
    problem = check_service_time(
        local,
        now=turn.now,
        lead=timedelta(hours=service.lead_hours),
        opens=service.opens,
        closes=service.closes,
    )
    if problem is TimingProblem.PAST:
        return Invalid("order.time_past")
    if problem is TimingProblem.TOO_SOON:
        lead = turn.duration(timedelta(hours=service.lead_hours))
        return Invalid("order.time_lead", {"lead": lead})
    if problem is TimingProblem.CLOSED:
        assert service.opens is not None
        assert service.closes is not None
        return Invalid(
            "order.time_hours",
            {"opens": service.opens.strftime("%H:%M"), "closes": service.closes.strftime("%H:%M")},
        )
    return local.isoformat()


async def _keep(turn: Turn, question: Question, answer: str | None, shown: str) -> None:
    answers = _answers(turn)
    answers[question.id] = answer if answer is not None else ""
    turn.touch()
    if turn.update.callback_query is not None:
        turn.edit(Html("{}\n<b>{}</b>").format(question.ask.get(turn.language), shown))
    await _next(turn)


# --- the time of a delivery, once its day is chosen -----------------------------------------
async def ask_time(turn: Turn) -> None:
    service = _service(turn)
    day = date.fromisoformat(str(_data(turn)["day"]))
    tz = turn.desk.settings.tz
    first = service.opens.hour if service.opens else 8
    last = service.closes.hour if service.closes else 20
    slots = []
    for hour in range(first, last + 1):
        moment = datetime(day.year, day.month, day.day, hour, tzinfo=tz)
        if not isinstance(_timed(turn, moment), Invalid):
            slots.append(button(turn, f"{hour:02d}:00", moment.isoformat()))
    slots.append(button(turn, turn.t("order.other_day"), "back"))
    turn.reply(turn.t("order.ask_time", day=turn.day(day)), grid(slots, 4))


async def on_time(turn: Turn, inp: Input) -> None:
    question = _question(turn)
    chosen = tapped(turn, inp)
    if chosen == "back":
        turn.edit(
            turn.t("order.ask_time", day=turn.day(date.fromisoformat(str(_data(turn)["day"]))))
        )
        await goto(turn, "answer")
        return
    moment: datetime | Invalid
    if chosen is not None:
        moment = datetime.fromisoformat(chosen)
    elif inp.kind is InputKind.TEXT:
        clock = parse_time_of_day(inp.text)
        day = date.fromisoformat(str(_data(turn)["day"]))
        tz = turn.desk.settings.tz
        moment = clock if isinstance(clock, Invalid) else datetime.combine(day, clock, tz)
    else:
        moment = Invalid("invalid.time")
    answer = moment if isinstance(moment, Invalid) else _timed(turn, moment)
    if isinstance(answer, Invalid):
        await reprompt(turn, answer)
        return
    await _keep(turn, question, answer, answer_label(turn.views, turn.language, question, answer))


# --- summary, change, confirm ------------------------------------------------------------------
def _summary(turn: Turn) -> Html:
    service = _service(turn)
    answers = _answers(turn)
    lines: list[str] = [turn.t("order.summary_title", service=service.name.get(turn.language))]
    for question in service.asked(answers):
        value = answers.get(question.id) or ""
        shown = answer_label(turn.views, turn.language, question, value) if value else "—"
        lines.append(Html("{} <b>{}</b>").format(question.ask.get(turn.language), shown))
    if service.price is not None:
        lines.append(service.price.get(turn.language))
    return join("\n", lines)


async def _file(turn: Turn) -> None:
    assert turn.resident is not None
    service = _service(turn)
    answers = _answers(turn)
    asked = {q.id: answers[q.id] for q in service.asked(answers) if answers.get(q.id)}
    filed = await orders.file_order(
        turn.uow,
        Notifier(turn.uow, turn.views),
        resident=turn.resident,
        service=service,
        answers=asked,
        summary=service.name.get(turn.resident.language),
        policy=turn.desk.policy,
        tz=turn.desk.settings.tz,
        now=turn.now,
    )
    turn.edit(_summary(turn) + "\n\n" + turn.t("order.signed", reference=filed.reference))
    turn.end()


async def ask_edit(turn: Turn) -> None:
    service = _service(turn)
    answers = _answers(turn)
    buttons = [
        button(turn, q.ask.get(turn.language)[:40], q.id)
        for q in service.asked(answers)
        if q.id in answers
    ]
    buttons.append(button(turn, turn.t("button.back"), "back"))
    turn.reply(turn.t("edit.which"), grid(buttons, 1))


async def on_edit(turn: Turn, inp: Input) -> None:
    choice = tapped(turn, inp)
    if choice == "back":
        turn.edit(turn.t("edit.which"))
        await goto(turn, "summary")
        return
    answers = _answers(turn)
    if choice is None or choice not in answers:
        await reprompt(turn, "invalid.use_buttons")
        return
    turn.edit(turn.t("edit.which"))
    answers.pop(choice)
    await _next(turn)


# --- birthday wishes every year? ----------------------------------------------------------
@entry
async def on_wishes(turn: Turn) -> None:
    query = turn.update.callback_query
    tap = WishesTap.unpack(query.data if query else None)
    if tap is None or turn.resident is None:
        turn.answer(turn.t("common.stale_button"))
        return
    if tap.ticket == WITHDRAW:
        await withdraw_birthday_wishes(turn.uow, turn.resident.id)
        turn.edit(turn.t("profile.wishes_withdrawn"))
        return
    try:
        day = await orders.wishes_consent(
            turn.uow, turn.resident, tap.ticket, consent=tap.answer is Wishes.YES
        )
    except Refused:
        turn.answer(turn.t("common.stale_button"))
        return
    key = "order.wishes_kept" if day else "order.wishes_declined"
    turn.edit(turn.t(key, day=turn.day(day) if day else ""))


# --- the resident cancels, until delivery ----------------------------------------------------
def _cancel_button(turn: Turn, item: TicketFacts) -> list[InlineKeyboardButton]:
    if not resident_may_cancel(item):
        return []
    tap = CancelOrderTap(item.id).pack()
    return [InlineKeyboardButton(turn.t("order.cancel_button"), callback_data=tap)]


my_requests.ITEM_BUTTONS.append(_cancel_button)


@entry
async def on_cancel_tap(turn: Turn) -> None:
    query = turn.update.callback_query
    tap = CancelOrderTap.unpack(query.data if query else None)
    if tap is None or turn.resident is None:
        turn.answer(turn.t("common.stale_button"))
        return
    if turn.dialogue is not None:
        turn.answer(turn.t("common.finish_first"))
        return
    turn.answer()
    await dialogue.begin(turn, CANCEL_FLOW, "reason", ticket=tap.ticket)


async def _cancel(turn: Turn, reason: str) -> None:
    assert turn.resident is not None
    ticket_id = int(str(_data(turn)["ticket"]))
    turn.end()
    try:
        await orders.cancel_by_resident(item_context(turn), turn.resident, ticket_id, reason)
    except Refused:
        turn.reply(turn.t("order.cannot_cancel"), main_menu(turn))
        return
    turn.reply(turn.t("order.cancel_heard"), main_menu(turn))


dialogue.register_flow(
    Flow(CANCEL_FLOW, {"reason": text_step("order.ask_cancel_reason", _cancel)})
)

dialogue.register_flow(
    Flow(
        FLOW,
        {
            "pick": Step(ask_service, on_service),
            "answer": Step(ask_answer, on_answer),
            "time": Step(ask_time, on_time),
            "summary": summary_step(
                _summary, _file, confirm="order.sign", note="order.sign_note", columns=1, clear="q"
            ),
            "edit": Step(ask_edit, on_edit),
        },
    )
)

HANDLERS: list[BaseHandler] = [
    CallbackQueryHandler(on_wishes, pattern=WishesTap.pattern()),
    CallbackQueryHandler(on_cancel_tap, pattern=CancelOrderTap.pattern()),
]

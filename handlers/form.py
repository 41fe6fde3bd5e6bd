"""One question engine for every form: a catalogue service's commission form, a kind of
request defined as data, and the desk's own complaint, suggestion and repair forms. It asks
each applicable question by its kind (choice, text, date, date and time, yes/no, number,
phone, photos, place, visit windows), checks what the form says (lengths, numbers, days
ahead, lead time, hours), and offers changing any answer from the summary.

A flow that uses it says where its form comes from (`Flow.form`), adds `steps()` to its
own, and has a "summary" step of its own. What the engine keeps is `Asking` (the answers,
the question being asked, the photos and windows on their way); a question worded by
catalogue keys (`Question.words`) is asked and shown with those texts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import as_int
from bot.domain import forms
from bot.domain.birthdays import whom
from bot.domain.orders import TimingProblem, check_service_time
from bot.domain.questions import (
    PLACE_CHARS,
    Answer,
    Form,
    Place,
    Question,
    QuestionKind,
    Role,
    Source,
)
from bot.domain.validation import (
    Invalid,
    clean_phone,
    clean_text,
    parse_moment,
    parse_requested_date,
    parse_time_of_day,
    whole_number,
)
from bot.htmltext import Html, escape
from bot.services.actions import Refused
from bot.services.filing import supplied
from bot.services.tickets import Filed
from bot.views.service import ANY_TIME, answer_label, window_label
from handlers import dialogue, emergencies, intake
from handlers.dialogue import Step, button, goto, keep_state, reprompt, state, tapped
from handlers.keyboards import grid
from handlers.menu import main_menu
from handlers.runtime import Input, InputKind, Turn

SKIP, DEFAULT, DAY, DONE, HOME, AREA = "-", "default", "day", "done", "home", "area"
EMERGENCY = "!emergency"  # a complaint's category chosen as an emergency: its own path
DAYS_SHOWN = 7
# A date-time question first offers the next days' usual hours, one tap each; "another day
# or time" opens the days, then the hours of the day chosen.
AT, MORE = "at", "more"
QUICK_HOURS = (10, 15, 18)
QUICK_DAYS = 3
# How the desk names the choices it supplies (the visit slots are dates: see _label).
_LABELS = {Source.COMPLAINT_CATEGORIES: "category.{}", Source.REPAIR_TYPES: "repair.type_{}"}


@dataclass(slots=True)
class Asking:
    """The engine's state: the answers so far (a list for photos and windows), the question
    being asked, photos sent for the form's photo question, the windows ticked so far, and
    a delivery's chosen day before its hour."""

    answers: dict[str, Answer] = field(default_factory=dict)
    q: str = ""
    photos: list[str] = field(default_factory=list)
    ticked: list[str] = field(default_factory=list)  # unused since one tap answers; kept
    # so that dialogues stored by an earlier version still load
    day: str = ""
    quick: bool = False  # begun from a free message: filed once nothing is left open
    voice: str = ""  # a voice note given as the description: its file
    voice_seconds: int = 0


def form_of(turn: Turn) -> Form:
    """The form the current dialogue's flow asks (its `Flow.form`)."""
    assert turn.dialogue is not None
    ask = dialogue.FLOWS[turn.dialogue.flow].form
    assert ask is not None
    return ask(turn)


def steps() -> dict[str, Step]:
    """The engine's steps, to add to a flow's own."""
    return {
        "answer": Step(ask_answer, on_answer),
        "time": Step(ask_time, on_time),
        "place": Step(ask_place, on_place),
        "edit": Step(ask_edit, on_edit),
    }


async def begin(
    turn: Turn, flow: str, form: Form, given: Asking | None = None, **values: object
) -> None:
    """Start `flow` at the first question of `form` still open; `values`: what the flow
    keeps besides (read back with the flow's own dataclass) and for whom the form is.
    `given`: answers already given (a free message's text, photo or voice note); begun
    `quick`, the form is filed as soon as nothing is left open, without a summary."""
    asking = given or Asking()
    pending = await _open(turn, form, asking)
    quick = dialogue.FLOWS[flow].quick
    if not pending and asking.quick and quick is not None:
        turn.start(flow, "summary", {})
        keep_state(turn, asking)
        dialogue.data(turn).update(values)
        await quick(turn)
        return
    asking.q = pending[0].id if pending else ""
    await dialogue.begin(turn, flow, "answer" if pending else "summary", asking, **values)


def _asking(turn: Turn) -> Asking:
    return state(turn, Asking)


def _day_of(form: Form, asking: Asking) -> str | None:
    """The day the service is for, once known (a birthday left to the summary is that
    day unless the resident says otherwise)."""
    at = form.with_role(Role.SERVICE_AT)
    when = asking.answers.get(at.id) if at is not None else None
    return when[:10] if isinstance(when, str) and when else None


def set_answer(turn: Turn, question_id: str, value: Answer) -> None:
    """Record an answer given outside the questions (a sign button's payment method)."""
    asking = _asking(turn)
    asking.answers[question_id] = value
    keep_state(turn, asking)


async def _open(turn: Turn, form: Form, asking: Asking) -> list[Question]:
    """The questions still to ask, in order: not those left to the summary (given their
    preset answer, or the resident's name or phone, here), and not a place the resident's
    home answers (answered with it here)."""
    found = []
    for question in form.asked(asking.answers):
        if question.id in asking.answers or question.role is Role.PAYMENT:
            continue  # the payment method: the summary's sign buttons ask it
        if question.on_summary:
            preset = question.preset or await _default(turn, question)
            if question.role is Role.BIRTHDAY:
                preset = preset or _day_of(form, asking)
            if preset:
                asking.answers[question.id] = preset
            continue
        if question.at_home(asking.answers) and home_of(turn):
            asking.answers[question.id] = Place(True).stored
            continue
        found.append(question)
    return found


def answers_of(turn: Turn) -> dict[str, Answer]:
    """The answers given, to the questions that apply to them."""
    answers = _asking(turn).answers
    return {q.id: answers[q.id] for q in form_of(turn).asked(answers) if answers.get(q.id)}


def text_answers(turn: Turn) -> dict[str, str]:
    """The answers of a form whose every question takes one value (a catalogue service's,
    a kind's defined as data)."""
    return {k: v for k, v in answers_of(turn).items() if isinstance(v, str)}


def summary_lines(turn: Turn) -> list[Html]:
    """Each applicable question with its answer, for the summary."""
    answers = _asking(turn).answers
    lines: list[Html] = []
    for question in form_of(turn).asked(answers):
        value = answers.get(question.id)
        shown = shown_answer(turn, question, value) if value else "—"
        if question.label is not None:
            lines.append(turn.t("summary.field", label=_name(turn, question), value=shown))
        else:  # the question itself, with its own punctuation
            lines.append(Html("{} <b>{}</b>").format(_name(turn, question), shown))
    return lines


def shown_answer(turn: Turn, question: Question, value: Answer) -> str:
    """An answer as the person reads it."""
    if isinstance(value, list):
        if question.kind is QuestionKind.PHOTOS:
            return str(len(value))
        return ", ".join(window_label(turn.views, turn.language, v) for v in value)
    if question.kind is QuestionKind.PLACE:
        place = Place.read(value)
        return (home_of(turn) if place.home else place.where) if place else value
    if question.choices_from is not None:
        return _label(turn, question.choices_from, value)
    if question.role is Role.BIRTHDAY_OF and whom(value) is None:
        return turn.t("order.whose_own")  # the resident's own, in their words
    return answer_label(turn.views, turn.language, question, value)


def _question(turn: Turn) -> Question:
    found = form_of(turn).question(_asking(turn).q)
    assert found is not None
    return found


async def next_question(turn: Turn) -> None:
    """The first applicable question not yet answered, else the summary."""
    kept = _asking(turn)
    pending = await _open(turn, form_of(turn), kept)
    if not pending:
        keep_state(turn, kept)
        assert turn.dialogue is not None
        quick = dialogue.FLOWS[turn.dialogue.flow].quick
        if kept.quick and quick is not None:
            turn.dialogue.step = "summary"
            turn.touch()
            await quick(turn)
            return
        await goto(turn, "summary")
        return
    kept.q = pending[0].id
    keep_state(turn, kept)
    await goto(turn, "answer")


# --- texts: a question's own (data), or its catalogue keys (the desk's forms) ---------------
def _name(turn: Turn, question: Question) -> str:
    """The question as a summary line or the "change which?" button names it: its short
    label where it has one."""
    if question.label is not None:
        return question.label.get(turn.language)
    if question.words is not None:
        return turn.t(question.words.name or question.words.ask)
    assert question.ask is not None
    return question.ask.get(turn.language)


def _prompt(turn: Turn, question: Question) -> Html:
    """The question as asked, with what it needs to say (a length, a count, an example)."""
    if question.words is None:
        assert question.ask is not None
        text = escape(question.ask.get(turn.language))
        if question.kind is QuestionKind.TEXT and question.max:
            text += "\n" + turn.t("order.up_to", count=question.max)
        return text
    count = len(_asking(turn).photos) if question.kind is QuestionKind.PHOTOS else question.max
    example = _today(turn) + timedelta(days=3)
    return turn.t(question.words.ask, count=count or 0, max=question.max or 0, example=example)


def _echo(turn: Turn, question: Question, shown: str) -> Html:
    """What replaces the buttons once the question is answered by one."""
    if question.words is not None and question.words.chosen:
        return turn.t(question.words.chosen, choice=shown)
    return Html("{}\n<b>{}</b>").format(_name(turn, question), shown)


def _skip_label(turn: Turn, question: Question) -> str:
    skip = question.words.skip if question.words else None
    return turn.t(skip or "button.skip")


def _label(turn: Turn, source: Source, value: str) -> str:
    if source is Source.VISIT_SLOTS:
        return window_label(turn.views, turn.language, value)
    return turn.t(_LABELS[source].format(value))


def _supplied(turn: Turn, question: Question) -> list[tuple[str, str]]:
    """The choices the desk supplies to this question now: (value, label)."""
    if question.choices_from is None:
        return []
    values = supplied(turn.desk.policy, _today(turn))[question.choices_from]
    return [(v, _label(turn, question.choices_from, v)) for v in values]


def home_of(turn: Turn) -> str:
    """The home of whoever the form is for ("Building 3 1202"), or "" for someone without."""
    subject = intake.for_whom(turn)
    if subject is not None:
        return subject.home
    return turn.resident.home if turn.resident else ""


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
    kind = question.kind
    if kind is QuestionKind.PHOTOS:
        turn.reply(_prompt(turn, question), _photos_markup(turn, question))
        return
    if kind is QuestionKind.WINDOWS:
        turn.reply(_windows_text(turn, question), _windows_markup(turn, question))
        return
    if kind is QuestionKind.DATETIME and _asking(turn).day != MORE:
        rows = _moments(turn)
        if rows:
            rows.append([_button(turn, turn.t("order.other_time"), MORE)])
            if not question.required:
                rows.append([_button(turn, _skip_label(turn, question), SKIP)])
            turn.reply(_prompt(turn, question), InlineKeyboardMarkup(rows))
            return
    buttons: list[InlineKeyboardButton] = []
    columns = 2
    if kind is QuestionKind.CHOICE:
        options = _supplied(turn, question) or [
            (c.value, c.label.get(turn.language)) for c in question.choices
        ]
        buttons = [_button(turn, label, value) for value, label in options]
        if _offers_emergency(turn, question):
            buttons.append(_button(turn, turn.t("emergency.choose"), EMERGENCY))
    elif kind is QuestionKind.YESNO:
        buttons = [
            _button(turn, turn.t("common.yes"), "yes"),
            _button(turn, turn.t("common.no"), "no"),
        ]
    elif kind is QuestionKind.DATETIME:
        buttons = [_button(turn, turn.day(d), f"{DAY}:{d.isoformat()}") for d in _days(turn)]
    elif kind is QuestionKind.DATE:
        buttons = [
            _button(turn, _soon_label(turn, question, n), f"{DAY}{n}") for n in question.soon
        ]
    elif kind is QuestionKind.PLACE:
        columns = 1  # the home as one tap; anywhere else is typed
        if home_of(turn):
            own = turn.t("complaint.location_own", unit=home_of(turn))
            buttons = [_button(turn, own, HOME)]
    shown = await _default(turn, question)
    if shown:
        buttons.append(_button(turn, shown, DEFAULT))
    if not question.required:
        # A date with quick days offers "none" first, as people read the row.
        at = 0 if question.soon else len(buttons)
        buttons.insert(at, _button(turn, _skip_label(turn, question), SKIP))
    turn.reply(_prompt(turn, question), grid(buttons, columns) if buttons else None)


def _soon_label(turn: Turn, question: Question, days: int) -> str:
    if question.words is not None and question.words.soon:
        return turn.t(f"{question.words.soon}{days}")
    return turn.day(_today(turn) + timedelta(days=days))


async def _default(turn: Turn, question: Question) -> str | None:
    """The one-tap answer from the resident the form is for (their name or phone)."""
    resident = await intake.resident_of(turn) if question.default else None
    if resident is None:
        return None
    return resident.name if question.default == "resident_name" else resident.phone


def _moments(turn: Turn) -> list[list[InlineKeyboardButton]]:
    """A row per day for the next days a service can be booked: its usual hours that the
    form's lead time and hours allow ("Sat 15:00": within three days, the weekday says
    which)."""
    tz = turn.desk.settings.tz
    rows: list[list[InlineKeyboardButton]] = []
    for day in _days(turn):
        row: list[InlineKeyboardButton] = []
        for hour in QUICK_HOURS:
            moment = datetime(day.year, day.month, day.day, hour, tzinfo=tz)
            if isinstance(_timed(turn, moment), Invalid):
                continue
            label = f"{turn.desk.texts.weekday(turn.language, day)} {hour:02d}:00"
            row.append(_button(turn, label, f"{AT}:{day:%Y%m%d}{hour:02d}"))
        if row:
            rows.append(row)
        if len(rows) == QUICK_DAYS:
            break
    return rows


def _moment_of(turn: Turn, value: str) -> datetime | None:
    """A grid button's moment ("at:2026120415"), or None for anything else."""
    digits = value.removeprefix(f"{AT}:")
    if len(digits) != 10 or not digits.isdigit():
        return None
    year, month, day, hour = (int(digits[a:b]) for a, b in ((0, 4), (4, 6), (6, 8), (8, 10)))
    try:
        return datetime(year, month, day, hour, tzinfo=turn.desk.settings.tz)
    except ValueError:
        return None


def _days(turn: Turn) -> list[date]:
    """The next days a delivery can be booked for (lead time and hours allowing)."""
    form = form_of(turn)
    tz = turn.desk.settings.tz
    earliest = (turn.now + timedelta(hours=form.lead_hours)).astimezone(tz)
    first = earliest.date()
    if form.closes is not None and earliest.time() > form.closes:
        first += timedelta(days=1)
    return [first + timedelta(days=n) for n in range(DAYS_SHOWN)]


def _offers_emergency(turn: Turn, question: Question) -> bool:
    """A resident's own complaint: its categories offer *🚨 Emergency* too (staff filing
    for someone by /new page the desk themselves)."""
    own = intake.for_whom(turn) is None
    return own and question.choices_from is Source.COMPLAINT_CATEGORIES


async def on_answer(turn: Turn, inp: Input) -> None:
    question = _question(turn)
    value = _value(turn, inp)
    if inp.kind is InputKind.BUTTON and value is None:
        turn.answer(turn.t("common.stale_button"))
        await dialogue.prompt_again(turn)
        return
    if value == EMERGENCY and _offers_emergency(turn, question):
        # Not a complaint after all: the form is left, the emergency's own path runs.
        described = _asking(turn).answers.get(forms.DESCRIPTION)
        turn.edit(_echo(turn, question, turn.t("emergency.choose")))
        turn.end()
        await emergencies.choose(turn, described if isinstance(described, str) else "")
        return
    if question.kind is QuestionKind.PHOTOS:
        await _on_photos(turn, question, inp, value)
        return
    if inp.kind is InputKind.PHOTO and not question.photos and took_photo(turn, inp):
        return
    if question.kind is QuestionKind.WINDOWS:
        await _on_windows(turn, question, inp, value)
        return
    if question.kind is QuestionKind.PLACE:
        await _on_place(turn, question, inp, value)
        return
    if value == SKIP and not question.required:
        shown = _skip_label(turn, question) if question.words else turn.t("order.skipped")
        await _keep(turn, question, None, _echo(turn, question, shown))
        return
    kept = await _default(turn, question) if value == DEFAULT else None
    if kept:
        await _keep(turn, question, kept, _echo(turn, question, kept))
        return
    if question.kind is QuestionKind.DATETIME and value == MORE:
        asking = _asking(turn)
        asking.day = MORE  # the days, then the hours of the day chosen
        keep_state(turn, asking)
        turn.edit(_prompt(turn, question))
        await dialogue.prompt_again(turn)
        return
    if question.kind is QuestionKind.DATETIME and value and value.startswith(f"{AT}:"):
        moment = _moment_of(turn, value)
        timed = _timed(turn, moment) if moment is not None else Invalid("invalid.time")
        if isinstance(timed, Invalid):  # a button shown before the lead time ran out
            await reprompt(turn, timed)
            return
        shown = shown_answer(turn, question, timed)
        await _keep(turn, question, timed, _echo(turn, question, shown))
        return
    if question.kind is QuestionKind.DATETIME and value and value.startswith(f"{DAY}:"):
        day = value.removeprefix(f"{DAY}:")
        asking = _asking(turn)
        asking.day = day
        keep_state(turn, asking)
        turn.edit(turn.t("order.day_chosen", day=turn.day(date.fromisoformat(day))))
        await goto(turn, "time")
        return
    if question.kind is QuestionKind.TEXT and inp.kind is InputKind.PHOTO and question.photos:
        _keep_photo(turn, inp.photo_file_id)
        if not (inp.text or "").strip():
            turn.reply(turn.t("complaint.photo_kept_need_text"))
            return
        inp = Input(InputKind.TEXT, text=inp.text)  # the caption answers the question
    if inp.kind is InputKind.VOICE and _takes_voice(turn, question):
        heard = take_voice(turn, inp)
        if isinstance(heard, Invalid):
            await reprompt(turn, heard)
            return
        await _keep(turn, question, heard, _echo(turn, question, heard))
        return
    answer = _read(turn, question, inp, value)
    chosen = question.choice(answer) if isinstance(answer, str) and question.choices else None
    if isinstance(answer, Invalid) and question.other_means and inp.kind is InputKind.TEXT:
        answer = _typed_means(turn, question, inp)  # it answers the later question itself
    if isinstance(answer, Invalid):
        await reprompt(turn, answer)
        return
    if chosen is not None and chosen.answers:
        asking = _asking(turn)
        asking.answers.update(chosen.answers)
        keep_state(turn, asking)
    await _keep(
        turn, question, answer, _echo(turn, question, shown_answer(turn, question, answer))
    )


def _typed_means(turn: Turn, question: Question, inp: Input) -> str | Invalid:
    """A typed answer to a choice that takes one for a later question: that question's
    answer (held to its length), and this one's `other_means`."""
    target = form_of(turn).question(question.other_answers or "")
    if target is None or question.other_means is None:
        return Invalid("invalid.use_buttons")
    typed = clean_text(inp.text, max_chars=target.max or 2000)
    if isinstance(typed, Invalid):
        return typed
    asking = _asking(turn)
    asking.answers[target.id] = typed
    keep_state(turn, asking)
    return question.other_means


def _read(turn: Turn, question: Question, inp: Input, value: str | None) -> str | Invalid:
    """The answer in the form it is stored in, or why it cannot be taken."""
    if question.kind is QuestionKind.CHOICE:
        options = _supplied(turn, question) or [
            (c.value, c.label.en) for c in question.choices
        ] + [(c.value, c.label.zh_Hans) for c in question.choices]
        if value is not None and value in dict(options):
            return value
        typed = (inp.text or "").strip() if inp.kind is InputKind.TEXT else ""
        labelled = {label: value for value, label in options}
        if typed in labelled:
            return labelled[typed]
        if question.other and typed:
            return _text(question, inp)  # "or type another"
        return Invalid("invalid.use_buttons")
    if question.kind is QuestionKind.YESNO:
        return value if value in ("yes", "no") else Invalid("invalid.use_buttons")
    if question.kind is QuestionKind.DATE and value is not None and value.startswith(DAY):
        days = value.removeprefix(DAY)
        soon = as_int(days)
        if soon is not None and soon in question.soon:
            return (_today(turn) + timedelta(days=soon)).isoformat()
        return Invalid("invalid.date")
    if inp.kind is not InputKind.TEXT:
        return Invalid(
            "invalid.date" if question.kind is QuestionKind.DATE else "invalid.need_text"
        )
    if question.kind is QuestionKind.TEXT:
        return _text(question, inp)
    if question.kind is QuestionKind.PHONE:
        return clean_phone(inp.text)
    if question.kind is QuestionKind.NUMBER:
        return _number(question, inp.text)
    if question.kind is QuestionKind.DATE:
        within = question.within or 366
        parsed = parse_requested_date(inp.text, today=_today(turn), max_days=within)
        return parsed if isinstance(parsed, Invalid) else parsed.isoformat()
    moment = parse_moment(inp.text, today=_today(turn), tz=turn.desk.settings.tz, max_days=366)
    return moment if isinstance(moment, Invalid) else _timed(turn, moment)


def _takes_voice(turn: Turn, question: Question) -> bool:
    """A description of the desk's own forms (they file a voice note with the item)."""
    assert turn.dialogue is not None
    return (
        question.id == forms.DESCRIPTION and dialogue.FLOWS[turn.dialogue.flow].quick is not None
    )


def voice_text(turn: Turn, seconds: int) -> str:
    """How a voice note given as a description reads: "🎤 Voice note (0:12)"."""
    return turn.t("voice.description", length=f"{seconds // 60}:{seconds % 60:02d}")


def take_voice(turn: Turn, inp: Input) -> str | Invalid:
    """Keep a voice note as the description (within the policy's length): its text."""
    limit = turn.desk.policy.free_text.voice_max_seconds
    if not inp.voice_file_id:
        return Invalid("invalid.need_text")
    if inp.voice_seconds > limit:
        return Invalid("invalid.voice_too_long", {"max": limit})
    asking = _asking(turn)
    asking.voice, asking.voice_seconds = inp.voice_file_id, inp.voice_seconds
    keep_state(turn, asking)
    return voice_text(turn, inp.voice_seconds)


def voice_of(turn: Turn) -> tuple[str, int] | None:
    """The voice note given as the description, if any: (file, seconds)."""
    asking = _asking(turn)
    return (asking.voice, asking.voice_seconds) if asking.voice else None


def _text(question: Question, inp: Input) -> str | Invalid:
    return clean_text(inp.text, max_chars=question.max or 2000)


def _number(question: Question, text: str | None) -> str | Invalid:
    number = whole_number(text)
    if number is None:
        return Invalid("invalid.number", {"low": question.min or 0, "high": question.max or 9999})
    if number < (question.min or 0) or (question.max is not None and number > question.max):
        return Invalid("invalid.number", {"low": question.min or 0, "high": question.max or 9999})
    return str(number)


def _today(turn: Turn) -> date:
    return turn.now.astimezone(turn.desk.settings.tz).date()


def _timed(turn: Turn, moment: datetime) -> str | Invalid:
    """A moment: ahead, past the form's lead time, within its hours."""
    form = form_of(turn)
    local = moment.astimezone(turn.desk.settings.tz)
    problem = check_service_time(
        local,
        now=turn.now,
        lead=timedelta(hours=form.lead_hours),
        opens=form.opens,
        closes=form.closes,
    )
    if problem is TimingProblem.PAST:
        return Invalid("order.time_past")
    if problem is TimingProblem.TOO_SOON:
        lead = turn.duration(timedelta(hours=form.lead_hours))
        return Invalid("order.time_lead", {"lead": lead})
    if problem is TimingProblem.CLOSED:
        assert form.opens is not None
        assert form.closes is not None
        return Invalid(
            "order.time_hours",
            {"opens": form.opens.strftime("%H:%M"), "closes": form.closes.strftime("%H:%M")},
        )
    return local.isoformat()


async def _keep(turn: Turn, question: Question, answer: Answer | None, echo: Html | None) -> None:
    """Store the answer ("" for none), show `echo` in place of the tapped buttons, go on."""
    asking = _asking(turn)
    asking.answers[question.id] = answer if answer is not None else ""
    keep_state(turn, asking)
    if echo is not None and turn.update.callback_query is not None:
        turn.edit(echo)
    await next_question(turn)


# --- photos: one or more, then Done (Skip with none) -----------------------------------------
def _photos_markup(turn: Turn, question: Question) -> InlineKeyboardMarkup:
    done = "button.photos_done" if _asking(turn).photos else None
    label = turn.t(done) if done else _skip_label(turn, question)
    return InlineKeyboardMarkup([[_button(turn, label, DONE)]])


def _keep_photo(turn: Turn, file_id: str | None) -> bool:
    """Keep a photo for the form's photo question (also when it came with the text, or
    after the question was answered); False when there is no room or no such question."""
    question = form_of(turn).of_kind(QuestionKind.PHOTOS)
    asking = _asking(turn)
    if not file_id or question is None or len(asking.photos) >= (question.max or 0):
        return False
    if file_id not in asking.photos:
        asking.photos.append(file_id)
        if question.id in asking.answers or question.on_summary:
            asking.answers[question.id] = list(asking.photos)
        keep_state(turn, asking)
    return True


def took_photo(turn: Turn, inp: Input) -> bool:
    """A photo sent while another question is asked (or on the summary): kept for the
    form's photos, with a word to say so; False when the form takes no photos. The
    question on screen stays as it was (its buttons still work)."""
    question = form_of(turn).of_kind(QuestionKind.PHOTOS)
    if question is None or inp.kind is not InputKind.PHOTO:
        return False
    limit = question.max or 0
    if not _keep_photo(turn, inp.photo_file_id):
        turn.reply(turn.t("invalid.too_many_photos", count=limit))
        return True
    turn.reply(turn.t("complaint.photo_added", count=len(_asking(turn).photos), max=limit))
    return True


async def _on_photos(turn: Turn, question: Question, inp: Input, value: str | None) -> None:
    limit = question.max or 0
    if value in (DONE, SKIP):
        photos = list(_asking(turn).photos)
        chosen = question.words.chosen if question.words else None
        echo = turn.t(chosen, count=len(photos)) if chosen else None
        await _keep(turn, question, photos, echo or _echo(turn, question, str(len(photos))))
        return
    if inp.kind is not InputKind.PHOTO:
        await reprompt(turn, Invalid("invalid.need_photo", {"max": limit}))
        return
    if not _keep_photo(turn, inp.photo_file_id):
        turn.reply(turn.t("invalid.too_many_photos", count=limit))
        await _keep(turn, question, list(_asking(turn).photos), None)
        return
    count = len(_asking(turn).photos)
    if count >= limit:
        turn.reply(turn.t("complaint.photos_full", count=limit))
        await _keep(turn, question, list(_asking(turn).photos), None)
        return
    markup = InlineKeyboardMarkup([[_button(turn, turn.t("button.photos_done"), DONE)]])
    turn.reply(turn.t("complaint.photo_received", count=count, max=limit), markup)


# --- a place: the resident's own home, or a common area they name ----------------------------
async def _on_place(turn: Turn, question: Question, inp: Input, value: str | None) -> None:
    home = home_of(turn)
    if value == HOME and home:
        await _keep(turn, question, Place(True).stored, _echo(turn, question, home))
    elif value == AREA:
        turn.edit(_echo(turn, question, turn.t("complaint.location_common")))
        await goto(turn, "place")
    elif inp.kind is InputKind.TEXT and not (inp.text or "").startswith("/"):
        await on_place(turn, inp)  # typing a place straight away: a common area
    else:
        await reprompt(turn, "invalid.use_buttons")


async def ask_place(turn: Turn) -> None:
    turn.reply(turn.t("complaint.ask_location_text"))


async def on_place(turn: Turn, inp: Input) -> None:
    if took_photo(turn, inp):
        return
    if inp.kind is not InputKind.TEXT:
        await reprompt(turn, "invalid.need_text")
        return
    question = _question(turn)
    where = clean_text(inp.text, max_chars=question.max or PLACE_CHARS)
    if isinstance(where, Invalid):
        await reprompt(turn, where)
        return
    await _keep(turn, question, Place(False, where).stored, _echo(turn, question, where))


# --- visit windows: one slot tapped, "any time", or typed --------------------------------
def _windows_markup(turn: Turn, question: Question) -> InlineKeyboardMarkup:
    """A button per slot (one tap answers), and "any time"."""
    buttons = [_button(turn, label, value) for value, label in _supplied(turn, question)]
    columns = len(turn.desk.policy.repairs.visit_slots)
    rows = list(grid(buttons, columns).inline_keyboard)
    rows.append((_button(turn, turn.t("repair.any_time"), ANY_TIME),))
    return InlineKeyboardMarkup(rows)


def _windows_text(turn: Turn, question: Question) -> Html:
    return _prompt(turn, question)


async def _on_windows(turn: Turn, question: Question, inp: Input, value: str | None) -> None:
    """One tap on a slot (or "any time"), or a time typed in the resident's own words:
    that is the answer, and the form moves on."""
    if value is not None and (value == ANY_TIME or value in dict(_supplied(turn, question))):
        echo = _echo(turn, question, shown_answer(turn, question, [value]))
        await _keep(turn, question, [value], echo)
        return
    if inp.kind is not InputKind.TEXT:
        await reprompt(turn, "invalid.need_text")
        return
    typed = clean_text(inp.text, max_chars=question.max or 100)  # "weekday evenings after 7"
    if isinstance(typed, Invalid):
        await reprompt(turn, typed)
        return
    await _keep(turn, question, [typed], _echo(turn, question, typed))


# --- the time of a delivery, once its day is chosen -----------------------------------------
async def ask_time(turn: Turn) -> None:
    form = form_of(turn)
    day = date.fromisoformat(_asking(turn).day)
    tz = turn.desk.settings.tz
    first = form.opens.hour if form.opens else 8
    last = form.closes.hour if form.closes else 20
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
    day = date.fromisoformat(_asking(turn).day)
    if chosen == "back":
        turn.edit(turn.t("order.ask_time", day=turn.day(day)))
        asking = _asking(turn)
        asking.day = MORE  # back to the days
        keep_state(turn, asking)
        await goto(turn, "answer")
        return
    moment: datetime | Invalid
    if chosen is not None:
        moment = datetime.fromisoformat(chosen)
    elif inp.kind is InputKind.TEXT:
        clock = parse_time_of_day(inp.text)
        tz = turn.desk.settings.tz
        moment = clock if isinstance(clock, Invalid) else datetime.combine(day, clock, tz)
    else:
        moment = Invalid("invalid.time")
    answer = moment if isinstance(moment, Invalid) else _timed(turn, moment)
    if isinstance(answer, Invalid):
        await reprompt(turn, answer)
        return
    await _keep(
        turn, question, answer, _echo(turn, question, shown_answer(turn, question, answer))
    )


# --- changing an answer from the summary --------------------------------------------------------
async def ask_edit(turn: Turn) -> None:
    answers = _asking(turn).answers
    asked = [q for q in form_of(turn).asked(answers) if q.id in answers or q.on_summary]
    worded = all(q.words is not None for q in asked)
    buttons = [button(turn, _name(turn, q)[:40], q.id) for q in asked]
    buttons.append(button(turn, turn.t("button.back"), "back"))
    turn.reply(turn.t("edit.which"), grid(buttons, 2 if worded else 1))


async def on_edit(turn: Turn, inp: Input) -> None:
    choice = tapped(turn, inp)
    if choice == "back":
        turn.edit(turn.t("edit.which"))
        await goto(turn, "summary")
        return
    asking = _asking(turn)
    question = form_of(turn).question(choice or "")
    if question is None or not (question.id in asking.answers or question.on_summary):
        await reprompt(turn, "invalid.use_buttons")
        return
    if question.words is not None:
        turn.edit(turn.t("edit.chosen", field=_name(turn, question)))
    else:
        turn.edit(turn.t("edit.which"))
    asking.answers.pop(question.id, None)
    if question.kind is QuestionKind.PHOTOS and not question.on_summary:
        asking.photos = []  # sent again (photos kept all along are added to instead)
    if question.id == forms.DESCRIPTION:
        asking.voice, asking.voice_seconds = "", 0  # told again, by text or voice
    asking.day = ""  # a date-time asked again starts from its one-tap hours
    if question.on_summary:  # never asked in turn: asked now, then back to the summary
        asking.q = question.id
        keep_state(turn, asking)
        await goto(turn, "answer")
        return
    keep_state(turn, asking)
    await next_question(turn)


# --- the summary confirmed --------------------------------------------------------------------
async def confirm(
    turn: Turn,
    summary: Callable[[Turn], Html],
    filing: Callable[[intake.Filer], Awaitable[Filed]],
    *,
    done: Callable[[intake.Filer], str] = lambda who: "summary.submitted",
) -> None:
    """File the form for whom it is. The service checks the answers again: a stale or
    forged form ends politely and files nothing. The summary stays, with the reference;
    staff filing for someone get the new item's card."""
    who = await intake.filer(turn)
    if who is None:
        return
    try:
        filed = await filing(who)
    except Refused:
        turn.end()
        turn.reply(turn.t("common.stale_form"), main_menu(turn))
        return
    turn.edit(summary(turn) + "\n\n" + turn.t(done(who), reference=filed.reference))
    turn.end()
    await intake.filed(turn, who, filed.ticket_id)

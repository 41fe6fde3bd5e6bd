"""Filing a complaint (category, what happened, photos, where, by when) or a suggestion."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from telegram import InlineKeyboardMarkup
from telegram.ext import BaseHandler

from bot.domain.tickets import Draft, LocationKind, TicketKind
from bot.domain.validation import Invalid, clean_text, parse_requested_date
from bot.htmltext import Html, join
from bot.services.notifier import Notifier
from bot.services.tickets import WorkOrder, file_ticket
from handlers import dialogue, menu
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
from handlers.intake import filed_by_staff, on_behalf_of, resident_for
from handlers.keyboards import grid
from handlers.runtime import Input, InputKind, Turn

COMPLAINT, SUGGESTION = "complaint", "suggestion"
DEADLINE_CHOICES = {"d1": 1, "d3": 3, "d7": 7}
Options = Callable[[Turn], list[tuple[str, str]]]


@dataclass(frozen=True, slots=True)
class Report:
    """One kind of guided report built from these steps: its order, what can be changed
    from the summary, its categories, and what it adds to the summary and the item."""

    kind: TicketKind
    next: dict[str, str]
    editable: tuple[str, ...]
    categories: Options | None = None
    summary: Callable[[Turn], list[str]] = lambda turn: []
    work: Callable[[Turn], WorkOrder | None] = lambda turn: None


def _complaint_categories(turn: Turn) -> list[tuple[str, str]]:
    return [(c, turn.t(f"category.{c}")) for c in turn.desk.policy.categories.complaint]


REPORTS: dict[str, Report] = {
    COMPLAINT: Report(
        TicketKind.COMPLAINT,
        {
            "category": "description",
            "description": "photos",
            "photos": "location",
            "location": "deadline",
            "location_text": "deadline",
            "deadline": "summary",
        },
        ("category", "description", "photos", "location", "deadline"),
        categories=_complaint_categories,
    ),
    SUGGESTION: Report(
        TicketKind.SUGGESTION,
        {"description": "photos", "photos": "summary"},
        ("description", "photos"),
    ),
}


def _report(turn: Turn) -> Report:
    assert turn.dialogue is not None
    return REPORTS[turn.dialogue.flow]


def _photos(turn: Turn) -> list[str]:
    photos = _data(turn).setdefault("photos", [])
    assert isinstance(photos, list)
    return photos


async def carry_on(turn: Turn) -> None:
    """Go to the following step, or straight back to the summary when editing one field."""
    assert turn.dialogue is not None
    if _data(turn).get("editing"):
        await goto(turn, "summary")
        return
    await goto(turn, _report(turn).next[turn.dialogue.step])


@menu.add("menu.complaint", order=1)
async def start_complaint(turn: Turn, quotes: str | None = None) -> None:
    """`quotes`: the reference of an earlier item this complaint is about."""
    await dialogue.begin(turn, COMPLAINT, "category", photos=[], quotes=quotes)


@menu.add("menu.suggestion", order=4)
async def start_suggestion(turn: Turn) -> None:
    await dialogue.begin(turn, SUGGESTION, "description", photos=[])


# --- category -------------------------------------------------------------------------------
def _categories(turn: Turn) -> list[tuple[str, str]]:
    found = _report(turn).categories
    return found(turn) if found else []


async def ask_category(turn: Turn) -> None:
    buttons = [button(turn, label, value) for value, label in _categories(turn)]
    turn.reply(turn.t(f"{_report(turn).kind.value}.ask_category"), grid(buttons, 2))


async def on_category(turn: Turn, inp: Input) -> None:
    choice = tapped(turn, inp)
    labels = dict(_categories(turn))
    if choice is None and inp.kind is InputKind.TEXT:
        typed = (inp.text or "").strip()
        choice = next((value for value, label in labels.items() if label == typed), None)
    if choice not in labels:
        await reprompt(turn, "invalid.use_buttons")
        return
    _data(turn)["category"] = choice
    turn.edit(turn.t("complaint.category_chosen", category=labels[choice]))
    await carry_on(turn)


# --- description and photos --------------------------------------------------------------------
async def ask_description(turn: Turn) -> None:
    assert turn.dialogue is not None
    key = "suggestion.ask_text" if turn.dialogue.flow == SUGGESTION else "complaint.ask_text"
    turn.reply(turn.t(key, count=turn.desk.policy.dialogue.max_text_chars))


def _keep_photo(turn: Turn, file_id: str | None) -> bool:
    photos = _photos(turn)
    if not file_id or len(photos) >= turn.desk.policy.dialogue.max_photos:
        return False
    if file_id not in photos:
        photos.append(file_id)
        turn.touch()
    return True


async def on_description(turn: Turn, inp: Input) -> None:
    limit = turn.desk.policy.dialogue.max_text_chars
    if inp.kind is InputKind.PHOTO:
        _keep_photo(turn, inp.photo_file_id)
        if not (inp.text or "").strip():
            turn.reply(turn.t("complaint.photo_kept_need_text"))
            return
    elif inp.kind is not InputKind.TEXT:
        await reprompt(turn, "invalid.need_text")
        return
    text = clean_text(inp.text, max_chars=limit)
    if isinstance(text, Invalid):
        await reprompt(turn, text)
        return
    _data(turn)["description"] = text
    await carry_on(turn)


async def ask_photos(turn: Turn) -> None:
    count, limit = len(_photos(turn)), turn.desk.policy.dialogue.max_photos
    if limit == 0:
        await carry_on(turn)
        return
    label = turn.t("button.photos_done") if count else turn.t("button.skip")
    markup = InlineKeyboardMarkup([[button(turn, label, "done")]])
    turn.reply(turn.t("complaint.ask_photos", count=count, max=limit), markup)


async def on_photos(turn: Turn, inp: Input) -> None:
    limit = turn.desk.policy.dialogue.max_photos
    if tapped(turn, inp) == "done":
        turn.edit(turn.t("complaint.photos_saved", count=len(_photos(turn))))
        await carry_on(turn)
        return
    if inp.kind is not InputKind.PHOTO:
        await reprompt(turn, Invalid("invalid.need_photo", {"max": limit}))
        return
    if not _keep_photo(turn, inp.photo_file_id):
        turn.reply(turn.t("invalid.too_many_photos", count=limit))
        await carry_on(turn)
        return
    count = len(_photos(turn))
    if count >= limit:
        turn.reply(turn.t("complaint.photos_full", count=limit))
        await carry_on(turn)
        return
    markup = InlineKeyboardMarkup([[button(turn, turn.t("button.photos_done"), "done")]])
    turn.reply(turn.t("complaint.photo_received", count=count, max=limit), markup)


# --- location -----------------------------------------------------------------------------------
def _subject(turn: Turn) -> dict[str, object] | None:
    """Set when staff register an item on someone's behalf (see handlers/intake.py)."""
    subject = _data(turn).get("for")
    return subject if isinstance(subject, dict) else None


def _own_unit(turn: Turn) -> str:
    subject = _subject(turn)
    if subject is not None:
        return str(subject.get("home") or "")
    return turn.resident.home if turn.resident else ""


async def ask_location(turn: Turn) -> None:
    buttons = [button(turn, turn.t("complaint.location_common"), "common")]
    if _own_unit(turn):
        home = button(turn, turn.t("complaint.location_own", unit=_own_unit(turn)), "own")
        buttons.insert(0, home)
    turn.reply(turn.t("complaint.ask_location"), grid(buttons, 1))


async def on_location(turn: Turn, inp: Input) -> None:
    choice = tapped(turn, inp)
    if choice == "own" and _own_unit(turn):
        _data(turn).update(location_kind=LocationKind.OWN_UNIT.value, location_text=None)
        turn.edit(turn.t("complaint.location_chosen", location=turn.esc(_own_unit(turn))))
        await carry_on(turn)
    elif choice == "common":
        turn.edit(
            turn.t("complaint.location_chosen", location=turn.t("complaint.location_common"))
        )
        await goto(turn, "location_text")
    elif inp.kind is InputKind.TEXT and not (inp.text or "").startswith("/"):
        # Typing a place straight away is the obvious shortcut for a common area.
        await LOCATION_TEXT.handle(turn, inp)
    else:
        await reprompt(turn, "invalid.use_buttons")


async def on_location_text(turn: Turn, text: str) -> None:
    _data(turn).update(location_kind=LocationKind.COMMON_AREA.value, location_text=text)
    assert turn.dialogue is not None
    turn.dialogue.step = "location_text"
    await carry_on(turn)


def _place(turn: Turn, text: str | None) -> str | Invalid:
    return clean_text(text, max_chars=200)


LOCATION_TEXT = text_step("complaint.ask_location_text", on_location_text, clean=_place)


# --- wished-for date ----------------------------------------------------------------------------
def _today(turn: Turn) -> date:
    return turn.now.astimezone(turn.desk.settings.tz).date()


async def ask_deadline(turn: Turn) -> None:
    buttons = [button(turn, turn.t("complaint.deadline_none"), "none")] + [
        button(turn, turn.t(f"complaint.deadline_{key}"), key) for key in DEADLINE_CHOICES
    ]
    turn.reply(
        turn.t("complaint.ask_deadline", example=_today(turn) + timedelta(days=3)),
        grid(buttons, 2),
    )


async def on_deadline(turn: Turn, inp: Input) -> None:
    choice = tapped(turn, inp)
    value: date | None
    if choice == "none":
        value = None
    elif choice in DEADLINE_CHOICES:
        value = _today(turn) + timedelta(days=DEADLINE_CHOICES[choice])
    elif inp.kind is InputKind.TEXT:
        parsed = parse_requested_date(
            inp.text, today=_today(turn), max_days=turn.desk.policy.dialogue.max_requested_days
        )
        if isinstance(parsed, Invalid):
            await reprompt(turn, parsed)
            return
        value = parsed
    else:
        await reprompt(turn, "invalid.date")
        return
    _data(turn)["requested_by"] = value.isoformat() if value else None
    if choice is not None:
        turn.edit(turn.t("complaint.deadline_chosen", date=_date_label(turn, value)))
    await carry_on(turn)


def _date_label(turn: Turn, value: date | None) -> str:
    return turn.day(value) if value else turn.t("complaint.deadline_none")


# --- summary and filing ---------------------------------------------------------------------
def _draft(turn: Turn) -> Draft:
    assert turn.dialogue is not None
    data = _data(turn)
    requested = data.get("requested_by")
    location = data.get("location_kind")
    description = str(data.get("description", ""))
    if data.get("quotes") and description:
        description = f"[{data['quotes']}] {description}"  # about an earlier item
    return Draft(
        kind=_report(turn).kind,
        description=description,
        category=str(data["category"]) if data.get("category") else None,
        photos=tuple(_photos(turn)),
        location_kind=LocationKind(str(location)) if location else None,
        location_text=str(data["location_text"]) if data.get("location_text") else None,
        requested_by=date.fromisoformat(str(requested)) if requested else None,
    )


def _summary(turn: Turn) -> Html:
    draft = _draft(turn)
    lines: list[str] = [turn.t(f"summary.title_{draft.kind.value}")]
    if draft.category:
        label = dict(_categories(turn)).get(draft.category, draft.category)
        lines.append(turn.t("summary.category", category=label))
    lines.append(turn.t("summary.description", description=turn.esc(draft.description)))
    lines.append(turn.t("summary.photos", count=len(draft.photos)))
    if draft.location_kind is LocationKind.OWN_UNIT:
        lines.append(turn.t("summary.location", location=turn.esc(_own_unit(turn))))
    elif draft.location_kind is LocationKind.COMMON_AREA:
        lines.append(turn.t("summary.location", location=turn.esc(draft.location_text or "")))
    if draft.kind is TicketKind.COMPLAINT:
        lines.append(turn.t("summary.deadline", date=_date_label(turn, draft.requested_by)))
    lines += _report(turn).summary(turn)
    return join("\n", lines)


async def _file(turn: Turn) -> None:
    subject = _subject(turn)
    on_behalf = on_behalf_of(turn, subject) if subject is not None else None
    if subject is not None and on_behalf is None:
        turn.end()
        turn.reply(turn.t("staff.not_allowed"))
        return
    resident = await resident_for(turn, subject) if subject is not None else turn.resident
    filed = await file_ticket(
        turn.uow,
        Notifier(turn.uow, turn.views),
        resident=resident,
        draft=_draft(turn),
        policy=turn.desk.policy,
        tz=turn.desk.settings.tz,
        now=turn.now,
        on_behalf=on_behalf,
        work=_report(turn).work(turn),
    )
    turn.edit(_summary(turn) + "\n\n" + turn.t("summary.submitted", reference=filed.reference))
    turn.end()
    if on_behalf is not None:
        await filed_by_staff(turn, filed.ticket_id)


# --- choosing a field to change -----------------------------------------------------------------
async def ask_edit(turn: Turn) -> None:
    assert turn.dialogue is not None
    fields = _report(turn).editable
    buttons = [button(turn, turn.t(f"edit.{field}"), field) for field in fields]
    buttons.append(button(turn, turn.t("button.back"), "back"))
    turn.reply(turn.t("edit.which"), grid(buttons, 2))


async def on_edit(turn: Turn, inp: Input) -> None:
    assert turn.dialogue is not None
    choice = tapped(turn, inp)
    if choice == "back":
        turn.edit(turn.t("edit.which"))
        await goto(turn, "summary")
        return
    if choice not in _report(turn).editable:
        await reprompt(turn, "invalid.use_buttons")
        return
    _data(turn)["editing"] = True
    if choice == "photos":
        _data(turn)["photos"] = []
    turn.edit(turn.t("edit.chosen", field=turn.t(f"edit.{choice}")))
    await goto(turn, choice)


def steps(*names: str) -> dict[str, Step]:
    """The shared steps a report is built from, by name."""
    table = {
        "category": Step(ask_category, on_category),
        "description": Step(ask_description, on_description),
        "photos": Step(ask_photos, on_photos),
        "location": Step(ask_location, on_location),
        "location_text": LOCATION_TEXT,
        "deadline": Step(ask_deadline, on_deadline),
        "summary": summary_step(_summary, _file, clear="editing"),
        "edit": Step(ask_edit, on_edit),
    }
    return {name: table[name] for name in names}


dialogue.register_flow(
    Flow(
        COMPLAINT,
        steps(
            "category",
            "description",
            "photos",
            "location",
            "location_text",
            "deadline",
            "summary",
            "edit",
        ),
    )
)
dialogue.register_flow(Flow(SUGGESTION, steps("description", "photos", "summary", "edit")))

# Reached from the main menu (menu.add above) and from /new; no commands or buttons of its own.
HANDLERS: list[BaseHandler] = []

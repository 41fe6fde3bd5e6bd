"""The desk's own forms — complaint, suggestion, repair request — in the one question model
(bot.domain.questions), built from the policy's limits. Their texts are keys of the message
catalogues; their categories, repair types and visit slots are supplied when asked.

Question ids are what filing reads (bot.services.filing) and what "which part to change?"
names (`edit.<id>`).
"""

from __future__ import annotations

from functools import cache

from bot.domain.questions import Form, Question, QuestionKind, Source, Words
from bot.domain.tickets import TicketKind

CATEGORY, DESCRIPTION, PHOTOS, LOCATION = "category", "description", "photos", "location"
DEADLINE, WINDOWS, ENTER = "deadline", "windows", "enter"
PLACE_CHARS = 200
WINDOW_CHARS = 100  # a visit time in the resident's own words: "weekday evenings after 7"
SOON_DAYS = (1, 3, 7)
OWN_KINDS = (TicketKind.COMPLAINT, TicketKind.SUGGESTION, TicketKind.REPAIR)


def _category(ask: str, source: Source) -> Question:
    words = Words(ask=ask, name="edit.category", chosen="complaint.category_chosen")
    return Question(id=CATEGORY, kind=QuestionKind.CHOICE, words=words, choices_from=source)


def _description(ask: str, text: int, photos: int) -> Question:
    words = Words(ask=ask, name="edit.description")
    return Question(
        id=DESCRIPTION, kind=QuestionKind.TEXT, words=words, max=text, photos=photos > 0
    )


def _photos(photos: int) -> list[Question]:
    """Photos, when the policy takes any: Done, or Skip with none."""
    if photos == 0:
        return []
    words = Words(ask="complaint.ask_photos", name="edit.photos", chosen="complaint.photos_saved")
    return [Question(id=PHOTOS, kind=QuestionKind.PHOTOS, words=words, max=photos, required=False)]


def _location() -> Question:
    words = Words(
        ask="complaint.ask_location", name="edit.location", chosen="complaint.location_chosen"
    )
    return Question(id=LOCATION, kind=QuestionKind.PLACE, words=words, max=PLACE_CHARS)


@cache
def complaint(*, text: int, photos: int, days: int) -> Form:
    """Category, what happened (a photo with a caption will do), photos, where, and a date
    by which the resident needs it solved (or none): at most `days` ahead, the longest the
    resident's own date may set the promise to (it replaces the policy's resolve time)."""
    deadline = Question(
        id=DEADLINE,
        kind=QuestionKind.DATE,
        words=Words(
            ask="complaint.ask_deadline",
            name="edit.deadline",
            chosen="complaint.deadline_chosen",
            skip="complaint.deadline_none",
            soon="complaint.deadline_d",
        ),
        required=False,
        within=days,
        soon=tuple(n for n in SOON_DAYS if n <= days),
    )
    return Form(
        questions=[
            _category("complaint.ask_category", Source.COMPLAINT_CATEGORIES),
            _description("complaint.ask_text", text, photos),
            *_photos(photos),
            _location(),
            deadline,
        ]
    )


@cache
def suggestion(*, text: int, photos: int) -> Form:
    """What the resident suggests, and photos."""
    return Form(questions=[_description("suggestion.ask_text", text, photos), *_photos(photos)])


@cache
def repair(*, text: int, photos: int) -> Form:
    """What needs repairing, where, what happened (with photos), when someone may come
    (several times ticked, or typed), and whether staff may enter when nobody is home."""
    windows = Question(
        id=WINDOWS,
        kind=QuestionKind.WINDOWS,
        words=Words(ask="repair.ask_windows", name="edit.windows", chosen="repair.windows_chosen"),
        choices_from=Source.VISIT_SLOTS,
        max=WINDOW_CHARS,
    )
    enter = Question(
        id=ENTER,
        kind=QuestionKind.YESNO,
        words=Words(ask="repair.ask_enter", name="edit.enter", chosen="repair.enter_chosen"),
    )
    return Form(
        questions=[
            _category("repair.ask_category", Source.REPAIR_TYPES),
            _location(),
            _description("complaint.ask_text", text, photos),
            *_photos(photos),
            windows,
            enter,
        ]
    )


def own_form(kind: TicketKind, *, text: int, photos: int, days: int) -> Form:
    """The desk's own form for `kind` (a complaint, a suggestion or a repair)."""
    if kind is TicketKind.COMPLAINT:
        return complaint(text=text, photos=photos, days=days)
    if kind is TicketKind.SUGGESTION:
        return suggestion(text=text, photos=photos)
    if kind is TicketKind.REPAIR:
        return repair(text=text, photos=photos)
    raise ValueError(f"no form of the desk's own for {kind.value}")

"""The desk's own forms — complaint, suggestion, repair request — in the one question model
(bot.domain.questions), built from the policy's limits. A kind's registry entry points to
its builder (`RequestType.builds`, bot.domain.kinds): that is where a kind's form is found.
Their texts are keys of the message catalogues; their categories, repair types and visit
slots are supplied when asked.

Question ids are what filing reads (bot.services.filing) and what "which part to change?"
names (`edit.<id>`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from bot.domain.questions import Form, Question, QuestionKind, Source, Words
from bot.domain.repairs import IN_THE_HOME

CATEGORY, DESCRIPTION, PHOTOS, LOCATION = "category", "description", "photos", "location"
DEADLINE, WINDOWS, ENTER = "deadline", "windows", "enter"
PLACE_CHARS = 200
WINDOW_CHARS = 100  # a visit time in the resident's own words: "weekday evenings after 7"
SOON_DAYS = (1, 3, 7)


def _category(ask: str, source: Source) -> Question:
    words = Words(ask=ask, name="edit.category", chosen="complaint.category_chosen")
    return Question(id=CATEGORY, kind=QuestionKind.CHOICE, words=words, choices_from=source)


def _description(ask: str, text: int, photos: int) -> Question:
    words = Words(ask=ask, name="edit.description")
    return Question(
        id=DESCRIPTION, kind=QuestionKind.TEXT, words=words, max=text, photos=photos > 0
    )


def _photos(photos: int) -> list[Question]:
    """Photos, when the policy takes any: never asked for on their own (a photo with a
    caption describes, and one sent at any step is kept); the summary can add them."""
    if photos == 0:
        return []
    words = Words(ask="complaint.ask_photos", name="edit.photos", chosen="complaint.photos_saved")
    return [
        Question(
            id=PHOTOS,
            kind=QuestionKind.PHOTOS,
            words=words,
            max=photos,
            required=False,
            on_summary=True,
        )
    ]


def _location(home_for: dict[str, list[str]] | None = None) -> Question:
    words = Words(
        ask="complaint.ask_location", name="edit.location", chosen="complaint.location_chosen"
    )
    return Question(
        id=LOCATION, kind=QuestionKind.PLACE, words=words, max=PLACE_CHARS, home_for=home_for or {}
    )


@cache
def complaint(*, text: int, photos: int, days: int) -> Form:
    """Category, what happened (a photo with a caption will do), and where. The date by
    which the resident needs it solved stays the policy's promise unless they set one from
    the summary: at most `days` ahead, the longest the resident's own date may set the
    promise to (it replaces the policy's resolve time)."""
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
        on_summary=True,
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
    """What needs repairing, what happened (with photos), and: inside the home (its place
    is the profile's), one time that suits for the visit (a slot, "any time", or typed)
    and whether staff may enter when nobody is home (no, unless changed on the summary);
    in a common area, where it is."""
    inside = {CATEGORY: [t.value for t in IN_THE_HOME]}
    windows = Question(
        id=WINDOWS,
        kind=QuestionKind.WINDOWS,
        words=Words(ask="repair.ask_windows", name="edit.windows", chosen="repair.windows_chosen"),
        choices_from=Source.VISIT_SLOTS,
        max=WINDOW_CHARS,
        when=dict(inside),
    )
    enter = Question(
        id=ENTER,
        kind=QuestionKind.YESNO,
        words=Words(ask="repair.ask_enter", name="edit.enter", chosen="repair.enter_chosen"),
        required=False,
        on_summary=True,
        when=dict(inside),
    )
    return Form(
        questions=[
            _category("repair.ask_category", Source.REPAIR_TYPES),
            _location(home_for=dict(inside)),
            _description("complaint.ask_text", text, photos),
            *_photos(photos),
            windows,
            enter,
        ]
    )


@dataclass(frozen=True, slots=True)
class Limits:
    """What the policy lets the desk's own forms take: the longest text, how many photos,
    and how many days ahead a resident's own date may be."""

    text: int
    photos: int
    days: int


# How a kind's registry entry builds its form within the policy's limits (bot.domain.kinds).
Builds = Callable[[Limits], Form]


def complaint_form(limits: Limits) -> Form:
    return complaint(text=limits.text, photos=limits.photos, days=limits.days)


def suggestion_form(limits: Limits) -> Form:
    return suggestion(text=limits.text, photos=limits.photos)


def repair_form(limits: Limits) -> Form:
    return repair(text=limits.text, photos=limits.photos)

"""Filing a complaint (category, what happened, photos, where, by when) or a suggestion.

Their forms are the desk's own (bot.domain.forms), asked by the one question engine
(handlers.form); this module adds their summary and their filing, which the repair request
(handlers.repairs) shares.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from bot.domain import forms
from bot.domain.questions import Answer, Form, Place
from bot.domain.tickets import TicketKind
from bot.htmltext import Html, join
from bot.services.clocks import promised_now
from bot.services.filing import file_report, own_form
from bot.services.notifier import Notifier
from bot.services.tickets import Filed
from handlers import dialogue, form, intake
from handlers.dialogue import Flow, Step, state, summary_step
from handlers.feature import Feature, IntakeForm
from handlers.menu import Entry
from handlers.runtime import Input, Turn

COMPLAINT, SUGGESTION = "complaint", "suggestion"
KINDS = {
    COMPLAINT: TicketKind.COMPLAINT,
    SUGGESTION: TicketKind.SUGGESTION,
    TicketKind.REPAIR.value: TicketKind.REPAIR,
}
Lines = Callable[[Turn, dict[str, Answer]], list[str]]


@dataclass(slots=True)
class About:
    """What a complaint keeps besides its answers: the earlier item it is about."""

    quotes: str | None = None


def _kind(turn: Turn) -> TicketKind:
    assert turn.dialogue is not None
    return KINDS[turn.dialogue.flow]


def _form(turn: Turn) -> Form:
    return own_form(_kind(turn), turn.desk.policy)


async def start_complaint(
    turn: Turn, quotes: str | None = None, subject: intake.Subject | None = None
) -> None:
    """`quotes`: the reference of an earlier item this complaint is about; `subject`: for
    whom staff register it (/new)."""
    asked = own_form(TicketKind.COMPLAINT, turn.desk.policy)
    await form.begin(turn, COMPLAINT, asked, quotes=quotes, **intake.carrying(subject))


async def start_suggestion(turn: Turn, subject: intake.Subject | None = None) -> None:
    asked = own_form(TicketKind.SUGGESTION, turn.desk.policy)
    await form.begin(turn, SUGGESTION, asked, **intake.carrying(subject))


# --- summary and filing (shared with the repair request) ----------------------------------------
def report_lines(turn: Turn, answers: dict[str, Answer]) -> list[str]:
    """The summary's lines for the questions a complaint, suggestion or repair shares."""
    asked = _form(turn)
    lines: list[str] = []
    category = answers.get(forms.CATEGORY)
    question = asked.question(forms.CATEGORY)
    if question is not None and isinstance(category, str) and category:
        shown = form.shown_answer(turn, question, category)
        lines.append(turn.t("summary.category", category=shown))
    description = answers.get(forms.DESCRIPTION) or ""
    quotes = state(turn, About).quotes
    if quotes and description:
        description = f"[{quotes}] {description}"  # about an earlier item, as it is filed
    lines.append(turn.t("summary.description", description=description))
    photos = answers.get(forms.PHOTOS)
    if isinstance(photos, list) and photos:
        lines.append(turn.t("summary.photos", count=len(photos)))
    location = answers.get(forms.LOCATION)
    place = Place.read(location) if isinstance(location, str) else None
    if place is not None:
        where = form.home_of(turn) if place.home else place.where
        lines.append(turn.t("summary.location", location=where))
    if asked.question(forms.DEADLINE) is not None:
        deadline = answers.get(forms.DEADLINE)
        if isinstance(deadline, str) and deadline:
            lines.append(turn.t("summary.deadline", date=turn.day(date.fromisoformat(deadline))))
        else:  # none set: the promise stands, and the resident sees by when
            due = promised_now(turn.desk.policy, turn.desk.settings.tz, turn.now).resolve_due_at
            lines.append(turn.t("summary.deadline_promise", date=turn.moment(due)))
    return lines


def summary(extra: Lines | None = None) -> Callable[[Turn], Html]:
    """The summary of the form asked: its title, the shared lines, and `extra`'s."""

    def summarise(turn: Turn) -> Html:
        answers = form.answers_of(turn)
        lines = [turn.t(f"summary.title_{_kind(turn).value}"), *report_lines(turn, answers)]
        if extra is not None:
            lines += extra(turn, answers)
        return join("\n", lines)

    return summarise


def file(summarise: Callable[[Turn], Html]) -> dialogue.Prompt:
    """Confirmed: the answers go to the service, which checks them against the form again
    (a stale or forged form is refused politely and nothing is filed)."""

    async def confirmed(turn: Turn) -> None:
        async def filing(who: intake.Filer) -> Filed:
            return await file_report(
                turn.uow,
                Notifier(turn.uow, turn.views),
                kind=_kind(turn),
                answers=form.answers_of(turn),
                resident=who.resident,
                policy=turn.desk.policy,
                tz=turn.desk.settings.tz,
                now=turn.now,
                on_behalf=who.on_behalf,
                quotes=state(turn, About).quotes,
                voice=voice[0] if (voice := form.voice_of(turn)) else None,
            )

        await form.confirm(turn, summarise, filing)

    return confirmed


def _taking_photos(step: Step) -> Step:
    """The summary takes a photo too: kept, and the summary shown again with its count."""

    async def handle(turn: Turn, inp: Input) -> None:
        if form.took_photo(turn, inp):
            await dialogue.prompt_again(turn)
            return
        await step.handle(turn, inp)

    return Step(step.prompt, handle)


def flow(name: str, extra: Lines | None = None) -> Flow:
    """A flow asking the desk's own form for its kind, with its summary and filing."""
    summarise = summary(extra)
    filing = file(summarise)
    asks = summary_step(summarise, filing, clear="q")
    steps = {**form.steps(), "summary": _taking_photos(asks)}
    # Begun from a free message (handlers.free_text): filed once complete.
    return Flow(name, steps, form=_form, quick=filing)


# Reached from the main menu and from /new; no commands or buttons of its own.
FEATURE = Feature(
    "complaint",
    flows=(flow(COMPLAINT), flow(SUGGESTION)),
    menu=(
        Entry("menu.complaint", start_complaint, 1),
        Entry("menu.suggestion", start_suggestion, 4),
    ),
    intake_forms=(
        IntakeForm(TicketKind.COMPLAINT, start_complaint, 1),
        IntakeForm(TicketKind.SUGGESTION, start_suggestion, 4),
    ),
)

"""What an order or a repair adds to its card: the form's answers in the reader's language,
how far along it is, and the next steps of its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.callbacks import CallbackData
from bot.catalogue import Question, QuestionKind
from bot.domain.kinds import Family, family_of, steps
from bot.domain.kinds import find as find_kind
from bot.domain.orders import BEFORE_DELIVERY, OrderStage
from bot.domain.questions import Form
from bot.domain.tickets import TicketFacts, TicketKind
from bot.htmltext import Html
from bot.views import Button, Views


@dataclass(frozen=True, slots=True)
class StepTap(CallbackData, prefix="sg"):
    """A step of an order or a repair, from its card."""

    step: str
    ticket: int


@dataclass(frozen=True, slots=True)
class CancelOrderTap(CallbackData, prefix="oc"):
    """The resident's *Cancel this order* under My requests."""

    ticket: int


def resident_may_cancel(item: TicketFacts) -> bool:
    return (
        item.kind is TicketKind.CONCIERGE
        and item.stage is not None
        and OrderStage(item.stage) in BEFORE_DELIVERY
    )


def next_steps(item: TicketFacts) -> list[str]:
    """The steps the item's stage allows (permissions decide who may take them)."""
    return list(steps(item.kind, item.stage, item.service))


def step_buttons(views: Views, language: str, item: TicketFacts) -> list[Button]:
    prefix = "order" if family_of(item.kind) is Family.ORDER else "repair"
    return [
        Button(views.t(language, f"{prefix}.step_{step}"), StepTap(step, item.id).pack())
        for step in next_steps(item)
    ]


def service_lines(views: Views, language: str, item: TicketFacts) -> list[str]:
    """The order's form, or the repair's particulars, for the card."""
    t = views.t
    if item.kind is TicketKind.CONCIERGE:
        return _order_lines(views, language, item)
    if item.kind is TicketKind.REPAIR:
        details = item.details or {}
        lines: list[str] = [
            t(language, "repair.card_type", type=t(language, f"repair.type_{item.service}")),
            t(language, "repair.card_stage", stage=t(language, f"repair.stage_{item.stage}")),
            t(
                language,
                "repair.card_windows",
                windows=", ".join(
                    window_label(views, language, w) for w in details.get("windows", [])
                )
                or "—",
                enter=t(language, "common.yes" if details.get("may_enter") else "common.no"),
            ),
        ]
        if item.service_at is not None:
            lines.append(
                t(language, "repair.card_visit", at=views.moment(language, item.service_at))
            )
        return lines
    entry = find_kind(item.kind)
    if entry is not None and entry.form is not None:
        return form_lines(views, language, entry.form, item.details or {})
    if item.kind in (TicketKind.TASK, TicketKind.VISIT):
        at = views.moment(language, item.service_at) if item.service_at else "—"
        return [t(language, f"card.{item.kind.value}", reference=item.description, at=at)]
    return []


def _order_lines(views: Views, language: str, item: TicketFacts) -> list[str]:
    t = views.t
    service = views.services.service(item.service or "") if views.services else None
    name = service.name.get(language) if service else (item.service or "—")
    lines: list[str] = [
        t(language, "order.card_service", service=name),
        t(language, "order.card_stage", stage=t(language, f"order.stage_{item.stage}")),
    ]
    if service is not None:
        lines += form_lines(views, language, service, item.details or {})
    return lines


def form_lines(views: Views, language: str, form: Form, answers: dict[str, str]) -> list[str]:
    """Each question answered, with its answer as the reader reads it."""
    lines: list[str] = []
    for question in form.asked(answers):
        value = answers.get(question.id)
        if value:
            asked = question.ask.get(language) if question.ask else question.id
            said = answer_label(views, language, question, value)
            lines.append(Html("• {} <b>{}</b>").format(asked, said))
    return lines


def answer_label(views: Views, language: str, question: Question, value: str) -> str:
    """An answer as the reader reads it: a choice's label, a date in their language."""
    if question.kind is QuestionKind.CHOICE:
        choice = question.choice(value)
        return choice.label.get(language) if choice else value
    if question.kind is QuestionKind.YESNO:
        return views.t(language, "common.yes" if value == "yes" else "common.no")
    if question.kind is QuestionKind.DATETIME:
        return views.moment(language, datetime.fromisoformat(value))
    if question.kind is QuestionKind.DATE:
        return views.day(language, date.fromisoformat(value))
    return value


ANY_TIME = "any"  # a visit window: whenever suits engineering


def window_label(views: Views, language: str, window: str) -> str:
    """A visit window as stored ("2026-11-25 09:00-12:00") as the reader reads it."""
    if window == ANY_TIME:
        return views.t(language, "repair.any_time")
    day, _, slot = window.partition(" ")
    try:
        return f"{views.short_day(language, date.fromisoformat(day))} {slot}"
    except ValueError:
        return window  # typed by the resident in their own words

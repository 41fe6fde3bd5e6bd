"""What an order or a repair adds to its card: the form's answers in the reader's language,
how far along it is, and the next steps of its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.callbacks import CallbackData
from bot.catalogue import Question, QuestionKind
from bot.domain.orders import BEFORE_DELIVERY, OrderStage, OrderStep, next_step
from bot.domain.repairs import RepairStage, RepairType, steps
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
    if item.kind is TicketKind.CONCIERGE and item.stage:
        stage = OrderStage(item.stage)
        found = [s.value for s in (next_step(stage),) if s is not None]
        if stage in BEFORE_DELIVERY:
            found.append(OrderStep.CANCEL.value)
        return found
    if item.kind is TicketKind.REPAIR and item.stage:
        return [
            s.value for s in steps(RepairStage(item.stage), RepairType(item.service or "other"))
        ]
    return []


def step_buttons(views: Views, language: str, item: TicketFacts) -> list[Button]:
    prefix = "order" if item.kind is TicketKind.CONCIERGE else "repair"
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
        answers = item.details or {}
        for question in service.asked(answers):
            value = answers.get(question.id)
            if value:
                asked = question.ask.get(language)
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


def window_label(views: Views, language: str, window: str) -> str:
    """A visit window as stored ("2026-11-25 09:00-12:00") as the reader reads it."""
    day, _, slot = window.partition(" ")
    try:
        return f"{views.short_day(language, date.fromisoformat(day))} {slot}"
    except ValueError:
        return window  # typed by the resident in their own words

"""Filing the desk's own forms — a complaint, a suggestion, a repair request: the answers are
held to the form again here (built from the policy, with the choices it supplies today),
whatever the dialogue let through, then become the item (and a repair's work order).
A forged or stale form is Refused and never reaches the registry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain import forms, kinds
from bot.domain.questions import (
    Answer,
    AnswersInvalid,
    Context,
    Form,
    Place,
    Source,
    check_answers,
)
from bot.domain.references import REFERENCE_PATTERN
from bot.domain.repairs import RepairType
from bot.domain.residents import ResidentCard
from bot.domain.tickets import Draft, LocationKind, TicketKind
from bot.policy import Policy
from bot.services import repairs
from bot.services.actions import Refused
from bot.services.notifier import Notifier
from bot.services.tickets import Filed, OnBehalf, file_ticket
from storage.uow import UnitOfWork


def own_form(kind: TicketKind, policy: Policy) -> Form:
    """The desk's own form for `kind`, within the policy's limits (a resident's own date:
    no later than the promise may run)."""
    limits = policy.dialogue
    return kinds.own_form(
        kind,
        forms.Limits(
            text=limits.max_text_chars,
            photos=limits.max_photos,
            days=min(limits.max_requested_days, policy.deadlines.resident_date_max_days),
        ),
    )


def supplied(policy: Policy, today: date) -> dict[Source, list[str]]:
    """The choices the desk supplies to its forms today, as stored: the policy's complaint
    categories, the repair types, and the visit slots of the next `visit_days` days
    ("2026-11-25 09:00-12:00")."""
    visits = policy.repairs
    days = [today + timedelta(days=n) for n in range(1, visits.visit_days + 1)]
    return {
        Source.COMPLAINT_CATEGORIES: list(policy.categories.complaint),
        Source.REPAIR_TYPES: [t.value for t in RepairType],
        Source.VISIT_SLOTS: [
            f"{day.isoformat()} {slot}" for day in days for slot in visits.visit_slots
        ],
    }


async def file_report(
    uow: UnitOfWork,
    notifier: Notifier,
    *,
    kind: TicketKind,
    answers: Mapping[str, Answer],
    resident: ResidentCard | None,
    policy: Policy,
    tz: ZoneInfo,
    now: datetime,
    on_behalf: OnBehalf | None = None,
    quotes: str | None = None,
    voice: str | None = None,
) -> Filed:
    """File a complaint, suggestion or repair from its form's answers. `quotes`: the
    reference of an earlier item the complaint is about; `voice`: a voice note told as the
    description (kept with the item, sent to staff as it came). Refused: no such form, or
    answers that break it (a forged or stale form)."""
    entry = kinds.find(kind)
    if entry is None or entry.builds is None:
        raise Refused(kind.value)
    if quotes is not None and not REFERENCE_PATTERN.fullmatch(quotes):
        raise Refused("quotes")
    today = now.astimezone(tz).date()
    context = Context(
        choices=supplied(policy, today),
        today=today,
        home=resident is not None and bool(resident.home),
    )
    try:
        kept = check_answers(own_form(kind, policy), answers, context)
    except AnswersInvalid as exc:
        raise Refused(str(exc)) from None
    work = None
    if kind is TicketKind.REPAIR:
        windows = _many(kept, forms.WINDOWS)
        may_enter = _one(kept, forms.ENTER) == "yes"
        work = repairs.work_order(RepairType(_one(kept, forms.CATEGORY)), windows, may_enter)
    return await file_ticket(
        uow,
        notifier,
        resident=resident,
        draft=replace(draft_of(kind, kept, quotes), voice=voice),
        policy=policy,
        tz=tz,
        now=now,
        on_behalf=on_behalf,
        work=work,
    )


def draft_of(kind: TicketKind, kept: Mapping[str, Answer], quotes: str | None = None) -> Draft:
    """Checked answers as the item they make."""
    description = _one(kept, forms.DESCRIPTION)
    if quotes and description:
        description = f"[{quotes}] {description}"  # about an earlier item
    place = Place.read(_one(kept, forms.LOCATION))
    deadline = _one(kept, forms.DEADLINE)
    location = None
    if place is not None:
        location = LocationKind.OWN_UNIT if place.home else LocationKind.COMMON_AREA
    return Draft(
        kind=kind,
        description=description,
        category=_one(kept, forms.CATEGORY) or None,
        photos=tuple(_many(kept, forms.PHOTOS)),
        location_kind=location,
        location_text=place.where or None if place is not None else None,
        requested_by=date.fromisoformat(deadline) if deadline else None,
    )


def _one(kept: Mapping[str, Answer], key: str) -> str:
    value = kept.get(key)
    return value if isinstance(value, str) else ""


def _many(kept: Mapping[str, Answer], key: str) -> list[str]:
    value = kept.get(key)
    return list(value) if isinstance(value, list) else []

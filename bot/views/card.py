"""The staff card: an item with the one-tap actions its state and the reader allow."""

from __future__ import annotations

import html
from dataclasses import dataclass
from enum import StrEnum

from bot.callbacks import CallbackData
from bot.domain.lifecycle import Action
from bot.domain.permissions import TicketScope, Viewer, can
from bot.domain.tickets import TicketFacts
from bot.views import Button, Screen, Views, rows_of


class CardAction(StrEnum):
    """What a card's buttons do; the value is what the button carries."""

    ACCEPT_RESULT = "ok"
    SEND_BACK = "back"
    ACCEPT = "acc"
    REPLY = "rep"
    NOTE = "note"
    CLASSIFY = "cls"
    TRANSFER = "trf"
    WAIT = "wait"
    RESOLVE = "res"
    PHONE = "ph"
    PHOTOS = "pic"

    @property
    def action(self) -> Action:
        return _ACTIONS[self]

    @property
    def label_key(self) -> str:
        return f"card.{_LABELS[self]}"


_ACTIONS = {
    CardAction.ACCEPT_RESULT: Action.ACCEPT_RESULT,
    CardAction.SEND_BACK: Action.SEND_BACK,
    CardAction.ACCEPT: Action.ACCEPT,
    CardAction.REPLY: Action.REPLY,
    CardAction.NOTE: Action.NOTE,
    CardAction.CLASSIFY: Action.CLASSIFY,
    CardAction.TRANSFER: Action.TRANSFER,
    CardAction.WAIT: Action.WAIT,
    CardAction.RESOLVE: Action.RESOLVE,
    CardAction.PHONE: Action.SEE_PHONE,
    CardAction.PHOTOS: Action.PHOTOS,
}
_LABELS = {
    CardAction.ACCEPT_RESULT: "accept_result",
    CardAction.SEND_BACK: "send_back",
    CardAction.ACCEPT: "accept",
    CardAction.REPLY: "reply",
    CardAction.NOTE: "note",
    CardAction.CLASSIFY: "classify",
    CardAction.TRANSFER: "transfer",
    CardAction.WAIT: "waiting",
    CardAction.RESOLVE: "resolve",
    CardAction.PHONE: "phone",
    CardAction.PHOTOS: "photos",
}
REVIEW = (CardAction.ACCEPT_RESULT, CardAction.SEND_BACK)


@dataclass(frozen=True, slots=True)
class CardTap(CallbackData, prefix="t"):
    """A tap on a card: which action, on which item."""

    action: CardAction
    ticket: int


def scope_of(item: TicketFacts) -> TicketScope:
    return TicketScope(
        resident_id=item.resident_id,
        owner_staff_id=item.owner_staff_id,
        assignee_staff_id=item.assignee_staff_id,
        department=item.department,
        zone=item.zone,
        estate_id=item.estate_id,
        status=item.status.value,
    )


def offered(item: TicketFacts, viewer: Viewer) -> list[CardAction]:
    """The actions this reader may take on the item now, and that make sense to show."""
    scope = scope_of(item)
    pointless = set()
    if not item.photos:
        pointless.add(CardAction.PHOTOS)
    if not (item.resident_id or item.contact_phone):
        pointless.add(CardAction.PHONE)
    return [a for a in CardAction if a not in pointless and can(viewer, a.action, scope)]


def card(
    views: Views, language: str, item: TicketFacts, viewer: Viewer, headline: str | None = None
) -> Screen:
    t = views.t
    body = t(
        language,
        "card.body",
        reference=item.reference,
        kind=t(language, f"kind.{item.kind.value}"),
        status=t(language, f"status.{item.status.value}"),
        category=t(language, f"category.{item.category}") if item.category else "—",
        severity=t(language, f"severity.{item.severity.value if item.severity else 'unset'}"),
        place=html.escape(item.place or "—", quote=False),
        requested=views.day(language, item.requested_by) if item.requested_by else "—",
        due=views.moment(language, item.first_answer_due_at) if item.first_answer_due_at else "—",
        photos=len(item.photos),
        description=html.escape(item.description[:1500], quote=False),
    )
    text = f"{headline}\n{body}" if headline else body
    actions = offered(item, viewer)
    review = [a for a in actions if a in REVIEW]
    others = [a for a in actions if a not in REVIEW]

    def buttons(chosen: list[CardAction]) -> list[Button]:
        return [Button(t(language, a.label_key), CardTap(a, item.id).pack()) for a in chosen]

    rows = rows_of(buttons(review), 2) + rows_of(buttons(others), 3)
    return Screen(text, rows)

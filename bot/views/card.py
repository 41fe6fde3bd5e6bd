"""The staff card: an item with the one-tap actions its state and the reader allow."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.callbacks import CallbackData
from bot.domain.lifecycle import Action
from bot.domain.permissions import TicketScope, Viewer, can
from bot.domain.staff import DESK_ROLES, Role
from bot.domain.tickets import OPEN_STATUSES, Channel, Nature, TicketFacts, TicketStatus
from bot.domain.workflow import adoption_open
from bot.htmltext import join
from bot.views import Button, Screen, Views, rows_of
from bot.views.service import service_lines, step_buttons


class CardAction(StrEnum):
    """What a card's buttons do; the value is what the button carries."""

    TAKE_OVER = "take"
    RETURN = "ret"
    ACCEPT_RESULT = "ok"
    SEND_BACK = "back"
    RECORD_CALL = "call"
    REOPEN = "reo"
    ADOPT = "adp"  # a suggestion: adopted …
    NOT_ADOPT = "nad"  # … or not, with a short reason
    ACCEPT = "acc"
    REPLY = "rep"
    LIAISE = "lia"  # out of scope: record a contact with the utility
    NOTE = "note"
    CLASSIFY = "cls"
    TRANSFER = "trf"
    WAIT = "wait"
    RESOLVE = "res"
    RESUME = "go"
    EXTEND = "ext"
    ESCALATE = "up"
    PHONE = "ph"
    PHOTOS = "pic"
    LINK = "lnk"  # into one incident with another item, named by its reference
    UNLINK = "unl"  # out of its incident: handled on its own again

    @property
    def action(self) -> Action:
        return _ACTIONS[self]

    @property
    def label_key(self) -> str:
        return f"card.{_LABELS[self]}"


_ACTIONS = {
    CardAction.TAKE_OVER: Action.TAKE_OVER,
    CardAction.RETURN: Action.RETURN,
    CardAction.RECORD_CALL: Action.RECORD_CALL,
    CardAction.REOPEN: Action.REOPEN,
    CardAction.ADOPT: Action.REPLY,
    CardAction.NOT_ADOPT: Action.REPLY,
    CardAction.LIAISE: Action.REPLY,
    CardAction.RESUME: Action.RESUME,
    CardAction.EXTEND: Action.EXTEND,
    CardAction.ESCALATE: Action.ESCALATE,
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
    CardAction.LINK: Action.TRANSFER,
    CardAction.UNLINK: Action.TRANSFER,
}
_LABELS = {
    CardAction.TAKE_OVER: "take_over",
    CardAction.RETURN: "send_down",
    CardAction.RECORD_CALL: "record_call",
    CardAction.REOPEN: "reopen",
    CardAction.ADOPT: "adopt",
    CardAction.NOT_ADOPT: "not_adopt",
    CardAction.LIAISE: "liaison",
    CardAction.RESUME: "resume",
    CardAction.EXTEND: "extend",
    CardAction.ESCALATE: "escalate",
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
    CardAction.LINK: "link",
    CardAction.UNLINK: "unlink",
}
# Decisions waiting for this reader come first, on their own row.
FIRST = (
    CardAction.TAKE_OVER,
    CardAction.RETURN,
    CardAction.ACCEPT_RESULT,
    CardAction.SEND_BACK,
    CardAction.RECORD_CALL,
    CardAction.REOPEN,
    CardAction.ADOPT,
    CardAction.NOT_ADOPT,
)


@dataclass(frozen=True, slots=True)
class CardTap(CallbackData, prefix="t"):
    """A tap on a card: which action, on which item."""

    action: CardAction
    ticket: int


@dataclass(frozen=True, slots=True)
class Links:
    """The item's incident as its card shows it: the lead's reference (None: in none)."""

    lead: str | None = None


def _follow_up_by(item: TicketFacts) -> str:
    """A letter is followed up in writing: staff record a reply, not a call."""
    return "letter" if item.channel is Channel.LETTER else "call"


def label_of(action: CardAction, item: TicketFacts) -> str:
    """The button's catalogue key, worded for how this item's follow-up is made."""
    if action is CardAction.RECORD_CALL:
        return f"card.record_{_follow_up_by(item)}"
    return action.label_key


def scope_of(item: TicketFacts) -> TicketScope:
    return TicketScope.of(item)


def offered(item: TicketFacts, viewer: Viewer, links: Links | None = None) -> list[CardAction]:
    """The actions this reader may take on the item now (what the item's kind and stage
    allow is the domain's: bot.domain.kinds), and that make sense to show. `links`: the
    item's incident, when looked up (else no *Link to…* / *Unlink*): a follower may be
    unlinked, an open item not following another may be linked to one more."""
    scope = scope_of(item)
    pointless: set[CardAction] = set()
    follower = links is not None and links.lead not in (None, item.reference)
    if links is None or follower or item.status not in OPEN_STATUSES:
        pointless.add(CardAction.LINK)
    if not follower:
        pointless.add(CardAction.UNLINK)
    if not item.photos and not item.voices:
        pointless.add(CardAction.PHOTOS)  # *Photos* also sends a voice note as it came
    if not (item.resident_id or item.contact_phone):
        pointless.add(CardAction.PHONE)
    if item.nature is Nature.INVALID:
        # Out of scope: the desk records its liaison with the utility; what the utility
        # does never reopens the item.
        pointless.add(CardAction.REOPEN)
    else:
        pointless.add(CardAction.LIAISE)
    desk = viewer.role is not None and Role(viewer.role) in DESK_ROLES
    if not (desk and adoption_open(item.kind, item.status, item.adopted)):
        pointless |= {CardAction.ADOPT, CardAction.NOT_ADOPT}
    return [a for a in CardAction if a not in pointless and can(viewer, a.action, scope)]


def card(
    views: Views,
    language: str,
    item: TicketFacts,
    viewer: Viewer,
    headline: str | None = None,
    links: Links | None = None,
) -> Screen:
    t = views.t
    body = t(
        language,
        "card.body",
        reference=item.reference,
        kind=views.kind(language, item.kind.value),
        status=t(language, f"status.{item.status.value}"),
        category=views.category(language, item.kind.value, item.category),
        severity=t(language, f"severity.{item.severity.value if item.severity else 'unset'}"),
        place=item.place or "—",
        requested=views.day(language, item.requested_by) if item.requested_by else "—",
        due=views.moment(language, item.first_answer_due_at) if item.first_answer_due_at else "—",
        photos=len(item.photos),
        description=item.description[:1500],
    )
    lines = [headline] if headline else []
    lines += [body, *service_lines(views, language, item), *_clock_lines(views, language, item)]
    if links is not None and links.lead is not None:
        lines.append(t(language, "card.in_incident", lead=links.lead))
    text = join("\n", lines)
    actions = offered(item, viewer, links)
    review = [a for a in actions if a in FIRST]
    others = [a for a in actions if a not in FIRST]

    def buttons(chosen: list[CardAction]) -> list[Button]:
        return [Button(t(language, label_of(a, item)), CardTap(a, item.id).pack()) for a in chosen]

    working = can(viewer, Action.ADVANCE, scope_of(item))
    own = step_buttons(views, language, item) if working else []
    rows = rows_of(own, 2) + rows_of(buttons(review), 2) + rows_of(buttons(others), 3)
    return Screen(text, rows)


def _clock_lines(views: Views, language: str, item: TicketFacts) -> list[str]:
    """What the clocks say beyond the first answer: resolve by, report back by, waiting."""
    lines: list[str] = []
    if item.status is TicketStatus.WAITING and item.waiting_until is not None:
        lines.append(
            views.t(language, "card.waiting_until", day=views.day(language, item.waiting_until))
        )
    elif item.resolve_due_at is not None and item.status in OPEN_STATUSES:
        lines.append(
            views.t(language, "card.resolve_by", due=views.moment(language, item.resolve_due_at))
        )
    if item.report_due_at is not None and item.status in OPEN_STATUSES:
        lines.append(
            views.t(language, "card.report_by", due=views.moment(language, item.report_due_at))
        )
    if item.escalated_to_staff_id is not None:
        lines.append(views.t(language, "card.escalated"))
    if item.awaiting_call:
        lines.append(views.t(language, f"card.awaiting_{_follow_up_by(item)}"))
    if item.reviewer_staff_id is not None and item.status is TicketStatus.REVIEW:
        lines.append(views.t(language, "card.awaiting_check"))
    if item.adopted is not None:
        lines.append(
            views.t(language, "card.is_adopted" if item.adopted else "card.is_not_adopted")
        )
    return lines


class Decision(StrEnum):
    APPROVE = "y"
    REJECT = "n"


@dataclass(frozen=True, slots=True)
class ExtensionTap(CallbackData, prefix="x"):
    """The approver's answer to a request for more time."""

    decision: Decision
    extension: int


def extension_buttons(extension_id: int) -> tuple[tuple[str, str], ...]:
    return (
        ("card.approve", ExtensionTap(Decision.APPROVE, extension_id).pack()),
        ("card.reject", ExtensionTap(Decision.REJECT, extension_id).pack()),
    )

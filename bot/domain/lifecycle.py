"""The item's state machine: which actions each status allows, and where each one leads.

Services ask here before changing an item and the permission check asks here before
showing a button, so a card never offers what the item's state forbids, and a forged tap
on a stale card changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.tickets import OPEN_STATUSES, TicketStatus

S = TicketStatus


class Action(StrEnum):
    VIEW = "view"
    ACCEPT = "accept"
    REPLY = "reply"
    NOTE = "note"
    CLASSIFY = "classify"
    TRANSFER = "transfer"
    WAIT = "wait"
    RESOLVE = "resolve"
    ACCEPT_RESULT = "accept_result"  # the desk checks a department's result: good
    SEND_BACK = "send_back"  # … or not good enough: back for rework
    MESSAGE = "message"  # a resident adding a message to their own item
    SEE_PHONE = "see_phone"  # the resident's phone: only for the people handling the item
    PHOTOS = "photos"
    RESUME = "resume"  # waiting is over: the resolve clock runs again
    EXTEND = "extend"  # ask the approver for a later resolve time
    ESCALATE = "escalate"  # beyond one's authority: up the zone's chain
    TAKE_OVER = "take_over"  # the person above takes an escalated item …
    RETURN = "return"  # … or sends it back down with instructions
    REOPEN = "reopen"  # the resident is not satisfied
    CLOSE = "close"  # the resident is satisfied, or never answered the follow-up
    RECORD_CALL = "record_call"  # the desk's follow-up by phone or letter, recorded
    ADVANCE = "advance"  # an order's or a repair's next step (which steps: bot.domain.kinds)


class IllegalMove(ValueError):
    """The item's status does not allow this action (a stale card, or a race lost)."""


@dataclass(frozen=True, slots=True)
class Move:
    """Which statuses allow an action; `to` None keeps the status as it is."""

    allowed_from: frozenset[TicketStatus]
    to: TicketStatus | None = None


WORKING = frozenset({S.NEW, S.ACCEPTED, S.IN_PROGRESS, S.WAITING, S.REOPENED})
EVERY = frozenset(TicketStatus)
MOVES: dict[Action, Move] = {
    Action.VIEW: Move(EVERY),
    Action.PHOTOS: Move(EVERY),
    Action.SEE_PHONE: Move(EVERY),
    Action.ACCEPT: Move(WORKING, S.ACCEPTED),
    # A resolved item can still be answered, and its resident may still write (within the
    # policy's reopen window, which the service checks).
    Action.REPLY: Move(OPEN_STATUSES | {S.RESOLVED}),
    Action.NOTE: Move(OPEN_STATUSES),
    Action.MESSAGE: Move(OPEN_STATUSES | {S.RESOLVED}),
    Action.CLASSIFY: Move(OPEN_STATUSES),
    Action.TRANSFER: Move(WORKING, S.IN_PROGRESS),
    Action.WAIT: Move(WORKING - {S.WAITING}, S.WAITING),
    Action.RESOLVE: Move(WORKING, S.RESOLVED),
    Action.ACCEPT_RESULT: Move(frozenset({S.REVIEW}), S.RESOLVED),
    Action.SEND_BACK: Move(frozenset({S.REVIEW}), S.IN_PROGRESS),
    Action.RESUME: Move(frozenset({S.WAITING}), S.IN_PROGRESS),
    Action.EXTEND: Move(WORKING),
    Action.ESCALATE: Move(WORKING),
    Action.TAKE_OVER: Move(OPEN_STATUSES),
    Action.RETURN: Move(OPEN_STATUSES),
    Action.REOPEN: Move(frozenset({S.RESOLVED, S.CLOSED}), S.REOPENED),
    Action.CLOSE: Move(frozenset({S.RESOLVED}), S.CLOSED),
    # Closed without an answer, or resolved for someone only the desk can ask: the call
    # (or letter) is owed until recorded.
    Action.RECORD_CALL: Move(frozenset({S.RESOLVED, S.CLOSED})),
    Action.ADVANCE: Move(OPEN_STATUSES),  # the status follows the stage the step reaches
}


@dataclass(frozen=True, slots=True)
class Situation:
    """What the state machine needs to know of an item besides its status."""

    status: TicketStatus
    has_owner: bool
    has_assignee: bool
    escalated: bool = False  # waiting for the decision of the person above
    awaiting_call: bool = False  # the desk must phone (or write) and record the answer
    kind: str | None = None  # what the kind and its stage allow is bot.domain.kinds'
    stage: str | None = None
    service: str | None = None  # an order's service, a repair's type


def allows(action: Action, item: Situation) -> bool:
    """Whether the item's state allows the action at all (who may do it is permissions')."""
    if item.status not in MOVES[action].allowed_from:
        return False
    if action is Action.ACCEPT:
        # Someone must take the work (new, reopened, or handed to a department) — or, on
        # an item nobody owns yet, the first-ask responsibility.
        return _unclaimed(item) or not item.has_owner
    if action in (Action.TAKE_OVER, Action.RETURN):
        return item.escalated
    if action is Action.ESCALATE:
        return not item.escalated
    if action is Action.RECORD_CALL:
        return item.awaiting_call
    return True


def _unclaimed(item: Situation) -> bool:
    return item.status in (S.NEW, S.REOPENED) or not item.has_assignee


def after(action: Action, item: Situation, *, needs_review: bool = False) -> TicketStatus:
    """The status the action leads to; IllegalMove if the state does not allow it.

    A result reported by anyone but the first-ask owner goes to the owner's review
    (`needs_review`) before the resident hears of it.
    """
    if not allows(action, item):
        raise IllegalMove(f"{action.value} on a {item.status.value} item")
    if action is Action.RESOLVE and needs_review:
        return S.REVIEW
    if action is Action.ACCEPT and not _unclaimed(item):
        return item.status  # taking ownership of work already under way changes no status
    return MOVES[action].to or item.status


def ends_escalation(status: TicketStatus) -> bool:
    """Whether entering this status ends an escalation. Escalating asks the person above
    for a decision on open work (take it over, or send it back with instructions); an item
    that leaves the open states — resolved (also when classified out of scope), closed, a
    cancelled order — has nothing left to decide, so the escalation ends with it. A result
    waiting for review is still open work: the person above may still take it over."""
    return status not in OPEN_STATUSES


def out_of_scope(item: Situation) -> TicketStatus:
    """Classified as not the office's responsibility: answered and closed as resolved."""
    if not allows(Action.CLASSIFY, item):
        raise IllegalMove(f"classify on a {item.status.value} item")
    return S.RESOLVED

"""Kinds of request as data: one registry entry per kind says what the desk does with it.

A kind belongs to a lifecycle family, which decides how staff work it: a complaint-like
item by the desk's moves (classify, transfer, wait, resolve), an order or a repair by its
own stages (one step at a time, each step an `ADVANCE`), internal work (a visit, a task)
by plain resolve. What a family's work never uses is refused for every item of its kinds,
whatever a card shows or a forged tap asks (bot.domain.permissions asks `kind_allows`).

Adding a kind whose form is only questions is one `register(RequestType(...))` with its
name and questions in every language (bot.domain.questions): the resident's menu offers
it, staff register it with /new, the card shows its answers, and a policy file that does
not mention it keeps working, with the entry's prefix and department.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from bot.domain import forms, orders, repairs
from bot.domain.lifecycle import Action, Situation
from bot.domain.questions import Form, Texts
from bot.domain.references import normalise_prefix
from bot.domain.staff import Department
from bot.domain.tickets import register_kind


class Family(StrEnum):
    COMPLAINT = "complaint"  # worked by the desk's moves: classify, transfer, wait, resolve
    ORDER = "order"  # worked by its stages: confirm, order, deliver, settle (or cancel)
    REPAIR = "repair"  # worked by its stages: schedule, start, leak test, done
    INTERNAL = "internal"  # staff's own follow-up work: a visit, a task


A = Action
# What each family's work never uses: an order's and a repair's stages report the result
# (so no Resolve, no review of it, no classification), an order's time is the service time
# (no waiting, no extension), and internal work is neither classified nor waited on.
# Steps (ADVANCE) are only where a stage has one (`steps`).
NEVER: dict[Family, frozenset[Action]] = {
    Family.COMPLAINT: frozenset(),
    Family.ORDER: frozenset(
        {A.RESOLVE, A.ACCEPT_RESULT, A.SEND_BACK, A.CLASSIFY, A.WAIT, A.RESUME, A.EXTEND}
    ),
    Family.REPAIR: frozenset({A.RESOLVE, A.ACCEPT_RESULT, A.SEND_BACK, A.CLASSIFY}),
    Family.INTERNAL: frozenset({A.CLASSIFY, A.WAIT, A.RESUME}),
}


@dataclass(frozen=True, slots=True)
class RequestType:
    """One kind of request.

    `files`: residents (and staff with /new) file it; `followup`: the resident is asked
    afterwards whether they are satisfied; `resolves`: it promises a resolution, not only
    an answer; `upgrades`: left open too long it becomes major. A kind defined as data
    has its `name` and its `form` (questions only); a built-in kind that files through a
    form of the desk's own points to its builder (`builds`: the form within the policy's
    limits, bot.domain.forms) and has dialogues and texts of its own.
    """

    code: str
    family: Family
    prefix: str
    department: Department = Department.CUSTOMER_SERVICE
    files: bool = True
    followup: bool = True
    resolves: bool = True
    upgrades: bool = False
    never: frozenset[Action] = frozenset()  # besides what the family never uses
    acknowledgement: str = "ticket.ack"
    name: Texts | None = None
    form: Form | None = None
    builds: forms.Builds | None = None
    menu_order: int = 10

    @property
    def refused(self) -> frozenset[Action]:
        return NEVER[self.family] | self.never


_REGISTRY: dict[str, RequestType] = {}


class PrefixTaken(ValueError):
    """A kind's reference prefix is another kind's: their references could not be told apart."""


def register(kind: RequestType) -> RequestType:
    """Add a kind (the built-in ones below, or one from data); its code becomes a TicketKind.
    Registering a code again replaces its entry. PrefixTaken: another kind numbers its
    references with the same prefix (ValueError: a prefix that breaks the rule)."""
    prefix = normalise_prefix(kind.prefix)
    for other in _REGISTRY.values():
        if other.code != kind.code and normalise_prefix(other.prefix) == prefix:
            raise PrefixTaken(f"reference prefix {prefix} is already the {other.code}'s")
    _REGISTRY[kind.code] = kind
    register_kind(kind.code)
    return kind


def unregister(code: str) -> None:
    """For tests that add a kind of their own."""
    if code not in _SHIPPED:
        _REGISTRY.pop(code, None)


def find(kind: str | None) -> RequestType | None:
    return _REGISTRY.get(str(kind))


def request_type(kind: str) -> RequestType:
    found = _REGISTRY.get(str(kind))
    if found is None:
        raise KeyError(f"unknown kind of request {kind!r}")
    return found


def kinds() -> list[RequestType]:
    return list(_REGISTRY.values())


def filed_by_residents() -> list[RequestType]:
    """The kinds a resident (or staff with /new) can file, in menu order."""
    return [k for k in _REGISTRY.values() if k.files]


def with_forms() -> list[RequestType]:
    """The kinds defined as data: a form of questions, asked by the one question engine."""
    return sorted(
        (k for k in _REGISTRY.values() if k.form is not None and k.files),
        key=lambda k: k.menu_order,
    )


def with_own_forms() -> list[RequestType]:
    """The kinds filed through a form of the desk's own (a complaint, a suggestion, a repair)."""
    return [k for k in _REGISTRY.values() if k.builds is not None]


def own_form(kind: str, limits: forms.Limits) -> Form:
    """The desk's own form for `kind`, as its registry entry builds it within `limits`;
    ValueError for a kind that has none."""
    entry = find(kind)
    if entry is None or entry.builds is None:
        raise ValueError(f"no form of the desk's own for {kind}")
    return entry.builds(limits)


def family_of(kind: str | None) -> Family:
    return request_type(kind).family if kind in _REGISTRY else Family.COMPLAINT


def steps(kind: str | None, stage: str | None, service: str | None) -> tuple[str, ...]:
    """The steps an order's or a repair's stage allows next (none for other families)."""
    family = family_of(kind)
    if family is Family.ORDER:
        order_stage = orders.OrderStage(stage or orders.OrderStage.SUBMITTED.value)
        found = [s.value for s in (orders.next_step(order_stage),) if s is not None]
        if order_stage in orders.BEFORE_DELIVERY:
            found.append(orders.OrderStep.CANCEL.value)
        return tuple(found)
    if family is Family.REPAIR:
        repair_stage = repairs.RepairStage(stage or repairs.RepairStage.REQUESTED.value)
        repair_type = repairs.RepairType(service or repairs.RepairType.OTHER.value)
        return tuple(s.value for s in repairs.steps(repair_stage, repair_type))
    return ()


# Stages at which an action is refused although the status would allow it: a cancelled
# order is over (reopening it would leave it cancelled and open at once).
STAGE_NEVER: Mapping[tuple[Family, str], frozenset[Action]] = {
    (Family.ORDER, orders.OrderStage.CANCELLED.value): frozenset({A.REOPEN, A.RECORD_CALL}),
}


def kind_allows(action: Action, item: Situation) -> bool:
    """Whether the item's kind and stage allow the action (its status is lifecycle's)."""
    if item.kind is None or item.kind not in _REGISTRY:
        return action is not Action.ADVANCE
    entry = _REGISTRY[item.kind]
    if action in entry.refused:
        return False
    if item.stage and action in STAGE_NEVER.get((entry.family, item.stage), frozenset()):
        return False
    if action is Action.ADVANCE:
        return bool(steps(item.kind, item.stage, item.service))
    return True


register(
    RequestType("complaint", Family.COMPLAINT, "TS", upgrades=True, builds=forms.complaint_form)
)
register(
    RequestType(
        "suggestion",
        Family.COMPLAINT,
        "JY",
        followup=False,
        resolves=False,
        acknowledgement="ticket.ack_suggestion",
        builds=forms.suggestion_form,
    )
)
register(
    RequestType(
        "repair",
        Family.REPAIR,
        "BX",
        department=Department.ENGINEERING,
        acknowledgement="repair.ack",
        builds=forms.repair_form,
    )
)
register(RequestType("concierge", Family.ORDER, "WT", department=Department.CONCIERGE))
register(RequestType("visit", Family.INTERNAL, "HF", files=False, followup=False))
register(
    RequestType(
        "task",
        Family.INTERNAL,
        "RW",
        files=False,
        followup=False,
        never=frozenset({A.TRANSFER}),
    )
)
# An emergency (突发事件): filed at once from what was typed, no form; security and
# engineering on duty are paged until one is on the way (bot.services.emergencies).
register(
    RequestType(
        "emergency",
        Family.COMPLAINT,
        "JJ",
        department=Department.SECURITY,
        files=False,
        followup=False,
        acknowledgement="emergency.filed",
    )
)
# What the desk ships with (the kinds above, emergency included) stays whatever a test does.
_SHIPPED = frozenset(_REGISTRY)

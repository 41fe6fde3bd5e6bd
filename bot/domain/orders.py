"""A concierge order's way from the resident's signature to settlement (委托代办).

The stages follow the house's commission form: confirmed with the prepayment taken,
ordered from the supplier, out for delivery (or ready to collect), delivered and signed
for, settled. Until delivery either side may cancel, with the refund recorded.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from bot.domain.tickets import TicketStatus


class OrderStage(StrEnum):
    SUBMITTED = "submitted"  # the resident signed the form
    CONFIRMED = "confirmed"  # the desk confirmed it and took the prepayment
    ORDERED = "ordered"  # placed with the supplier, voucher kept
    OUT = "out"  # out for delivery, or ready to collect
    DELIVERED = "delivered"  # received and signed for
    SETTLED = "settled"  # final amount, balance, invoice
    CANCELLED = "cancelled"


class OrderStep(StrEnum):
    """What concierge staff do next, one tap each."""

    CONFIRM = "confirm"
    ORDERED = "ordered"
    OUT = "out"
    DELIVERED = "delivered"
    SETTLE = "settle"
    CANCEL = "cancel"


NEXT: dict[OrderStage, tuple[OrderStep, OrderStage]] = {
    OrderStage.SUBMITTED: (OrderStep.CONFIRM, OrderStage.CONFIRMED),
    OrderStage.CONFIRMED: (OrderStep.ORDERED, OrderStage.ORDERED),
    OrderStage.ORDERED: (OrderStep.OUT, OrderStage.OUT),
    OrderStage.OUT: (OrderStep.DELIVERED, OrderStage.DELIVERED),
    OrderStage.DELIVERED: (OrderStep.SETTLE, OrderStage.SETTLED),
}
# An order reopened after settlement (the resident is not satisfied at the follow-up): the
# delivery took place and is not undone, so it goes back to *delivered*: the concierge puts
# it right with the resident and settles again (a refund or a corrected final amount, on
# the same money trail), and the resident is asked again. Going back further would offer
# a cancellation of something already delivered, and a delivery time already past.
REOPENED_AT = OrderStage.DELIVERED
BEFORE_DELIVERY = frozenset(
    {OrderStage.SUBMITTED, OrderStage.CONFIRMED, OrderStage.ORDERED, OrderStage.OUT}
)
# How the item's status reads to everyone else (lists, reports, the clock).
STATUS = {
    OrderStage.SUBMITTED: TicketStatus.NEW,
    OrderStage.CONFIRMED: TicketStatus.ACCEPTED,
    OrderStage.ORDERED: TicketStatus.IN_PROGRESS,
    OrderStage.OUT: TicketStatus.IN_PROGRESS,
    OrderStage.DELIVERED: TicketStatus.IN_PROGRESS,
    OrderStage.SETTLED: TicketStatus.RESOLVED,
    OrderStage.CANCELLED: TicketStatus.CLOSED,
}


class StageError(ValueError):
    """The order is not at a stage where this step can be taken (a stale card)."""


def next_step(stage: OrderStage) -> OrderStep | None:
    found = NEXT.get(stage)
    return found[0] if found else None


def advance(stage: OrderStage, step: OrderStep) -> OrderStage:
    if step is OrderStep.CANCEL:
        if stage not in BEFORE_DELIVERY:
            raise StageError(f"cannot cancel a {stage.value} order")
        return OrderStage.CANCELLED
    found = NEXT.get(stage)
    if found is None or found[0] is not step:
        raise StageError(f"{step.value} on a {stage.value} order")
    return found[1]


class MoneyKind(StrEnum):
    PREPAYMENT = "prepayment"  # with its receipt number
    PURCHASE = "purchase"  # the supplier's purchase voucher
    FINAL = "final"  # the final amount
    BALANCE = "balance"  # paid (+) or refunded (-) at settlement
    REFUND = "refund"  # on cancellation
    INVOICE = "invoice"  # its number, when the resident asked for one


def parse_amount(text: str | None) -> Decimal | None:
    """¥ amounts as typed: "198", "198.5", "¥ 1,298.00"; None if it is not one."""
    cleaned = (text or "").strip().replace("¥", "").replace("元", "").replace(",", "").strip()
    try:
        value = Decimal(cleaned)
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or value < 0 or value > Decimal("1000000"):
        return None
    return value.quantize(Decimal("0.01"))


class TimingProblem(StrEnum):
    PAST = "past"
    TOO_SOON = "too_soon"  # within the service's lead time
    CLOSED = "closed"  # outside the service's hours


def check_service_time(
    moment: datetime,
    *,
    now: datetime,
    lead: timedelta,
    opens: time | None,
    closes: time | None,
) -> TimingProblem | None:
    """A delivery (or visit) time must lie ahead, past the lead time, in service hours."""
    if moment <= now:
        return TimingProblem.PAST
    if moment < now + lead:
        return TimingProblem.TOO_SOON
    if opens is not None and closes is not None:
        local = moment.timetz().replace(tzinfo=None)
        if not opens <= local <= closes:
            return TimingProblem.CLOSED
    return None


def balance(entries: list[tuple[MoneyKind, Decimal | None]], final: Decimal) -> Decimal:
    """What the resident still owes (+) or gets back (-) once the final amount is known
    (settled again after a reopening: what an earlier settlement took or gave back counts)."""
    settled = (MoneyKind.PREPAYMENT, MoneyKind.BALANCE)
    paid = sum((amount or Decimal(0)) for kind, amount in entries if kind in settled)
    refunded = sum((amount or Decimal(0)) for kind, amount in entries if kind is MoneyKind.REFUND)
    return final - (paid - refunded)

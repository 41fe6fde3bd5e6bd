"""The rules of orders and repairs, without Telegram: stages, money, times, follow-up days,
and the catalogue's validation."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.catalogue import load_catalogue
from bot.config import DEFAULTS_DIR, ConfigError
from bot.domain.orders import (
    MoneyKind,
    OrderStage,
    OrderStep,
    StageError,
    TimingProblem,
    advance,
    balance,
    check_service_time,
    next_step,
    parse_amount,
)
from bot.domain.repairs import RepairStage, RepairStep, RepairType, followup_at, steps
from bot.domain.repairs import StageError as RepairStageError
from bot.domain.repairs import advance as advance_repair
from bot.domain.reports import DispatchKind, due_dispatches

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
DAYS = {"safety_facility": 2, "water_leak": 3, "other": 2}


def test_an_order_goes_step_by_step_and_cancels_only_before_delivery() -> None:
    stage = OrderStage.SUBMITTED
    for step in (
        OrderStep.CONFIRM,
        OrderStep.ORDERED,
        OrderStep.OUT,
        OrderStep.DELIVERED,
        OrderStep.SETTLE,
    ):
        assert next_step(stage) is step
        stage = advance(stage, step)
    assert stage is OrderStage.SETTLED
    assert advance(OrderStage.OUT, OrderStep.CANCEL) is OrderStage.CANCELLED
    with pytest.raises(StageError):
        advance(OrderStage.DELIVERED, OrderStep.CANCEL)
    with pytest.raises(StageError):
        advance(OrderStage.SUBMITTED, OrderStep.OUT)  # a stale card's button
    with pytest.raises(StageError):
        advance(OrderStage.CANCELLED, OrderStep.CONFIRM)


@pytest.mark.parametrize(
    ("typed", "amount"),
    [("198", "198.00"), ("¥ 1,298.5", "1298.50"), ("88元", "88.00"), ("abc", None), ("-5", None)],
)
def test_amounts_as_typed(typed: str, amount: str | None) -> None:
    parsed = parse_amount(typed)
    assert (str(parsed) if parsed is not None else None) == amount


def test_the_balance_counts_the_prepayment_net_of_refunds() -> None:
    paid = [(MoneyKind.PREPAYMENT, Decimal("300")), (MoneyKind.PURCHASE, None)]
    assert balance(paid, Decimal("328")) == Decimal("28")
    assert balance(paid, Decimal("268")) == Decimal("-32")
    refunded = [*paid, (MoneyKind.REFUND, Decimal("100"))]
    assert balance(refunded, Decimal("200")) == Decimal("0")


@pytest.mark.parametrize(
    ("moment", "problem"),
    [
        (NOW - timedelta(hours=1), TimingProblem.PAST),
        (NOW + timedelta(hours=10), TimingProblem.TOO_SOON),
        (datetime(2026, 11, 26, 22, 0, tzinfo=SHANGHAI), TimingProblem.CLOSED),
        (datetime(2026, 11, 26, 15, 0, tzinfo=SHANGHAI), None),
    ],
)
def test_a_delivery_time_is_ahead_past_the_lead_time_and_in_hours(
    moment: datetime, problem: TimingProblem | None
) -> None:
    found = check_service_time(
        moment, now=NOW, lead=timedelta(hours=24), opens=time(9), closes=time(20)
    )
    assert found is problem


def test_only_a_water_leak_has_a_leak_test() -> None:
    assert RepairStep.LEAK_TEST in steps(RepairStage.WORKING, RepairType.WATER_LEAK)
    assert RepairStep.LEAK_TEST not in steps(RepairStage.WORKING, RepairType.PLUMBING)
    with pytest.raises(RepairStageError, match="leak_test on a working repair"):
        advance_repair(RepairStage.WORKING, RepairStep.LEAK_TEST, RepairType.PLUMBING)
    with pytest.raises(RepairStageError, match="done on a requested repair"):
        advance_repair(RepairStage.REQUESTED, RepairStep.DONE, RepairType.PLUMBING)
    assert (
        advance_repair(RepairStage.SCHEDULED, RepairStep.SCHEDULE, RepairType.OTHER)
        is RepairStage.SCHEDULED
    )  # a visit can be moved until work starts


def test_every_repair_is_followed_up_at_its_types_window_in_the_day() -> None:
    def ask(kind: RepairType, done: datetime, tested: date | None = None) -> datetime:
        return followup_at(
            kind, done_at=done, leak_test_on=tested, days=DAYS, at=time(10), tz=SHANGHAI
        )

    def morning(day: date) -> datetime:
        return datetime.combine(day, time(10), SHANGHAI)

    assert ask(RepairType.SAFETY_FACILITY, NOW) == morning(date(2026, 11, 26))
    assert ask(RepairType.WATER_LEAK, NOW, date(2026, 11, 25)) == morning(date(2026, 11, 28))
    for other in (RepairType.PLUMBING, RepairType.APPLIANCE, RepairType.OTHER):
        assert ask(other, NOW) == morning(date(2026, 11, 26))
    # Reported done at 23:30: asked at 10:00 two days later, never at night.
    late = datetime(2026, 11, 24, 23, 30, tzinfo=SHANGHAI)
    assert ask(RepairType.PLUMBING, late) == morning(date(2026, 11, 26))
    # A leak test long before the work was done: the next morning, not in the past.
    assert ask(RepairType.WATER_LEAK, late, date(2026, 11, 1)) == morning(date(2026, 11, 25))


def test_the_shipped_catalogue_has_the_cake_flowers_and_cleaning() -> None:
    catalogue = load_catalogue(DEFAULTS_DIR / "services.toml")
    assert [s.code for s in catalogue.services] == ["cake", "flowers", "cleaning"]
    cake = catalogue.service("cake")
    assert cake is not None
    assert cake.is_birthday({"occasion": "birthday"})
    assert not cake.is_birthday({"occasion": "anniversary"})
    assert cake.is_pickup({"handover": "pickup"})
    asked = {q.id for q in cake.asked({"occasion": "other", "card": "no", "handover": "pickup"})}
    assert not asked & {"whose", "birthday", "card_text", "place", "recipient"}


@pytest.mark.parametrize(
    ("mistake", "message"),
    [
        ("lead_hours = -1", "services.0.lead_hours"),
        ('department = "bakery"', "services.0.department"),
        ("opens = 09:00:00", "give both opens and closes"),
        ('birthday_when = { nobody = "x" }', "birthday_when names no question"),
    ],
)
def test_a_catalogue_mistake_is_one_line_naming_the_field(
    tmp_path: Path, mistake: str, message: str
) -> None:
    key = mistake.split(" = ")[0]
    lines = [
        "[[services]]",
        'code = "test"',
        'name = { en = "Test", zh_Hans = "测试" }',
        'department = "concierge"',
        mistake,
        "[[services.questions]]",
        'id = "what"',
        'kind = "text"',
        'ask = { en = "What?", zh_Hans = "什么？" }',
    ]
    if key == "department":
        lines.pop(3)
    path = tmp_path / "services.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as raised:
        load_catalogue(path)
    assert "\n" not in str(raised.value)


def test_what_is_due_to_be_dispatched() -> None:
    rules = {
        "weekly_day": 0,
        "weekly_at": time(9),
        "monthly_day": 1,
        "monthly_at": time(9),
        "ledger_at": time(21),
    }
    monday_early = datetime(2026, 11, 23, 8, 59, tzinfo=SHANGHAI)
    due = dict(due_dispatches(monday_early, **rules))  # type: ignore[arg-type]
    assert due[DispatchKind.WEEKLY].start == date(2026, 11, 9)  # the one already sent
    assert due[DispatchKind.LEDGER].start == date(2026, 11, 22)
    monday = dict(due_dispatches(monday_early.replace(hour=9, minute=1), **rules))  # type: ignore[arg-type]
    assert monday[DispatchKind.WEEKLY].start == date(2026, 11, 16)
    assert monday[DispatchKind.WEEKLY].end == date(2026, 11, 23)
    assert monday[DispatchKind.MONTHLY].start == date(2026, 10, 1)
    first = dict(due_dispatches(datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI), **rules))  # type: ignore[arg-type]
    assert first[DispatchKind.MONTHLY].start == date(2026, 11, 1)
    assert first[DispatchKind.MONTHLY].end == date(2026, 12, 1)

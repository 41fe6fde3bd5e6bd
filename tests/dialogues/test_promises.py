"""The desk keeps the house's promises, not their opposite: a reopened order goes on to a
new settlement, the 30-day upgrade runs the major promises from that day, the resident's
own "solve by" date is the promise (later too), and the resident hears of every change of
promise — a transfer, a reclassification, the upgrade — with the new date."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine

from bot.clock import utcnow
from tests.conftest import DeskHarness
from tests.dialogues.helpers import at, enroll, fill_complaint, register, told
from tests.dialogues.test_orders import order_cake
from tests.sim import Persona

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _morning(moment: datetime, days: int) -> datetime:
    day = moment.astimezone(SHANGHAI).date() + timedelta(days=days)
    return datetime.combine(day, time(10, 1), SHANGHAI)


def _as_dt(value: object) -> datetime:
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=utcnow().tzinfo)


async def _file(li: Persona) -> datetime:
    await fill_complaint(li, "Lift stuck")
    filed = utcnow()
    await li.taps("Confirm")
    return filed


async def test_an_order_reopened_at_the_follow_up_is_settled_again(desk: DeskHarness) -> None:
    """Back to *delivered*: the concierge puts it right and settles again (here a refund of
    what the first settlement took); the order is not stuck settled-and-reopened."""
    concierge = await enroll(desk, 8901, "Department staff", "Concierge", "B")
    supervisor = await enroll(desk, 8902, "Duty supervisor", "Customer service", "B")
    li = desk.sim.user(8911, language_code="en")
    await register(li)
    day = (utcnow().astimezone(SHANGHAI) + timedelta(days=2)).date()
    await order_cake(li, day, birthday=False)
    await li.taps("✍️ Sign")
    card = str(await desk.scalar("select reference from tickets"))
    await concierge.taps_on("✅ Confirm & prepayment", card)
    await concierge.says("300")
    await concierge.says("R-1")
    await concierge.taps_on("🛒 Ordered", card)
    await concierge.says("Holiland")
    await concierge.says("PV-1")
    await concierge.taps_on("🚚 Out for delivery", card)
    await concierge.taps_on("📦 Delivered", card)
    await concierge.taps("Li Lei")
    await concierge.taps_on("🧾 Settle", card)
    await concierge.says("328")
    await concierge.taps("No")  # no invoice
    settled = utcnow()
    asked = _morning(settled, 1)
    await at(desk, asked)
    assert told(li, "Was it solved?") == 1
    with time_machine.travel(asked + timedelta(minutes=5), tick=False):
        await li.taps("👎 No, not yet")
    assert await desk.scalar("select status || ':' || stage from tickets") == (
        "reopened:delivered"
    )
    assert told(li, "We are sorry it is not right yet. We have reopened your request") == 1
    with time_machine.travel(asked + timedelta(hours=2), tick=False):
        await concierge.taps_on("🧾 Settle", card)  # the concierge's next step is offered
        await concierge.says("300")
        await concierge.taps("No")
    assert told(li, "¥28.00 is refunded to you") == 1  # the ¥28 the first one took
    assert await desk.scalar("select status || ':' || stage from tickets") == "resolved:settled"
    await at(desk, asked + timedelta(days=3))  # resolved again: nothing late
    assert told(supervisor, "Late") == 0


async def test_the_30_day_upgrade_runs_the_major_promises_from_that_day(
    desk: DeskHarness,
) -> None:
    butler = await enroll(desk, 8921, "Butler", "Customer service", "B")
    supervisor = await enroll(desk, 8922, "Duty supervisor", "Customer service", "B")
    chief = await enroll(desk, 8923, "Chief butler", "Customer service", "No zone")
    await enroll(desk, 8924, "Project head", "Customer service", "No zone")
    li = desk.sim.user(8931, language_code="en")
    await register(li)
    filed = await _file(li)
    await butler.taps("✅ Accept")
    upgraded = filed + timedelta(days=30, minutes=1)
    await at(desk, upgraded)
    await at(desk, upgraded + timedelta(minutes=1))
    assert await desk.scalar("select severity from tickets") == "major"
    assert told(chief, "Major complaint, handed to you") == 1
    due = _as_dt(await desk.scalar("select resolve_due_at from tickets"))
    assert timedelta(days=7) - timedelta(minutes=2) < due - upgraded <= timedelta(days=7)
    assert told(chief, "late") + told(chief, "Late") == 0  # not "552 hours late" at once
    assert told(li, "we will resolve it by") == 1  # the resident hears the new date
    late = told(supervisor, "Late: this was due to be resolved")  # the general promise's
    await at(desk, upgraded + timedelta(days=6))
    assert told(supervisor, "Late: this was due to be resolved") == late
    await at(desk, upgraded + timedelta(days=7, minutes=1))
    assert told(supervisor, "Late: this was due to be resolved") == late + 1


async def test_the_residents_later_date_is_the_promise_and_not_late_before_it(
    desk: DeskHarness,
) -> None:
    await enroll(desk, 8941, "Butler", "Customer service", "B")
    supervisor = await enroll(desk, 8942, "Duty supervisor", "Customer service", "B")
    li = desk.sim.user(8951, language_code="en")
    await register(li)
    await li.taps("📝 Complaint")
    await li.taps("Facilities (lifts, lights, water, power, A/C)")
    await li.says("The garage door is noisy; I am away this week")
    await li.says("Garage")
    await li.taps("✏️ Edit a field")
    await li.taps("Solve-by date")
    await li.taps("Within a week")  # later than the two days of the general promise
    filed = utcnow()
    await li.taps("Confirm")
    wanted = filed.astimezone(SHANGHAI).date() + timedelta(days=8)
    end_of_their_day = datetime.combine(wanted, time(0), SHANGHAI)
    assert _as_dt(await desk.scalar("select resolve_due_at from tickets")) == end_of_their_day
    await at(desk, filed + timedelta(hours=49))  # the policy's two days are past
    assert told(supervisor, "Late: this was due to be resolved") == 0
    await at(desk, end_of_their_day + timedelta(minutes=1))
    assert told(supervisor, "Late: this was due to be resolved") == 1


async def test_the_resident_hears_of_a_transfer_and_a_reclassification(
    desk: DeskHarness,
) -> None:
    butler = await enroll(desk, 8961, "Butler", "Customer service", "B")
    await enroll(desk, 8962, "Department staff", "Security", "B")
    senior = await enroll(desk, 8963, "Senior butler", "Customer service", "No zone")
    await enroll(desk, 8964, "Chief butler", "Customer service", "No zone")
    li = desk.sim.user(8971, language_code="en")
    await register(li)
    await _file(li)
    await butler.taps("✅ Accept")
    await butler.taps("↪️ Transfer")
    await butler.taps("Security")  # (the lift is engineering's by routing)
    await butler.taps("By the item's resolve time")
    assert "is now with Security" in li.last_text
    assert "we will resolve it by" in li.last_text
    before = _as_dt(await desk.scalar("select resolve_due_at from tickets"))
    await butler.taps("🏷 Classify")
    await butler.taps("Valid")
    await butler.taps("Important")
    assert "handed to you" in senior.last_text
    after = _as_dt(await desk.scalar("select resolve_due_at from tickets"))
    assert after - before == timedelta(hours=24)  # three days instead of two
    assert "we will resolve it by" in li.last_text
    day = after.astimezone(SHANGHAI)
    assert f"{day:%b} {day.day}" in li.last_text  # the new date, in plain words

"""Concierge orders as services: a cancellation, by either side, is kept where the registry
and the reports read it, and ends the order's escalation like any other closing."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

from openpyxl import load_workbook

from bot.catalogue import load_catalogue
from bot.config import DEFAULTS_DIR
from bot.domain.orders import OrderStep
from bot.domain.permissions import remit_of, staff_viewer
from bot.domain.reports import Period, PeriodKind
from bot.domain.residents import ResidentCard
from bot.domain.staff import Department, Role, StaffMember
from bot.domain.tickets import TicketStatus
from bot.services import escalation, orders, reports
from bot.services.export import registry_workbook
from bot.services.workflow import Refused
from bot.views.report import report_text
from storage.models import Ticket
from tests.services.conftest import NOW, TZ, VIEWS, World

DAY = Period(PeriodKind.RANGE, date(2026, 11, 24), date(2026, 11, 25))  # NOW's local day
LATER = NOW + timedelta(hours=3)


async def _order(
    world: World, n: int, resident: ResidentCard, owner: StaffMember, concierge: StaffMember
) -> Ticket:
    """A confirmed cake order, filed an hour before NOW, to be delivered in two days."""
    filed = NOW - timedelta(hours=1)
    ticket = world.add_ticket(
        f"WT-20261124-{n:04d}",
        filed,
        kind="concierge",
        category=None,
        status=TicketStatus.ACCEPTED.value,
        stage="confirmed",
        service="cake",
        resident_id=resident.id,
        unit_id=resident.unit_id,
        zone="B",
        department=Department.CONCIERGE.value,
        owner_staff_id=owner.id,
        assignee_staff_id=concierge.id,
        first_answer_due_at=filed + timedelta(hours=1),
        resolve_due_at=filed + timedelta(days=2),
        service_at=filed + timedelta(days=2),
    )
    await world.uow.flush()
    return ticket


async def test_either_sides_cancellation_keeps_when_and_why_and_ends_the_escalation(
    stored_world: World,
) -> None:
    world = stored_world
    butler = await world.staff(Role.BUTLER, zone="B")
    senior = await world.staff(Role.SENIOR_BUTLER)
    concierge = await world.staff(Role.STAFF, Department.CONCIERGE, zone="B")
    li = await world.resident()
    by_staff = await _order(world, 1, li, butler, concierge)
    by_resident = await _order(world, 2, li, butler, concierge)
    for order in (by_staff, by_resident):
        await escalation.escalate(world.acting(butler), order.id, "A refund beyond my say")
        assert order.escalated_to_staff_id == senior.id

    cancel = orders.StepInput(amount=Decimal("250"), text="The bakery cannot deliver")
    await orders.step(world.acting(concierge, LATER), by_staff.id, OrderStep.CANCEL, cancel)
    await orders.cancel_by_resident(world.clock(LATER), li, by_resident.id, "Plans changed")

    await world.uow.flush()  # read back what was stored, not what is in memory
    for order, reason in ((by_staff, "The bakery cannot deliver"), (by_resident, "Plans changed")):
        await world.uow.session.refresh(order)
        assert (order.stage, order.status) == ("cancelled", TicketStatus.CLOSED)
        assert (order.cancelled_at, order.cancel_reason) == (LATER, reason)
        assert order.resolved_at is None  # cancelled is not resolved
        assert order.escalated_to_staff_id is None  # nothing left for the senior to decide


async def test_a_cancelled_order_counts_as_cancelled_in_the_report_and_the_registry(
    stored_world: World,
) -> None:
    world = stored_world
    butler = await world.staff(Role.BUTLER, zone="B")
    concierge = await world.staff(Role.STAFF, Department.CONCIERGE, zone="B")
    chief = await world.staff(Role.CHIEF_BUTLER)
    li = await world.resident()
    answered = await _order(world, 1, li, butler, concierge)
    answered.first_answered_at = NOW - timedelta(minutes=30)  # confirmed in time
    unanswered = await _order(world, 2, li, butler, concierge)
    cancel = orders.StepInput(amount=Decimal("0"), text="The bakery cannot deliver")
    await orders.step(world.acting(concierge, LATER), answered.id, OrderStep.CANCEL, cancel)
    await orders.cancel_by_resident(world.clock(LATER), li, unanswered.id, "Plans changed")
    await world.uow.flush()

    remit = remit_of(staff_viewer(chief))
    assert remit is not None
    found = await reports.figures(world.uow, remit, DAY, world.policy, TZ)
    assert found.cancelled == 2
    assert found.resolution.count == 0  # not resolved, in time or late
    assert found.first_answer.count == 1  # the answer given before it was called off
    assert "Cancelled: 2" in report_text(VIEWS, "en", found)

    data, listed = await registry_workbook(
        world.uow, chief, remit, DAY, VIEWS, "en", world.policy, LATER
    )
    assert listed == 2
    sheet = load_workbook(io.BytesIO(data), read_only=True)["Registry"]
    rows = list(sheet.iter_rows(values_only=True))
    items = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    local = LATER.astimezone(TZ).replace(tzinfo=None)
    staff_cancelled, resident_cancelled = items[answered.reference], items[unanswered.reference]
    assert staff_cancelled["Cancelled"] == local
    assert staff_cancelled["Cancellation reason"] == "The bakery cannot deliver"
    assert staff_cancelled["Answer in time"] == "Yes"
    assert staff_cancelled["Resolved in time"] == "cancelled"  # neither pending nor late
    assert resident_cancelled["Cancelled"] == local
    assert resident_cancelled["Cancellation reason"] == "Plans changed"
    assert resident_cancelled["Answer in time"] == "cancelled"
    assert resident_cancelled["Resolved in time"] == "cancelled"


async def test_a_forged_or_stale_order_form_is_refused_and_nothing_is_filed(world: World) -> None:
    cake = load_catalogue(DEFAULTS_DIR / "services.toml").service("cake")
    assert cake is not None
    resident = await world.resident()
    forged = [
        {"occasion": "no_such_occasion"},  # not one of the choices
        {"size": "6", "card": "maybe"},  # yes or no only
        {"colour": "blue"},  # no such question
        {},  # the required answers missing
    ]
    for answers in forged:
        try:
            await orders.file_order(
                world.uow,
                world.notifier(),
                resident=resident,
                service=cake,
                answers=answers,
                summary="Cake",
                policy=world.policy,
                tz=TZ,
                now=NOW,
            )
        except Refused:
            continue
        raise AssertionError(f"filed: {answers}")
    assert await world.uow.tickets.by_reference("WT-20261124-0001") is None

"""Every action on every kind at every stage, forged: what an item's kind and stage do not
allow is refused by the services and changes nothing, whatever a card shows.

The expectations are this test's own table (not read from bot.domain.kinds), so removing
a kind's rule from the domain fails here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from bot.domain import kinds, orders, repairs
from bot.domain.lifecycle import Action
from bot.domain.orders import OrderStage, OrderStep
from bot.domain.permissions import TicketScope, can, staff_viewer
from bot.domain.repairs import RepairStage, RepairStep, RepairType
from bot.domain.staff import Department, Role, StaffMember
from bot.domain.tickets import Nature, Severity, TicketStatus, WaitingReason
from bot.domain.workflow import Classification
from bot.services import escalation, followup, workflow
from bot.services import orders as order_service
from bot.services import repairs as repair_service
from bot.services.followup import CallOutcome
from bot.services.orders import StepInput
from bot.services.workflow import ActionContext, Refused
from storage.models import Ticket, TicketEvent
from tests.services.conftest import NOW, World

A = Action
Call = Callable[[ActionContext, int], Awaitable[object]]

# What each kind never allows (its stages do that work, or it is internal work).
KIND_FORBIDS: dict[str, set[Action]] = {
    "complaint": set(),
    "suggestion": set(),
    "concierge": {A.RESOLVE, A.ACCEPT_RESULT, A.SEND_BACK, A.CLASSIFY, A.WAIT, A.RESUME, A.EXTEND},
    "repair": {A.RESOLVE, A.ACCEPT_RESULT, A.SEND_BACK, A.CLASSIFY},
    "visit": {A.CLASSIFY, A.WAIT, A.RESUME},
    "task": {A.CLASSIFY, A.WAIT, A.RESUME, A.TRANSFER},
    "emergency": set(),  # complaint-like: the desk's moves, and no steps
}
STAGE_FORBIDS: dict[tuple[str, str], set[Action]] = {
    ("concierge", OrderStage.CANCELLED.value): {A.REOPEN, A.RECORD_CALL},
}
# Each kind's stages with the status each one reads as; other kinds: every status.
STAGES: dict[str, list[tuple[str | None, TicketStatus]]] = {
    "concierge": [(stage.value, status) for stage, status in orders.STATUS.items()],
    "repair": [(stage.value, status) for stage, status in repairs.STATUS.items()],
}
STAFF_CALLS: dict[Action, Call] = {
    A.ACCEPT: workflow.accept,
    A.REPLY: lambda ctx, i: workflow.reply(ctx, i, "An answer"),
    A.NOTE: lambda ctx, i: workflow.note(ctx, i, "A note"),
    A.CLASSIFY: lambda ctx, i: workflow.classify(
        ctx, i, Classification(Nature.VALID, Severity.IMPORTANT)
    ),
    A.TRANSFER: lambda ctx, i: workflow.transfer(ctx, i, department=Department.ENVIRONMENT),
    A.WAIT: lambda ctx, i: workflow.wait(ctx, i, WaitingReason.PARTS, date(2026, 12, 20)),
    A.RESOLVE: lambda ctx, i: workflow.resolve(ctx, i, "Done"),
    A.ACCEPT_RESULT: workflow.accept_result,
    A.SEND_BACK: lambda ctx, i: workflow.send_back(ctx, i, "Again"),
    A.SEE_PHONE: workflow.contact_phone,
    A.RESUME: workflow.resume_work,
    A.EXTEND: lambda ctx, i: escalation.request_extension(
        ctx, i, NOW + timedelta(days=30), "Parts"
    ),
    A.ESCALATE: lambda ctx, i: escalation.escalate(ctx, i, "Beyond me"),
    A.TAKE_OVER: escalation.take_over,
    A.RETURN: lambda ctx, i: escalation.send_down(ctx, i, "Do it"),
    A.REOPEN: followup.reopen_by_staff,
    A.RECORD_CALL: lambda ctx, i: followup.record_call(ctx, i, CallOutcome.SATISFIED),
}
# Not a staff member's to take: the resident's own (MESSAGE, CLOSE); or no change (VIEW,
# PHOTOS); ADVANCE is the steps' matrix below.
NOT_STAFF = {A.MESSAGE, A.CLOSE, A.VIEW, A.PHOTOS, A.ADVANCE}


def test_the_table_names_every_kind() -> None:
    """A kind the registry has and this table does not would go untested."""
    assert set(KIND_FORBIDS) == {k.code for k in kinds.kinds()}


def _situations(kind: str) -> list[tuple[str | None, TicketStatus]]:
    return STAGES.get(kind, [(None, status) for status in TicketStatus])


async def _item(
    world: World,
    number: int,
    kind: str,
    stage: str | None,
    status: TicketStatus,
    worker: StaffMember,
    **extra: object,
) -> Ticket:
    """An item of this kind at this stage, owned and worked by `worker`."""
    ticket = world.add_ticket(
        f"F-{number}",
        NOW - timedelta(hours=2),
        kind=kind,
        stage=stage,
        status=status.value,
        zone="B",
        service="plumbing" if kind == "repair" else ("cake" if kind == "concierge" else None),
        resolve_due_at=NOW + timedelta(days=1),
        resolved_at=NOW - timedelta(hours=1) if status is TicketStatus.RESOLVED else None,
        owner_staff_id=worker.id,
        assignee_staff_id=worker.id,
        **extra,
    )
    await world.uow.flush()
    return ticket


async def _events(world: World, ticket_id: int) -> int:
    await world.uow.tickets.write_pending()
    query = select(func.count()).where(TicketEvent.ticket_id == ticket_id)
    return int(await world.uow.session.scalar(query) or 0)


async def _refused_and_unchanged(
    world: World, ctx: ActionContext, call: Call, item: Ticket
) -> None:
    before = (item.status, item.stage, await _events(world, item.id))
    try:
        await call(ctx, item.id)
    except Refused:
        pass
    else:
        raise AssertionError(f"{item.kind} at {item.stage or item.status}: not refused")
    assert (item.status, item.stage, await _events(world, item.id)) == before


async def test_what_a_kind_or_stage_never_allows_is_refused_and_changes_nothing(
    world: World,
) -> None:
    butler = await world.staff(Role.BUTLER, zone="B")
    viewer = staff_viewer(butler)
    checked = number = 0
    for kind, forbidden in KIND_FORBIDS.items():
        for stage, status in _situations(kind):
            for action in set(Action) - NOT_STAFF:
                refused = forbidden | STAGE_FORBIDS.get((kind, stage or ""), set())
                if action not in refused:
                    continue
                number += 1
                item = await _item(
                    world,
                    number,
                    kind,
                    stage,
                    status,
                    butler,
                    escalated_to_staff_id=(
                        butler.id if action in (A.TAKE_OVER, A.RETURN) else None
                    ),
                    followup="no_response" if action is A.RECORD_CALL else None,
                )
                scope = TicketScope.of(item)
                as_complaint = replace(scope, kind="complaint", stage=None, service=None)
                if not can(viewer, action, as_complaint):
                    continue  # refused for its status or the reader anyway: proves nothing
                assert not can(viewer, action, scope), (kind, stage, action)
                await _refused_and_unchanged(
                    world, world.acting(butler), STAFF_CALLS[action], item
                )
                checked += 1
    assert checked > 50  # the matrix is not vacuous


ORDER_CALLS: dict[str, Call] = {
    step.value: (
        lambda which: (
            lambda ctx, i: order_service.step(
                ctx, i, which, StepInput(amount=Decimal("10"), number="1", text="Li")
            )
        )
    )(step)
    for step in OrderStep
}
REPAIR_CALLS: dict[str, Call] = {
    RepairStep.SCHEDULE.value: lambda ctx, i: repair_service.schedule(
        ctx, i, NOW + timedelta(days=1)
    ),
    RepairStep.START.value: repair_service.start,
    RepairStep.LEAK_TEST.value: lambda ctx, i: repair_service.leak_test(ctx, i, date(2026, 12, 1)),
    RepairStep.DONE.value: lambda ctx, i: repair_service.done(
        ctx, i, repair_service.Report("Fixed", True, None)
    ),
}
# The steps each stage allows (what the card offers); every other step is a forgery.
ORDER_NEXT = {
    "submitted": {"confirm", "cancel"},
    "confirmed": {"ordered", "cancel"},
    "ordered": {"out", "cancel"},
    "out": {"delivered", "cancel"},
    "delivered": {"settle"},
}
REPAIR_NEXT = {
    "requested": {"schedule"},
    "scheduled": {"schedule", "start"},
    "confirmed": {"schedule", "start"},
    "working": {"done"},  # a leak test only for a water leak
}


async def test_a_forged_step_on_any_kind_at_any_stage_is_refused(world: World) -> None:
    butler = await world.staff(Role.BUTLER, zone="B")
    number, checked = 1000, 0
    for kind in KIND_FORBIDS:
        for stage, status in _situations(kind):
            for step, call in (ORDER_CALLS | REPAIR_CALLS).items():
                allowed = (
                    ORDER_NEXT.get(stage or "", set())
                    if kind == "concierge" and step in ORDER_CALLS
                    else REPAIR_NEXT.get(stage or "", set())
                    if kind == "repair" and step in REPAIR_CALLS
                    else set()
                )
                if step in allowed:
                    continue
                number += 1
                item = await _item(world, number, kind, stage, status, butler)
                await _refused_and_unchanged(world, world.acting(butler), call, item)
                checked += 1
    assert checked > 100


async def test_a_water_leak_alone_has_a_leak_test(world: World) -> None:
    butler = await world.staff(Role.BUTLER, zone="B")
    working = RepairStage.WORKING.value
    item = await _item(world, 1, "repair", working, TicketStatus.IN_PROGRESS, butler)
    leak = REPAIR_CALLS[RepairStep.LEAK_TEST.value]
    await _refused_and_unchanged(world, world.acting(butler), leak, item)
    item.service = RepairType.WATER_LEAK.value
    await leak(world.acting(butler), item.id)
    assert (item.details or {}).get("leak_test") == "2026-12-01"
    assert await _events(world, item.id) == 1

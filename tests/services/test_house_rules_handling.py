"""The house rules of handling, as services: who checks a major result, the in-person
visit of every major complaint, "can't judge", the liaison on out-of-scope items, and the
adoption of suggestions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.domain.deadlines import AlarmKind
from bot.domain.residents import ResidentCard
from bot.domain.staff import Department, Role
from bot.domain.tickets import Draft, Nature, Severity, TicketKind, TicketStatus
from bot.domain.workflow import Classification
from bot.services import followup, liaison, suggestions, workflow
from bot.services.tickets import file_ticket
from bot.services.workflow import Refused
from storage.models import Alarm, Ticket, UtilityContact
from tests.services.conftest import NOW, TZ, World

MAJOR = Classification(Nature.VALID, Severity.MAJOR)


async def _visits(world: World) -> list[Ticket]:
    await world.uow.flush()
    query = select(Ticket).where(Ticket.kind == TicketKind.VISIT.value)
    return list(await world.uow.session.scalars(query))


async def test_only_the_senior_butler_checks_a_major_result(world: World) -> None:
    butler = await world.staff(Role.BUTLER, zone="B")
    senior = await world.staff(Role.SENIOR_BUTLER)
    chief = await world.staff(Role.CHIEF_BUTLER)
    resident = await world.resident()
    filed = await world.file(resident)
    await workflow.classify(world.acting(butler), filed.ticket_id, MAJOR)
    await workflow.resolve(world.acting(butler), filed.ticket_id, "Roof patched")
    ticket = await world.ticket(filed.ticket_id)
    assert (ticket.status, ticket.reviewer_staff_id) == (TicketStatus.REVIEW, senior.id)
    assert not any("Roof patched" in t for t in await world.told(resident))
    for other in (butler, chief):  # the owner, and the chief who handles it, may not pass it
        with pytest.raises(Refused):
            await workflow.accept_result(world.acting(other), filed.ticket_id)
    later = NOW + timedelta(hours=2)
    await workflow.accept_result(world.acting(senior, later), filed.ticket_id)
    assert ticket.status == TicketStatus.RESOLVED
    assert ticket.reviewer_staff_id is None
    assert any("Roof patched" in t for t in await world.told(resident))
    [visit] = await _visits(world)
    assert (visit.parent_id, visit.assignee_staff_id) == (ticket.id, senior.id)
    assert visit.resolve_due_at == later + timedelta(days=3)


async def test_the_senior_butlers_own_major_result_needs_no_second_check(world: World) -> None:
    await world.staff(Role.BUTLER, zone="B")
    senior = await world.staff(Role.SENIOR_BUTLER)
    resident = await world.resident()
    filed = await world.file(resident)
    await workflow.classify(world.acting(senior), filed.ticket_id, MAJOR)
    await workflow.resolve(world.acting(senior), filed.ticket_id, "Settled in person")
    assert (await world.ticket(filed.ticket_id)).status == TicketStatus.RESOLVED
    assert any("Settled in person" in t for t in await world.told(resident))
    assert len(await _visits(world)) == 1


async def test_a_result_accepted_after_the_item_became_major_goes_on_to_the_senior_butler(
    world: World,
) -> None:
    butler = await world.staff(Role.BUTLER, zone="B")
    senior = await world.staff(Role.SENIOR_BUTLER)
    engineer = await world.staff(Role.STAFF, Department.ENGINEERING)
    resident = await world.resident()
    filed = await world.file(resident)
    await workflow.accept(world.acting(butler), filed.ticket_id)
    await workflow.transfer(
        world.acting(butler), filed.ticket_id, department=Department.ENGINEERING
    )
    await workflow.resolve(world.acting(engineer), filed.ticket_id, "Pump replaced")
    ticket = await world.ticket(filed.ticket_id)
    assert (ticket.status, ticket.reviewer_staff_id) == (TicketStatus.REVIEW, None)
    await workflow.classify(world.acting(butler), filed.ticket_id, MAJOR)
    await workflow.accept_result(world.acting(butler), filed.ticket_id)
    assert (ticket.status, ticket.reviewer_staff_id) == (TicketStatus.REVIEW, senior.id)
    assert not any("Pump replaced" in t for t in await world.told(resident))
    assert any("Pump replaced" in t for t in await world.told(senior))
    await workflow.send_back(world.acting(senior), filed.ticket_id, "Test the pressure")
    assert ticket.reviewer_staff_id is None


async def test_one_visit_at_a_time_per_item(world: World) -> None:
    await world.staff(Role.BUTLER, zone="B")
    senior = await world.staff(Role.SENIOR_BUTLER)
    filed = await world.file(await world.resident())
    await workflow.classify(world.acting(senior), filed.ticket_id, MAJOR)
    ticket = await world.ticket(filed.ticket_id)
    await followup.visit_after_result(world.clock(), ticket)
    await followup.visit_after_result(world.clock(), ticket)
    assert len(await _visits(world)) == 1


async def test_cannot_judge_asks_the_senior_butler_not_the_supervisor(world: World) -> None:
    agent = await world.staff(Role.AGENT)
    supervisor = await world.staff(Role.SUPERVISOR, zone="B")
    senior = await world.staff(Role.SENIOR_BUTLER)
    filed = await world.file(await world.resident(), category="neighbours")
    await workflow.accept(world.acting(agent), filed.ticket_id)
    await workflow.ask_supervisor(world.acting(agent), filed.ticket_id)
    assert any("cannot judge" in t for t in await world.told(senior))
    assert not any("cannot judge" in t for t in await world.told(supervisor))


async def test_out_of_scope_is_liaised_never_followed_up_nor_reopened(
    stored_world: World,
) -> None:
    world = stored_world
    butler = await world.staff(Role.BUTLER, zone="B")
    resident = await world.resident()
    filed = await world.file(resident)
    with pytest.raises(Refused):  # a valid item: the work is ours, not a utility's
        await liaison.record(
            world.acting(butler), filed.ticket_id, contacted="Grid", at=NOW, said="Soon"
        )
    invalid = Classification(Nature.INVALID, Severity.GENERAL, "The power grid's outage")
    await workflow.classify(world.acting(butler), filed.ticket_id, invalid)
    ticket = await world.ticket(filed.ticket_id)
    await world.uow.flush()
    kinds = await world.uow.session.scalars(select(Alarm.kind).where(Alarm.ticket_id == ticket.id))
    assert AlarmKind.FOLLOWUP_ASK.value not in set(kinds)
    await followup.ask(world.clock(NOW + timedelta(days=1)), ticket, reminder=False)
    assert ticket.followup is None
    with pytest.raises(Refused):  # never in the future
        await liaison.record(
            world.acting(butler),
            filed.ticket_id,
            contacted="State Grid 95598",
            at=NOW + timedelta(hours=1),
            said="Tonight",
        )
    later = NOW + timedelta(hours=2)
    await liaison.record(
        world.acting(butler, later),
        filed.ticket_id,
        contacted="State Grid 95598",
        at=NOW + timedelta(hours=1),
        said="Power back by 20:00",
    )
    assert any("Power back by 20:00" in t for t in await world.told(resident))
    count = await world.uow.session.scalar(select(func.count()).select_from(UtilityContact))
    assert count == 1
    with pytest.raises(Refused):
        await followup.reopen_by_staff(world.acting(butler, later), filed.ticket_id)
    assert (ticket.status, ticket.reopen_count) == (TicketStatus.RESOLVED, 0)


async def _suggest(world: World, resident: ResidentCard) -> int:
    draft = Draft(TicketKind.SUGGESTION, "More benches by the pond")
    filed = await file_ticket(
        world.uow,
        world.notifier(),
        resident=resident,
        draft=draft,
        policy=world.policy,
        tz=TZ,
        now=NOW,
    )
    return filed.ticket_id


async def test_a_suggestion_reaches_the_senior_butler_and_its_adoption_is_told(
    world: World,
) -> None:
    butler = await world.staff(Role.BUTLER, zone="B")
    senior = await world.staff(Role.SENIOR_BUTLER)
    other_senior = await world.staff(Role.SENIOR_BUTLER, zone="A")
    engineer = await world.staff(Role.STAFF, Department.CUSTOMER_SERVICE)
    resident = await world.resident()
    ticket_id = await _suggest(world, resident)
    assert any("A new suggestion" in t for t in await world.told(senior))
    assert await world.told(other_senior) == []
    with pytest.raises(Refused):  # department staff work it; the desk records adoption
        await suggestions.decide(
            world.acting(engineer), ticket_id, adopted=True, reason="Ordered six"
        )
    await suggestions.decide(world.acting(butler), ticket_id, adopted=True, reason="Ordered six")
    ticket = await world.ticket(ticket_id)
    assert (ticket.adopted, ticket.status) == (True, TicketStatus.RESOLVED)
    assert any("we are adopting it. Ordered six" in t for t in await world.told(resident))
    with pytest.raises(Refused):  # decided once
        await suggestions.decide(world.acting(senior), ticket_id, adopted=False, reason="No")
    complaint = await world.file(resident)
    with pytest.raises(Refused):
        await suggestions.decide(
            world.acting(butler), complaint.ticket_id, adopted=True, reason="?"
        )

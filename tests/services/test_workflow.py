"""Filing, routing and staff actions as services, on an in-memory database."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.staff import Department, Role
from bot.domain.tickets import Nature, Severity, TicketStatus, WaitingReason
from bot.domain.workflow import Classification
from bot.services import escalation, workflow
from bot.services.workflow import Refused
from storage.models import Ticket
from tests.services.conftest import NOW, World


async def test_routing_makes_the_zone_butler_owner_and_tells_the_department(world: World) -> None:
    butler = await world.staff(Role.BUTLER, zone="B")
    other_butler = await world.staff(Role.BUTLER, zone="A")
    engineer = await world.staff(Role.STAFF, Department.ENGINEERING)
    zone_a_engineer = await world.staff(Role.STAFF, Department.ENGINEERING, zone="A")
    desk = await world.staff(Role.AGENT)
    filed = await world.file(await world.resident())  # Building 3: zone B; facilities
    ticket = await world.ticket(filed.ticket_id)
    assert (ticket.owner_staff_id, ticket.assignee_staff_id) == (butler.id, None)
    assert ticket.department == "engineering"
    assert any("New item for you" in t for t in await world.told(butler))
    assert any("New item for Engineering" in t for t in await world.told(engineer))
    assert await world.told(zone_a_engineer) == []  # another zone's crew
    assert await world.told(other_butler) == []
    assert await world.told(desk) == []  # the zone has its owner


async def test_without_a_butler_the_desk_is_offered_the_item(world: World) -> None:
    agent = await world.staff(Role.AGENT)
    zone_b_agent = await world.staff(Role.AGENT, zone="B")
    zone_a_agent = await world.staff(Role.AGENT, zone="A")
    filed = await world.file(await world.resident(), category="neighbours")
    ticket = await world.ticket(filed.ticket_id)
    assert ticket.owner_staff_id is None
    for person in (agent, zone_b_agent):
        assert any("no butler yet" in t for t in await world.told(person))
    assert await world.told(zone_a_agent) == []
    await workflow.accept(world.acting(zone_b_agent), filed.ticket_id)
    assert ticket.owner_staff_id == ticket.assignee_staff_id == zone_b_agent.id
    with pytest.raises(Refused):  # taken: the second tap changes nothing
        await workflow.accept(world.acting(agent), filed.ticket_id)


async def test_with_nobody_at_the_desk_the_managers_are_told(world: World) -> None:
    chief = await world.staff(Role.CHIEF_BUTLER)
    filed = await world.file(await world.resident(), category="neighbours")
    assert (await world.ticket(filed.ticket_id)).owner_staff_id is None
    assert any("no butler yet" in t for t in await world.told(chief))


async def test_classify_sets_promises_from_filing_and_tells_the_policys_roles(
    world: World,
) -> None:
    butler = await world.staff(Role.BUTLER, zone="B")
    senior = await world.staff(Role.SENIOR_BUTLER)
    chief = await world.staff(Role.CHIEF_BUTLER)
    head = await world.staff(Role.PROJECT_HEAD)
    filed = await world.file(await world.resident())
    ticket = await world.ticket(filed.ticket_id)
    assert ticket.first_answer_due_at == NOW + timedelta(hours=1)
    later = NOW + timedelta(hours=2)
    important = Classification(Nature.VALID, Severity.IMPORTANT)
    await workflow.classify(world.acting(butler, later), filed.ticket_id, important)
    assert ticket.first_answer_due_at == NOW + timedelta(hours=3)  # from filing, not now
    assert ticket.resolve_due_at == NOW + timedelta(hours=72)
    assert any("Important complaint" in t for t in await world.told(senior))
    assert any("Important complaint" in t for t in await world.told(chief))
    assert await world.told(head) == []
    major = Classification(Nature.VALID, Severity.MAJOR)
    await workflow.classify(world.acting(butler, later), filed.ticket_id, major)
    assert ticket.resolve_due_at == NOW + timedelta(hours=168)
    assert any("Major complaint" in t for t in await world.told(head))
    general = Classification(Nature.COMMUNICATION, Severity.GENERAL)
    await workflow.classify(world.acting(butler, later), filed.ticket_id, general)
    assert ticket.first_answer_due_at == NOW + timedelta(hours=1)
    assert ticket.resolve_due_at == NOW + timedelta(hours=48)


async def test_out_of_scope_is_answered_and_resolved(world: World) -> None:
    butler = await world.staff(Role.BUTLER, zone="B")
    resident = await world.resident()
    filed = await world.file(resident)
    invalid = Classification(Nature.INVALID, Severity.GENERAL, "City water: call 96116")
    await workflow.classify(world.acting(butler), filed.ticket_id, invalid)
    ticket = await world.ticket(filed.ticket_id)
    assert ticket.status == TicketStatus.RESOLVED
    assert ticket.first_answered_at == NOW
    assert "96116" in (await world.told(resident))[-1]
    with pytest.raises(ValueError, match="explanation"):
        Classification(Nature.INVALID, Severity.GENERAL, " ")


async def test_only_the_desk_classifies(world: World) -> None:
    await world.staff(Role.BUTLER, zone="B")
    engineer = await world.staff(Role.STAFF, Department.ENGINEERING)
    filed = await world.file(await world.resident())
    with pytest.raises(Refused):
        await workflow.classify(
            world.acting(engineer), filed.ticket_id, Classification(Nature.VALID, Severity.MAJOR)
        )


async def test_transfer_moves_the_work_never_the_owner(world: World) -> None:
    butler = await world.staff(Role.BUTLER, zone="B")
    guard = await world.staff(Role.STAFF, Department.SECURITY)
    senior = await world.staff(Role.SENIOR_BUTLER)
    filed = await world.file(await world.resident())
    ticket = await world.ticket(filed.ticket_id)
    await workflow.accept(world.acting(butler), filed.ticket_id)
    await workflow.transfer(world.acting(butler), filed.ticket_id, department=Department.SECURITY)
    assert (ticket.department, ticket.assignee_staff_id) == ("security", None)
    assert ticket.status == TicketStatus.IN_PROGRESS
    assert ticket.owner_staff_id == butler.id
    assert any("Transferred to you" in t for t in await world.told(guard))
    await workflow.transfer(world.acting(guard), filed.ticket_id, staff_id=senior.id)
    assert ticket.assignee_staff_id == senior.id
    assert ticket.owner_staff_id == butler.id
    assert any("Transferred to Senior butler" in t for t in await world.told(butler))
    with pytest.raises(Refused):
        await workflow.transfer(world.acting(senior), filed.ticket_id, staff_id=999)


async def test_a_result_from_anyone_but_the_owner_waits_for_review(world: World) -> None:
    butler = await world.staff(Role.BUTLER, zone="B")
    engineer = await world.staff(Role.STAFF, Department.ENGINEERING)
    resident = await world.resident()
    filed = await world.file(resident)
    ticket = await world.ticket(filed.ticket_id)
    await workflow.accept(world.acting(engineer), filed.ticket_id)
    await workflow.resolve(world.acting(engineer), filed.ticket_id, "Fixed the relay")
    assert ticket.status == TicketStatus.REVIEW
    assert ticket.resolved_at is None
    assert not any("is resolved" in t for t in await world.told(resident))
    with pytest.raises(Refused):  # the department cannot approve its own result
        await workflow.accept_result(world.acting(engineer), filed.ticket_id)
    await workflow.send_back(world.acting(butler), filed.ticket_id, "Still noisy")
    assert ticket.status == TicketStatus.IN_PROGRESS
    assert any("Still noisy" in t for t in await world.told(engineer))
    await workflow.resolve(world.acting(engineer), filed.ticket_id, "Replaced the motor")
    await workflow.accept_result(world.acting(butler), filed.ticket_id)
    assert ticket.status == TicketStatus.RESOLVED
    assert "is resolved: Replaced the motor" in (await world.told(resident))[-1]


async def test_the_owners_own_result_reaches_the_resident_at_once(world: World) -> None:
    butler = await world.staff(Role.BUTLER, zone="B")
    resident = await world.resident()
    filed = await world.file(resident)
    await workflow.resolve(world.acting(butler), filed.ticket_id, "Reset the lift")
    assert (await world.ticket(filed.ticket_id)).status == TicketStatus.RESOLVED
    assert "is resolved: Reset the lift" in (await world.told(resident))[-1]
    with pytest.raises(Refused):
        await workflow.wait(world.acting(butler), filed.ticket_id, WaitingReason.PARTS, NOW.date())


async def test_a_residents_words_on_an_ownerless_item_reach_the_desk(world: World) -> None:
    agent = await world.staff(Role.AGENT)
    resident = await world.resident()
    filed = await world.file(resident, category="neighbours")
    await workflow.resident_message(world.clock(), resident, filed.ticket_id, "Still loud")
    assert any("Still loud" in t for t in await world.told(agent))


async def test_an_escalation_ends_when_the_item_leaves_the_open_states(
    stored_world: World,
) -> None:
    world = stored_world
    butler = await world.staff(Role.BUTLER, zone="B")
    senior = await world.staff(Role.SENIOR_BUTLER)
    engineer = await world.staff(Role.STAFF, Department.ENGINEERING)
    resident = await world.resident()

    async def escalated() -> Ticket:
        filed = await world.file(resident)
        await workflow.accept(world.acting(butler), filed.ticket_id)
        await escalation.escalate(world.acting(butler), filed.ticket_id, "Needs a budget")
        ticket = await world.ticket(filed.ticket_id)
        assert ticket.escalated_to_staff_id == senior.id
        return ticket

    resolved = await escalated()
    await workflow.resolve(world.acting(butler), resolved.id, "Reset the lift")
    assert (resolved.status, resolved.escalated_to_staff_id) == (TicketStatus.RESOLVED, None)

    reviewed = await escalated()
    await workflow.transfer(world.acting(butler), reviewed.id, department=Department.ENGINEERING)
    await workflow.accept(world.acting(engineer), reviewed.id)
    await workflow.resolve(world.acting(engineer), reviewed.id, "Replaced the relay")
    assert reviewed.status == TicketStatus.REVIEW
    assert reviewed.escalated_to_staff_id == senior.id  # still open: the decision stands
    await workflow.accept_result(world.acting(butler), reviewed.id)
    assert (reviewed.status, reviewed.escalated_to_staff_id) == (TicketStatus.RESOLVED, None)

    out_of_scope = await escalated()
    invalid = Classification(Nature.INVALID, Severity.GENERAL, "City water: call 96116")
    await workflow.classify(world.acting(butler), out_of_scope.id, invalid)
    assert out_of_scope.status == TicketStatus.RESOLVED
    assert out_of_scope.escalated_to_staff_id is None

    talked = await escalated()  # classified, but still open work: still escalated
    chat = Classification(Nature.COMMUNICATION, Severity.GENERAL)
    await workflow.classify(world.acting(butler), talked.id, chat)
    assert talked.escalated_to_staff_id == senior.id

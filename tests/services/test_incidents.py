"""Which incident a new report joins: one the desk has formed and is still working, never
one already resolved (an item reopened after it stays there, and the new reports count
towards an offer of their own)."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.incidents import IncidentStatus, Report, cluster, tally, window_of
from bot.domain.staff import Role, StaffMember
from bot.domain.tickets import TicketStatus
from bot.services.incidents import link
from storage.repositories.incidents import IncidentRepository
from tests.services.conftest import NOW, POLICY, World

OFFER = "reports of the same fault"


async def _linked_pair(world: World) -> tuple[StaffMember, int, int]:
    """Two reports of one fault in building 3, linked by its butler (who owns them)."""
    butler = await world.staff(Role.BUTLER, zone="B", name="Butler")
    first = await world.file(await world.resident(unit="1201"))
    second = await world.file(await world.resident(unit="1202"), now=NOW + timedelta(minutes=1))
    acting = world.acting(butler, NOW + timedelta(minutes=2))
    await link(acting, [first.ticket_id, second.ticket_id])
    return butler, first.ticket_id, second.ticket_id


async def test_a_new_report_joins_the_incident_the_desk_formed(world: World) -> None:
    butler, first, _ = await _linked_pair(world)
    repo = IncidentRepository(world.uow.session)
    third = await world.file(await world.resident(unit="1201"), now=NOW + timedelta(minutes=5))
    incident = await repo.of_ticket(first)
    assert incident is not None
    joined = await repo.of_ticket(third.ticket_id)
    assert joined is not None
    assert joined.id == incident.id
    assert not any(OFFER in text for text in await world.told(butler))


async def test_a_resolved_incident_takes_no_new_report_even_with_an_item_reopened(
    world: World,
) -> None:
    butler, first, second = await _linked_pair(world)
    repo = IncidentRepository(world.uow.session)
    incident = await repo.of_ticket(first)
    assert incident is not None
    incident.status = IncidentStatus.RESOLVED.value
    (await world.ticket(first)).status = "reopened"  # its resident said "not yet"
    (await world.ticket(second)).status = "resolved"
    third = await world.file(await world.resident(unit="1202"), now=NOW + timedelta(minutes=5))
    assert await repo.of_ticket(third.ticket_id) is None
    fourth = await world.file(await world.resident(unit="1201"), now=NOW + timedelta(minutes=6))
    assert await repo.of_ticket(fourth.ticket_id) is None
    # The reopened item and the two new reports: three of one fault, none in an open
    # incident, so the desk is offered to link them.
    assert sum(OFFER in text for text in await world.told(butler)) == 1


async def test_the_registry_counts_a_fault_as_reading_every_report_would(
    stored_world: World,
) -> None:
    """Filing counts the fault's other reports in the database (`IncidentRepository.tally`);
    on both databases that count agrees with reading them all and applying `cluster`."""
    world = stored_world
    butler = await world.staff(Role.BUTLER, zone="B", name="Butler")
    minute = timedelta(minutes=1)
    filed = [
        await world.file(await world.resident(unit=unit), category=category, now=NOW + n * minute)
        for n, (unit, category) in enumerate(
            [("1201", "facilities")] * 4
            + [("1202", "security"), ("1201", "facilities"), ("1202", "facilities")]
        )
    ]
    await world.file(await world.resident(building="1", unit="101"), now=NOW + 2 * minute)
    (await world.ticket(filed[1].ticket_id)).status = TicketStatus.RESOLVED.value
    await link(world.acting(butler, NOW + 8 * minute), [filed[2].ticket_id, filed[3].ticket_id])
    repo = IncidentRepository(world.uow.session)
    within = POLICY.incidents.within
    for at in (NOW + 9 * minute, NOW + within + 3 * minute, NOW + within + 30 * minute):
        new = await world.file(await world.resident(unit="1202"), now=at)
        ticket = await world.ticket(new.ticket_id)
        building = await repo.building_of(ticket.unit_id)
        assert building is not None
        assert ticket.category is not None
        report = Report(ticket.id, building, ticket.category, at, TicketStatus(ticket.status))
        window = window_of(report, within)
        assert window is not None
        others = await repo.reports(world.estate_id, building, ticket.category, at - within, at)
        expected = tally(cluster(report, others, within))
        assert (await repo.tally(world.estate_id, window)).with_new() == expected
    assert expected.count >= 2  # the last window still holds reports, and some linked

"""Privacy the house rules ask for, as services: staff who leave hand over what they held,
confidential residents, messages relayed to residents, access beyond one's remit."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.domain.permissions import Remit, remit_of, staff_viewer
from bot.domain.reports import Period, PeriodKind
from bot.domain.staff import Department, Role, StaffMember
from bot.domain.tickets import TicketStatus
from bot.services import access, directory, items, workflow
from bot.services.export import registry_workbook
from bot.services.notices import staff_card, to_json
from bot.services.staff import Granter, change_staff
from storage.models import OutboxMessage, SensitiveView, Ticket
from storage.repositories.registry import remit_clause
from tests.services.conftest import NOW, VIEWS, World

PERIOD = Period(PeriodKind.RANGE, date(2026, 11, 24), date(2026, 11, 25))
MASKED = VIEWS.texts.text("en", "privacy.masked")  # a confidential resident's name, hidden


async def test_a_butler_who_leaves_hands_over_five_open_items(stored_world: World) -> None:
    world = stored_world
    chief = await world.staff(Role.CHIEF_BUTLER, name="Chief")
    senior = await world.staff(Role.SENIOR_BUTLER, name="Senior")
    butler = await world.staff(Role.BUTLER, zone="B", name="Zheng")
    other = await world.staff(Role.BUTLER, zone="B", name="Wang")
    engineer = await world.staff(Role.STAFF, Department.ENGINEERING, zone="B", name="Sun")
    resident = await world.resident()  # Building 3: zone B, owned by the first butler
    filed = [await world.file(resident) for _ in range(4)]
    for item in filed[:3]:
        await workflow.accept(world.acting(butler), item.ticket_id)
    # The fifth: owned by the other butler, worked on by the one who leaves.
    world.add_ticket(
        "TS-20261124-0900",
        NOW,
        zone="B",
        owner_staff_id=other.id,
        assignee_staff_id=butler.id,
        status=TicketStatus.IN_PROGRESS.value,
    )
    done = world.add_ticket("TS-20261124-0901", NOW, zone="B", owner_staff_id=butler.id)
    done.status = TicketStatus.CLOSED.value
    await world.uow.flush()
    # A reminder about one of them still queued for the leaver, as a sweep queues it.
    world.uow.outbox.add_notice(
        chat_id=butler.chat_id or 0,
        notice=to_json(staff_card(butler.id, filed[0].ticket_id, "notice.reoffered")),
        purpose="reminder",
        ticket_id=filed[0].ticket_id,
        now=NOW,
    )
    await world.uow.outbox.write_pending()
    before = {
        row.id
        for row in await world.uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.chat_id == butler.chat_id)
        )
    }

    await change_staff(
        world.uow,
        granter=Granter(staff_viewer(chief), is_admin=False),
        staff_id=butler.id,
        estate_id=world.estate_id,
        deactivate=True,
        now=NOW,
        notifier=world.notifier(),
        ownership=world.policy.ownership.rule,
    )
    await world.uow.flush()

    tickets = list(await world.uow.session.scalars(select(Ticket).order_by(Ticket.id)))
    open_ = [t for t in tickets if t.status != TicketStatus.CLOSED.value]
    assert len(open_) == 5
    for ticket in open_:  # nothing stays ownerless, nothing stays with the leaver
        assert ticket.owner_staff_id is not None
        assert butler.id not in (ticket.owner_staff_id, ticket.assignee_staff_id)
    assert all(t.owner_staff_id == other.id for t in open_)  # the zone's other butler
    assert done.owner_staff_id == butler.id  # finished items keep their history
    handed = [t for t in await world.told(other) if t and "Handed over to you" in t]
    assert len(handed) == 5
    for manager in (chief, senior):
        summary = [t for t in await world.told(manager) if t and "no longer has access" in t]
        assert len(summary) == 1
        assert "Zheng" in summary[0]
        assert "→ Wang" in summary[0]
        assert summary[0].count("→") == 5
    assert not [t for t in await world.told(engineer) if t and "Handed over" in t]
    queued = list(
        await world.uow.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(before)))
    )
    pending = [row for row in queued if row.status == "pending"]
    assert pending
    assert all(row.chat_id == other.chat_id for row in pending)
    assert all(row.notice["staff"] == other.id for row in pending if row.notice)


async def test_a_confidential_residents_items_and_name_stay_with_the_people_named(
    stored_world: World,
) -> None:
    world = stored_world
    chief = await world.staff(Role.CHIEF_BUTLER, name="Chief")
    senior = await world.staff(Role.SENIOR_BUTLER, name="Senior")
    butler = await world.staff(Role.BUTLER, zone="B", name="Zheng")
    engineer = await world.staff(Role.STAFF, Department.ENGINEERING, zone="B", name="Sun")
    agent = await world.staff(Role.AGENT, name="Qian")  # the desk: every zone
    resident = await world.resident()  # "Li Lei", Building 3 (zone B)
    first = await world.file(resident)
    assert await items.card_for(world.uow, VIEWS, engineer, first.ticket_id) is not None
    plan = await world.uow.estate.plan()
    assert plan is not None
    building = plan.building("3")
    assert building is not None
    where = {"estate": plan, "building": building, "unit": "1202", "now": NOW}
    with pytest.raises(directory.NotManager):  # a manager records it, not the butler
        await directory.mark_confidential(
            world.uow,
            VIEWS,
            butler,
            confidential=True,
            **where,  # type: ignore[arg-type]
        )
    await directory.mark_confidential(
        world.uow,
        VIEWS,
        chief,
        confidential=True,
        **where,  # type: ignore[arg-type]
    )
    assert any("now confidential" in t for t in await world.told(resident) if t)
    row = await world.uow.privacy.resident(resident.id)
    assert row is not None
    assert row.confidential_by_staff_id == chief.id
    world.uow.session.expire_all()  # the next update reads the rows afresh
    told_before = len(await world.told(engineer))
    second = await world.file(resident)
    assert len(await world.told(engineer)) == told_before  # the crew gets no card of it
    for filed in (first, second):
        for person in (engineer, agent):
            assert await items.card_for(world.uow, VIEWS, person, filed.ticket_id) is None
        for person in (butler, chief):
            assert await items.card_for(world.uow, VIEWS, person, filed.ticket_id) is not None
    remit = remit_of(staff_viewer(agent))
    assert remit is not None
    listed = await world.uow.session.scalars(select(Ticket.id).where(remit_clause(remit)))
    assert list(listed) == []
    found = await directory.resident_at(world.uow, VIEWS, agent, **where)  # type: ignore[arg-type]
    assert found is not None
    assert found.name == MASKED  # the same words as in the export below
    found = await directory.resident_at(world.uow, VIEWS, chief, **where)  # type: ignore[arg-type]
    assert found is not None
    assert found.name == "Li Lei"

    # With access granted, the agent reads the items, the name masked in the export.
    asked = await access.ask(
        world.uow,
        VIEWS,
        agent,
        estate=plan,
        subject="3-1202",
        reason="The resident phoned about a fee",
        buttons=lambda grant: (("access.approve", f"ac:y:{grant}"),),
        now=NOW,
    )
    assert asked is not None
    assert asked.approvers == 2
    for approver in (senior, chief):
        await access.decide(
            world.uow, VIEWS, approver, asked.grant_id, approve=True, hours=24, now=NOW
        )
    viewer = await access.viewer_of(world.uow, agent, NOW)
    assert await items.card_for(world.uow, VIEWS, agent, first.ticket_id, NOW) is not None

    async def names(member: StaffMember, remit: Remit) -> list[object]:
        data, _ = await registry_workbook(
            world.uow, member, remit, PERIOD, VIEWS, "en", world.policy, NOW
        )
        book = load_workbook(io.BytesIO(data), read_only=True)
        rows = list(book["Registry"].iter_rows(values_only=True))  # type: ignore[index]
        column = rows[0].index("Resident")
        return [r[column] for r in rows[1:]]

    granted = remit_of(viewer)
    assert granted is not None
    assert await names(agent, granted) == [MASKED, MASKED]
    everything = remit_of(staff_viewer(chief))
    assert everything is not None
    assert await names(chief, everything) == ["Li Lei", "Li Lei"]


async def test_access_needs_both_approvers_runs_out_and_is_logged(stored_world: World) -> None:
    world = stored_world
    senior = await world.staff(Role.SENIOR_BUTLER, name="Senior")
    chief = await world.staff(Role.CHIEF_BUTLER, name="Chief")
    guard = await world.staff(Role.STAFF, Department.SECURITY, zone="A", name="Zhao")
    filed = await world.file(await world.resident())  # zone B, engineering
    plan = await world.uow.estate.plan()
    assert plan is not None

    async def ask() -> int:
        asked = await access.ask(
            world.uow,
            VIEWS,
            guard,
            estate=plan,
            subject=filed.reference.lower(),
            reason="A break-in next door",
            buttons=lambda grant: (("access.approve", f"ac:y:{grant}"),),
            now=NOW,
        )
        assert asked is not None
        return asked.grant_id

    grant = await ask()
    assert any("asks to see" in t for t in await world.told(senior) if t)
    with pytest.raises(access.NotAllowed):  # the asker cannot approve, nor anyone else
        await access.decide(world.uow, VIEWS, guard, grant, approve=True, hours=24, now=NOW)
    decided = await access.decide(world.uow, VIEWS, senior, grant, approve=True, hours=24, now=NOW)
    assert decided == "pending"
    assert await items.card_for(world.uow, VIEWS, guard, filed.ticket_id, NOW) is None
    await access.decide(world.uow, VIEWS, chief, grant, approve=True, hours=24, now=NOW)
    assert any("approved, until" in t for t in await world.told(guard) if t)
    screen = await items.card_for(world.uow, VIEWS, guard, filed.ticket_id, NOW)
    assert screen is not None
    assert screen.rows == ()  # to read, not to work on
    logged = await world.uow.session.scalars(
        select(SensitiveView.what).where(SensitiveView.staff_id == guard.id)
    )
    assert list(logged) == ["granted_view"]
    later = NOW + timedelta(hours=24, minutes=1)
    assert await items.card_for(world.uow, VIEWS, guard, filed.ticket_id, later) is None

    refused = await ask()
    await access.decide(world.uow, VIEWS, chief, refused, approve=False, hours=24, now=NOW)
    assert any("was refused" in t for t in await world.told(guard) if t)
    with pytest.raises(access.NotAllowed):  # decided: the other approver's tap is stale
        await access.decide(world.uow, VIEWS, senior, refused, approve=True, hours=24, now=NOW)

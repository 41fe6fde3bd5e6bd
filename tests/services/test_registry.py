"""The registry's answers: its SQL remit is `can_view` exactly, each /status line counts
what it says, /find understands references, units, dates and words."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.domain.permissions import Viewer, ViewerKind, can_view, remit_of, staff_viewer
from bot.domain.registry import Line, Search, SearchKind, Today, parse_search
from bot.domain.staff import Department, Role
from bot.views.card import scope_of
from storage.models import Ticket, Unit
from storage.repositories.registry import remit_clause
from storage.repositories.tickets import facts_of
from tests.services.conftest import NOW, TZ, World

ZONES = ("A", "B", None)
DEPARTMENTS = (*(d.value for d in Department), None)


def _ticket(world: World, n: int, **values: object) -> Ticket:
    created = values.pop("created_at", NOW - timedelta(days=1))
    assert isinstance(created, datetime)
    values.setdefault("description", f"Item {n}")
    return world.add_ticket(f"TS-20261124-{n:04d}", created, **values)


@pytest.mark.long
async def test_the_registrys_filter_is_the_permission_rule_itself(world: World) -> None:
    shuffle = random.Random(20261124)
    people: list[int | None] = [None]
    for _ in range(3):
        people.append((await world.staff(Role.BUTLER)).id)
    for n in range(300):
        _ticket(
            world,
            n,
            zone=shuffle.choice(ZONES),
            department=shuffle.choice(DEPARTMENTS),
            owner_staff_id=shuffle.choice(people),
            assignee_staff_id=shuffle.choice(people),
            escalated_to_staff_id=shuffle.choice(people),
        )
    await world.uow.flush()
    tickets = list(await world.uow.session.scalars(select(Ticket)))
    checked = 0
    for role in Role:
        for department in Department:
            for zone in ("A", "B", None):
                for person, estate in ((people[1], 0), (people[2], 0), (999, 0), (999, 1)):
                    assert person is not None
                    viewer = Viewer(
                        ViewerKind.STAFF,
                        person,
                        role=role.value,
                        department=department.value,
                        zone=zone,
                        estate_id=world.estate_id + estate,  # 1: another estate's staff
                    )
                    remit = remit_of(viewer)
                    assert remit is not None
                    query = select(Ticket.id).where(remit_clause(remit))
                    found = set(await world.uow.session.scalars(query))
                    expected = {t.id for t in tickets if can_view(viewer, scope_of(facts_of(t)))}
                    assert found == expected, (role, department, zone, person)
                    checked += 1
    assert checked > 300
    retired = Viewer(ViewerKind.STAFF, 1, role="butler", estate_id=world.estate_id, active=False)
    assert remit_of(retired) is None


async def test_each_status_line_counts_what_it_says(world: World) -> None:
    today = Today.of(NOW, TZ)
    hour = timedelta(hours=1)
    _ticket(world, 1, status="new", first_answer_due_at=NOW - hour)  # answer overdue
    _ticket(world, 2, status="accepted", first_answered_at=NOW, resolve_due_at=NOW - hour)
    _ticket(world, 3, status="in_progress", severity="major", resolve_due_at=today.end - hour)
    _ticket(world, 4, status="waiting", resolve_due_at=NOW - hour)  # paused: not overdue
    _ticket(world, 5, status="resolved")
    _ticket(world, 6, status="reopened", reopen_count=1, severity="important")
    _ticket(world, 7, status="closed", resolve_due_at=NOW - hour)
    _ticket(
        world,
        8,
        kind="concierge",
        status="accepted",
        stage="confirmed",
        service_at=today.start + timedelta(hours=15),
    )
    butler = await world.staff(Role.BUTLER, zone="C")
    _ticket(world, 9, status="accepted", owner_staff_id=butler.id)
    await world.uow.flush()
    chief = Viewer(ViewerKind.STAFF, 1, role="chief_butler", estate_id=world.estate_id)
    everything, theirs = remit_of(chief), remit_of(staff_viewer(butler))
    assert everything is not None
    assert theirs is not None
    counts = await world.uow.registry.counts(everything, today, tuple(Line))
    assert counts[Line.ANSWER_OVERDUE] == 1
    assert counts[Line.RESOLVE_OVERDUE] == 1
    assert counts[Line.OVERDUE] == 2
    assert counts[Line.DUE_TODAY] == 1
    assert counts[Line.WAITING] == 1
    assert counts[Line.AWAITING_FOLLOWUP] == 1
    assert counts[Line.REOPENED_EVER] == 1
    assert counts[Line.ORDERS_TODAY] == 1
    assert counts[Line.MAJOR] == 1
    assert counts[Line.IMPORTANT] == 1
    assert counts[Line.NEW] == 1
    assert counts[Line.ACCEPTED] == 3
    mine = await world.uow.registry.counts(theirs, today, (Line.MINE, Line.ACCEPTED))
    assert mine[Line.ACCEPTED] == 1
    assert mine[Line.MINE] == 1  # the butler sees and owns only item 9


def test_what_find_understands() -> None:
    assert parse_search("ts-20261124-0001") == Search(SearchKind.REFERENCE, "TS-20261124-0001")
    unit = parse_search("3-1202")
    assert unit is not None
    assert (unit.kind, unit.building, unit.unit) == (SearchKind.UNIT, "3", "1202")
    dates = parse_search("2026-11-01 2026-11-20")
    assert dates is not None
    assert dates.kind is SearchKind.DATES
    assert (dates.start, dates.end) is not None
    assert parse_search("lift") == Search(SearchKind.WORDS, "lift")
    assert parse_search("x") is None
    assert parse_search("   ") is None


async def test_find_by_unit_dates_and_words_within_the_remit(world: World) -> None:
    li = await world.resident("3", "1202")
    unit_id = (await world.uow.session.scalars(select(Unit.id).where(Unit.id == li.unit_id))).one()
    _ticket(world, 1, unit_id=unit_id, description="Water in the lift pit", zone="B")
    _ticket(world, 2, description="Noisy neighbours", created_at=NOW - timedelta(days=30))
    _ticket(world, 3, description="100% wrong bill", zone="A")
    await world.uow.flush()
    manager = remit_of(Viewer(ViewerKind.STAFF, 1, role="chief_butler", estate_id=world.estate_id))
    butler_b = remit_of(
        Viewer(ViewerKind.STAFF, 2, role="butler", zone="B", estate_id=world.estate_id)
    )
    assert manager is not None
    assert butler_b is not None

    async def refs(remit: object, text: str) -> list[str]:
        search = parse_search(text)
        assert search is not None
        items, _ = await world.uow.registry.search(
            remit,  # type: ignore[arg-type]
            search,
            tz=TZ,
            page=0,
            per_page=10,
        )
        return [i.reference for i in items]

    assert await refs(manager, "3-1202") == ["TS-20261124-0001"]
    assert await refs(manager, "1202") == ["TS-20261124-0001"]
    assert await refs(manager, "LIFT") == ["TS-20261124-0001"]
    assert await refs(manager, "li lei") == []  # resident 1202 filed nothing of their own
    assert await refs(manager, "100%") == ["TS-20261124-0003"]
    old = (NOW - timedelta(days=31)).astimezone(TZ).date()
    assert await refs(manager, f"{old} {old + timedelta(days=2)}") == ["TS-20261124-0002"]
    assert await refs(butler_b, "wrong bill") == []  # zone A is not theirs

"""The Mini App's filters: one typed value, one SQL clause, always inside the reader's remit
(checked against the same items filtered in Python), and nothing changed for the chat
commands, which pass none; the query parameters that name them."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.domain.permissions import Viewer, ViewerKind, can_view, remit_of
from bot.domain.registry import NO_FILTERS, Filters, Line, Today
from bot.domain.staff import Department, Role
from bot.views.card import scope_of
from bot.webapp.board import BadRequest, filters_of, line_of, page_of
from storage.models import Building, Ticket, Unit
from storage.repositories.registry import filter_clause, remit_clause
from storage.repositories.tickets import facts_of
from tests.services.conftest import NOW, TZ, VIEWS, World

ZONES = ("A", "B", None)
KINDS = ("complaint", "repair", "suggestion")
DEPARTMENTS = (*(d.value for d in Department), None)


async def _random_registry(world: World) -> dict[int, str]:
    """300 items across zones, departments, kinds, buildings and filing days; returns each
    unit's building code."""
    shuffle = random.Random(20261124)
    rows = (await world.uow.session.execute(select(Unit.id, Building.code).join(Building))).all()
    building_of = {unit_id: code for unit_id, code in rows}
    units = [None, *shuffle.sample(sorted(building_of), 12)]
    people: list[int | None] = [None, (await world.staff(Role.BUTLER, zone="A")).id]
    for n in range(300):
        world.add_ticket(
            f"TS-20261124-{n:04d}",
            NOW - timedelta(days=shuffle.randrange(0, 40), hours=shuffle.randrange(0, 24)),
            kind=shuffle.choice(KINDS),
            status=shuffle.choice(("new", "accepted", "waiting", "resolved", "closed")),
            zone=shuffle.choice(ZONES),
            department=shuffle.choice(DEPARTMENTS),
            unit_id=shuffle.choice(units),
            owner_staff_id=shuffle.choice(people),
        )
    await world.uow.flush()
    return building_of


def _matches(ticket: Ticket, filters: Filters, building_of: dict[int, str]) -> bool:
    """The filters' meaning, said in Python."""
    building = building_of.get(ticket.unit_id) if ticket.unit_id else None
    created = ticket.created_at.replace(tzinfo=ticket.created_at.tzinfo or TZ)
    return (
        (filters.zone is None or ticket.zone == filters.zone)
        and (filters.department is None or ticket.department == filters.department)
        and (filters.kind is None or ticket.kind == filters.kind)
        and (filters.building is None or building == filters.building)
        and (filters.filed_from is None or created >= filters.filed_from)
        and (filters.filed_until is None or created < filters.filed_until)
    )


async def test_filters_narrow_within_the_remit_and_never_beyond(world: World) -> None:
    building_of = await _random_registry(world)
    tickets = list(await world.uow.session.scalars(select(Ticket)))
    week_ago = NOW - timedelta(days=7)
    choices = [
        NO_FILTERS,
        Filters(zone="A"),
        Filters(zone="B", kind="repair"),
        Filters(building="3"),
        Filters(building="1", department="engineering"),
        Filters(department="security", kind="complaint"),
        Filters(filed_from=week_ago),
        Filters(zone="A", filed_from=NOW - timedelta(days=30), filed_until=week_ago),
        Filters(building="nowhere"),
    ]
    readers = [
        Viewer(ViewerKind.STAFF, 1, role="chief_butler", estate_id=world.estate_id),
        Viewer(ViewerKind.STAFF, 2, role="butler", zone="B", estate_id=world.estate_id),
        Viewer(
            ViewerKind.STAFF, 3, role="staff", department="security", estate_id=world.estate_id
        ),
    ]
    seen_some = 0
    for viewer in readers:
        remit = remit_of(viewer)
        assert remit is not None
        for filters in choices:
            where = remit_clause(remit)
            if not filters.empty:
                where = where & filter_clause(filters)
            found = set(await world.uow.session.scalars(select(Ticket.id).where(where)))
            expected = {
                t.id
                for t in tickets
                if can_view(viewer, scope_of(facts_of(t))) and _matches(t, filters, building_of)
            }
            assert found == expected, (viewer.role, filters)
            seen_some += bool(found)
    assert seen_some > 15  # the filters were not all empty-handed


async def test_status_counts_with_filters_are_the_filtered_items(world: World) -> None:
    building_of = await _random_registry(world)
    chief = remit_of(Viewer(ViewerKind.STAFF, 1, role="chief_butler", estate_id=world.estate_id))
    assert chief is not None
    today = Today.of(NOW, TZ)
    plain = await world.uow.registry.counts(chief, today, tuple(Line))
    assert plain == await world.uow.registry.counts(chief, today, tuple(Line), NO_FILTERS)
    zone_a = await world.uow.registry.counts(chief, today, tuple(Line), Filters(zone="A"))
    tickets = list(await world.uow.session.scalars(select(Ticket)))
    new_in_a = [t for t in tickets if t.status == "new" and t.zone == "A"]
    assert zone_a[Line.NEW] == len(new_in_a) > 0
    assert zone_a[Line.NEW] < plain[Line.NEW]
    items, total = await world.uow.registry.page(
        chief, Line.NEW, today, page=0, per_page=500, filters=Filters(zone="A", building="1")
    )
    assert total == len(items)
    assert {i.id for i in items} == {
        t.id for t in new_in_a if t.unit_id and building_of[t.unit_id] == "1"
    }


def _filters(**args: str) -> Filters:
    return filters_of(args, date(2026, 11, 24), TZ, VIEWS, "en")


def test_what_the_query_names() -> None:
    assert _filters() == NO_FILTERS
    assert _filters(zone="A", building="3", department="engineering", kind="repair") == Filters(
        "A", "3", "engineering", "repair"
    )
    week = _filters(period="week")  # Tuesday: from Monday to the end of today
    assert week.filed_from == datetime(2026, 11, 23, tzinfo=TZ)
    assert week.filed_until == datetime(2026, 11, 25, tzinfo=TZ)
    dates = _filters(**{"from": "2026-11-01", "to": "2026-11-10"})
    assert (dates.filed_from, dates.filed_until) == (
        datetime(2026, 11, 1, tzinfo=TZ),
        datetime(2026, 11, 11, tzinfo=TZ),
    )
    assert line_of({"line": "answer_overdue"}, VIEWS, "en") is Line.ANSWER_OVERDUE
    assert page_of({"page": "3"}) == 3


@pytest.mark.parametrize(
    "args",
    [
        {"department": "finance"},
        {"kind": "rocket"},
        {"zone": "Z" * 65},
        {"period": "decade"},
        {"from": "2026-13-01", "to": "2026-11-10"},
        {"from": "yesterday"},
    ],
)
def test_a_filter_not_understood_is_a_bad_request(args: dict[str, str]) -> None:
    with pytest.raises(BadRequest):
        _filters(**args)


@pytest.mark.parametrize(
    "args", [{"line": "mine"}, {"line": "nothing"}, {"line": ""}, {"page": "-1"}]
)
def test_a_line_or_page_not_on_the_board_is_a_bad_request(args: dict[str, str]) -> None:
    with pytest.raises(BadRequest):
        line_of(args, VIEWS, "en") if "line" in args else page_of(args)

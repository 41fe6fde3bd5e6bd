"""The analysis against a data set whose answers are known: counts, medians and 90th
percentiles, the share of promises met, repeat problems, ratings, quotas and the trend."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from bot.domain.permissions import Viewer, ViewerKind, remit_of
from bot.domain.reports import (
    Period,
    PeriodKind,
    last_full_month,
    last_full_week,
    parse_period,
    percentile_offset,
    week_so_far,
)
from bot.domain.staff import Role
from bot.domain.validation import Invalid
from bot.services import reports
from bot.views.report import report_text
from storage.models import Ticket, TicketEvent, Unit
from tests.services.conftest import TZ, VIEWS, World

WEEK = Period(PeriodKind.WEEK, date(2026, 11, 16), date(2026, 11, 23))
MONDAY = datetime(2026, 11, 16, 9, 0, tzinfo=TZ)


def _ticket(world: World, n: int, created: datetime, **values: object) -> Ticket:
    return world.add_ticket(f"TS-20261116-{n:04d}", created, **values)


def _event(
    world: World, ticket: Ticket, kind: str, at: datetime, actor: int | None = None
) -> None:
    world.uow.session.add(
        TicketEvent(
            ticket_id=ticket.id,
            created_at=at,
            kind=kind,
            actor_kind="staff" if actor else "system",
            actor_id=actor,
        )
    )


async def test_the_analysis_of_a_known_week(world: World) -> None:
    minute, day = timedelta(minutes=1), timedelta(days=1)
    senior = await world.staff(Role.SENIOR_BUTLER, name="Wang")
    head = await world.staff(Role.PROJECT_HEAD, name="Zhao")
    unit = (await world.uow.session.scalars(select(Unit).limit(1))).one()
    n = 0
    for k in range(1, 11):  # first answers after 10 … 100 minutes, due after 60
        n += 1
        _ticket(
            world,
            n,
            MONDAY + k * minute,
            first_answer_due_at=MONDAY + k * minute + 60 * minute,
            first_answered_at=MONDAY + k * minute + 10 * k * minute,
            location_kind="common_area",
            location_text=" Lobby " if k <= 3 else f"Gate {k}",
        )
    for k in range(1, 5):  # resolved after 1 … 4 days, due after 2
        n += 1
        created = MONDAY - day  # filed the week before, resolved this week
        _ticket(
            world,
            n,
            created,
            status="resolved",
            category="noise",
            unit_id=unit.id,
            location_kind="own_unit",
            resolve_due_at=created + 2 * day,
            resolved_at=created + k * day,
        )
    rated = []
    for rating in (5, 4, 1):
        n += 1
        rated.append(
            _ticket(world, n, MONDAY - 10 * day, status="closed", rating=rating, kind="repair")
        )
    n += 1
    _ticket(world, n, MONDAY + day, kind="suggestion", category=None, channel="phone")
    for k in range(4):  # the week before
        n += 1
        _ticket(world, n, MONDAY - 7 * day + k * minute)
    visit = _ticket(
        world,
        n + 1,
        MONDAY,
        kind="visit",
        category=None,
        status="resolved",
        assignee_staff_id=senior.id,
        resolved_at=MONDAY + 2 * day,
    )
    await world.uow.flush()
    for ticket in rated:
        _event(world, ticket, "followup_answered", MONDAY + day)
    _event(world, rated[0], "reopened", MONDAY + 2 * day)
    _event(world, rated[1], "followup_no_response", MONDAY + 2 * day)
    _event(world, visit, "phone_followup", MONDAY + day, actor=senior.id)
    _event(world, visit, "phone_followup", MONDAY + 3 * day, actor=senior.id)
    await world.uow.flush()

    chief = Viewer(ViewerKind.STAFF, senior.id, role="chief_butler", estate_id=world.estate_id)
    remit = remit_of(chief)
    assert remit is not None
    found = await reports.figures(world.uow, remit, WEEK, world.policy, TZ)

    assert found.total == 12  # 10 complaints, the suggestion, the visit
    assert found.by_kind == {"complaint": 10, "suggestion": 1, "visit": 1}
    assert found.by_channel == {"bot": 11, "phone": 1}
    assert found.first_answer.count == 10
    assert found.first_answer.median_s == 50 * 60  # nearest rank: the 5th of 10
    assert found.first_answer.p90_s == 90 * 60
    assert found.first_answer.met == 6
    assert found.resolution.count == 4 + 0  # the visit is not a resident's item
    assert found.resolution.median_s == 2 * 86400
    assert found.resolution.p90_s == 4 * 86400
    assert found.resolution.share_met == 0.5
    assert found.previous_total == 8
    assert found.reopened == 1
    assert found.ratings == {5: 1, 4: 1, 1: 1}
    assert found.satisfaction is not None
    assert round(found.satisfaction, 2) == 3.33
    assert found.no_response == 1
    assert found.suggestions == 1
    assert [(r.category, r.place, r.count) for r in found.repeats] == [
        ("noise", unit.building.name, 4),  # most frequent first
        ("facilities", "lobby", 3),  # " Lobby " and "Lobby" are one place
    ]
    quotas = {(q.name, q.done, q.needed, q.met) for q in found.quotas}
    assert quotas == {("Wang", 3, 3, True), ("Zhao", 0, 1, False)}
    assert head.id
    text = report_text(VIEWS, "en", found)
    assert text.index("Repeat problems") < text.index("By kind")
    assert "Items filed: <b>12</b> ↑ (previous period: 8)" in text
    assert "in time 60%" in text
    assert "❌ Zhao" in text
    assert len(text) < 4096


def test_periods() -> None:
    tuesday = date(2026, 11, 24)
    assert week_so_far(tuesday) == Period(PeriodKind.WEEK, date(2026, 11, 23), date(2026, 11, 25))
    assert last_full_week(tuesday) == WEEK
    assert last_full_month(tuesday) == Period(
        PeriodKind.MONTH, date(2026, 10, 1), date(2026, 11, 1)
    )
    assert parse_period("month", tuesday) == Period(
        PeriodKind.MONTH, date(2026, 11, 1), date(2026, 11, 25)
    )
    assert parse_period("2026-11-20 2026-11-01", tuesday) == Period(
        PeriodKind.RANGE, date(2026, 11, 1), date(2026, 11, 21)
    )
    assert isinstance(parse_period("yesterday", tuesday), Invalid)
    assert isinstance(parse_period("2020-01-01 2026-01-01", tuesday), Invalid)
    assert last_full_month(tuesday).previous() == Period(
        PeriodKind.MONTH, date(2026, 9, 1), date(2026, 10, 1)
    )
    so_far = parse_period("month", tuesday)
    assert isinstance(so_far, Period)
    assert so_far.previous() == Period(PeriodKind.MONTH, date(2026, 10, 1), date(2026, 10, 25))
    assert [percentile_offset(10, 0.5), percentile_offset(10, 0.9), percentile_offset(1, 0.9)] == [
        4,
        8,
        0,
    ]

"""The registry spreadsheet: the money trail sheet, met or missed, and residents' personal
data only for readers allowed to see it."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.utils.datetime import from_excel

from bot.domain.permissions import remit_of, staff_viewer
from bot.domain.reports import Period, PeriodKind
from bot.domain.staff import Role
from bot.services.export import _Times, registry_workbook
from storage.models import MoneyEntry, Ticket
from tests.services.conftest import TZ, VIEWS, World

DAY = datetime(2026, 11, 20, 10, 0, tzinfo=TZ)
PERIOD = Period(PeriodKind.RANGE, date(2026, 11, 20), date(2026, 11, 21))


async def test_the_spreadsheet_lists_items_money_and_hides_what_the_reader_may_not_see(
    world: World,
) -> None:
    li = await world.resident()
    order = Ticket(
        reference="WT-20261120-0001",
        kind="concierge",
        status="resolved",
        channel="bot",
        estate_id=world.estate_id,
        resident_id=li.id,
        unit_id=li.unit_id,
        zone="B",
        description="Birthday or occasion cake",
        service="cake",
        stage="settled",
        created_at=DAY,
        updated_at=DAY,
        first_answer_due_at=DAY + timedelta(hours=1),
        first_answered_at=DAY + timedelta(hours=2),  # late
        resolve_due_at=DAY + timedelta(days=2),
        resolved_at=DAY + timedelta(days=1),  # in time
        paused_s=0,
        reopen_count=0,
    )
    world.uow.session.add(order)
    await world.uow.flush()
    for kind, amount, number in (
        ("prepayment", Decimal("300"), "R-1"),
        ("final", Decimal("328"), None),
        ("balance", Decimal("28"), None),
    ):
        world.uow.session.add(
            MoneyEntry(ticket_id=order.id, kind=kind, amount=amount, number=number, created_at=DAY)
        )
    await world.uow.flush()
    chief = await world.staff(Role.CHIEF_BUTLER)
    butler = await world.staff(Role.BUTLER, zone="B")

    async def book(member: object) -> object:
        remit = remit_of(staff_viewer(member))  # type: ignore[arg-type]
        assert remit is not None
        data, listed = await registry_workbook(
            world.uow,
            member,
            remit,
            PERIOD,
            VIEWS,
            "en",
            world.policy,
            DAY,  # type: ignore[arg-type]
        )
        assert listed == 1
        return load_workbook(io.BytesIO(data), read_only=True)

    sheets = await book(chief)
    rows = list(sheets["Registry"].iter_rows(values_only=True))  # type: ignore[index]
    header, row = rows[0], rows[1]
    item = dict(zip(header, row, strict=True))
    assert item["Reference"] == "WT-20261120-0001"
    assert item["Resident"] == "Li Lei"
    assert item["Phone"] == "+8613800138000"
    assert item["Answer in time"] == "No"
    assert item["Resolved in time"] == "Yes"
    assert item["Received"] == DAY.replace(tzinfo=None)  # local time, as people read it
    money = list(sheets["Money trail"].iter_rows(values_only=True))  # type: ignore[index]
    assert [(r[3], r[4], r[5]) for r in money[1:]] == [
        ("Prepayment", 300.0, "R-1"),
        ("Final amount", 328.0, None),
        ("Balance (+ to pay, − refunded)", 28.0, None),
    ]
    zone_view = await book(butler)
    theirs = list(zone_view["Registry"].iter_rows(values_only=True))[1]  # type: ignore[index]
    assert theirs[0] == "WT-20261120-0001"
    assert theirs[4] is None  # no name …
    assert theirs[7] is None  # … and no phone for a reader outside the desk and managers


# Clocks that change: by an hour on the hour (Berlin), by half an hour at half past the
# hour UTC (Lord Howe Island), and one that never does (the desk's own).
ZONES = ("Europe/Berlin", "Australia/Lord_Howe", "Asia/Shanghai")


def _read_back(zone: str, moment: datetime) -> datetime:
    """What a reader should see: the zone's wall-clock time, to the second."""
    return moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None, microsecond=0)


def test_times_read_back_as_the_wall_clock_across_every_clock_change_of_a_year() -> None:
    for zone in ZONES:
        times = _Times(ZoneInfo(zone))  # one per export: offsets remembered hour by hour
        start = datetime(2026, 1, 1, tzinfo=UTC)
        hours = [start + timedelta(hours=n) for n in range(366 * 24)]
        offsets = [h.astimezone(ZoneInfo(zone)).utcoffset() for h in hours]
        changes = [  # the first whole hour after each change
            hour
            for hour, before, after in zip(hours[1:], offsets, offsets[1:], strict=False)
            if before != after
        ]
        assert len(changes) == (0 if zone == "Asia/Shanghai" else 2)
        for change in changes or [start]:
            for step in range(0, 3 * 3600, 7):  # around the change, 7 s apart
                moment = change - timedelta(hours=2) + timedelta(seconds=step, microseconds=999)
                assert from_excel(times(moment)) == _read_back(zone, moment), (zone, moment)


@given(
    st.sampled_from(ZONES),
    st.lists(
        st.datetimes(
            min_value=datetime(1971, 1, 1),  # noqa: DTZ001 (made aware by `timezones`)
            max_value=datetime(2099, 12, 31),  # noqa: DTZ001
            timezones=st.just(UTC),
        ),
        min_size=1,
    ),
)
def test_any_time_reads_back_as_the_wall_clock(zone: str, moments: list[datetime]) -> None:
    times = _Times(ZoneInfo(zone))
    for moment in moments:
        assert from_excel(times(moment)) == _read_back(zone, moment)

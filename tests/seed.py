"""A populated registry in seconds: staff, and many open items with their alarms, written
with bulk statements (the benchmarks and the multi-process tests start from it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from bot.config import DEFAULTS_DIR, SAMPLE_ESTATE
from bot.domain.deadlines import AlarmKind, Clocks, plan
from bot.domain.tickets import TicketKind, TicketStatus
from bot.files import load_estate
from bot.policy import load_policy
from storage.db import create_engine, create_sessionmaker
from storage.models import Alarm, Resident, Staff, Ticket, Unit
from storage.uow import UnitOfWork

STAFF = [
    ("Butler A", "butler", "customer_service", "A"),
    ("Butler B", "butler", "customer_service", "B"),
    ("Supervisor", "supervisor", "customer_service", None),
    ("Senior butler", "senior_butler", "customer_service", None),
    ("Engineer", "staff", "engineering", None),
    ("Agent", "agent", "customer_service", None),
]
FIRST_STAFF_USER = 50_000


@dataclass(frozen=True)
class Seeded:
    items: int
    due: int
    staff_chats: list[int]


async def seed(url: str, *, items: int, due: int, now: datetime, chunk: int = 5000) -> Seeded:
    """`items` open complaints, of which `due` have a missed resolve time whose alarm is due
    now; the others are due in the coming weeks. Every item is owned by its zone's butler."""
    engine = create_engine(url)
    try:
        sessions = create_sessionmaker(engine)
        async with UnitOfWork(sessions) as uow:
            await uow.estate.sync(load_estate(SAMPLE_ESTATE))
            plan = await uow.estate.plan()
            assert plan is not None
            assert plan.id is not None
            await uow.commit()
        async with engine.begin() as conn:
            staff = [
                {
                    "estate_id": plan.id,
                    "telegram_user_id": FIRST_STAFF_USER + n,
                    "chat_id": FIRST_STAFF_USER + n,
                    "name": name,
                    "role": role,
                    "department": department,
                    "zone": zone,
                    "language": "en",
                    "active": True,
                    "created_at": now,
                }
                for n, (name, role, department, zone) in enumerate(STAFF)
            ]
            await conn.execute(insert(Staff), staff)
            found = await conn.execute(select(Staff.zone, Staff.id).where(Staff.role == "butler"))
            butlers = {str(zone): int(staff_id) for zone, staff_id in found}
            unit = (await conn.execute(select(Unit.id).limit(1))).scalar_one()
            resident = (
                await conn.execute(
                    insert(Resident).returning(Resident.id),
                    [
                        {
                            "telegram_user_id": 90_000,
                            "chat_id": 90_000,
                            "name": "Li Lei",
                            "phone": "+8613800138000",
                            "unit_id": unit,
                            "language": "en",
                            "confidential": False,
                            "created_at": now,
                            "updated_at": now,
                        }
                    ],
                )
            ).scalar_one()
            for start in range(0, items, chunk):
                await _items(
                    conn, plan.id, butlers, resident, start, min(chunk, items - start), due, now
                )
    finally:
        await engine.dispose()
    return Seeded(items, due, [FIRST_STAFF_USER + n for n in range(len(STAFF))])


async def _items(
    conn: object,
    estate_id: int,
    butlers: dict[str, int],
    resident_id: int,
    start: int,
    count: int,
    due: int,
    now: datetime,
) -> None:
    rows = []
    for n in range(start, start + count):
        zone = "AB"[n % 2]
        late = n < due
        created = now - timedelta(days=3 if late else 1, minutes=n % 600)
        resolve_due = now - timedelta(minutes=1) if late else now + timedelta(days=n % 20 + 1)
        rows.append(
            {
                "reference": f"TS-20260101-{n + 1:06d}",
                "kind": "complaint",
                "category": "facilities",
                "status": "accepted",
                "channel": "bot",
                "resident_id": resident_id,
                "estate_id": estate_id,
                "zone": zone,
                "location_kind": "common_area",
                "location_text": f"Lobby {n % 40}",
                "description": f"Lift {n} stuck again",
                "department": "engineering",
                "owner_staff_id": butlers[zone],
                "assignee_staff_id": butlers[zone],
                "created_at": created,
                "updated_at": created,
                "clock_started_at": created,
                "first_answer_due_at": created + timedelta(hours=1),
                "first_answered_at": created + timedelta(minutes=20),
                "resolve_due_at": resolve_due,
                "paused_s": 0,
                "reopen_count": 0,
            }
        )
    statement = insert(Ticket).returning(Ticket.id, sort_by_parameter_order=True)
    ids = (await conn.execute(statement, rows)).scalars().all()  # type: ignore[attr-defined]
    # Each item's alarms as the bot plans them; what came before `now` already fired,
    # except the "late" rung of the items due now.
    alarms = []
    for ticket_id, row in zip(ids, rows, strict=True):
        for kind, due_at in plan(_clocks(row), RULES):
            fired = None if due_at > now or kind is AlarmKind.RESOLVE_LATE else due_at
            alarms.append(
                {"ticket_id": ticket_id, "kind": kind.value, "due_at": due_at, "fired_at": fired}
            )
    await conn.execute(insert(Alarm), alarms)  # type: ignore[attr-defined]


RULES = load_policy(DEFAULTS_DIR / "policy.toml").alarm_rules(ZoneInfo("Asia/Shanghai"))


def _clocks(row: dict[str, object]) -> Clocks:
    def moment(name: str) -> datetime:
        value = row[name]
        assert isinstance(value, datetime)
        return value

    return Clocks(
        kind=TicketKind.COMPLAINT,
        status=TicketStatus.ACCEPTED,
        nature=None,
        severity=None,
        created_at=moment("created_at"),
        clock_started_at=moment("clock_started_at"),
        first_answer_due_at=moment("first_answer_due_at"),
        first_answered_at=moment("first_answered_at"),
        resolve_due_at=moment("resolve_due_at"),
        paused_s=0,
        waiting_until=None,
        report_from_at=None,
        report_due_at=None,
        resolved_at=None,
        followup=None,
        followup_asked_at=None,
    )

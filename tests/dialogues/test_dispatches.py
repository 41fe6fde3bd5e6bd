"""Pushed reports and the daily ledger, by moving the clock: each at its time, exactly once
(also across a restart), to the policy's roles, with the chart, the spreadsheet and the
acknowledgement that signs it off."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from bot.clock import utcnow
from bot.config import Settings
from scheduler.sweep import push_reports
from tests.conftest import DeskHarness
from tests.dialogues.helpers import enroll, file_complaint, register, told
from tests.sim import FakeBotAPI

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def push(desk: DeskHarness, moment: datetime) -> int:
    with time_machine.travel(moment, tick=False):
        pushed = await push_reports(desk.desk)
        await desk.deliver()
    return pushed


def _local(days: int, hour: int, minute: int = 0) -> datetime:
    today = utcnow().astimezone(SHANGHAI).date() + timedelta(days=days)
    return datetime(today.year, today.month, today.day, hour, minute, tzinfo=SHANGHAI)


async def test_reports_and_ledgers_go_out_once_at_their_time(
    desk: DeskHarness, clock_settings: Settings
) -> None:
    senior = await enroll(desk, 8901, "Senior butler", "Customer service", "No zone")
    chief = await enroll(desk, 8902, "Chief butler", "Customer service", "No zone")
    head = await enroll(desk, 8903, "Project head", "Customer service", "No zone")
    supervisor = await enroll(desk, 8904, "Duty supervisor", "Customer service", "B")
    li = desk.sim.user(8911, language_code="en")
    await register(li)
    await file_complaint(li, "The lobby lift is stuck")
    await file_complaint(li, "The lobby lift is stuck again")

    first = await push(desk, utcnow())  # on first start: the latest of each, once
    assert first == 4  # the weekly, the monthly, the daily ledger and the morning digest
    assert await push(desk, utcnow() + timedelta(minutes=1)) == 0
    weekly = told(chief, "Weekly report")
    monthly = told(chief, "Monthly report")
    assert (weekly, monthly) == (1, 1)
    assert told(head, "Weekly report") == 0  # weekly: the senior and chief butlers only
    assert told(head, "Monthly report") == 1
    assert told(supervisor, "Daily ledger") == 1

    today = utcnow().astimezone(SHANGHAI).date()
    next_monday = 7 - today.weekday()
    before = told(chief, "Weekly report")
    await push(desk, _local(next_monday, 8, 59))  # a ledger or two, but no weekly yet
    assert told(chief, "Weekly report") == before
    ledgers_before = told(supervisor, "Daily ledger")
    await push(desk, _local(next_monday, 9, 1))
    assert told(chief, "Weekly report") == before + 1
    assert told(senior, "Weekly report") == before + 1
    report = next(m.body for m in reversed(chief.transcript) if "Weekly report" in m.body)
    assert "Items filed: <b>2</b>" in report
    assert await push(desk, _local(next_monday, 9, 30)) == 0
    assert told(supervisor, "Daily ledger") >= ledgers_before

    # A restart (a new process on the same database) sends nothing again.
    async with DeskHarness(FakeBotAPI(), clock_settings) as again:
        assert await push(again, _local(next_monday, 9, 31)) == 0

    # The chief butler's acknowledgement is the sign-off, recorded once with its time.
    with time_machine.travel(_local(next_monday, 9, 40), tick=False):
        await chief.taps_on("✅ Acknowledge", "Items filed: <b>2</b>")
        assert "Acknowledged by Chief butler (Chief butler)" in chief.last_text
        assert told(senior, "was signed off by Chief butler") == 1  # the sign-off, told
        await chief.taps_on("✅ Acknowledge", "Items filed: <b>2</b>")
        assert await desk.scalar("select count(*) from acknowledgements") == 1
        assert told(senior, "was signed off by Chief butler") == 1
        await chief.taps_on("📊 Chart", "Items filed: <b>2</b>")
        assert chief.transcript[-1].method == "sendPhoto"
        await chief.taps_on("📥 Spreadsheet", "Items filed: <b>2</b>")
        assert chief.transcript[-1].method == "sendDocument"
        assert "2 items" in (chief.transcript[-1].caption or "")
        await li.taps_data(f"dp:ack:{await desk.scalar('select max(id) from dispatches')}")
        assert await desk.scalar("select count(*) from acknowledgements") == 1

    # The month's report on the 1st, to the project head as well: the 1st after that Monday
    # (in a month's last week the Monday may be past the next 1st, whose report went then).
    monday = today + timedelta(days=next_monday)
    first_of_month = (monday.replace(day=1) + timedelta(days=32)).replace(day=1)
    days = (first_of_month - today).days
    head_before = told(head, "Monthly report")
    await push(desk, _local(days, 9, 5))
    assert told(head, "Monthly report") == head_before + 1


async def test_the_daily_ledger_lists_the_days_work_and_both_sign_it(desk: DeskHarness) -> None:
    """The day's ledger (工作台帐) lists every request of the day, filed, answered, finished
    and late; the staff on duty and the supervisor each sign it, with the time, shown on
    the ledger and in the month's archive."""
    supervisor = await enroll(desk, 8921, "Duty supervisor", "Customer service", "B")
    butler = await enroll(desk, 8922, "Butler", "Customer service", "B")
    chief = await enroll(desk, 8923, "Chief butler", "Customer service", "No zone")
    li = desk.sim.user(8931, language_code="en")
    await register(li)
    now = utcnow().astimezone(SHANGHAI)
    start = now.replace(hour=9, minute=0, second=0, microsecond=0)
    if now.hour >= 21:
        start += timedelta(days=1)
    await push(desk, start - timedelta(minutes=1))  # what was due before that day
    with time_machine.travel(start, tick=False):
        await file_complaint(li, "Water on the stairs")
        mopped = str(await desk.scalar("select reference from tickets"))
        await butler.taps_on("✔️ Resolve", mopped)
        await butler.says("Mopped and dried, sign put up")
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        await file_complaint(li, "The lift hums all night")
        hum = str(await desk.scalar("select max(reference) from tickets"))
    ledgers = told(supervisor, "Daily ledger")
    await push(desk, start.replace(hour=21, minute=1))
    assert told(supervisor, "Daily ledger") == ledgers + 1
    assert told(butler, "Daily ledger") == ledgers + 1  # the staff on duty too
    assert told(chief, "Daily ledger") == 0
    ledger = supervisor.transcript[-1].body
    for shown in (
        "Filed: 2 items",
        f"{mopped} · Water on the stairs",
        f"{hum} · The lift hums all night",
        "Answered: 1 item",
        "Finished: 1 item",
        "Late: 1 item",
        f"{hum} · first answer late",
        "On duty: not signed yet",
        "Supervisor: not signed yet",
    ):
        assert shown in ledger, shown

    with time_machine.travel(start.replace(hour=21, minute=10), tick=False):
        await butler.taps_on("✍️ Sign the ledger", "Daily ledger")
        assert "On duty: ✍️ signed by Butler (Butler)" in butler.last_text
        assert "Supervisor: not signed yet" in butler.last_text
    with time_machine.travel(start.replace(hour=21, minute=20), tick=False):
        await supervisor.taps_on("✍️ Sign the ledger", "Daily ledger")
        assert "On duty: ✍️ signed by Butler (Butler)" in supervisor.last_text
        assert "Supervisor: ✍️ signed by Duty supervisor (Duty supervisor)" in (
            supervisor.last_text
        )
        signed_ledger = next(m for m in supervisor.transcript if "Late: 1 item" in m.body)
        assert signed_ledger.inline_buttons() == []  # both signed: nothing left to sign
        await butler.taps_on("✍️ Sign the ledger", "Daily ledger")  # signed already
    assert await desk.scalar("select count(*) from dispatches where duty_signed_at is not null")
    signed = await desk.scalar(
        "select count(*) from dispatches where supervisor_signed_at is not null"
    )
    assert signed == 1
    await chief.says(f"/ledger {start:%Y-%m}")
    assert "On duty: ✍️ signed by Butler (Butler)" in chief.last_text
    assert "Supervisor: ✍️ signed by Duty supervisor (Duty supervisor)" in chief.last_text
    assert "21:20" in chief.last_text
    await butler.says("/ledger")
    assert "isn't available" in butler.last_text

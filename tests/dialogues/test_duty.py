"""Round the clock: an item filed at night reaches the night duty with a next-morning
promise (the resident told, the zone butler not woken); "late" goes to the supervisor on
duty by the roster; many late items for one person come as one digest."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine

from bot.clock import utcnow
from scheduler.sweep import push_reports
from tests.conftest import DeskHarness
from tests.dialogues.helpers import at, enroll, file_complaint, register, told
from tests.sim import Persona

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _tonight(hour: int = 2) -> datetime:
    day = utcnow().astimezone(SHANGHAI).date() + timedelta(days=1)
    return datetime.combine(day, time(hour), SHANGHAI)


def _as_local(value: object) -> datetime:
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=utcnow().tzinfo)
    return parsed.astimezone(SHANGHAI)


async def test_an_item_filed_at_night_reaches_the_night_duty_with_a_morning_promise(
    desk: DeskHarness,
) -> None:
    butler = await enroll(desk, 8301, "Butler", "Customer service", "B")
    supervisor = await enroll(desk, 8302, "Duty supervisor", "Customer service", "B")
    engineer = await enroll(desk, 8303, "Department staff", "Engineering", "B")
    li = desk.sim.user(8311, language_code="en")
    await register(li)
    night = _tonight(2)
    with time_machine.travel(night, tick=False):
        await file_complaint(li, "The corridor light flickers")
        await desk.deliver()
    assert told(supervisor, "New item for the night duty") == 1
    assert told(engineer, "New item for the night duty") == 1
    assert told(butler, "🆕") == 0  # the zone butler is not woken
    assert told(butler, "night duty") == 0
    due = _as_local(await desk.scalar("select first_answer_due_at from tickets"))
    assert due == datetime.combine(night.date(), time(9), SHANGHAI)
    assert told(li, "It is night now") == 1
    assert told(li, "09:00") >= 1
    # the butler stays the first-ask owner
    owner = await desk.scalar("select owner_staff_id from tickets")
    assert owner == await desk.scalar("select id from staff where role = 'butler'")
    # no "late" in the night: the promise is the morning
    await at(desk, night + timedelta(hours=2))
    assert told(supervisor, "Late") == 0


async def test_the_zone_butler_is_not_woken_even_in_the_department_at_work(
    desk: DeskHarness,
) -> None:
    """A neighbours' complaint is the customer-service desk's own work, and the zone's
    butler is of that desk: at night the supervisor has it, the butler hears in the
    morning."""
    butler = await enroll(desk, 8341, "Butler", "Customer service", "B")
    supervisor = await enroll(desk, 8342, "Duty supervisor", "Customer service", "B")
    li = desk.sim.user(8343, language_code="en")
    await register(li)
    with time_machine.travel(_tonight(3), tick=False):
        await li.taps("📝 Complaint")
        await li.taps("Neighbours / noise")
        await li.says("Loud music from upstairs")
        await li.says("Stairwell of building 3")
        await li.taps("Confirm")
        await desk.deliver()
    assert await desk.scalar("select department from tickets") == "customer_service"
    assert told(supervisor, "New item for the night duty") == 1
    assert told(butler, "night duty") == 0
    assert told(butler, "🆕") == 0


async def test_an_item_filed_by_day_goes_to_the_butler_as_before(desk: DeskHarness) -> None:
    butler = await enroll(desk, 8321, "Butler", "Customer service", "B")
    li = desk.sim.user(8322, language_code="en")
    await register(li)
    day = _tonight(11)
    with time_machine.travel(day, tick=False):
        await file_complaint(li)
        await desk.deliver()
    assert told(butler, "New item for you") == 1
    assert told(li, "It is night now") == 0


async def test_late_goes_to_the_supervisor_on_duty_and_many_come_as_one_digest(
    desk: DeskHarness,
) -> None:
    await enroll(desk, 8331, "Butler", "Customer service", "B")
    wang = await enroll(desk, 8332, "Duty supervisor", "Customer service", "No zone", name="Wang")
    zhao = await enroll(desk, 8333, "Duty supervisor", "Customer service", "No zone", name="Zhao")
    senior = await enroll(desk, 8334, "Senior butler", "Customer service", "No zone", name="Sun")
    morning = _tonight(9)
    with time_machine.travel(morning, tick=False):
        await senior.says("/duty")
        assert "everyone" in senior.last_text
        await senior.taps("▫️ ☀️ Day shift: Wang")
        assert "On duty: Wang" in senior.last_text
        assert "✅ ☀️ Day shift: Wang" in senior.buttons()
    li = desk.sim.user(8341, language_code="en")
    await register(li)
    with time_machine.travel(morning + timedelta(minutes=5), tick=False):
        await file_complaint(li, "Lift one")
        await desk.deliver()
    await at(desk, morning + timedelta(hours=1, minutes=10))
    assert told(wang, "Late: the first answer") == 1  # on duty
    assert told(zhao, "Late") == 0  # not on duty today
    # five more late at once: one digest for Wang, not five cards
    with time_machine.travel(morning + timedelta(hours=2), tick=False):
        for n in range(5):
            await file_complaint(li, f"Lamp {n}")
        await desk.deliver()
    cards_before = told(wang, "Late: the first answer")
    await at(desk, morning + timedelta(hours=3, minutes=10))
    assert told(wang, "items are late for you") == 1
    assert told(wang, "Late: the first answer") - cards_before <= 1  # only inside the digest
    digest = next(m for m in wang.transcript if "items are late for you" in m.body)
    assert digest.body.count("•") == 5
    await wang.taps_data(digest.inline_buttons()[0]["callback_data"], message=digest)
    assert "Lamp" in wang.last_text or "Lift" in wang.last_text  # the item's card


async def _escalated(desk: DeskHarness, base: int) -> tuple[Persona, Persona, Persona]:
    butler = await enroll(desk, base, "Butler", "Customer service", "B")
    senior = await enroll(desk, base + 1, "Senior butler", "Customer service", "No zone")
    chief = await enroll(desk, base + 2, "Chief butler", "Customer service", "No zone")
    li = desk.sim.user(base + 10, language_code="en")
    await register(li)
    await file_complaint(li)
    await butler.taps("✅ Accept")
    await butler.taps("⬆️ Escalate")
    await butler.says("Needs a budget decision")
    assert "Escalated to you by the butler" in senior.last_text
    assert "✅ Seen" in senior.buttons()
    return butler, senior, chief


async def test_an_escalation_not_seen_goes_up_a_rung(desk: DeskHarness) -> None:
    _, senior, chief = await _escalated(desk, 8351)
    await at(desk, utcnow() + timedelta(minutes=20))
    assert told(chief, "not seen in time") == 0
    await at(desk, utcnow() + timedelta(minutes=31))
    assert told(chief, "Escalated to the senior butler, not seen in time") == 1
    assert "✅ Seen" in chief.buttons()
    assert told(senior, "went up to the next rung") == 1
    chief_id = await desk.scalar("select id from staff where telegram_user_id = 8353")
    assert await desk.scalar("select escalated_to_staff_id from tickets") == chief_id


async def test_seen_keeps_the_escalation_where_it_is(desk: DeskHarness) -> None:
    _, senior, chief = await _escalated(desk, 8361)
    await senior.taps("✅ Seen")
    await at(desk, utcnow() + timedelta(minutes=45))
    assert told(chief, "not seen in time") == 0
    senior_id = await desk.scalar("select id from staff where telegram_user_id = 8362")
    assert await desk.scalar("select escalated_to_staff_id from tickets") == senior_id


async def _day_items(desk: DeskHarness, butler: Persona, li: Persona, night: datetime) -> None:
    """Items of the days before the night, one in each state the digest lists: due today
    (answered two days ago), waiting, late (never answered) and reopened."""
    two_days_before = night.replace(hour=10) - timedelta(days=2)
    with time_machine.travel(two_days_before, tick=False):
        await file_complaint(li, "Gate buzzer broken")
        await butler.taps_on("✅ Accept", "Gate buzzer broken")  # resolve due today 10:00
    day_before = night.replace(hour=10) - timedelta(days=1)
    with time_machine.travel(day_before, tick=False):
        await file_complaint(li, "Lobby door squeaks")
        await butler.taps_on("✅ Accept", "Lobby door squeaks")
        await butler.taps_on("⏸ Waiting", "Lobby door squeaks")
        await butler.taps("Waiting for parts")
        await butler.taps(butler.buttons()[1])  # in 3 days
    with time_machine.travel(day_before + timedelta(hours=1), tick=False):
        await file_complaint(li, "Mailbox lock stuck")  # nobody answers it
    with time_machine.travel(day_before + timedelta(hours=2), tick=False):
        await file_complaint(li, "Stair light out")
        await butler.taps_on("✅ Accept", "Stair light out")
        await butler.taps_on("✔️ Resolve", "Stair light out")
        await butler.says("Bulb replaced")
        result = next(m for m in reversed(li.transcript) if "is resolved" in m.body)
        await li.replies_to(result, "It is out again")
        await butler.taps_on("🔁 Reopen", "It is out again")
        await desk.deliver()


def _digest_sections(body: str) -> dict[str, str]:
    """The digest's sections by their heading's first word: Late, Due, Waiting, …"""
    found = {}
    for chunk in body.split("\n\n")[1:]:
        heading = re.sub(r"<[^>]*>", "", chunk.splitlines()[0])
        found[heading.split()[1]] = chunk
    return found


async def test_the_morning_digest_tells_the_butler_what_the_night_did(
    desk: DeskHarness,
) -> None:
    butler = await enroll(desk, 8371, "Butler", "Customer service", "B")
    supervisor = await enroll(desk, 8372, "Duty supervisor", "Customer service", "B")
    other = await enroll(desk, 8373, "Butler", "Customer service", "A")
    li = desk.sim.user(8381, language_code="en")
    await register(li)
    night = _tonight(2) + timedelta(days=2)  # the days before it are still to come
    await _day_items(desk, butler, li, night)
    whats = await desk.column("select description from tickets order by id")
    references = await desk.column("select reference from tickets order by id")
    refs = {str(what): str(ref) for what, ref in zip(whats, references, strict=True)}
    woken = told(butler, "🆕")
    with time_machine.travel(night, tick=False):
        await file_complaint(li, "Water in the lobby")
        await desk.deliver()
    assert told(butler, "🆕") == woken
    reference = str(
        await desk.scalar("select reference from tickets where description = 'Water in the lobby'")
    )
    await _sweep_reports(desk, night.replace(hour=8, minute=0))
    assert told(butler, "Good morning") == 0  # not before the policy's time
    await _sweep_reports(desk, night.replace(hour=8, minute=31))
    assert told(butler, "Good morning") == 1
    digest = next(m for m in butler.transcript if "Good morning" in m.body)
    sections = _digest_sections(digest.body)
    assert list(sections) == ["Late", "Due", "Waiting", "Reopened", "Filed"]
    assert reference in sections["Filed"]  # filed during the night
    assert refs["Mailbox lock stuck"] in sections["Late"]
    assert refs["Gate buzzer broken"] in sections["Due"]  # due today, not late yet
    assert refs["Gate buzzer broken"] not in sections["Late"]
    assert refs["Lobby door squeaks"] in sections["Waiting"]
    assert refs["Lobby door squeaks"] not in sections["Late"]  # its clock is paused
    assert refs["Stair light out"] in sections["Reopened"]
    assert all(reference not in sections[name] for name in ("Late", "Due", "Waiting"))
    assert told(supervisor, "Good morning") == 1
    assert told(other, "Good morning") == 0  # nothing in zone A
    await _sweep_reports(desk, night.replace(hour=9, minute=0))
    assert told(butler, "Good morning") == 1  # once a day
    night_card = next(b for b in digest.inline_buttons() if b["text"] == reference)
    await butler.taps_data(night_card["callback_data"], message=digest)
    assert reference in butler.last_text


async def _sweep_reports(desk: DeskHarness, moment: datetime) -> None:
    with time_machine.travel(moment, tick=False):
        await push_reports(desk.desk)
        await desk.deliver()


async def test_the_night_card_reaches_only_the_supervisors_on_duty(desk: DeskHarness) -> None:
    await enroll(desk, 8391, "Butler", "Customer service", "B")
    wang = await enroll(desk, 8392, "Duty supervisor", "Customer service", "B", name="Wang")
    zhao = await enroll(desk, 8393, "Duty supervisor", "Customer service", "B", name="Zhao")
    qian = await enroll(desk, 8394, "Duty supervisor", "Customer service", "B", name="Qian")
    senior = await enroll(desk, 8395, "Senior butler", "Customer service", "B", name="Sun")
    evening = _tonight(21) - timedelta(days=1)
    with time_machine.travel(evening, tick=False):
        await senior.says("/duty")
        await senior.taps("▫️ 🌙 Night shift: Wang")
    with time_machine.travel(evening + timedelta(minutes=30), tick=False):
        await zhao.says("/duty")
        await zhao.taps("▶️ Start shift")
        assert "On duty: Wang, Zhao" in zhao.last_text
    li = desk.sim.user(8396, language_code="en")
    await register(li)
    with time_machine.travel(evening + timedelta(hours=1), tick=False):
        await file_complaint(li, "Noise from the pump room")
        await desk.deliver()
    assert told(wang, "New item for the night duty") == 1  # rostered
    assert told(zhao, "New item for the night duty") == 1  # started a shift
    assert told(qian, "New item for the night duty") == 0  # off duty tonight


async def test_after_end_shift_the_night_card_no_longer_comes(desk: DeskHarness) -> None:
    await enroll(desk, 8401, "Butler", "Customer service", "B")
    wang = await enroll(desk, 8402, "Duty supervisor", "Customer service", "B", name="Wang")
    zhao = await enroll(desk, 8403, "Duty supervisor", "Customer service", "B", name="Zhao")
    senior = await enroll(desk, 8404, "Senior butler", "Customer service", "B", name="Sun")
    li = desk.sim.user(8405, language_code="en")
    await register(li)
    evening = _tonight(21)
    with time_machine.travel(evening, tick=False):
        await senior.says("/duty")
        await senior.taps("▫️ 🌙 Night shift: Wang")
    with time_machine.travel(evening + timedelta(minutes=30), tick=False):
        await zhao.says("/duty")
        await zhao.taps("▶️ Start shift")
        assert "On duty: Wang, Zhao" in zhao.last_text
    with time_machine.travel(evening + timedelta(hours=1), tick=False):
        await file_complaint(li, "Noise from the pump room")
        await desk.deliver()
    assert told(zhao, "New item for the night duty") == 1  # on duty since Start shift
    with time_machine.travel(evening + timedelta(hours=2), tick=False):
        await zhao.taps_on("⏹ End shift", "On duty")
        assert "Your shift has ended" in str(list(desk.api.callback_answers.values())[-1])
        screen = next(m for m in reversed(zhao.transcript) if "On duty" in m.body)
        assert "On duty: Wang\n" in screen.plain + "\n"  # Zhao is off the list
    with time_machine.travel(evening + timedelta(hours=3), tick=False):
        await file_complaint(li, "Water dripping in the garage")
        await desk.deliver()
    assert told(wang, "New item for the night duty") == 2  # rostered: both
    assert told(zhao, "New item for the night duty") == 1  # after End shift: not the second
    cards = [m for m in zhao.transcript if "New item for the night duty" in m.body]
    assert all("garage" not in m.body for m in cards)

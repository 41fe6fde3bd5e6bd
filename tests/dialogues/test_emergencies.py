"""Emergencies (突发事件) through Telegram: anyone who types one — registered or not — is
told at once what to do and the hotline, the staff on duty of security and engineering and
the duty supervisor are paged again and again until one is on the way, and up the chain
when nobody answers; *Not an emergency* stops it all and leaves the ordinary item the
words look like."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine

from bot.clock import utcnow
from tests.conftest import DeskHarness
from tests.dialogues.helpers import at, enroll, register, told
from tests.sim import Persona

PAGE = "EMERGENCY"
HOTLINE = "400-800-1234"


async def _crew(desk: DeskHarness) -> dict[str, Persona]:
    return {
        "security": await enroll(desk, 8301, "Department staff", "Security", "B"),
        "engineering": await enroll(desk, 8302, "Department staff", "Engineering", "A"),
        "supervisor": await enroll(desk, 8303, "Duty supervisor", "Customer service", "B"),
        "senior": await enroll(desk, 8304, "Senior butler", "Customer service", "B"),
        "chief": await enroll(desk, 8305, "Chief butler", "Customer service", "No zone"),
        "concierge": await enroll(desk, 8306, "Department staff", "Concierge", "B"),
    }


async def test_an_unregistered_persons_emergency_is_answered_paged_and_climbs(
    desk: DeskHarness,
) -> None:
    crew = await _crew(desk)
    stranger = desk.sim.user(8390, language_code="en")
    start = utcnow()
    await stranger.says("Thick smoke is coming out of the bin room!")
    # At once: what to do now, the hotline and the office; no registration asked first.
    assert told(stranger, "Call 119 now") == 1
    assert told(stranger, HOTLINE) == 1
    assert told(stranger, "Management office, ground floor of Building 1") == 1
    assert told(stranger, "Please register") == 0
    assert told(stranger, "Where are you?") == 1  # asked after filing
    assert await desk.scalar("select kind from tickets") == "emergency"
    reference = str(await desk.scalar("select reference from tickets"))
    await stranger.says("Building 3 basement")
    assert told(stranger, "know where you are") == 1
    await desk.deliver()
    paged = ("security", "engineering", "supervisor")
    for name in paged:
        assert told(crew[name], PAGE) == 1, name
    for name in ("senior", "chief", "concierge"):
        assert told(crew[name], PAGE) == 0, name
    assert told(crew["security"], "Building 3 basement") >= 1
    # The first answer is due within the emergency's minutes, not an hour.
    due = await desk.scalar("select first_answer_due_at from tickets")
    assert str(start + timedelta(minutes=15))[:16] == str(due)[:16]
    # Nobody answers: paged again every 5 minutes; after 2 pages the senior butler too,
    # after 4 the chief butler.
    await at(desk, start + timedelta(minutes=5, seconds=30))
    assert told(crew["security"], PAGE) == 2
    assert told(crew["senior"], PAGE) == 0
    await at(desk, start + timedelta(minutes=10, seconds=30))
    assert told(crew["security"], PAGE) == 3
    assert told(crew["senior"], PAGE) == 1
    assert told(crew["chief"], PAGE) == 0
    await at(desk, start + timedelta(minutes=15, seconds=30))
    await at(desk, start + timedelta(minutes=20, seconds=30))
    assert told(crew["chief"], PAGE) == 1
    assert told(crew["security"], PAGE) == 5
    # Security is on the way: paging stops, the reporter hears who is coming.
    with time_machine.travel(start + timedelta(minutes=21), tick=False):
        await crew["security"].taps_on("🏃 On my way", reference)
        await desk.deliver()
    assert told(stranger, "is on the way") == 1
    assert told(crew["supervisor"], "is on the way: paging stopped") == 1
    await at(desk, start + timedelta(hours=1))
    assert told(crew["security"], PAGE) == 5
    assert told(crew["chief"], PAGE) == 1


async def test_a_page_stops_when_someone_is_on_the_way(desk: DeskHarness) -> None:
    crew = await _crew(desk)
    li = desk.sim.user(8391, language_code="en")
    await register(li)
    start = utcnow()
    await li.says("Someone is trapped in the lift of building 3")
    assert told(li, "Where are you?") == 0  # a registered resident's home is known
    reference = str(await desk.scalar("select reference from tickets"))
    await desk.deliver()
    with time_machine.travel(start + timedelta(minutes=2), tick=False):
        await crew["security"].taps_on("🏃 On my way", reference)
        await desk.deliver()
    assert told(li, "Help is coming: our staff member") == 1
    assert told(crew["engineering"], PAGE) == 0  # zone A's engineering: not this zone's
    await at(desk, start + timedelta(minutes=30))
    assert told(crew["security"], PAGE) == 1
    assert told(crew["senior"], PAGE) == 0
    assert await desk.scalar("select status from tickets") == "accepted"


async def test_not_an_emergency_stops_the_paging_and_files_what_it_looks_like(
    desk: DeskHarness,
) -> None:
    crew = await _crew(desk)
    li = desk.sim.user(8392, language_code="en")
    await register(li)
    welcomed = told(li, HOTLINE)  # the welcome shows it too
    start = utcnow()
    await li.says("My gas bill is wrong this month")
    assert told(li, HOTLINE) == welcomed + 1  # the keyword "gas" misfired
    await desk.deliver()
    assert told(crew["security"], PAGE) == 1
    with time_machine.travel(start + timedelta(minutes=1), tick=False):
        await li.taps("Not an emergency")
        await desk.deliver()
    assert told(li, "it is not an emergency") == 1
    assert told(li, "an ordinary request (Complaint, ") == 1
    assert told(crew["security"], "Stand down") == 1
    assert told(crew["supervisor"], "Stand down") == 1
    # What the words look like, by the free-text keywords: a bill is the fees category
    # (not the gas emergency's own fallback, facilities).
    assert await desk.scalar("select kind || ':' || category from tickets") == "complaint:fees"
    assert await desk.scalar("select department from tickets") == "customer_service"
    assert await desk.scalar("select count(*) from emergencies where misfire_at is not null") == 1
    await at(desk, start + timedelta(minutes=30))
    assert told(crew["security"], PAGE) == 1  # no more pages
    # Counted in the report, so the keyword lists can be tuned.
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        await crew["chief"].says("/report week")
    text = next(m.body for m in reversed(crew["chief"].transcript) if "Weekly report" in m.body)
    assert "Emergencies reported: 1; not emergencies (keywords misfired, tune the list): 1" in (
        text
    )


async def test_a_misfire_that_names_a_repair_becomes_a_repair(desk: DeskHarness) -> None:
    crew = await _crew(desk)
    li = desk.sim.user(8395, language_code="zh-hans")
    await register(li, name="王芳", language="中文")
    welcomed = told(li, HOTLINE)
    await li.says("燃气热水器坏了，请派人来修")
    assert told(li, HOTLINE) == welcomed + 1  # "燃气" misfired
    await li.taps("不是紧急情况")
    assert told(li, "报修") >= 1
    found = await desk.scalar("select kind || ':' || service || ':' || stage from tickets")
    assert found == "repair:appliance:requested"
    assert await desk.scalar("select department from tickets") == "engineering"
    await desk.deliver()
    assert told(crew["security"], "It is now an ordinary item: Repair.") == 1


async def test_an_emergency_chosen_under_a_free_message_is_answered_and_paged(
    desk: DeskHarness,
) -> None:
    crew = await _crew(desk)
    li = desk.sim.user(8393, language_code="en")
    await register(li)
    welcomed = told(li, HOTLINE)
    await li.says("Please come quickly, my neighbour cannot get out")
    assert "🚨 Emergency" in li.buttons()  # no keyword matched: the resident chooses
    await li.taps("🚨 Emergency")
    assert "Which emergency is it?" in li.last_text
    await li.taps("Someone trapped in a lift")
    # At once: what to do now and the hotline, filed as its own kind, the staff paged.
    assert told(li, "Press the lift's alarm button") == 1
    assert told(li, HOTLINE) == welcomed + 1
    found = await desk.scalar("select kind || ':' || category || ':' || description from tickets")
    assert found == "emergency:lift:Please come quickly, my neighbour cannot get out"
    await desk.deliver()
    for name in ("security", "supervisor"):
        assert told(crew[name], PAGE) == 1, name
    assert told(crew["concierge"], PAGE) == 0


async def test_an_emergency_chosen_as_a_complaints_category_leaves_the_form(
    desk: DeskHarness,
) -> None:
    crew = await _crew(desk)
    li = desk.sim.user(8394, language_code="zh-hans")
    await register(li, name="王芳", language="中文")
    welcomed = told(li, HOTLINE)
    await li.taps("📝 投诉")
    await li.taps("🚨 紧急情况")
    await li.taps("电梯困人")
    assert told(li, HOTLINE) == welcomed + 1
    assert await desk.scalar("select kind || ':' || category from tickets") == "emergency:lift"
    await desk.deliver()
    assert told(crew["security"], PAGE) == 1
    assert told(crew["supervisor"], PAGE) == 1
    # The form was left: no complaint question is waiting for an answer.
    assert await desk.scalar("select count(*) from dialogues") == 0


async def test_a_roster_of_supervisors_only_still_pages_each_department(
    desk: DeskHarness,
) -> None:
    """Each department is asked on its own who of it is on duty (nobody of it rostered:
    all of it), and the duty supervisor apart: a roster naming only a supervisor does not
    silence security and engineering, nor one naming only security the supervisors."""
    security = await enroll(desk, 8311, "Department staff", "Security", "B", name="Guard")
    engineer = await enroll(desk, 8312, "Department staff", "Engineering", "B", name="Fixer")
    wang = await enroll(desk, 8313, "Duty supervisor", "Customer service", "B", name="Wang")
    zhao = await enroll(desk, 8314, "Duty supervisor", "Customer service", "B", name="Zhao")
    sun = await enroll(desk, 8315, "Senior butler", "Customer service", "No zone", name="Sun")
    shanghai = ZoneInfo("Asia/Shanghai")
    day = utcnow().astimezone(shanghai).date() + timedelta(days=1)
    morning = datetime.combine(day, time(9), shanghai)
    with time_machine.travel(morning, tick=False):
        await sun.says("/duty")
        await sun.taps("▫️ ☀️ Day shift: Wang")
        assert "On duty: Wang" in sun.last_text
    li = desk.sim.user(8316, language_code="en")
    await register(li)
    with time_machine.travel(morning + timedelta(minutes=5), tick=False):
        await li.says("There is smoke coming from the bin room")
        await desk.deliver()
    assert told(wang, PAGE) == 1  # the supervisor on duty
    assert told(zhao, PAGE) == 0  # not on duty today
    assert told(security, PAGE) == 1  # nobody of security is rostered: all of it
    assert told(engineer, PAGE) == 1
    # The reverse: security rostered, no supervisor: every supervisor is paged.
    with time_machine.travel(morning + timedelta(minutes=10), tick=False):
        await sun.says("/duty")
        await sun.taps("✅ ☀️ Day shift: Wang")
        await sun.taps("▫️ ☀️ Day shift: Guard")
        assert "On duty: Guard" in sun.last_text
        await li.says("Now there is a gas leak in the stairwell")
        await desk.deliver()
    assert told(security, PAGE) == 2
    assert told(engineer, PAGE) == 2
    assert told(wang, PAGE) == 2
    assert told(zhao, PAGE) == 1

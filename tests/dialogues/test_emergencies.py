"""Emergencies (突发事件) through Telegram: anyone who types one — registered or not — is
told at once what to do and the hotline, the staff on duty of security and engineering and
the duty supervisor are paged again and again until one is on the way, and up the chain
when nobody answers; *Not an emergency* stops it all and leaves an ordinary complaint."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from bot.clock import utcnow
from tests.conftest import DeskHarness
from tests.dialogues.helpers import at, enroll, register, told
from tests.sim import Persona

PAGE = "EMERGENCY"


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
    assert told(stranger, "400-800-1234") == 1
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


async def test_not_an_emergency_stops_the_paging_and_files_a_complaint(
    desk: DeskHarness,
) -> None:
    crew = await _crew(desk)
    li = desk.sim.user(8392, language_code="en")
    await register(li)
    start = utcnow()
    await li.says("My gas bill is wrong this month")
    assert told(li, "400-800-1234") == 1  # the keyword "gas" misfired
    await desk.deliver()
    assert told(crew["security"], PAGE) == 1
    with time_machine.travel(start + timedelta(minutes=1), tick=False):
        await li.taps("Not an emergency")
        await desk.deliver()
    assert told(li, "it is not an emergency") == 1
    assert told(crew["security"], "Stand down") == 1
    assert told(crew["supervisor"], "Stand down") == 1
    assert await desk.scalar("select kind || ':' || category from tickets") == (
        "complaint:facilities"
    )
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


async def test_an_emergency_chosen_under_a_free_message_is_answered_and_paged(
    desk: DeskHarness,
) -> None:
    crew = await _crew(desk)
    li = desk.sim.user(8393, language_code="en")
    await register(li)
    await li.says("Please come quickly, my neighbour cannot get out")
    assert "🚨 Emergency" in li.buttons()  # no keyword matched: the resident chooses
    await li.taps("🚨 Emergency")
    assert "Which emergency is it?" in li.last_text
    await li.taps("Someone trapped in a lift")
    # At once: what to do now and the hotline, filed as its own kind, the staff paged.
    assert told(li, "Press the lift's alarm button") == 1
    assert told(li, "400-800-1234") == 1
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
    await li.taps("📝 投诉")
    await li.taps("🚨 紧急情况")
    await li.taps("电梯困人")
    assert told(li, "400-800-1234") == 1
    assert await desk.scalar("select kind || ':' || category from tickets") == "emergency:lift"
    await desk.deliver()
    assert told(crew["security"], PAGE) == 1
    assert told(crew["supervisor"], PAGE) == 1
    # The form was left: no complaint question is waiting for an answer.
    assert await desk.scalar("select count(*) from dialogues") == 0

"""/new for every kind residents file: a phoned-in repair with its visit, warranty and
follow-up; an order taken at the desk through its steps; and the desk's tasks for people
only the desk can answer: a call (a phone caller, someone not registered) or a written
reply (a letter)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import utcnow
from tests.conftest import DeskHarness
from tests.dialogues.helpers import at, enroll, register, told
from tests.sim import Persona

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _day_label(days: int) -> str:
    """A day button's label, as the bot writes it in English ("Thu, Nov 26")."""
    day = (utcnow().astimezone(SHANGHAI) + timedelta(days=days)).date()
    return f"{day:%a}, {day:%b} {day.day}"


async def _new(agent: Persona, channel: str, kind: str) -> None:
    await agent.says("/new")
    await agent.taps(channel)
    assert agent.buttons()[:4] == ["Complaint", "Repair", "Concierge order", "Suggestion"]
    await agent.taps(kind)


async def _reference(desk: DeskHarness, kind: str) -> str:
    return str(await desk.scalar(f"select reference from tickets where kind = '{kind}'"))


async def test_a_phoned_in_repair_gets_its_visit_warranty_and_a_follow_up_call(
    desk: DeskHarness,
) -> None:
    agent = await enroll(desk, 8801, "Customer-service agent", "Customer service", "No zone")
    engineer = await enroll(desk, 8802, "Department staff", "Engineering", "B")
    li = desk.sim.user(8901, language_code="en")
    await register(li)
    await _new(agent, "Phone call", "Repair")
    await agent.says("3-1202")
    assert "Resident: Li Lei (Building 3 1202)" in agent.transcript[-2].body
    await agent.taps("🚰 Plumbing")
    await agent.says("The kitchen tap drips")  # the home is the resident's found by /new
    await agent.taps(f"{_day_label(1)} 09:00-12:00")
    await agent.taps("✏️ Edit a field")
    await agent.taps("Entry when nobody is home")
    await agent.taps("Yes")  # staff may enter if nobody is home
    await agent.taps("✅ Confirm")
    reference = await _reference(desk, "repair")
    assert f"Submitted as {reference}" in agent.transcript[-2].body
    assert reference.startswith("BX-")
    agent_id = await desk.scalar("select id from staff where telegram_user_id = 8801")
    row = "select channel || ':' || owner_staff_id || ':' || registered_by_staff_id"
    assert await desk.scalar(f"{row} || ':' || department from tickets") == (
        f"phone:{agent_id}:{agent_id}:engineering"
    )
    assert told(li, f"registered as <b>{reference}</b>") == 1  # on the bot: acknowledged
    assert told(engineer, reference) == 1

    # The visit, as for any repair: proposed on the card, agreed by the resident.
    await engineer.taps_on("📅 Schedule visit", reference)
    await engineer.taps(_day_label(1))
    await engineer.taps("14:00")
    await li.taps("👍 That suits me")
    assert told(engineer, "agreed to the visit time") == 1
    await engineer.taps_on("🔧 In progress", reference)
    await engineer.taps_on("✅ Done", reference)
    await engineer.says("Replaced the washer")
    await engineer.taps("Yes")  # under warranty
    done = utcnow()
    # Phoned in: the desk tells the result by phone, the bot does not.
    assert told(li, "the repair is done") == 0
    assert told(agent, "Li Lei (Building 3 1202) is answered by phone") == 1
    assert told(agent, "the repair is done: Replaced the washer") == 1
    assert told(agent, "Under warranty: there is nothing to pay") == 1
    assert "+86" not in agent.last_text  # the number is behind the logged 📞 Phone button
    looks = (
        "select count(*) from sensitive_views where what = 'name_unit' and ticket_id is not null"
    )
    assert await desk.scalar(looks) == 1  # the task names the resident: a logged view

    # The repair's follow-up window (plumbing: two days, asked at 10:00 on the day) reaches
    # the desk as a call.
    asked = datetime.combine(done.astimezone(SHANGHAI).date() + timedelta(days=2), time(10))
    await at(desk, asked.replace(tzinfo=SHANGHAI) + timedelta(minutes=5))
    assert told(li, "solved") == 0
    assert told(agent, "Follow-up due: please phone Li Lei (Building 3 1202)") == 1
    assert await desk.scalar("select status || ':' || followup from tickets") == (
        "resolved:no_response"
    )  # not closed until the call is recorded
    assert "A follow-up is owed" in agent.last_text
    await agent.taps("📞 Record the call")
    await agent.taps("Satisfied")
    assert await desk.scalar("select status || ':' || followup || ':' || solved from tickets") in (
        "closed:phoned:1",
        "closed:phoned:true",
    )
    assert await desk.scalar("select count(*) from ticket_events where kind = 'closed'") == 1


async def test_an_order_taken_at_the_desk_goes_through_its_steps(desk: DeskHarness) -> None:
    agent = await enroll(desk, 8811, "Customer-service agent", "Customer service", "No zone")
    cleaner = await enroll(desk, 8812, "Department staff", "Environment", "B")
    li = desk.sim.user(8911, language_code="en")
    await register(li)
    await _new(agent, "In person", "Concierge order")
    assert "Caller is not registered" not in agent.buttons()  # the resident signs an order
    await agent.says("3-1202")
    await agent.taps("Home cleaning")
    await agent.says("3")
    await agent.says("Living room and kitchen")
    await agent.taps(f"{_day_label(2)[:3]} 10:00")  # one tap: a day's usual hour
    assert "Home cleaning" in agent.last_text
    await agent.taps("✍️ Sign · Cash")
    reference = await _reference(desk, "concierge")
    assert f"Submitted as {reference}" in agent.transcript[-2].body
    assert "✅ Confirm & prepayment" in agent.buttons()  # the new order's card, to work on
    agent_id = await desk.scalar("select id from staff where telegram_user_id = 8811")
    assert await desk.scalar("select channel || ':' || owner_staff_id from tickets") == (
        f"visit:{agent_id}"
    )
    assert await desk.scalar("select actor_kind from ticket_events where kind = 'created'") == (
        "staff"
    )
    assert told(li, f"Your order <b>{reference}</b> is with our concierge") == 1
    assert told(cleaner, reference) == 1

    # Worked step by step; the resident (on the bot) hears each one.
    await cleaner.taps_on("✅ Confirm", reference)  # paid afterwards: nothing to enter
    assert told(li, "your order is confirmed") == 1
    await cleaner.taps_on("🛒 Ordered", reference)
    await cleaner.says("Our own cleaning team")
    await cleaner.says("CL-17")
    assert told(li, "placed your order with the supplier") == 1
    await cleaner.taps_on("🚚 Out for delivery", reference)
    assert told(li, "Your order is on its way") == 1
    await cleaner.taps_on("📦 Delivered", reference)
    await cleaner.says("Li Lei")
    assert told(li, "Delivered and signed for by Li Lei") == 1
    await cleaner.taps_on("🧾 Settle", reference)
    await cleaner.says("180")
    await cleaner.taps("No")  # no invoice
    assert told(li, "Settled: final amount ¥180.00") == 1  # on the bot: told by the bot
    assert told(agent, "is answered by phone") == 0
    assert await desk.scalar("select stage || ':' || status from tickets") == "settled:resolved"


async def test_an_order_needs_a_registered_resident(desk: DeskHarness) -> None:
    agent = await enroll(desk, 8821, "Customer-service agent", "Customer service", "No zone")
    await _new(agent, "Phone call", "Concierge order")
    await agent.says("1-1202")  # nobody lives there yet
    assert "cannot be taken for a caller" in agent.last_text
    assert "Caller's name?" not in agent.last_text
    await agent.says("hello")  # the form is over: nothing is asked any more
    assert await desk.scalar("select count(*) from tickets") == 0


async def test_a_callers_complaint_resolved_becomes_the_desks_call(desk: DeskHarness) -> None:
    agent = await enroll(desk, 8831, "Customer-service agent", "Customer service", "A")
    await _new(agent, "In person", "Complaint")
    await agent.taps("Caller is not registered")
    await agent.says("Mr Huang")
    await agent.says("13912345678")
    await agent.taps("Cleaning and environment")
    await agent.says("Rubbish piling up by the east gate")
    await agent.says("East gate")
    await agent.taps("Confirm")
    reference = await _reference(desk, "complaint")
    await agent.taps_on("✔️ Resolve", reference)
    await agent.says("Cleared, and the bins are now emptied twice a day")
    resolved = utcnow()
    # Nobody on the bot to tell: the first-ask owner is asked to phone, with the words.
    assert told(agent, "Mr Huang is answered by phone: please call them with the result") == 1
    assert told(agent, "Your request is resolved: Cleared, and the bins") == 1
    assert await desk.scalar("select status from tickets") == "resolved"
    # The follow-up is the desk's call too; not satisfied reopens it, as an answer would.
    await at(desk, resolved + timedelta(days=1, hours=12))
    assert told(agent, "Follow-up due: please phone Mr Huang") == 1
    await agent.taps_on("📞 Record the call", "Follow-up due")
    await agent.taps("Not satisfied: reopen")
    assert await desk.scalar("select status || ':' || reopen_count from tickets") == "reopened:1"


async def test_a_letters_result_and_follow_up_are_the_desks_written_replies(
    desk: DeskHarness,
) -> None:
    agent = await enroll(desk, 8841, "Customer-service agent", "Customer service", "B")
    li = desk.sim.user(8941, language_code="en")
    await register(li)  # on the bot, but wrote a letter: answered the way they came
    await _new(agent, "Letter / fax", "Complaint")
    await agent.says("3-1202")
    assert "Resident: Li Lei (Building 3 1202)" in agent.transcript[-2].body
    await agent.taps("Cleaning and environment")
    await agent.says("Leaves block the drain by the east gate")
    await agent.says("East gate")
    await agent.taps("Confirm")
    reference = await _reference(desk, "complaint")
    assert f"Submitted as {reference}" in "\n".join(m.body for m in agent.transcript[-3:])
    assert await desk.scalar("select channel from tickets") == "letter"
    await agent.taps_on("✔️ Resolve", reference)
    await agent.says("The drain is cleared")
    resolved = utcnow()
    # The result is the desk's written reply, with the words the resident would have read.
    assert told(agent, "Li Lei (Building 3 1202) is answered in writing") == 1
    assert told(agent, "Your request is resolved: The drain is cleared") == 1
    assert told(li, "The drain is cleared") == 0
    assert told(agent, "is answered by phone") == 0
    # The follow-up is a letter too; the item stays resolved until the reply is recorded.
    await at(desk, resolved + timedelta(days=1, hours=12))
    assert told(agent, "Follow-up due: please write to Li Lei (Building 3 1202)") == 1
    assert told(li, "solved") == 0
    assert "write to the resident and record their answer" in agent.last_text
    assert "✉️ Record the reply" in agent.buttons()
    assert "📞 Record the call" not in agent.buttons()
    await at(desk, resolved + timedelta(days=7))  # nothing closes it silently
    assert await desk.scalar("select status || ':' || followup from tickets") == (
        "resolved:no_response"
    )
    await agent.taps_on("✉️ Record the reply", "Follow-up due")
    assert "How did the follow-up go?" in agent.last_text  # not a call: a letter
    await agent.taps("Satisfied")
    assert await desk.scalar("select status || ':' || followup || ':' || solved from tickets") in (
        "closed:phoned:1",
        "closed:phoned:true",
    )
    assert await desk.scalar("select count(*) from ticket_events where kind = 'closed'") == 1

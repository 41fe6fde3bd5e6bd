"""House rules the desk used to get backwards, through Telegram: a major result is checked
by the customer-service manager (the senior butler) before the resident hears it, whoever
produced it; every major complaint gets an in-person visit, satisfied or not; "can't
judge" goes to the senior butler; out-of-scope items get the desk's liaison with the
utility instead of a follow-up; suggestions reach the senior butler, who records whether
they are adopted."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from bot.clock import utcnow
from tests.conftest import DeskHarness
from tests.dialogues.helpers import at, enroll, fill_complaint, register, told

_SHANGHAI = ZoneInfo("Asia/Shanghai")


def _next_morning(moment: datetime) -> datetime:
    local = moment.astimezone(_SHANGHAI) + timedelta(days=1)
    return local.replace(hour=10, minute=1, second=0, microsecond=0)


async def test_a_major_result_is_checked_by_the_senior_butler_and_visited_whatever_the_rating(
    desk: DeskHarness,
) -> None:
    butler = await enroll(desk, 8801, "Butler", "Customer service", "B")
    senior = await enroll(desk, 8802, "Senior butler", "Customer service", "No zone")
    chief = await enroll(desk, 8803, "Chief butler", "Customer service", "No zone")
    li = desk.sim.user(8901, language_code="en")
    await register(li)
    await fill_complaint(li, "Water damage from the roof, again")
    await li.taps("Confirm")
    await butler.taps("🏷 Classify")
    await butler.taps("Valid")
    await butler.taps("Major")
    # The owner's own result does not reach the resident: the senior butler checks it.
    await butler.taps("✔️ Resolve")
    await butler.says("Roof patched")
    assert await desk.scalar("select status from tickets") == "review"
    assert "for you to check before the resident hears it: Roof patched" in senior.last_text
    assert told(li, "Roof patched") == 0
    await senior.taps("↩️ Send back")
    await senior.says("Patch is not enough: replace the membrane")
    # The chief butler's result is checked too; the owner may not wave it through.
    await chief.taps_on("✔️ Resolve", "replace the membrane")
    await chief.says("Membrane replaced, ceiling repainted")
    assert "to check before the resident hears it" in butler.last_text
    assert "👍 Accept result" not in butler.buttons()
    assert told(li, "Membrane replaced") == 0
    await senior.taps_on("👍 Accept result", "Membrane replaced")
    assert "Your request is resolved: Membrane replaced, ceiling repainted" in li.last_text
    resolved = utcnow()
    # The in-person visit comes with the result, before anyone knows the rating.
    assert told(senior, "In-person follow-up visit") == 1
    visit_due = await desk.scalar("select resolve_due_at from tickets where kind = 'visit'")
    assert visit_due is not None
    await at(desk, _next_morning(resolved))
    with time_machine.travel(_next_morning(resolved), tick=False):
        await li.taps("👍 Yes, solved")
        await li.taps("5 ★")
    assert await desk.scalar("select status from tickets where kind = 'complaint'") == "closed"
    assert await desk.scalar("select count(*) from tickets where kind = 'visit'") == 1


async def test_cannot_judge_goes_to_the_senior_butler(desk: DeskHarness) -> None:
    agent = await enroll(desk, 8811, "Customer-service agent", "Customer service", "No zone")
    supervisor = await enroll(desk, 8812, "Duty supervisor", "Customer service", "B")
    senior = await enroll(desk, 8813, "Senior butler", "Customer service", "No zone")
    li = desk.sim.user(8911, language_code="en")
    await register(li)
    await fill_complaint(li)
    await li.taps("Confirm")
    await agent.taps("✅ Accept")
    await agent.taps("🏷 Classify")
    await agent.taps("❓ Can't judge: ask the customer-service manager")
    assert "cannot judge this item's nature" in senior.last_text
    assert told(supervisor, "cannot judge") == 0
    await senior.taps("🏷 Classify")
    await senior.taps("Valid")
    await senior.taps("General")
    assert await desk.scalar("select nature from tickets") == "valid"


async def test_out_of_scope_gets_the_desks_liaison_not_a_follow_up(desk: DeskHarness) -> None:
    butler = await enroll(desk, 8821, "Butler", "Customer service", "B")
    li = desk.sim.user(8921, language_code="en")
    await register(li)
    await fill_complaint(li, "No water in the whole building")
    await li.taps("Confirm")
    await butler.taps("🏷 Classify")
    await butler.taps("Out of scope (not ours)")
    await butler.taps("General")
    await butler.says("A city water main burst; the water company is repairing it.")
    classified = utcnow()
    assert "the water company is repairing it" in li.last_text
    await butler.taps("📞 Utility contact")
    await butler.says("City water hotline 96116, Ms Wang")
    await butler.taps("Just now")
    await butler.says("Crew on site, water back by 18:00")
    assert "We contacted City water hotline 96116, Ms Wang" in li.last_text
    assert "Crew on site, water back by 18:00" in li.last_text
    contacts = await desk.column("select contacted || '|' || said from utility_contacts")
    assert contacts == ["City water hotline 96116, Ms Wang|Crew on site, water back by 18:00"]
    # Another company's work: nobody asks the resident whether it was solved.
    await at(desk, _next_morning(classified) + timedelta(days=3))
    assert told(li, "Was it solved?") == 0
    # What the resident writes reaches the desk, which records its liaison, not a reopening.
    result = next(m for m in reversed(li.transcript) if "We contacted" in m.body)
    await li.replies_to(result, "Still no water at 19:00")
    assert "Still no water" in butler.last_text
    assert "🔁 Reopen" not in butler.buttons()
    assert "📞 Utility contact" in butler.buttons()
    assert await desk.scalar("select status || ':' || reopen_count from tickets") == ("resolved:0")


async def test_a_suggestion_reaches_the_senior_butler_who_records_its_adoption(
    desk: DeskHarness,
) -> None:
    await enroll(desk, 8831, "Butler", "Customer service", "B")
    senior = await enroll(desk, 8832, "Senior butler", "Customer service", "No zone")
    # The department the suggestion is routed to (customer service): it has the card too.
    crew = await enroll(desk, 8833, "Department staff", "Customer service", "B")
    li = desk.sim.user(8931, language_code="en")
    await register(li)
    await li.taps("💡 Suggestion")
    await li.says("Please add more benches by the pond.")
    await li.taps("Confirm")
    assert "A new suggestion" in senior.last_text
    assert "New item for Customer service" in crew.last_text
    assert "Please add more benches by the pond." in crew.last_text
    assert "👍 Adopt" not in crew.buttons()  # the desk decides, the department works on it
    await senior.taps("👎 Not adopted")
    await senior.says("The pond edge is a fire lane; we will add benches by the playground")
    assert "cannot adopt it this time: The pond edge is a fire lane" in li.last_text
    assert await desk.scalar("select status from tickets") == "resolved"
    adopted = await desk.scalar("select adopted from tickets")
    assert adopted in (False, 0)
    assert "👍 Adopt" not in senior.buttons()  # decided once

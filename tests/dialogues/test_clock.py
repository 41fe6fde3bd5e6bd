"""Promises kept by the machine, through Telegram, by moving the clock: reminders, the
escalation ladder, offering unaccepted items, waiting, extensions, escalation, the 30-day
upgrade, follow-up and reopening, and alarms that fire exactly once."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from bot.clock import utcnow
from bot.config import Settings
from tests.conftest import DeskHarness
from tests.dialogues.helpers import at, enroll, fill_complaint, register, told
from tests.sim import FakeBotAPI, Persona

_SHANGHAI = ZoneInfo("Asia/Shanghai")


async def file(desk: DeskHarness, li: Persona, text: str = "Lift stuck") -> datetime:
    await fill_complaint(li, text)
    filed = utcnow()
    await li.taps("Confirm")
    return filed


async def test_the_ladder_reminds_then_tells_each_rung_once(desk: DeskHarness) -> None:
    butler = await enroll(desk, 8401, "Butler", "Customer service", "B")
    supervisor = await enroll(desk, 8402, "Duty supervisor", "Customer service", "B")
    senior = await enroll(desk, 8403, "Senior butler", "Customer service", "No zone")
    li = desk.sim.user(8501, language_code="en")
    await register(li)
    filed = await file(desk, li)
    await at(desk, filed + timedelta(minutes=47))
    assert told(butler, "Reminder: the resident should get a first answer") == 0
    await at(desk, filed + timedelta(minutes=49))  # 80 % of the hour
    assert told(butler, "Reminder: the resident should get a first answer") == 1
    await at(desk, filed + timedelta(minutes=61))
    assert told(supervisor, "Late: the first answer was due") == 1
    assert told(butler, "Late: the first answer was due") == 1  # the first-ask owner
    assert told(senior, "first answer") == 0
    await at(desk, filed + timedelta(minutes=121))
    assert told(senior, "Twice late: the first answer was due") == 1
    assert "✅ Accept" in senior.buttons()  # the message carries the item's one-tap actions
    assert await at(desk, filed + timedelta(minutes=125)) == 0  # nothing fires twice
    assert told(supervisor, "Late") == 1
    kinds = await desk.column("select note from ticket_events where kind = 'reminded'")
    assert kinds == ["answer_soon", "answer_late", "answer_late_2x"]


async def test_an_answer_in_time_stops_the_first_answer_ladder(desk: DeskHarness) -> None:
    butler = await enroll(desk, 8411, "Butler", "Customer service", "B")
    supervisor = await enroll(desk, 8412, "Duty supervisor", "Customer service", "B")
    li = desk.sim.user(8511, language_code="en")
    await register(li)
    filed = await file(desk, li)
    await butler.taps("💬 Reply")
    await butler.says("On our way")
    await at(desk, filed + timedelta(hours=3))
    assert told(butler, "first answer") == 0
    assert told(supervisor, "Late") == 0
    await at(desk, filed + timedelta(hours=40))  # 80 % of the two days to resolve
    assert told(butler, "Reminder: this should be resolved by") == 1
    await at(desk, filed + timedelta(hours=49))
    assert told(supervisor, "Late: this was due to be resolved") == 1


async def test_an_item_nobody_accepted_is_offered_to_the_department(desk: DeskHarness) -> None:
    butler = await enroll(desk, 8421, "Butler", "Customer service", "B")
    other = await enroll(desk, 8422, "Department staff", "Engineering", "A")
    li = desk.sim.user(8521, language_code="en")
    await register(li)
    filed = await file(desk, li)
    assert told(other, "Lift stuck") == 0  # zone A's engineer: not told at filing
    await at(desk, filed + timedelta(minutes=61))
    assert told(other, "Nobody accepted this in time") == 1
    assert told(butler, "now offered to everyone in Engineering") == 1  # the owner knows
    with time_machine.travel(filed + timedelta(minutes=62), tick=False):  # time goes on
        await other.taps("✅ Accept")
    other_id = await desk.scalar("select id from staff where telegram_user_id = 8422")
    assert await desk.scalar("select assignee_staff_id from tickets") == other_id
    assert told(butler, "Accepted by the staff member") == 1


async def test_the_residents_own_earlier_date_wins(desk: DeskHarness) -> None:
    await enroll(desk, 8431, "Butler", "Customer service", "B")
    li = desk.sim.user(8531, language_code="en")
    await register(li)
    await li.taps("📝 Complaint")
    await li.taps("Facilities (lifts, lights, water, power, A/C)")
    await li.says("Water heater broken")
    await li.taps("🏠 My home (Building 3 1202)")
    await li.taps("✏️ Edit a field")
    await li.taps("Solve-by date")
    await li.taps("Tomorrow")
    await li.taps("Confirm")
    due = await desk.scalar("select resolve_due_at from tickets")
    created = await desk.scalar("select created_at from tickets")
    assert isinstance(due, datetime | str)
    span = _as_dt(due) - _as_dt(created)
    assert span < timedelta(hours=48)  # the general promise is two days; they asked sooner


def _as_dt(value: object) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=utcnow().tzinfo)
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=utcnow().tzinfo)


async def test_important_is_handed_to_the_senior_butler_and_major_to_the_chief(
    desk: DeskHarness,
) -> None:
    butler = await enroll(desk, 8441, "Butler", "Customer service", "B")
    senior = await enroll(desk, 8442, "Senior butler", "Customer service", "No zone")
    chief = await enroll(desk, 8443, "Chief butler", "Customer service", "No zone")
    head = await enroll(desk, 8444, "Project head", "Customer service", "No zone")
    li = desk.sim.user(8541, language_code="en")
    await register(li)
    await file(desk, li)
    await butler.taps("🏷 Classify")
    await butler.taps("Valid")
    await butler.taps("Important")
    assert "handed to you to handle on site" in senior.last_text
    assert "Important complaint" in chief.last_text
    senior_id = await desk.scalar("select id from staff where telegram_user_id = 8442")
    assert await desk.scalar("select assignee_staff_id from tickets") == senior_id
    await senior.taps("🏷 Classify")
    await senior.taps("Valid")
    await senior.taps("Major")
    assert "Major complaint, handed to you" in chief.last_text
    assert "Major complaint" in head.last_text
    chief_id = await desk.scalar("select id from staff where telegram_user_id = 8443")
    assert await desk.scalar("select assignee_staff_id from tickets") == chief_id


async def test_cannot_judge_without_a_senior_butler_asks_the_duty_supervisor(
    desk: DeskHarness,
) -> None:
    agent = await enroll(desk, 8451, "Customer-service agent", "Customer service", "No zone")
    supervisor = await enroll(desk, 8452, "Duty supervisor", "Customer service", "B")
    li = desk.sim.user(8551, language_code="en")
    await register(li)
    await file(desk, li)
    await agent.taps("✅ Accept")
    await agent.taps("🏷 Classify")
    await agent.taps("❓ Can't judge: ask the customer-service manager")
    assert "cannot judge this item's nature" in supervisor.last_text
    await supervisor.taps("🏷 Classify")
    await supervisor.taps("Communication")
    await supervisor.taps("General")
    assert await desk.scalar("select nature from tickets") == "communication"


async def test_waiting_pauses_the_resolve_clock_and_reminds_on_the_day(desk: DeskHarness) -> None:
    butler = await enroll(desk, 8461, "Butler", "Customer service", "B")
    li = desk.sim.user(8561, language_code="en")
    await register(li)
    filed = await file(desk, li)
    await butler.taps("✅ Accept")
    due_before = _as_dt(await desk.scalar("select resolve_due_at from tickets"))
    await butler.taps("⏸ Waiting")
    await butler.taps("Waiting for parts")
    await butler.taps(butler.buttons()[1])  # in 3 days
    assert "you will hear from us by" in li.last_text
    assert await desk.scalar("select status from tickets") == "waiting"
    await at(desk, filed + timedelta(hours=49))  # past the old resolve time: paused, silent
    assert told(butler, "Late") == 0
    day = await desk.scalar("select waiting_until from tickets")
    morning = datetime.fromisoformat(f"{day}T09:00:00+08:00")
    await at(desk, morning + timedelta(minutes=1))
    assert told(butler, "the resident was promised to hear from us") == 1
    with time_machine.travel(morning + timedelta(hours=1), tick=False):
        await butler.taps("▶️ Resume")
    due_after = _as_dt(await desk.scalar("select resolve_due_at from tickets"))
    waited = morning + timedelta(hours=1) - filed
    assert abs((due_after - due_before) - waited) < timedelta(minutes=1)  # time used is kept


async def test_more_time_only_when_the_approver_says_so(desk: DeskHarness) -> None:
    butler = await enroll(desk, 8471, "Butler", "Customer service", "B")
    senior = await enroll(desk, 8472, "Senior butler", "Customer service", "No zone")
    li = desk.sim.user(8571, language_code="en")
    await register(li)
    await file(desk, li)
    await butler.taps("✅ Accept")
    due = await desk.scalar("select resolve_due_at from tickets")
    await butler.taps("⏳ More time")
    await butler.taps(butler.buttons()[2])  # in 7 days
    await butler.says("Waiting for the lift company's engineer")
    assert "asks for more time" in senior.last_text
    assert await desk.scalar("select resolve_due_at from tickets") == due
    await senior.taps("✖️ Reject")
    assert "was refused" in butler.last_text
    assert await desk.scalar("select resolve_due_at from tickets") == due
    await butler.taps("⏳ More time")
    await butler.taps(butler.buttons()[2])
    await butler.says("Still waiting for the engineer")
    await senior.taps("✅ Approve")
    assert "More time approved" in butler.last_text
    assert "will resolve your request by" in li.last_text
    assert _as_dt(await desk.scalar("select resolve_due_at from tickets")) > _as_dt(due)
    await senior.taps_data(senior.transcript[-1].inline_buttons()[0]["callback_data"])
    # a second decision on the same request changes nothing (the buttons are gone anyway)
    assert await desk.scalar("select count(*) from extensions where status = 'approved'") == 1


async def test_escalation_up_the_chain_and_the_decision(desk: DeskHarness) -> None:
    butler = await enroll(desk, 8481, "Butler", "Customer service", "B")
    senior = await enroll(desk, 8482, "Senior butler", "Customer service", "No zone")
    li = desk.sim.user(8581, language_code="en")
    await register(li)
    await file(desk, li)
    await butler.taps("✅ Accept")
    await butler.taps("⬆️ Escalate")
    await butler.says("Needs a budget decision")
    assert "Escalated to you by the butler: Needs a budget decision" in senior.last_text
    await senior.taps("↩️ Send back with instructions")
    await senior.says("Approve up to 500 yuan and go ahead")
    assert "Sent back to you with instructions: Approve up to 500" in butler.last_text
    await butler.taps("⬆️ Escalate")
    await butler.says("The resident wants the manager")
    await senior.taps("🙋 Take over")
    senior_id = await desk.scalar("select id from staff where telegram_user_id = 8482")
    assert await desk.scalar("select assignee_staff_id from tickets") == senior_id
    assert "has taken this over" in butler.last_text
    kinds = await desk.column(
        "select kind from ticket_events where kind in "
        "('escalated', 'returned', 'taken_over') order by id"
    )
    assert kinds == ["escalated", "returned", "escalated", "taken_over"]


async def test_a_resolved_item_is_no_longer_escalated_to_the_person_above(
    desk: DeskHarness,
) -> None:
    butler = await enroll(desk, 8483, "Butler", "Customer service", "B")
    senior = await enroll(desk, 8484, "Senior butler", "Customer service", "No zone")
    li = desk.sim.user(8583, language_code="en")
    await register(li)
    await file(desk, li)
    await butler.taps("✅ Accept")
    await butler.taps("⬆️ Escalate")
    await butler.says("Needs a budget decision")
    escalated = "Escalated: waiting for the decision of the person above"
    assert escalated in senior.last_text
    await butler.taps("✔️ Resolve")
    await butler.says("Lift repaired")
    assert "is resolved: Lift repaired" in li.last_text
    assert await desk.scalar("select escalated_to_staff_id from tickets") is None
    # The senior butler's card, tapped once more, is redrawn as the item stands: resolved,
    # with nothing left for them to decide.
    await senior.taps("🙋 Take over")
    assert "Resolved" in senior.last_text
    assert escalated not in senior.last_text
    reference = str(await desk.scalar("select reference from tickets"))
    await senior.says(f"/ticket {reference}")
    card = senior.transcript[-2].body
    assert reference in card
    assert escalated not in card


async def test_a_valid_complaint_open_a_month_becomes_major(desk: DeskHarness) -> None:
    butler = await enroll(desk, 8491, "Butler", "Customer service", "B")
    chief = await enroll(desk, 8492, "Chief butler", "Customer service", "No zone")
    head = await enroll(desk, 8493, "Project head", "Customer service", "No zone")
    li = desk.sim.user(8591, language_code="en")
    await register(li)
    filed = await file(desk, li)
    await butler.taps("✅ Accept")
    await at(desk, filed + timedelta(days=29))
    assert await desk.scalar("select severity from tickets") is None
    await at(desk, filed + timedelta(days=30, minutes=1))
    assert await desk.scalar("select severity from tickets") == "major"
    assert "Major complaint, handed to you" in chief.last_text or told(chief, "Major") >= 1
    assert told(head, "Major complaint") >= 1
    assert told(butler, "now a major complaint") == 1


async def _resolved(desk: DeskHarness, butler: Persona, li: Persona) -> datetime:
    await file(desk, li)
    await butler.taps("✅ Accept")
    await butler.taps("✔️ Resolve")
    await butler.says("Lift repaired")
    assert "is resolved: Lift repaired" in li.last_text
    return utcnow()


def _next_morning(moment: datetime) -> datetime:
    local = moment.astimezone(_SHANGHAI) + timedelta(days=1)
    return local.replace(hour=10, minute=1, second=0, microsecond=0)


async def test_follow_up_satisfied_closes(desk: DeskHarness) -> None:
    butler = await enroll(desk, 8601, "Butler", "Customer service", "B")
    li = desk.sim.user(8701, language_code="en")
    await register(li)
    resolved = await _resolved(desk, butler, li)
    await at(desk, _next_morning(resolved) - timedelta(minutes=5))
    assert told(li, "Was it solved?") == 0
    await at(desk, _next_morning(resolved))
    assert "Was it solved?" in li.last_text
    await li.taps("👍 Yes, solved")
    await li.taps("5 ★")
    assert "Thank you for your rating" in li.transcript[-2].body
    await li.says("Very quick, thank you")
    assert "Thank you for your feedback" in li.last_text
    assert await desk.scalar("select status || ':' || rating from tickets") == "closed:5"
    assert told(butler, "Very quick, thank you") == 1


async def test_follow_up_not_solved_reopens_with_new_promises(desk: DeskHarness) -> None:
    butler = await enroll(desk, 8611, "Butler", "Customer service", "B")
    supervisor = await enroll(desk, 8612, "Duty supervisor", "Customer service", "B")
    li = desk.sim.user(8711, language_code="en")
    await register(li)
    resolved = await _resolved(desk, butler, li)
    morning = _next_morning(resolved)
    await at(desk, morning)
    with time_machine.travel(morning + timedelta(minutes=5), tick=False):
        await li.taps("👎 No, not yet")
        await li.taps("3 ★")
        await li.taps("Skip")
    assert await desk.scalar("select status from tickets") == "reopened"
    assert told(butler, "Reopened") == 1
    assert told(supervisor, "Reopened") == 1
    due = _as_dt(await desk.scalar("select first_answer_due_at from tickets"))
    assert due - (morning + timedelta(minutes=5)) == timedelta(hours=1)  # a new promise
    assert "will get back to you by" in "\n".join(m.body for m in li.transcript)


async def test_a_low_rating_reopens_and_a_major_item_gets_a_visit(desk: DeskHarness) -> None:
    butler = await enroll(desk, 8621, "Butler", "Customer service", "B")
    senior = await enroll(desk, 8622, "Senior butler", "Customer service", "No zone")
    await enroll(desk, 8623, "Chief butler", "Customer service", "No zone")
    li = desk.sim.user(8721, language_code="en")
    await register(li)
    await file(desk, li)
    await butler.taps("🏷 Classify")
    await butler.taps("Valid")
    await butler.taps("Major")
    await butler.taps("✔️ Resolve")
    await butler.says("Compensated and repaired")
    await senior.taps("👍 Accept result")  # a major result: the senior butler checks it
    resolved = utcnow()
    await at(desk, _next_morning(resolved))
    with time_machine.travel(_next_morning(resolved), tick=False):
        await li.taps("👍 Yes, solved")
        await li.taps("1 ★")
    assert await desk.scalar("select status from tickets where kind = 'complaint'") == "reopened"
    assert "In-person follow-up visit" in senior.last_text
    assert await desk.scalar("select reference from tickets where kind = 'visit'") is not None


async def test_no_answer_reminds_then_closes_and_the_desk_phones(desk: DeskHarness) -> None:
    butler = await enroll(desk, 8631, "Butler", "Customer service", "B")
    li = desk.sim.user(8731, language_code="en")
    await register(li)
    resolved = await _resolved(desk, butler, li)
    asked = _next_morning(resolved)
    await at(desk, asked)
    await at(desk, asked + timedelta(hours=24, minutes=1))
    assert "A gentle reminder" in li.last_text
    await at(desk, asked + timedelta(hours=72, minutes=2))
    assert await desk.scalar("select status || ':' || followup from tickets") == (
        "closed:no_response"
    )
    assert "please phone them" in butler.last_text
    await butler.taps("📞 Record the call")
    await butler.taps("Not satisfied: reopen")
    assert await desk.scalar("select status from tickets") == "reopened"


async def test_a_reply_about_a_resolved_item_reopens_or_is_answered(desk: DeskHarness) -> None:
    butler = await enroll(desk, 8641, "Butler", "Customer service", "B")
    li = desk.sim.user(8741, language_code="en")
    await register(li)
    await _resolved(desk, butler, li)
    result = next(m for m in reversed(li.transcript) if "is resolved" in m.body)
    await li.replies_to(result, "It broke again this morning")
    assert "writes about this resolved item: It broke again" in butler.last_text
    assert "passed on" in li.last_text  # never a reply that goes nowhere
    await butler.taps("🔁 Reopen")
    assert await desk.scalar("select status from tickets") == "reopened"


async def test_after_the_reopen_window_a_new_complaint_is_offered(desk: DeskHarness) -> None:
    butler = await enroll(desk, 8651, "Butler", "Customer service", "B")
    li = desk.sim.user(8751, language_code="en")
    await register(li)
    resolved = await _resolved(desk, butler, li)
    result = next(m for m in reversed(li.transcript) if "is resolved" in m.body)
    with time_machine.travel(resolved + timedelta(days=8), tick=False):
        await li.replies_to(result, "Same problem again")
        assert "as a new complaint" in li.last_text
        await li.taps("📝 New complaint about it")
        assert "What is it about?" in li.last_text
        await li.taps("Facilities (lifts, lights, water, power, A/C)")
        await li.says("Same problem again")
        await li.says("Lobby")
        await li.taps("Confirm")
    descriptions = await desk.column("select description from tickets order by id")
    reference = await desk.scalar("select reference from tickets order by id limit 1")
    assert descriptions[-1] == f"[{reference}] Same problem again"


async def test_alarms_due_while_the_bot_was_down_fire_once_after_start(
    clock_settings: Settings,
) -> None:
    api = FakeBotAPI()
    async with DeskHarness(api, clock_settings) as first:
        butler = await enroll(first, 8661, "Butler", "Customer service", "B")
        li = first.sim.user(8761, language_code="en")
        await register(li)
        filed = await file(first, li)
    # Down for ten minutes around the 80 % mark and the deadline.
    async with DeskHarness(api, clock_settings) as second:
        assert await at(second, filed + timedelta(minutes=65)) == 2  # reminder and late
        assert await at(second, filed + timedelta(minutes=66)) == 0
    # The reminder's moment passed while it was down: the late card says it, once.
    assert told(butler, "Reminder: the resident should get a first answer") == 0
    assert told(butler, "Late: the first answer was due") == 1

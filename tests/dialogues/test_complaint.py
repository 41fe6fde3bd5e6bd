"""Filing complaints and suggestions: the full flow, edits, cancel, bad input, expiry."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import text

from bot.clock import utcnow
from scheduler.sweep import expire_idle_dialogues
from tests.conftest import DeskHarness
from tests.dialogues.helpers import file_complaint, register
from tests.sim import Persona

REFERENCE = re.compile(r"TS-\d{8}-\d{4}")


@pytest.fixture
async def li(harness: DeskHarness) -> Persona:
    person = harness.sim.user(2001, first_name="Li", language_code="en")
    await register(person)
    return person


async def test_a_complaint_takes_five_interactions(harness: DeskHarness, li: Persona) -> None:
    """Menu, category, what happened, where (home: one tap), Confirm. No photo question and
    no date question: the summary says by when we promise it, and either can be added."""
    li.actions = 0
    await li.taps("📝 Complaint")
    await li.taps("Facilities (lifts, lights, water, power, A/C)")
    await li.says("The corridor light is out.")
    assert "Tap your home, or type the place" in li.last_text
    assert li.buttons()[0] == "🏠 My home (Building 3 1202)"
    await li.taps("🏠 My home (Building 3 1202)")
    summary = li.last_text
    assert "Solve by:" in summary
    assert "(our promise)" in summary
    assert "Photos" not in summary
    await li.taps("Confirm")
    assert li.actions == 5
    assert await harness.scalar("select count(*) from tickets") == 1
    assert await harness.scalar("select requested_by from tickets") is None


async def test_a_complaint_in_chinese_takes_five_interactions(harness: DeskHarness) -> None:
    wang = harness.sim.user(2002, first_name="王芳", language_code="zh-hans")
    await register(wang, name="王芳", language="中文")
    wang.actions = 0
    await wang.taps("📝 投诉")
    await wang.taps(wang.buttons()[0])
    await wang.says("楼道灯不亮")
    await wang.says("3栋大堂")  # a common area, typed at once
    assert "地点：3栋大堂" in wang.last_text
    assert "我们的承诺" in wang.last_text
    await wang.taps("确认")
    assert wang.actions == 5
    assert await harness.scalar("select location_text from tickets") == "3栋大堂"


async def test_full_complaint_with_photos(harness: DeskHarness, li: Persona) -> None:
    """Photos at any step are kept; a date is set from the summary."""
    await li.taps("📝 Complaint")
    assert "What is it about?" in li.last_text
    await li.taps("Facilities (lifts, lights, water, power, A/C)")
    await li.says("Water is leaking from the ceiling of my bathroom.")
    first = await li.sends_photo()
    assert "Photo 1/5 added" in li.last_text
    await li.taps("🏠 My home (Building 3 1202)")  # the buttons above still work
    second = await li.sends_photo()  # on the summary: shown again with the count
    assert "Photos: 2" in li.last_text
    await li.taps("✏️ Edit a field")
    await li.taps("Solve-by date")
    await li.taps("Within 3 days")
    summary = li.last_text
    assert "Photos: 2" in summary
    assert "Place: Building 3 1202" in summary
    assert "Water is leaking" in summary
    assert "(our promise)" not in summary
    await li.taps("Confirm")
    texts = [m.text or "" for m in li.replies]
    assert any("Submitted as TS-" in t for t in texts)
    ack = li.last_text
    assert "Thank you, Li Lei" in ack
    reference = REFERENCE.search(ack)
    assert reference is not None
    assert "within 1 hour, by" in ack

    row_ref = await harness.scalar("select reference from tickets")
    assert row_ref == reference.group(0)
    assert await harness.scalar("select count(*) from ticket_attachments") == 2
    files = await harness.column("select file_id from ticket_attachments order by id")
    assert files == [first, second]
    assert await harness.scalar("select category from tickets") == "facilities"
    assert await harness.scalar("select location_kind from tickets") == "own_unit"
    assert await harness.scalar("select requested_by from tickets") is not None
    assert await harness.scalar("select count(*) from ticket_events") == 1
    assert await harness.scalar("select status from outbox") == "sent"
    assert await harness.scalar("select count(*) from dialogues") == 0


async def test_photo_with_caption_counts_as_description(harness: DeskHarness, li: Persona) -> None:
    await li.taps("📝 Complaint")
    await li.taps("Security")
    await li.sends_photo(caption="Broken gate lock at the north entrance")
    assert "Where is it?" in li.last_text
    await li.says("North gate")
    assert "Broken gate lock" in li.last_text
    assert "Photos: 1" in li.last_text
    assert "Place: North gate" in li.last_text
    await li.taps("Confirm")
    assert await harness.scalar("select location_text from tickets") == "North gate"


async def test_references_are_sequential_per_day(harness: DeskHarness, li: Persona) -> None:
    await file_complaint(li, "first")
    await file_complaint(li, "second")
    refs = [m.text for m in li.transcript if m.text and "registered as" in m.text]
    numbers = [REFERENCE.search(t or "").group(0) for t in refs]  # type: ignore[union-attr]
    assert [n[-4:] for n in numbers] == ["0001", "0002"]


async def test_suggestion_is_a_shorter_flow(harness: DeskHarness, li: Persona) -> None:
    await li.taps("💡 Suggestion")
    await li.says("Please add more benches by the pond.")
    assert "Please check your suggestion" in li.last_text
    assert "Category" not in li.last_text
    await li.taps("Confirm")
    assert "Thank you for your suggestion" in li.last_text
    assert re.search(r"JY-\d{8}-0001", li.last_text)
    assert await harness.scalar("select kind from tickets") == "suggestion"


async def test_edit_a_field_from_the_summary(harness: DeskHarness, li: Persona) -> None:
    await li.taps("📝 Complaint")
    await li.taps("Fees")
    await li.says("Charged twice for parking")
    await li.taps("🏠 My home (Building 3 1202)")
    await li.taps("✏️ Edit a field")
    await li.taps("Description")
    await li.says("Charged twice for parking in October")
    assert "Please check your complaint" in li.last_text
    assert "in October" in li.last_text
    await li.taps("✏️ Edit a field")
    await li.taps("Place")
    await li.says("Underground car park B2")
    assert "Place: Underground car park B2" in li.last_text
    await li.taps("✏️ Edit a field")
    await li.taps("Category")
    await li.taps("Other")
    assert "Category: Other" in li.last_text
    await li.taps("Confirm")
    assert await harness.scalar("select description from tickets") == (
        "Charged twice for parking in October"
    )
    assert await harness.scalar("select category from tickets") == "other"


STEPS_TO_CANCEL_AT = [
    [],
    ["tap:Facilities (lifts, lights, water, power, A/C)"],
    ["tap:Facilities (lifts, lights, water, power, A/C)", "say:Lift broken"],
    [
        "tap:Facilities (lifts, lights, water, power, A/C)",
        "say:Lift broken",
        "say:Lobby",
    ],
    [
        "tap:Facilities (lifts, lights, water, power, A/C)",
        "say:Lift broken",
        "say:Lobby",
        "tap:✏️ Edit a field",
        "tap:Solve-by date",
    ],
]


@pytest.mark.parametrize("steps", STEPS_TO_CANCEL_AT, ids=lambda s: f"after-{len(s)}-steps")
async def test_cancel_at_every_step_stores_nothing(
    harness: DeskHarness, li: Persona, steps: list[str]
) -> None:
    await li.taps("📝 Complaint")
    for step in steps:
        action, _, value = step.partition(":")
        await (li.taps(value) if action == "tap" else li.says(value))
    await li.says("/cancel")
    assert "nothing you entered was stored" in li.last_text
    assert await harness.scalar("select count(*) from tickets") == 0
    assert await harness.scalar("select count(*) from dialogues") == 0


async def test_cancel_button_on_the_summary(harness: DeskHarness, li: Persona) -> None:
    await li.taps("💡 Suggestion")
    await li.says("Idea")
    await li.taps("✖️ Cancel")
    assert "nothing you entered was stored" in li.last_text
    assert await harness.scalar("select count(*) from tickets") == 0


async def test_bad_input_reprompts_politely(harness: DeskHarness, li: Persona) -> None:
    await li.taps("📝 Complaint")
    await li.says("the lift")  # text where a button is expected
    assert li.replies[0].text == "Please choose with the buttons below."
    assert "What is it about?" in li.last_text
    await li.taps("Environment") if "Environment" in li.buttons() else None
    await li.taps("Cleaning and environment")
    await li.sends_sticker()
    assert "needs a text answer" in li.replies[0].text
    await li.says("x" * 2001)
    assert "too long (2001 characters)" in li.replies[0].text
    await li.says("/weird")
    assert "don't know that command" in li.replies[0].text
    assert "describe what happened" in li.last_text
    await li.says("/menu")  # mid-dialogue (a menu tap leaves it: test_offers_that_hold)
    assert "complaint" in li.replies[0].text  # reminded of the form …
    assert "describe what happened" in li.last_text  # … and asked the step again
    await li.says("Rubbish not collected for 3 days")
    await li.sends_location()
    assert "buttons below" in li.replies[0].text
    await li.taps("🏠 My home (Building 3 1202)")
    await li.says("here is text where a button is expected")
    assert li.replies[0].text == "Please choose with the buttons below."
    await li.taps("✏️ Edit a field")
    await li.taps("Solve-by date")
    await li.says("2020-01-01")
    assert "That date has passed" in li.replies[0].text
    await li.says("someday")
    assert "couldn't read that date" in li.replies[0].text
    await li.says("/help")
    assert "estate service desk" in li.replies[0].text
    assert "by which you need it solved" in li.last_text
    await li.taps("Tomorrow")
    await li.taps("Confirm")
    assert await harness.scalar("select count(*) from tickets") == 1


async def test_stale_buttons_are_refused_and_change_nothing(
    harness: DeskHarness, li: Persona
) -> None:
    await li.taps("📝 Complaint")
    category_prompt = li.transcript[-1]
    await li.taps("Fees")
    await li.taps_data("d:complaint:category:security", message=category_prompt)
    assert harness.api.callback_answers
    answer = list(harness.api.callback_answers.values())[-1]
    assert "no longer active" in str(answer.get("text"))
    assert "describe what happened" in li.last_text
    await li.taps_data("something-forged")
    answer = list(harness.api.callback_answers.values())[-1]
    assert "no longer active" in str(answer.get("text"))
    await li.says("/cancel")
    await li.taps_data("d:complaint:category:fees", message=category_prompt)
    answer = list(harness.api.callback_answers.values())[-1]
    assert "no longer active" in str(answer.get("text"))
    assert await harness.scalar("select count(*) from dialogues") == 0


async def test_idle_dialogue_expires_with_a_friendly_note(
    harness: DeskHarness, li: Persona
) -> None:
    await li.taps("📝 Complaint")
    await li.taps("Fees")
    with time_machine.travel(utcnow() + timedelta(minutes=29), tick=False):
        assert await expire_idle_dialogues(harness.desk) == 0
    with time_machine.travel(utcnow() + timedelta(minutes=31), tick=False):
        assert await expire_idle_dialogues(harness.desk) == 1
        await harness.deliver()
        assert "left idle for 30 minutes" in li.last_text
        assert await harness.scalar("select count(*) from dialogues") == 0
        await li.says("Water leak")
        assert "Shall we file it for you?" in li.last_text  # offered anew, never refused


async def test_expired_dialogue_is_explained_on_next_message(
    harness: DeskHarness, li: Persona
) -> None:
    await li.taps("📝 Complaint")
    with time_machine.travel(utcnow() + timedelta(hours=2), tick=False):
        await li.taps("Fees")
        texts = [m.text or "" for m in li.replies]
        assert any("left idle for 30 minutes" in t for t in texts)
        assert await harness.scalar("select count(*) from dialogues") == 0


async def test_a_form_forged_in_storage_is_refused_politely(
    harness: DeskHarness, li: Persona
) -> None:
    """The answers are checked again where they are filed: a category the policy does not
    know (a forged or stale form) files nothing and says so."""
    await li.taps("📝 Complaint")
    await li.taps("Fees")
    await li.says("Charged twice for parking")
    await li.taps("🏠 My home (Building 3 1202)")
    data = "data" if harness.desk.engine.dialect.name == "sqlite" else "cast(data as text)"
    forged = f"replace({data}, '\"fees\"', '\"x\"')"
    if harness.desk.engine.dialect.name != "sqlite":
        forged = f"cast({forged} as json)"
    async with harness.desk.engine.begin() as conn:
        await conn.execute(text(f"update dialogues set data = {forged}"))
    await li.taps("Confirm")
    assert "This form has changed since you began it" in li.last_text
    assert await harness.scalar("select count(*) from tickets") == 0
    assert await harness.scalar("select count(*) from dialogues") == 0

"""Restart safety, and *My requests* showing each resident only their own items."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import utcnow
from bot.config import Settings
from storage.uow import UnitOfWork
from tests.conftest import DeskHarness
from tests.dialogues.helpers import file_complaint, register
from tests.sim import FakeBotAPI


async def test_restart_mid_dialogue_resumes_at_the_same_step(migrated: Settings) -> None:
    api = FakeBotAPI()
    async with DeskHarness(api, migrated) as first:
        li = first.sim.user(3001, language_code="en")
        await register(li)
        await li.taps("📝 Complaint")
        await li.taps("Neighbours / noise")
        await li.says("Loud drilling every night after 11pm")
        await li.sends_photo()
    # The process is gone; a new Application on the same database and the same chat.
    async with DeskHarness(api, migrated) as second:
        li = second.sim.user(3001, language_code="en")
        await li.taps("🏠 My home")  # the button of the message sent before the restart
        await li.taps("✏️ Edit a field")
        await li.taps("Place")
        await li.says("Building 2, 14th floor")
        assert "Loud drilling" in li.last_text
        assert "Photos: 1" in li.last_text
        await li.taps("Confirm")
        assert await second.scalar("select count(*) from tickets") == 1
        assert await second.scalar("select count(*) from ticket_attachments") == 1


async def test_restart_during_onboarding_keeps_what_was_typed(migrated: Settings) -> None:
    api = FakeBotAPI()
    async with DeskHarness(api, migrated) as first:
        wang = first.sim.user(3002, language_code="zh-hans")
        await wang.says("/start")
        await wang.says("13800138000")
        await wang.says("王芳")
    async with DeskHarness(api, migrated) as second:
        wang = second.sim.user(3002, language_code="zh-hans")
        await wang.says("2-501")
        assert "姓名：王芳" in wang.last_text
        await wang.taps("确认")
        assert await second.scalar("select name from residents") == "王芳"


async def test_my_requests_lists_own_items_and_timeline_only(harness: DeskHarness) -> None:
    li = harness.sim.user(3003, language_code="en")
    wang = harness.sim.user(3004, language_code="en")
    await register(li, name="Li Lei")
    await register(wang, name="Wang Fang", building="Villas", floor="", unit="V01")
    await file_complaint(li, "Lift stuck")
    await file_complaint(wang, "Broken lamp")
    await file_complaint(wang, "Noisy pump")

    await li.taps("📋 My requests")
    assert "1 in all" in li.last_text
    assert len([b for b in li.buttons() if b.startswith("TS-")]) == 1
    await li.taps("TS-")
    detail = li.last_text
    assert "Lift stuck" in detail
    assert "Received, waiting to be accepted" in detail
    assert "Timeline" in detail
    await li.taps("« Back")
    assert "1 in all" in li.last_text

    await wang.taps("📋 My requests")
    assert "2 in all" in wang.last_text
    assert "Lift stuck" not in wang.last_text

    li_ticket = await harness.scalar(
        "select t.id from tickets t join residents r on r.id = t.resident_id "
        "where r.telegram_user_id = 3003"
    )
    await wang.taps_data(f"rq:i:{li_ticket}")
    answer = list(harness.api.callback_answers.values())[-1]
    assert "could not be found" in str(answer.get("text"))
    assert "Lift stuck" not in wang.last_text


async def test_my_requests_pages_and_empty_list(harness: DeskHarness) -> None:
    li = harness.sim.user(3005, language_code="en")
    await register(li)
    await li.taps("📋 My requests")
    assert "not filed anything yet" in li.last_text
    for n in range(9):
        await li.taps("💡 Suggestion")
        await li.says(f"Idea {n}")
        await li.taps("Confirm")
    await li.taps("📋 My requests")
    assert "9 in all, page 1/2" in li.last_text
    await li.taps("Next »")
    assert "page 2/2" in li.last_text
    assert len([b for b in li.buttons() if b.startswith("JY-")]) == 1


async def test_unregistered_and_unknown_input_outside_dialogues(harness: DeskHarness) -> None:
    li = harness.sim.user(3006, language_code="en")
    await li.says("/nonsense")
    assert "don't know that command" in li.last_text
    await register(li)
    await li.sends_sticker()
    assert "didn't catch that" in li.last_text
    await li.says("hello?")  # typed text is never refused: offered for filing
    assert "Shall we file it for you?" in li.last_text
    await li.taps("Not now")
    await li.says("/help")
    assert "estate service desk" in li.last_text
    await li.says("/cancel")
    assert "nothing to cancel" in li.last_text
    await li.says("/start")
    assert "good to see you again" in li.last_text


async def test_a_step_from_an_older_version_starts_afresh_politely(harness: DeskHarness) -> None:
    li = harness.sim.user(3007, language_code="en")
    await register(li)
    async with UnitOfWork(harness.desk.sessions) as uow:
        await uow.dialogues.save(
            user_id=3007,
            chat_id=3007,
            flow="cp",
            step="no-such-step",
            data={},
            language="en",
            now=utcnow(),
            idle=timedelta(minutes=30),
        )
        await uow.commit()
    await li.says("hello")
    assert "has to start again" in li.last_text
    assert await harness.scalar("select count(*) from dialogues") == 0
    await li.taps("📝 Complaint")
    assert "What is it about?" in li.last_text

"""First contact: greeting in Telegram's language, phone (and name) from the shared contact,
the home typed or picked, a summary with a button per field; and /profile edits."""

from __future__ import annotations

from tests.conftest import DeskHarness
from tests.dialogues.helpers import register


async def test_registering_in_english_takes_four_interactions(harness: DeskHarness) -> None:
    li = harness.sim.user(1001, first_name="Li Lei", language_code="en")
    await li.says("/start")
    assert "Hello and welcome" in li.transcript[0].body
    # The welcome carries the 24-hour hotline and the office, from the estate file.
    assert "24-hour hotline: <b>400-800-1234</b>" in li.transcript[0].body
    assert "Management office, ground floor of Building 1" in li.transcript[0].body
    assert li.transcript[0].inline_buttons()[0]["text"] == "中文"
    assert "contact phone" in li.last_text
    await li.taps("📱 Share my phone number")
    assert "Which building" in li.last_text  # the contact brought the name
    await li.says("3-1202")
    assert "Name: Li Lei" in li.last_text
    assert "Building 3 1202" in li.last_text
    assert "+8613800138000" in li.last_text
    assert li.buttons()[:4] == ["✅ Confirm", "✏️ Name", "✏️ Home", "✏️ Phone"]
    await li.taps("Confirm")
    assert "you are registered" in li.last_text
    assert "📝 Complaint" in li.buttons()
    assert li.actions == 4
    assert await harness.scalar("select count(*) from residents") == 1
    assert await harness.scalar("select name from residents") == "Li Lei"
    assert await harness.scalar("select phone from residents") == "+8613800138000"
    assert await harness.scalar("select count(*) from dialogues") == 0


async def test_registering_in_chinese_takes_four_interactions(harness: DeskHarness) -> None:
    wang = harness.sim.user(1002, first_name="王芳", language_code="zh-hans")
    await wang.says("/start")
    assert "您好" in wang.transcript[0].body
    assert "24小时服务热线：<b>400-800-1234</b>" in wang.transcript[0].body
    assert wang.transcript[0].inline_buttons()[0]["text"] == "English"
    await wang.taps("📱")
    await wang.says("1栋1801")
    assert "房号：Building 1 1801" in wang.last_text
    await wang.taps("确认")
    assert "登记完成" in wang.last_text
    assert "📝 投诉" in wang.buttons()
    assert wang.actions == 4
    assert await harness.scalar("select language from residents") == "zh_Hans"
    assert await harness.scalar("select name from residents") == "王芳"


async def test_the_greeting_switches_the_language_in_one_tap(harness: DeskHarness) -> None:
    """Telegram said English; the resident reads Chinese. The greeting becomes Chinese, the
    question on screen is asked again in Chinese, and the rest goes on in it."""
    mei = harness.sim.user(1006, first_name="Mei", language_code="en")
    await mei.says("/start")
    await mei.taps("中文")
    assert "您好" in mei.transcript[0].body
    assert "24小时服务热线" in mei.transcript[0].body  # redrawn with the hotline
    assert mei.transcript[0].inline_buttons()[0]["text"] == "English"
    assert "联系电话" in mei.last_text
    await mei.says("13800138000")  # typed: no name on it
    assert "怎么称呼" in mei.last_text
    await mei.says("韩梅梅")
    await mei.says("3-1202")
    await mei.taps("English")  # the summary switches too, redrawn in place
    assert "Please check your details" in mei.last_text
    await mei.taps("Confirm")
    assert await harness.scalar("select language from residents") == "en"
    assert mei.actions == 7


async def test_the_summary_changes_one_field_and_comes_back(harness: DeskHarness) -> None:
    li = harness.sim.user(1007, first_name="Li", language_code="en")
    await li.says("/start")
    await li.shares_contact("+8613800138000", name="Li")
    await li.says("3-1202")
    await li.taps("✏️ Name")
    assert "type your name" in li.last_text
    await li.says("Li Lei")
    assert "Name: Li Lei" in li.last_text  # back at the summary, not on to the home
    await li.taps("✏️ Home")
    await li.taps("Villas")
    await li.taps("V03")
    assert "Villas V03" in li.last_text
    await li.taps("✏️ Phone")
    await li.says("13900139000")
    assert "+8613900139000" in li.last_text
    await li.taps("Confirm")
    assert await harness.scalar("select name from residents") == "Li Lei"
    assert await harness.scalar("select phone from residents") == "+8613900139000"


async def test_bad_input_during_onboarding_reprompts_at_the_same_step(
    harness: DeskHarness,
) -> None:
    li = harness.sim.user(1003, language_code="en")
    await li.shares_contact("+8613900139000", own=False)  # before /start: registers first
    await li.says("/start")
    await li.shares_contact("+8613900139000", own=False)
    assert "your own number" in li.replies[0].text
    await li.says("12345")
    assert "doesn't look right" in li.replies[0].text
    await li.sends_photo()
    assert "share your number, or type it" in li.replies[0].text
    await li.says("13900139000")
    await li.sends_sticker()
    assert "needs a text answer" in li.replies[0].text
    await li.says("x" * 41)
    assert "too long" in li.replies[0].text
    await li.says("Li Lei")
    await li.says("Building 99")
    assert "couldn't find that building" in li.replies[0].text
    await li.taps("Villas")
    await li.says("V99")
    assert "no such unit" in li.replies[0].text
    await li.taps("V03")
    assert "Villas V03" in li.last_text
    await li.says("yes")
    assert li.replies[0].text == "Please choose with the buttons below."
    await li.taps("Confirm")
    assert await harness.scalar("select name from residents") == "Li Lei"


async def test_profile_shows_and_edits_each_field(harness: DeskHarness) -> None:
    li = harness.sim.user(1004, language_code="en")
    await register(li)
    await li.says("/profile")
    assert "My profile" in li.last_text
    assert "Name: Li Lei" in li.last_text
    await li.taps("Change name")
    await li.says("Lei Li")
    assert "Name: Lei Li" in li.last_text
    await li.taps("Change phone")
    await li.says("+8613700137000")
    assert "+8613700137000" in li.last_text
    await li.taps("Change home")
    await li.taps("Villas")
    await li.taps("V02")
    assert "Villas V02" in li.last_text
    await li.taps("Language / 语言")
    await li.taps("中文")
    assert "我的资料" in li.last_text
    assert "📝 投诉" in li.buttons()
    assert await harness.scalar("select count(*) from residents") == 1
    assert await harness.scalar("select language from residents") == "zh_Hans"


async def test_cancel_onboarding_stores_nothing(harness: DeskHarness) -> None:
    li = harness.sim.user(1005, language_code="en")
    await li.says("/start")
    await li.says("13900139000")
    await li.says("/cancel")
    assert "Registration cancelled" in li.last_text
    assert await harness.scalar("select count(*) from residents") == 0
    assert await harness.scalar("select count(*) from dialogues") == 0
    await li.says("hello")
    assert "register first" in li.replies[0].text

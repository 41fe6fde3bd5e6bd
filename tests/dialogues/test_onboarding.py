"""First contact: language, name, unit, phone, confirmation, and /profile edits."""

from __future__ import annotations

from tests.conftest import DeskHarness
from tests.dialogues.helpers import register


async def test_onboarding_in_english_with_buttons_and_shared_contact(harness: DeskHarness) -> None:
    li = harness.sim.user(1001, first_name="Li", language_code="en")
    await li.says("/start")
    assert "choose a language" in li.last_text
    assert li.buttons() == ["中文", "English"]
    await li.taps("English")
    assert "type your name" in li.last_text
    await li.says("Li Lei")
    await li.taps("Building 3")
    await li.taps("12")
    await li.taps("1202")
    assert "contact phone" in li.last_text
    assert "📱 Share my phone number" in li.buttons()
    await li.shares_contact("8613800138000")
    assert "Name: Li Lei" in li.last_text
    assert "Building 3 1202" in li.last_text
    assert "+8613800138000" in li.last_text
    await li.taps("Confirm")
    assert "you are registered" in li.last_text
    assert "📝 Complaint" in li.buttons()
    assert await harness.scalar("select count(*) from residents") == 1
    assert await harness.scalar("select phone from residents") == "+8613800138000"
    assert await harness.scalar("select count(*) from dialogues") == 0


async def test_onboarding_in_chinese_from_language_code_with_typed_address(
    harness: DeskHarness,
) -> None:
    wang = harness.sim.user(1002, first_name="王", language_code="zh-hans")
    await wang.says("/start")
    assert "请选择语言" in wang.last_text.splitlines()[0]
    await wang.taps("中文")
    assert "怎么称呼" in wang.last_text
    await wang.says("王芳")
    await wang.says("1栋1801")
    assert "联系电话" in wang.last_text
    await wang.says("138 0013 8000")
    assert "房号：Building 1 1801" in wang.last_text
    await wang.taps("确认")
    assert "登记完成" in wang.last_text
    assert "📝 投诉" in wang.buttons()
    assert await harness.scalar("select language from residents") == "zh_Hans"


async def test_bad_input_during_onboarding_reprompts_at_the_same_step(
    harness: DeskHarness,
) -> None:
    li = harness.sim.user(1003, language_code="en")
    await li.says("/start")
    await li.says("Klingon please")
    assert li.replies[0].text == "Please choose with the buttons below."
    assert "choose a language" in li.last_text
    await li.taps("English")
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
    await li.shares_contact("+8613900139000", own=False)
    assert "your own number" in li.replies[0].text
    await li.says("12345")
    assert "doesn't look right" in li.replies[0].text
    await li.sends_photo()
    assert "share your number, or type it" in li.replies[0].text
    await li.says("13900139000")
    assert "Villas V03" in li.last_text
    await li.taps("Start over")
    await li.says("Li Lei Jr")
    await li.taps("Villas")
    await li.taps("V04")
    await li.says("13900139000")
    await li.taps("Confirm")
    assert await harness.scalar("select name from residents") == "Li Lei Jr"


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
    await li.taps("English")
    await li.says("Li Lei")
    await li.says("/cancel")
    assert "Registration cancelled" in li.last_text
    assert await harness.scalar("select count(*) from residents") == 0
    assert await harness.scalar("select count(*) from dialogues") == 0
    await li.says("hello")
    assert "register first" in li.replies[0].text

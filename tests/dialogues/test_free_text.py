"""Residents who just type, send a photo or a voice note: never refused, offered what it
looks like (the likeliest first), filed with one tap and only the open questions; an
unregistered person's first message kept for after registration; menus and /help that
fit the reader."""

from __future__ import annotations

from typing import Any

from tests.conftest import DeskHarness
from tests.dialogues.helpers import enroll, register, told
from tests.sim import Persona


class Counted:
    """A persona whose taps and messages are counted (interactions after the first)."""

    def __init__(self, person: Persona) -> None:
        self.person = person
        self.count = 0

    async def taps(self, label: str) -> None:
        self.count += 1
        await self.person.taps(label)

    async def says(self, text: str) -> None:
        self.count += 1
        await self.person.says(text)


def _offered(person: Persona) -> list[str]:
    """The kinds offered on the newest inline keyboard, in order."""
    message = next(m for m in reversed(person.transcript) if m.inline_buttons())
    return [b["text"] for b in message.inline_buttons()]


async def _filed(desk: DeskHarness) -> dict[str, Any]:
    kind = await desk.scalar("select kind from tickets")
    category = await desk.scalar("select category from tickets")
    description = await desk.scalar("select description from tickets")
    reference = await desk.scalar("select reference from tickets")
    return {"kind": kind, "category": category, "description": description, "ref": reference}


async def test_typed_text_becomes_a_repair_in_four_interactions(desk: DeskHarness) -> None:
    li = desk.sim.user(8801, language_code="en")
    await register(li)
    await li.says("The kitchen tap is leaking all over the floor")
    assert "Sorry, I didn't catch that" not in li.last_text
    assert _offered(li)[0] == "🔧 Repair"  # the likeliest first
    assert {"📝 Complaint", "💡 Suggestion", "🎂 Order"} <= set(_offered(li))
    counted = Counted(li)
    await counted.taps("🔧 Repair")
    await counted.taps("09:00-12:00")  # the home is the profile's; entry stays "no"
    assert counted.count <= 2
    filed = await _filed(desk)
    assert filed["kind"] == "repair"
    assert filed["category"] == "water_leak"
    assert filed["description"] == "The kitchen tap is leaking all over the floor"
    assert told(li, f"<b>{filed['ref']}</b>") >= 1


async def test_typed_text_becomes_a_repair_in_chinese(desk: DeskHarness) -> None:
    wang = desk.sim.user(8802, language_code="zh-hans")
    await register(wang, name="王芳", language="中文", unit="1201")
    await wang.says("厨房天花板漏水了，一直在滴水")
    assert _offered(wang)[0] == "🔧 报修"
    counted = Counted(wang)
    await counted.taps("🔧 报修")
    await counted.taps("09:00-12:00")  # the home is the profile's
    assert counted.count <= 2
    filed = await _filed(desk)
    assert (filed["kind"], filed["category"]) == ("repair", "water_leak")
    assert filed["description"] == "厨房天花板漏水了，一直在滴水"
    assert told(wang, f"<b>{filed['ref']}</b>") >= 1


async def test_a_complaint_is_offered_first_when_it_reads_like_one(desk: DeskHarness) -> None:
    li = desk.sim.user(8803, language_code="en")
    await register(li)
    await li.says("The management fee bill is wrong again, I want to complain")
    assert _offered(li)[0] == "📝 Complaint"
    await li.taps("📝 Complaint")
    # The category (fees) and the text are given: where it is comes next.
    assert "where" in li.last_text.lower()
    await li.says("Management office")
    filed = await _filed(desk)
    assert (filed["kind"], filed["category"]) == ("complaint", "fees")


async def test_an_order_goes_to_the_service_catalogue(desk: DeskHarness) -> None:
    li = desk.sim.user(8812, language_code="en")
    await register(li)
    await li.says("I would like to order a birthday cake for Saturday")
    assert _offered(li)[0] == "🎂 Order"
    await li.taps("🎂 Order")
    assert "What would you like us to arrange" in li.last_text
    assert await desk.scalar("select flow from dialogues") == "order"


async def test_a_photo_with_a_caption_is_filed(desk: DeskHarness) -> None:
    li = desk.sim.user(8804, language_code="en")
    await register(li)
    photo = await li.sends_photo(caption="The corridor light is broken")
    assert _offered(li)[0] == "🔧 Repair"
    await li.taps("🔧 Repair")
    await li.taps("14:00-17:00")
    filed = await _filed(desk)
    assert (filed["kind"], filed["category"]) == ("repair", "electrical")
    assert await desk.scalar("select file_id from ticket_attachments") == photo
    assert await desk.scalar("select kind from ticket_attachments") == "photo"


async def test_a_photo_without_a_caption_asks_only_for_the_text(desk: DeskHarness) -> None:
    li = desk.sim.user(8813, language_code="en")
    await register(li)
    photo = await li.sends_photo()
    assert "Photos: 1" in li.last_text
    await li.taps("💡 Suggestion")
    await li.says("A bench here would be lovely")  # the one question still open
    assert await desk.scalar("select kind from tickets") == "suggestion"
    assert await desk.scalar("select file_id from ticket_attachments") == photo


async def test_a_voice_note_is_filed_and_reaches_staff_as_it_came(desk: DeskHarness) -> None:
    engineer = await enroll(desk, 8611, "Department staff", "Engineering", "B")
    li = desk.sim.user(8805, language_code="en")
    await register(li)
    voice = await li.sends_voice(seconds=75)
    assert "Voice note (1:15)" in li.last_text
    await li.taps("🔧 Repair")
    await li.taps("🚰 Plumbing")  # not guessed from a voice: asked
    await li.taps("09:00-12:00")
    filed = await _filed(desk)
    assert filed["kind"] == "repair"
    assert "Voice note (1:15)" in str(filed["description"])
    assert await desk.scalar("select kind from ticket_attachments") == "voice"
    assert told(engineer, "Voice note (1:15)") >= 1  # the card shows its length
    await engineer.taps_on("🖼 Photos", str(filed["ref"]))
    sent = [m for m in engineer.transcript if m.method == "sendVoice"]
    assert [m.document_file_id for m in sent] == [voice]


async def test_a_voice_note_over_the_policy_length_is_refused_politely(
    desk: DeskHarness,
) -> None:
    li = desk.sim.user(8806, language_code="en")
    await register(li)
    await li.sends_voice(seconds=600)
    assert "up to 120 seconds" in li.last_text
    assert await desk.scalar("select count(*) from tickets") == 0


async def test_a_voice_note_answers_a_forms_description(desk: DeskHarness) -> None:
    li = desk.sim.user(8807, language_code="en")
    await register(li)
    await li.taps("💡 Suggestion")
    await li.sends_voice(seconds=9)
    await li.taps("✅ Confirm")
    assert await desk.scalar("select kind from tickets") == "suggestion"
    assert "Voice note (0:09)" in str(await desk.scalar("select description from tickets"))
    assert await desk.scalar("select kind from ticket_attachments") == "voice"


async def test_an_unregistered_first_message_is_offered_after_registration(
    desk: DeskHarness,
) -> None:
    li = desk.sim.user(8808, language_code="en")
    await li.says("The kitchen tap is leaking")
    assert "register" in li.transcript[0].body
    await li.shares_contact("+8613800138000", name="Li Lei")
    await li.says("3-1202")
    await li.taps("Confirm")
    assert "The kitchen tap is leaking" in li.last_text  # kept, and offered
    assert _offered(li)[0] == "🔧 Repair"
    await li.taps("🔧 Repair")
    await li.taps("09:00-12:00")
    assert (await _filed(desk))["description"] == "The kitchen tap is leaking"


async def test_not_now_files_nothing_and_a_menu_tap_leaves_the_offer(desk: DeskHarness) -> None:
    li = desk.sim.user(8809, language_code="en")
    await register(li)
    await li.says("hello there")
    await li.taps("Not now")
    assert "nothing was filed" in li.last_text
    await li.says("hello again")
    await li.taps("📋 My requests")  # the menu wins over the pending offer
    assert "finish" not in li.last_text.lower()
    assert await desk.scalar("select count(*) from tickets") == 0


async def test_a_residents_menu_has_no_staff_desk(desk: DeskHarness) -> None:
    li = desk.sim.user(8810, language_code="en")
    await register(li)
    assert "🧑‍💼 Staff desk" not in li.buttons()
    assert "🔧 Repair request" in li.buttons()


async def test_help_describes_the_residents_menu_and_the_hotline(desk: DeskHarness) -> None:
    li = desk.sim.user(8811, language_code="en")
    await register(li)
    await li.says("/help")
    text = li.last_text
    for label in ("📝 Complaint", "🔧 Repair request", "🎂", "💡 Suggestion", "📋 My requests"):
        assert label in text
    assert "Staff desk" not in text
    hotline = desk.desk.estate.hotline
    assert hotline
    assert hotline in text
    assert desk.desk.estate.office_address in text


async def test_help_for_staff_lists_their_commands_and_the_hotline(desk: DeskHarness) -> None:
    engineer = await enroll(desk, 8612, "Department staff", "Engineering", "B")
    await engineer.says("/help")
    assert desk.desk.estate.hotline in engineer.last_text
    assert "/" in engineer.last_text

"""The house rules at the desk, through Telegram: cards that offer only what makes sense,
first-ask responsibility when a zone has no butler, who may grant access, and how
administrators and staff who are residents too are greeted."""

from __future__ import annotations

import re

from tests.conftest import DeskHarness
from tests.dialogues.helpers import fill_complaint, register
from tests.dialogues.test_staff import ADMIN, card_of, desk, enroll, staff_settings

__all__ = ["desk", "staff_settings"]  # the fixtures, shared with the staff-side tests


def buttons_of(person_buttons: list[str]) -> set[str]:
    return set(person_buttons)


async def test_a_card_offers_only_what_the_items_state_allows(desk: DeskHarness) -> None:
    butler = await enroll(desk, 8201, "Zhao", "Butler", "Customer service", "B")
    li = desk.sim.user(8301, language_code="en")
    await register(li)
    await fill_complaint(li)  # no photos
    await li.taps("Confirm")
    shown = set(butler.buttons())
    assert "✅ Accept" in shown
    assert "🖼 Photos" not in shown  # nothing to show
    assert "👍 Accept result" not in shown  # nothing to review
    await butler.taps("✅ Accept")
    shown = set(butler.buttons())
    assert "✅ Accept" not in shown  # taken: accepting again means nothing
    assert {"💬 Reply", "📝 Note", "✔️ Resolve"} <= shown
    # A reply leaves the card as it was: it is not redrawn (Telegram would refuse that).
    edits = desk.api.count("editMessageText")
    await butler.taps("💬 Reply")
    await butler.says("We are on it.")
    assert "Reply from our butler: We are on it." in li.last_text
    assert desk.api.count("editMessageText") == edits
    await butler.taps("📝 Note")
    await butler.says("Called the lift company")
    assert desk.api.count("editMessageText") == edits
    await butler.taps("✔️ Resolve")
    await butler.says("Lift repaired")
    assert "is resolved: Lift repaired" in li.last_text
    # Resolved: no more work, but the resident may still be answered, called, or the item
    # reopened (the follow-up decides the rest).
    assert set(butler.buttons()) == {"🔁 Reopen", "💬 Reply", "📞 Phone"}


async def test_a_stale_accept_is_refused_and_the_card_redrawn(desk: DeskHarness) -> None:
    butler = await enroll(desk, 8202, "Qian", "Butler", "Customer service", "B")
    engineer = await enroll(desk, 8203, "Sun", "Department staff", "Engineering", "No zone")
    li = desk.sim.user(8302, language_code="en")
    await register(li)
    await fill_complaint(li)
    await li.taps("Confirm")
    assert "New item for Engineering" in engineer.last_text  # the department is told
    await butler.taps("✅ Accept")
    await engineer.taps("✅ Accept")  # the butler was first
    answer = list(desk.api.callback_answers.values())[-1]
    assert "isn't available" in str(answer["text"])
    assert "✅ Accept" not in engineer.buttons()  # the card now shows what is possible
    butler_id = await desk.scalar("select id from staff where telegram_user_id = 8202")
    assert await desk.scalar("select assignee_staff_id from tickets") == butler_id


async def test_a_zone_without_a_butler_is_owned_by_whoever_at_the_desk_takes_it(
    desk: DeskHarness,
) -> None:
    agent = await enroll(
        desk, 8211, "Lin", "Customer-service agent", "Customer service", "No zone"
    )
    other_zone = await enroll(desk, 8213, "Tao", "Customer-service agent", "Customer service", "A")
    engineer = await enroll(desk, 8212, "Zhou", "Department staff", "Engineering", "No zone")
    li = desk.sim.user(8311, language_code="en")
    await register(li)  # Building 3 is zone B: no butler there
    await fill_complaint(li, "Corridor light broken")
    await li.taps("Confirm")
    assert "zone B, which has no butler yet" in agent.last_text
    assert not any("Corridor light" in m.body for m in other_zone.transcript)
    assert "New item for Engineering" in engineer.last_text
    assert await desk.scalar("select owner_staff_id from tickets") is None

    await engineer.taps("✅ Accept")  # the work, not the first-ask responsibility
    assert "has accepted your request" in li.last_text
    await engineer.taps("✔️ Resolve")
    await engineer.says("New tube fitted")
    assert "is resolved" not in li.last_text  # no result reaches the resident unchecked
    assert "please check it: New tube fitted" in agent.last_text
    await agent.taps("👍 Accept result")
    assert "is resolved: New tube fitted" in li.last_text
    agent_id = await desk.scalar("select id from staff where telegram_user_id = 8211")
    assert await desk.scalar("select owner_staff_id from tickets") == agent_id
    assert await desk.scalar("select status from tickets") == "resolved"


async def test_the_first_at_the_desk_to_accept_becomes_the_owner(desk: DeskHarness) -> None:
    first = await enroll(desk, 8221, "Wu", "Customer-service agent", "Customer service", "B")
    second = await enroll(
        desk, 8222, "Ma", "Customer-service agent", "Customer service", "No zone"
    )
    li = desk.sim.user(8321, language_code="en")
    await register(li)
    await fill_complaint(li)
    await li.taps("Confirm")
    await first.taps("✅ Accept")
    await second.taps("✅ Accept")
    assert "isn't available" in str(list(desk.api.callback_answers.values())[-1]["text"])
    first_id = await desk.scalar("select id from staff where telegram_user_id = 8221")
    assert await desk.scalar("select owner_staff_id from tickets") == first_id
    assert await desk.scalar("select assignee_staff_id from tickets") == first_id


async def test_access_is_granted_only_below_ones_own_role(desk: DeskHarness) -> None:
    senior = await enroll(desk, 8231, "Gao", "Senior butler", "Customer service", "No zone")
    chief = await enroll(desk, 8232, "Luo", "Chief butler", "Customer service", "No zone")
    supervisor = await enroll(desk, 8233, "Liang", "Duty supervisor", "Customer service", "A")
    await senior.says("/invite")
    offered = set(senior.buttons())
    assert {"Butler", "Duty supervisor", "Customer-service agent"} <= offered
    assert not {"Senior butler", "Chief butler", "Project head"} & offered
    await senior.says("/cancel")
    await supervisor.says("/invite")
    assert "isn't available to you" in supervisor.last_text
    await senior.says("/staff")
    await senior.taps("Luo")  # the chief butler: above the senior butler
    assert "Change role" not in senior.buttons()
    chief_id = await desk.scalar("select id from staff where telegram_user_id = 8232")
    await senior.taps_data(f"sf:off:{chief_id}:")  # a forged tap changes nothing
    assert await desk.scalar("select active from staff where id = :i", i=chief_id) in (1, True)
    supervisor_id = await desk.scalar("select id from staff where telegram_user_id = 8233")
    await senior.taps_data(f"sf:role:{supervisor_id}:project_head")
    assert await desk.scalar("select role from staff where id = :i", i=supervisor_id) == (
        "supervisor"
    )
    await chief.says("/staff")
    await chief.taps("Liang")
    await chief.taps("Change role")
    await chief.taps("Senior butler")  # the chief butler may grant any role
    assert await desk.scalar("select role from staff where id = :i", i=supervisor_id) == (
        "senior_butler"
    )


async def test_an_administrator_is_greeted_as_staff_not_registered(desk: DeskHarness) -> None:
    admin = desk.sim.user(ADMIN, language_code="en")
    await admin.says("/start")
    assert "administrator" in admin.last_text
    assert await desk.scalar("select count(*) from dialogues") == 0  # no registration begun
    await admin.says("/invite")
    assert "Which role" in admin.last_text or admin.buttons()


async def test_staff_who_live_here_switch_between_desk_and_resident_menu(
    desk: DeskHarness,
) -> None:
    butler = await enroll(desk, 8241, "Deng", "Butler", "Customer service", "B")
    await butler.says("/start")
    assert "reach you as cards" in butler.last_text
    await butler.taps("🏠 I live here too: register as a resident")
    await butler.shares_contact("+8613800138001", name="Deng Chao")
    await butler.says("1-1202")
    await butler.taps("Confirm")
    assert "you are registered" in butler.last_text
    assert "🧑‍💼 Staff desk" in butler.buttons()
    await butler.taps("🧑‍💼 Staff desk")
    assert "reach you as cards" in butler.last_text
    await butler.taps("🏠 My resident menu")
    assert "good to see you again" in butler.last_text
    assert "📝 Complaint" in butler.buttons()
    await butler.says("/start")  # staff first, always
    assert "reach you as cards" in butler.last_text
    reference = None
    await butler.taps("🏠 My resident menu")
    await fill_complaint(butler, "My own tap is dripping")
    await butler.taps("Confirm")
    found = re.search(r"TS-\d{8}-\d{4}", butler.last_text)
    reference = found.group(0) if found else None
    assert reference is not None
    assert card_of(butler, reference)


async def test_an_edit_is_compared_with_what_the_bot_last_drew(desk: DeskHarness) -> None:
    """Reply → a contact → Reopen → a forged tap → the reply's text: the card was redrawn
    by Reopen meanwhile, so redrawing it after the reply would change nothing (Telegram
    refuses that). The bot checks its own record of the card, not the older one."""
    butler = await enroll(desk, 8204, "Wu", "Butler", "Customer service", "B")
    li = desk.sim.user(8304, language_code="en")
    await register(li)
    await fill_complaint(li)
    await li.taps("Confirm")
    await butler.taps("✅ Accept")
    await butler.taps("✔️ Resolve")
    await butler.says("Lift repaired")
    reference = str(await desk.scalar("select reference from tickets"))
    await butler.taps_on("💬 Reply", reference)
    await butler.shares_contact()
    await butler.taps_on("🔁 Reopen", reference)
    await butler.taps_data("t:zzz:1")
    await butler.says("We will look again tomorrow morning.")
    assert "We will look again tomorrow morning." in li.last_text
    assert await desk.scalar("select status from tickets") == "reopened"

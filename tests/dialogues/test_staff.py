"""The staff side through Telegram: invites, routing, one-tap actions, the full loop."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine

from bot.clock import utcnow
from bot.config import DEFAULTS_DIR, Settings
from handlers.staff import STAFF_COMMANDS
from scheduler.sweep import expire_idle_dialogues
from tests.conftest import DeskHarness, make_settings
from tests.dialogues.helpers import fill_complaint, register
from tests.sim import FakeBotAPI, Persona

ADMIN = 9000


@pytest.fixture
def staff_settings(migrated_url: str) -> Settings:
    """The staff side runs on SQLite and on PostgreSQL (row locks, SKIP LOCKED claims)."""
    return make_settings(migrated_url, admin_ids=[ADMIN])


@pytest.fixture
async def desk(staff_settings: Settings) -> AsyncIterator[DeskHarness]:
    settings = staff_settings
    async with DeskHarness(FakeBotAPI(), settings) as running:
        yield running


async def make_invite(admin: Persona, role: str, department: str, zone: str) -> str:
    await admin.says("/invite")
    await admin.taps(role)
    await admin.taps(department)
    await admin.taps(zone)
    found = re.search(r"start=(inv_[A-Za-z0-9_-]+)", admin.last_text)
    assert found, admin.last_text
    return found.group(1)


async def enroll(
    desk: DeskHarness, user_id: int, name: str, role: str, department: str, zone: str
) -> Persona:
    admin = desk.sim.user(ADMIN, first_name="Admin", language_code="en")
    token = await make_invite(admin, role, department, zone)
    person = desk.sim.user(user_id, first_name=name, language_code="en")
    await person.says(f"/start {token}")
    assert "Welcome aboard" in person.last_text
    return person


def card_of(person: Persona, reference: str) -> str:
    return next(m.body for m in reversed(person.transcript) if reference in m.body)


async def test_full_loop_from_resident_to_department_and_back(desk: DeskHarness) -> None:
    butler = await enroll(desk, 8001, "Zhao", "Butler", "Customer service", "B")
    engineer = await enroll(desk, 8002, "Qian", "Department staff", "Engineering", "No zone")
    li = desk.sim.user(8100, language_code="en")
    await register(li)  # Building 3 is in zone B
    await fill_complaint(li, "Corridor light broken")
    await li.taps("Confirm")
    reference = re.search(r"TS-\d{8}-\d{4}", li.last_text)
    assert reference is not None
    ref = reference.group(0)

    assert "New item for you" in butler.last_text
    assert ref in butler.last_text
    assert "Corridor light broken" in butler.last_text
    assert "+86" not in butler.last_text  # the phone is behind a logged button
    await butler.taps("✅ Accept")
    assert "Accepted" in butler.last_text  # the card itself, edited
    assert "has accepted your request" in li.last_text

    await butler.taps("↪️ Transfer")
    await butler.taps("Engineering")
    await butler.taps("By the item's resolve time")
    assert "Transferred to you" in engineer.last_text
    assert "Department reports back by" in engineer.last_text
    await engineer.taps("✅ Accept")
    assert "Accepted by the staff member" in butler.last_text

    await engineer.taps("✔️ Resolve")
    await engineer.says("Replaced the ballast")
    assert "please check it: Replaced the ballast" in butler.last_text
    assert "is resolved" not in li.last_text  # not reported before the desk accepts it
    await butler.taps("↩️ Send back")
    await butler.says("Still flickering")
    assert "Sent back for rework: Still flickering" in engineer.last_text
    await engineer.taps("✔️ Resolve")
    await engineer.says("Replaced the whole fitting")
    await butler.taps("👍 Accept result")
    assert "is resolved: Replaced the whole fitting" in li.last_text

    kinds = await desk.column("select kind from ticket_events order by id")
    assert kinds == [
        "created",
        "accepted",
        "transferred",
        "accepted",
        "resolved",
        "sent_back",
        "resolved",
        "result_accepted",
    ]
    assert await desk.scalar("select status from tickets") == "resolved"
    owner = await desk.scalar("select owner_staff_id from tickets")
    assert owner == await desk.scalar("select id from staff where telegram_user_id = 8001")
    assert await desk.scalar("select count(*) from outbox where status != 'sent'") == 0


async def test_reply_note_classify_waiting_and_phone(desk: DeskHarness) -> None:
    butler = await enroll(desk, 8011, "Sun", "Butler", "Customer service", "B")
    senior = await enroll(desk, 8012, "Li", "Senior butler", "Customer service", "No zone")
    li = desk.sim.user(8110, language_code="en")
    await register(li)
    await fill_complaint(li, "Guard was rude")
    await li.taps("Confirm")
    await butler.taps("💬 Reply")
    await butler.says("We are sorry; the duty lead will call you today.")
    assert "Reply from our butler: We are sorry" in li.last_text
    await butler.taps("📝 Note")
    await butler.says("Guard on night shift")
    assert "Guard on night shift" not in li.last_text
    await butler.taps("🏷 Classify")
    await butler.taps("Valid")
    await butler.taps("Important")
    assert "Important complaint" in senior.last_text
    await li.taps("📋 My requests")
    await li.taps("TS-")
    assert "Our reply: We are sorry" in li.last_text
    assert "night shift" not in li.last_text  # internal notes stay internal
    assert "Classified" not in li.last_text
    await butler.taps("⏸ Waiting")
    await butler.taps("Waiting for access")
    await butler.taps(butler.buttons()[0])  # tomorrow
    assert "agree a time to come in" in li.last_text
    await butler.taps("📞 Phone")
    answer = list(desk.api.callback_answers.values())[-1]
    assert "+8613800138000" in str(answer["text"])
    assert await desk.scalar("select count(*) from sensitive_views") == 1
    await butler.taps("↪️ Transfer")
    await butler.taps("👤 Li")  # a person rather than a department
    assert "Transferred to you" in senior.last_text
    senior_id = await desk.scalar("select id from staff where telegram_user_id = 8012")
    assert await desk.scalar("select assignee_staff_id from tickets") == senior_id
    butler_id = await desk.scalar("select id from staff where telegram_user_id = 8011")
    assert await desk.scalar("select owner_staff_id from tickets") == butler_id
    await senior.taps("📞 Phone")  # the assignee may look too; the look is logged again
    assert await desk.scalar("select count(*) from sensitive_views") == 2
    assert await desk.scalar("select severity from tickets") == "important"


async def test_out_of_scope_needs_an_explanation_sent_to_the_resident(desk: DeskHarness) -> None:
    butler = await enroll(desk, 8021, "Zhou", "Butler", "Customer service", "B")
    li = desk.sim.user(8120, language_code="en")
    await register(li)
    await fill_complaint(li, "No water in the whole district")
    await li.taps("Confirm")
    await butler.taps("🏷 Classify")
    await butler.taps("Out of scope (not ours)")
    await butler.taps("General")
    assert "explanation for the resident" in butler.last_text
    await butler.says("City water works on Main St; call 96116. We will post updates.")
    assert "not something the service desk looks after" in li.last_text
    assert "96116" in li.last_text
    assert await desk.scalar("select nature from tickets") == "invalid"


async def test_resident_messages_reach_the_handler(desk: DeskHarness) -> None:
    butler = await enroll(desk, 8031, "Wu", "Butler", "Customer service", "B")
    li = desk.sim.user(8130, language_code="en")
    await register(li)
    await fill_complaint(li)
    await li.taps("Confirm")
    await li.taps("📋 My requests")
    await li.taps("TS-")
    await li.taps("✉️ Add message")
    await li.says("It is getting worse")
    assert "The resident writes: It is getting worse" in butler.last_text
    ack = next(m for m in reversed(li.transcript) if "registered as" in m.body)
    await li.replies_to(ack, "Also the stairs light")
    assert "Also the stairs light" in butler.last_text


async def test_invites_valid_reused_expired_forged(desk: DeskHarness) -> None:
    admin = desk.sim.user(ADMIN, language_code="en")
    token = await make_invite(admin, "Customer-service agent", "Customer service", "A")
    first = desk.sim.user(8041, language_code="en")
    await first.says(f"/start {token}")
    assert "Welcome aboard" in first.last_text
    await first.says("/start")
    assert "reach you as cards" in first.last_text
    assert "/new" in first.last_text
    second = desk.sim.user(8042, language_code="en")
    await second.says(f"/start {token}")
    assert "already been used" in second.last_text
    late = await make_invite(admin, "Customer-service agent", "Customer service", "A")
    with time_machine.travel(utcnow() + timedelta(hours=73), tick=False):
        await second.says(f"/start {late}")
    assert "expired" in second.last_text
    await second.says("/start inv_forgedforgedforgedforged")
    assert "not valid" in second.last_text
    await second.says("/start inv_x")
    assert "not valid" in second.last_text
    assert await desk.scalar("select count(*) from staff") == 1
    stranger = desk.sim.user(8043, language_code="en")
    await stranger.says("/invite")
    assert "isn't available to you" in stranger.last_text


async def test_deactivated_staff_and_forged_buttons_change_nothing(desk: DeskHarness) -> None:
    butler = await enroll(desk, 8051, "Zheng", "Butler", "Customer service", "B")
    other = await enroll(desk, 8052, "Feng", "Butler", "Customer service", "A")
    li = desk.sim.user(8150, language_code="en")
    await register(li)
    await fill_complaint(li)
    await li.taps("Confirm")
    ticket_id = await desk.scalar("select id from tickets")
    for person in (other, li):  # another zone's butler; a resident forging staff data
        await person.taps_data(f"t:acc:{ticket_id}")
        answer = list(desk.api.callback_answers.values())[-1]
        assert "isn't available" in str(answer["text"])
    await butler.taps_data("t:acc:999999")
    assert "isn't available" in str(list(desk.api.callback_answers.values())[-1]["text"])
    await butler.taps_data(f"t:explode:{ticket_id}")
    assert "isn't available" in str(list(desk.api.callback_answers.values())[-1]["text"])
    assert await desk.scalar("select status from tickets") == "new"

    await butler.says("/find")  # a staff form begun before the access is withdrawn …
    admin = desk.sim.user(ADMIN, language_code="en")
    chat_scope = (json.dumps({"chat_id": 8051, "type": "chat"}, sort_keys=True), "")
    assert [c["command"] for c in desk.api.scoped_commands[chat_scope]] == list(STAFF_COMMANDS)
    await admin.says("/staff")
    await admin.taps("Zheng")
    await admin.taps("Deactivate")
    assert "deactivated" in admin.last_text
    assert chat_scope not in desk.api.scoped_commands  # the staff menu is gone too
    await butler.says("lift")  # … ends there: the typed words find nothing for them
    assert "isn't available" in butler.last_text
    assert await desk.scalar("select count(*) from dialogues where user_id = 8051") == 0
    await butler.taps("✅ Accept")
    assert "isn't available" in str(list(desk.api.callback_answers.values())[-1]["text"])
    assert await desk.scalar("select status from tickets") == "new"
    await butler.says("/ticket " + str(await desk.scalar("select reference from tickets")))
    assert "isn't available" in butler.last_text


async def test_staff_register_a_phone_complaint_for_a_resident(desk: DeskHarness) -> None:
    agent = await enroll(
        desk, 8061, "Chen", "Customer-service agent", "Customer service", "No zone"
    )
    li = desk.sim.user(8160, language_code="en")
    await register(li)
    await agent.says("/new")
    await agent.taps("Phone call")
    await agent.taps("Complaint")
    await agent.says("3-1202")
    assert "Resident: Li Lei (Building 3 1202)" in agent.transcript[-2].body
    agent_id = await desk.scalar("select id from staff where telegram_user_id = 8061")
    assert (
        await desk.scalar("select staff_id || ':' || what from sensitive_views")
        == f"{agent_id}:name_unit"
    )  # the desk serves every caller; each look is logged
    await agent.taps("Security")
    await agent.says("Car parked in the fire lane every night")
    await agent.taps("🏠 My home (Building 3 1202)")
    await agent.taps("Confirm")
    assert "Submitted as TS-" in agent.transcript[-2].body
    assert "✅ Accept" in agent.buttons()  # the new item's card, ready to work on
    assert "registered as" in li.last_text  # the resident hears of it too
    assert await desk.scalar("select channel from tickets") == "phone"
    assert await desk.scalar("select owner_staff_id from tickets") == agent_id
    assert await desk.scalar("select registered_by_staff_id from tickets") == agent_id
    assert await desk.scalar("select department from tickets") == "security"


async def test_staff_register_a_caller_who_is_not_registered(desk: DeskHarness) -> None:
    agent = await enroll(desk, 8071, "Lin", "Customer-service agent", "Customer service", "A")
    await agent.says("/new")
    await agent.taps("In person")
    await agent.taps("Complaint")
    await agent.taps("Caller is not registered")
    await agent.says("Mr Huang")
    await agent.says("13912345678")
    await agent.taps("Cleaning and environment")
    await agent.says("Rubbish piling up by the east gate")
    assert not [b for b in agent.buttons() if "home" in b]  # no home to offer: typed
    await agent.says("East gate")
    await agent.taps("Confirm")
    assert await desk.scalar("select contact_name from tickets") == "Mr Huang"
    assert await desk.scalar("select contact_phone from tickets") == "+8613912345678"
    assert await desk.scalar("select resident_id from tickets") is None
    assert await desk.scalar("select channel from tickets") == "visit"
    await agent.taps("📞 Phone")
    assert "+8613912345678" in str(list(desk.api.callback_answers.values())[-1]["text"])


async def test_manager_changes_role_and_zone(desk: DeskHarness) -> None:
    await enroll(desk, 8081, "Gao", "Butler", "Customer service", "A")
    admin = desk.sim.user(ADMIN, language_code="en")
    await admin.says("/staff")
    await admin.taps("Gao")
    await admin.taps("Change role")
    await admin.taps("Duty supervisor")
    assert "Role: Duty supervisor" in admin.last_text
    await admin.taps("Change zone")
    await admin.taps("B")
    assert "Zone: B" in admin.last_text
    assert await desk.scalar("select role || '/' || zone from staff") == "supervisor/B"


async def test_policy_may_let_staff_sign_with_their_name(
    staff_settings: Settings, tmp_path: Path
) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(
        (DEFAULTS_DIR / "policy.toml")
        .read_text()
        .replace("sign_with_name = false", "sign_with_name = true")
    )
    settings = staff_settings.model_copy(update={"policy_file": policy})
    async with DeskHarness(FakeBotAPI(), settings) as desk:
        butler = await enroll(desk, 8091, "Zhao Min", "Butler", "Customer service", "B")
        li = desk.sim.user(8190, language_code="en")
        await register(li)
        await fill_complaint(li)
        await li.taps("Confirm")
        await butler.taps("💬 Reply")
        await butler.says("On my way.")
        assert "Reply from our butler Zhao Min: On my way." in li.last_text


async def test_card_shows_photos_and_ticket_command_opens_it(desk: DeskHarness) -> None:
    butler = await enroll(desk, 8095, "Ma", "Butler", "Customer service", "B")
    li = desk.sim.user(8195, language_code="en")
    await register(li)
    await li.taps("📝 Complaint")
    await li.taps("Security")
    await li.says("Broken lock on the bike shed")
    first = await li.sends_photo()
    second = await li.sends_photo()
    await li.says("Bike shed")
    await li.taps("Confirm")
    assert "Photos: 2" in butler.last_text
    await butler.taps("🖼 Photos")
    sent = [m.photo_file_id for m in butler.replies]
    assert sent == [first, second]
    reference = await desk.scalar("select reference from tickets")
    await butler.says(f"/ticket {str(reference).lower()}")
    assert "Broken lock on the bike shed" in butler.transcript[-2].body  # the card
    assert "✅ Accept" in butler.buttons()
    assert "Timeline" in butler.last_text  # and every entry of its timeline
    assert "Registered" in butler.last_text
    await butler.says("/ticket TS-20000101-0001")
    assert "No such item" in butler.last_text


async def test_each_person_reads_in_their_own_language(desk: DeskHarness) -> None:
    butler = await enroll(desk, 8097, "Tang", "Butler", "Customer service", "B")
    wang = desk.sim.user(8197, language_code="zh-hans")
    await register(wang, name="王芳", language="中文")
    await wang.taps("📝 投诉")
    await wang.taps("安全秩序")
    await wang.says("门禁坏了")
    await wang.taps("🏠 我家（Building 3 1202）")
    await wang.taps("确认")
    assert "您的投诉已登记" in wang.last_text
    assert "我们会在1小时内（" in wang.last_text  # not "1 小时(s)": Babel's own wording
    assert "New item for you" in butler.last_text  # the butler reads English
    await butler.taps("💬 Reply")
    await butler.says("We will fix it this afternoon.")
    assert "物业管家答复您：We will fix it this afternoon." in wang.last_text


async def test_an_idle_staff_reply_expires_with_its_own_name(desk: DeskHarness) -> None:
    butler = await enroll(desk, 8099, "Hu", "Butler", "Customer service", "B")
    li = desk.sim.user(8199, language_code="en")
    await register(li)
    await fill_complaint(li)
    await li.taps("Confirm")
    await butler.taps("💬 Reply")
    with time_machine.travel(utcnow() + timedelta(minutes=31), tick=False):
        assert await expire_idle_dialogues(desk.desk) == 1
        await desk.deliver()
    assert "Your item action was left idle for 30 minutes" in butler.last_text


async def test_a_policy_prefix_in_lower_case_still_routes_residents_replies(
    staff_settings: Settings, tmp_path: Path
) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(
        (DEFAULTS_DIR / "policy.toml").read_text().replace('complaint = "TS"', 'complaint = "ts"')
    )
    settings = staff_settings.model_copy(update={"policy_file": policy})
    async with DeskHarness(FakeBotAPI(), settings) as desk:
        butler = await enroll(desk, 8093, "Bai", "Butler", "Customer service", "B")
        li = desk.sim.user(8193, language_code="en")
        await register(li)
        await fill_complaint(li)
        await li.taps("Confirm")
        ack = next(m for m in reversed(li.transcript) if "registered as" in m.body)
        assert "TS-" in ack.body
        await li.replies_to(ack, "The lift is making a noise too")
        assert "The lift is making a noise too" in butler.last_text


async def test_looking_up_a_unit_outside_ones_zone_reveals_nothing(desk: DeskHarness) -> None:
    butler = await enroll(desk, 8062, "Xu", "Butler", "Customer service", "A")
    engineer = await enroll(desk, 8063, "He", "Department staff", "Engineering", "No zone")
    li = desk.sim.user(8162, language_code="en")
    await register(li)  # Building 3, zone B
    for person in (butler, engineer):
        await person.says("/new")
        await person.taps("Phone call")
        await person.taps("Complaint")
        await person.says("3-1202")
        assert "outside your area" in person.transcript[-2].body
        assert "Li Lei" not in person.transcript[-2].body
        assert "Caller's name?" in person.last_text  # they go on with the caller's details
        await person.says("/cancel")
    assert await desk.scalar("select count(*) from sensitive_views") == 0
    await butler.says("/new")
    await butler.taps("Phone call")
    await butler.taps("Complaint")
    await butler.says("1-1202")  # Building 1 is the butler's zone A: nobody lives there yet
    assert "Nobody is registered at Building 1 1202" in butler.transcript[-2].body


async def test_staff_help_lists_the_commands_of_the_readers_role(desk: DeskHarness) -> None:
    """/help for staff: every command of their role with what it does (the same list as
    their command menu, so the two agree), and the hotline; a manager's commands only for
    the roles that have them."""
    supervisor = await enroll(desk, 8061, "Wang", "Duty supervisor", "Customer service", "B")
    engineer = await enroll(desk, 8062, "Qian", "Department staff", "Engineering", "B")
    senior = await enroll(desk, 8063, "Sun", "Senior butler", "Customer service", "No zone")

    def menu_of(person: Persona) -> list[str]:
        scope = (json.dumps({"chat_id": person.chat_id, "type": "chat"}, sort_keys=True), "")
        return [c["command"] for c in desk.api.scoped_commands[scope]]

    def helped(person: Persona) -> list[str]:
        return re.findall(r"^/([a-z_]+) — ", person.last_text, re.M)

    await supervisor.says("/help")
    assert "/duty — Who is on duty" in supervisor.last_text
    assert "/notice — Send a notice" in supervisor.last_text
    assert "/ledger — " in supervisor.last_text
    assert "/invite — " not in supervisor.last_text  # the senior managers' own
    assert "400-800-1234" in supervisor.last_text
    assert helped(supervisor) == menu_of(supervisor)
    await engineer.says("/help")
    assert "/duty — " in engineer.last_text
    assert "/link — " in engineer.last_text
    for manager_only in ("notice", "ledger", "survey", "confidential", "invite", "staff"):
        assert f"/{manager_only} — " not in engineer.last_text, manager_only
    assert helped(engineer) == menu_of(engineer)
    await senior.says("/help")
    assert "/invite — " in senior.last_text
    assert "/staff — " in senior.last_text
    assert helped(senior) == menu_of(senior)

"""Privacy through Telegram: a message relayed to a resident (留言服务) and answered through
the desk; a manager's confidential service (the resident's items reach only the people
named on them, their name masked for everyone else); access outside one's area by
approval, for a time; a butler who leaves hands their open items over."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from bot.clock import utcnow
from tests.conftest import DeskHarness
from tests.dialogues.helpers import ADMIN, enroll, file_complaint, register, told


async def test_a_callers_message_reaches_the_resident_and_the_answer_the_desk(
    desk: DeskHarness,
) -> None:
    agent = await enroll(desk, 8701, "Customer-service agent", "Customer service", "No zone")
    other = await enroll(desk, 8702, "Butler", "Customer service", "B")
    li = desk.sim.user(8750, language_code="en")
    await register(li)  # Building 3 1202, "Li Lei"

    await agent.says("/relay 3-1202 Your sister called: please ring her back tonight")
    assert "passed on to Building 3 1202" in agent.last_text
    assert "Li Lei" not in agent.last_text
    assert "+86" not in agent.last_text
    assert "please ring her back tonight" in li.last_text
    assert "told the caller nothing about you" in li.last_text
    await agent.says("/relay 1-1202 A parcel for you")  # nobody registered there
    assert "could not be passed on" in agent.last_text

    await li.taps("↩️ Reply through the service desk")
    await li.says("Thank you, I will call her")
    assert "pass your answer on" in li.last_text
    assert "Thank you, I will call her" in agent.last_text
    assert "Building 3 1202" in agent.last_text
    assert not any("I will call her" in m.body for m in other.transcript)
    await li.taps("↩️ Reply through the service desk")  # answered already
    assert await desk.scalar("select count(*) from relays where answer is not null") == 1
    assert (
        await desk.scalar(
            "select count(*) from sensitive_views where what in ('relay', 'relay_answer')"
        )
        == 2
    )


async def test_staff_outside_the_zone_see_an_item_only_after_both_approve(
    desk: DeskHarness,
) -> None:
    guard = await enroll(desk, 8711, "Department staff", "Security", "A")
    senior = await enroll(desk, 8712, "Senior butler", "Customer service", "No zone")
    chief = await enroll(desk, 8713, "Chief butler", "Customer service", "No zone")
    li = desk.sim.user(8760, language_code="en")
    await register(li)
    await file_complaint(li)
    reference = str(await desk.scalar("select reference from tickets"))

    await guard.says(f"/ticket {reference}")
    assert "No such item in your remit" in guard.last_text
    await guard.says("/access 3-1202 A break-in reported next door: I need the complaint")
    assert "senior butler and the chief butler" in guard.last_text
    for approver in (senior, chief):
        assert "asks to see 3-1202" in approver.last_text
    grant = await desk.scalar("select max(id) from access_grants")
    await guard.taps_data(f"ac:y:{grant}")  # the asker cannot approve their own request
    assert "no longer active" in str(list(desk.api.callback_answers.values())[-1]["text"])
    await senior.taps("✅ Approve")
    assert "other approver" in senior.last_text
    await guard.says(f"/ticket {reference}")
    assert "No such item in your remit" in guard.last_text  # one approval is not enough
    await chief.taps("✅ Approve")
    approved = utcnow()
    assert "approved" in guard.transcript[-1].body.lower()
    await guard.says(f"/ticket {reference}")
    assert reference in guard.transcript[-2].body or reference in guard.last_text
    assert await desk.scalar("select count(*) from sensitive_views where what = 'granted_view'")
    # The access is time-boxed (the policy's 24 hours): a minute past, the item is closed.
    with time_machine.travel(approved + timedelta(hours=23, minutes=58), tick=False):
        await guard.says(f"/ticket {reference}")
        assert "No such item in your remit" not in guard.last_text
    with time_machine.travel(approved + timedelta(hours=24, minutes=1), tick=False):
        await guard.says(f"/ticket {reference}")
        assert "No such item in your remit" in guard.last_text
    assert (
        await desk.scalar("select count(*) from sensitive_views where what = 'granted_view'") == 2
    )

    # Asked again the next day and refused by one approver, it is over: the other's tap
    # comes too late, and the item stays closed to the asker.
    with time_machine.travel(approved + timedelta(hours=25), tick=False):
        await guard.says("/access 3-1202 Another break-in next door")
        await chief.taps("❌ Refuse")
        assert "was refused" in guard.last_text
        await senior.taps("✅ Approve")
        assert "no longer active" in str(list(desk.api.callback_answers.values())[-1]["text"])
        await guard.says(f"/ticket {reference}")
        assert "No such item in your remit" in guard.last_text


async def test_a_confidential_residents_items_and_name_stay_with_the_people_named(
    desk: DeskHarness,
) -> None:
    butler = await enroll(desk, 8721, "Butler", "Customer service", "B")
    engineer = await enroll(desk, 8722, "Department staff", "Engineering", "B")
    agent = await enroll(desk, 8723, "Customer-service agent", "Customer service", "No zone")
    chief = await enroll(desk, 8724, "Chief butler", "Customer service", "No zone")
    li = desk.sim.user(8770, language_code="en")
    await register(li)  # "Li Lei", Building 3 1202 (zone B)
    await file_complaint(li, "The lobby lift is stuck again")
    first = str(await desk.scalar("select reference from tickets"))
    assert told(engineer, first) == 1  # before: the department has its card

    await butler.says("/confidential 3-1202 on")  # a manager records it, not the butler
    assert "isn't available to you" in butler.last_text
    await chief.says("/confidential 3-1202 on")
    assert "Confidential service recorded for Building 3 1202" in chief.last_text
    assert "your requests are now confidential" in li.last_text
    assert await desk.scalar("select count(*) from residents where confidential") == 1

    await file_complaint(li, "The lift in the garage is broken")
    second = str(await desk.scalar("select max(reference) from tickets"))
    assert second != first
    assert told(butler, second) >= 1  # the first-ask owner, named on it, has the card
    assert told(engineer, second) == 0  # the department's crew does not
    assert told(agent, second) == 0
    for person in (engineer, agent):
        for reference in (first, second):
            await person.says(f"/ticket {reference}")
            assert "No such item in your remit" in person.last_text
    await butler.says(f"/ticket {second}")
    assert f"<b>{second}</b>" in butler.transcript[-2].body  # its card, then its timeline
    await butler.says("/find 3-1202")
    assert "2 in all" in butler.last_text
    await agent.says("/find 3-1202")  # the desk serves every zone, but not these
    assert "Nothing here right now" in agent.last_text
    await agent.says("/find Li Lei")
    assert "Nothing here right now" in agent.last_text

    # Looking the unit up to register a call: the resident is there, the name masked,
    # with the same words as in the export.
    masked = desk.desk.views.texts.text("en", "privacy.masked")
    await agent.says("/new")
    await agent.taps("Phone call")
    await agent.taps("Complaint")
    await agent.says("3-1202")
    assert f"Resident: {masked} (Building 3 1202)" in agent.transcript[-2].body
    assert "Li Lei" not in agent.transcript[-2].body
    await agent.says("/cancel")
    await chief.says("/new")
    await chief.taps("Phone call")
    await chief.taps("Complaint")
    await chief.says("3-1202")
    assert "Resident: Li Lei (Building 3 1202)" in chief.transcript[-2].body  # a manager
    await chief.says("/cancel")


async def test_a_butler_who_leaves_hands_the_open_items_to_the_zones_fallback(
    desk: DeskHarness,
) -> None:
    butler = await enroll(desk, 8731, "Butler", "Customer service", "B")
    agent = await enroll(desk, 8732, "Customer-service agent", "Customer service", "No zone")
    senior = await enroll(desk, 8733, "Senior butler", "Customer service", "No zone")
    li = desk.sim.user(8780, language_code="en")
    await register(li)  # Building 3: zone B, the butler's
    await file_complaint(li, "The lobby lift is stuck again")
    await butler.taps("✅ Accept")
    await file_complaint(li, "The lift in the garage is broken")
    references = [str(r) for r in await desk.column("select reference from tickets")]
    assert len(references) == 2
    assert await desk.column("select distinct status from tickets order by 1") == [
        "accepted",
        "new",
    ]
    butler_id = await desk.scalar("select id from staff where telegram_user_id = 8731")
    agent_id = await desk.scalar("select id from staff where telegram_user_id = 8732")
    assert await desk.column("select distinct owner_staff_id from tickets") == [butler_id]
    await agent.says("/mine")
    assert "Nothing here right now" in agent.last_text

    admin = desk.sim.user(ADMIN, language_code="en")
    await admin.says("/staff")
    await admin.taps("Butler")
    await admin.taps("Deactivate")
    assert "deactivated" in admin.last_text

    # Nobody else is the zone's butler: the desk on duty (the fallback) owns them now.
    for reference in references:
        assert told(agent, reference) >= 1
    assert told(agent, "Handed over to you") == 2
    assert await desk.column("select distinct owner_staff_id from tickets") == [agent_id]
    assert not await desk.column(
        "select id from tickets where :leaver in (owner_staff_id, assignee_staff_id)",
        leaver=butler_id,
    )
    await agent.says("/mine")
    assert "2 in all" in agent.last_text
    for reference in references:
        assert reference in agent.last_text
    assert told(senior, "no longer has access") == 1
    summary = next(m.body for m in senior.transcript if "no longer has access" in m.body)
    for reference in references:
        assert f"{reference} → Customer-service agent" in summary
    await butler.says("/mine")  # their access is gone at once
    assert "isn't available" in butler.last_text

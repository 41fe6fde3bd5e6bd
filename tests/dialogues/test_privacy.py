"""Privacy through Telegram: a message relayed to a resident (留言服务) and answered through
the desk; a manager's confidential service; access outside one's area by approval."""

from __future__ import annotations

from tests.conftest import DeskHarness
from tests.dialogues.helpers import enroll, file_complaint, register


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
    await senior.taps("✅ Approve")
    assert "other approver" in senior.last_text
    await guard.says(f"/ticket {reference}")
    assert "No such item in your remit" in guard.last_text  # one approval is not enough
    await chief.taps("✅ Approve")
    assert "approved" in guard.transcript[-1].body.lower()
    await guard.says(f"/ticket {reference}")
    assert reference in guard.transcript[-2].body or reference in guard.last_text
    assert await desk.scalar("select count(*) from sensitive_views where what = 'granted_view'")

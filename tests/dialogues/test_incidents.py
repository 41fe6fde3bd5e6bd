"""Incidents through Telegram: many reports of one fault in one building, offered to the
desk as one incident; one reply and one result reach every reporter, each followed up."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from bot.clock import utcnow
from bot.standin.markup import render
from tests.conftest import DeskHarness
from tests.dialogues.helpers import at, enroll, file_complaint, register, told

OFFER = "🔗 Link them into one incident"
LINKED = "Several neighbours have reported the same problem"


async def _reference(desk: DeskHarness, n: int) -> str:
    return str(await desk.scalar(f"select reference from tickets order by id limit 1 offset {n}"))


async def test_three_reports_linked_into_an_incident_all_told_each_followed_up(
    desk: DeskHarness,
) -> None:
    butler = await enroll(desk, 9301, "Butler", "Customer service", "B")
    li, wang, zhang = (desk.sim.user(u, language_code="en") for u in (9311, 9312, 9313))
    elsewhere = desk.sim.user(9314, language_code="en")
    await register(li, unit="1202")
    await register(wang, name="Wang Fang", unit="1201")
    await register(zhang, name="Zhang Wei", floor="5", unit="501")
    await register(elsewhere, name="Chen Jie", building="Building 1", floor="3", unit="302")

    await file_complaint(li, "No water on the 12th floor")
    await file_complaint(elsewhere, "No water in building 1")  # another building
    await file_complaint(wang, "No water since this morning")
    assert told(butler, OFFER) == 0  # two reports in building 3: not yet
    await file_complaint(zhang, "Taps are dry")
    assert "3 reports of the same fault" in butler.last_text
    await butler.taps(OFFER)
    lead = await _reference(desk, 0)
    assert f"3 items in one incident, led by {lead}" in butler.last_text
    for person in (li, wang, zhang):
        assert told(person, LINKED) == 1
    assert told(elsewhere, LINKED) == 0

    await butler.says(f"/ticket {lead}")
    await butler.taps("💬 Reply")
    await butler.says("The pump is being repaired; water back by noon.")
    for person in (li, wang, zhang):
        assert told(person, "The pump is being repaired") == 1
    assert told(elsewhere, "The pump is being repaired") == 0

    await butler.says(f"/ticket {lead}")
    await butler.taps("✔️ Resolve")
    await butler.says("Pump replaced, water restored")
    for person in (li, wang, zhang):
        assert told(person, "is resolved: Pump replaced, water restored") == 1
    assert told(elsewhere, "Pump replaced") == 0
    statuses = await desk.scalar(
        "select count(*) from tickets where status = 'resolved' and resolved_at is not null"
    )
    assert statuses == 3

    await at(desk, utcnow() + timedelta(days=2))
    for person in (li, wang, zhang):  # each reporter, on their own item
        assert told(person, "Was it solved?") == 1
    assert told(elsewhere, "Was it solved?") == 0


async def test_the_leads_new_promise_reaches_every_reporter(desk: DeskHarness) -> None:
    """One incident, one set of promises: the lead reclassified, each reporter's item takes
    the lead's dates and each reporter hears the new date; taken on and put on hold, each
    reporter hears so too."""
    butler = await enroll(desk, 9321, "Butler", "Customer service", "B")
    await enroll(desk, 9322, "Senior butler", "Customer service", "No zone")
    people = [desk.sim.user(u, language_code="en") for u in (9331, 9332, 9333)]
    for person, (name, unit) in zip(
        people, [("Li Lei", "1202"), ("Wang Fang", "1201"), ("Zhang Wei", "1202")], strict=True
    ):
        await register(person, name=name, unit=unit)
        await file_complaint(person, "No water on the 12th floor")
    await butler.taps(OFFER)
    lead = await _reference(desk, 0)
    await butler.says(f"/ticket {lead}")
    await butler.taps("🏷 Classify")
    await butler.taps("Valid")
    await butler.taps("Important")
    for person in people:
        assert told(person, "we will resolve it by") == 1
    dates = await desk.scalar("select count(distinct resolve_due_at) from tickets")
    assert dates == 1
    # Taken on, then on hold: every reporter hears what the lead's resident hears.
    await butler.says(f"/ticket {lead}")
    await butler.taps("✅ Accept")
    for person in people:
        assert told(person, "has accepted your request") == 1
    await butler.says(f"/ticket {lead}")
    await butler.taps("⏸ Waiting")
    await butler.taps("Waiting for parts")
    await butler.taps(butler.buttons()[0])  # tomorrow
    for person in people:
        assert told(person, "the parts for your repair are on order") == 1


async def test_staff_link_by_hand_and_unlink(desk: DeskHarness) -> None:
    butler = await enroll(desk, 9321, "Butler", "Customer service", "B")
    li, wang = desk.sim.user(9331, language_code="en"), desk.sim.user(9332, language_code="en")
    await register(li, unit="1202")
    await register(wang, name="Wang Fang", unit="1201")
    await file_complaint(li, "The corridor light flickers")
    await file_complaint(wang, "Lights off on floor 12")
    first, second = await _reference(desk, 0), await _reference(desk, 1)

    await butler.says(f"/link {first}")
    assert "two or more items" in butler.last_text
    await butler.says(f"/link {first} {second}")
    assert f"2 items in one incident, led by {first}" in butler.last_text
    assert told(wang, LINKED) == 1

    await butler.says(f"/unlink {first}")  # the lead stays while others follow it
    assert "isn't available" in butler.last_text
    await butler.says(f"/unlink {second}")
    assert f"{second} is handled on its own again" in butler.last_text

    await butler.says(f"/ticket {first}")
    await butler.taps("✔️ Resolve")
    await butler.says("Bulbs replaced")
    assert told(li, "is resolved: Bulbs replaced") == 1
    assert told(wang, "Bulbs replaced") == 0
    status = await desk.scalar(f"select status from tickets where reference = '{second}'")
    assert status != "resolved"


async def test_an_item_reopened_after_its_incident_links_only_with_new_ones(
    desk: DeskHarness,
) -> None:
    """A reopened item stays in the incident it was resolved with: linking it again is
    refused politely, and new reports still link among themselves."""
    butler = await enroll(desk, 9341, "Butler", "Customer service", "B")
    li, wang, zhang = (desk.sim.user(u, language_code="en") for u in (9351, 9352, 9353))
    await register(li, unit="1202")
    await register(wang, name="Wang Fang", unit="1201")
    await register(zhang, name="Zhang Wei", unit="1202")
    await file_complaint(li, "The corridor light flickers")
    await file_complaint(wang, "Lights off on floor 12")
    first, second = await _reference(desk, 0), await _reference(desk, 1)
    await butler.says(f"/link {first} {second}")
    await butler.says(f"/ticket {first}")
    await butler.taps("✔️ Resolve")
    await butler.says("Bulbs replaced")
    asked = utcnow() + timedelta(days=2)
    await at(desk, asked)
    with time_machine.travel(asked + timedelta(minutes=5), tick=False):
        await li.taps("👎 No, not yet")
        assert (
            await desk.scalar(f"select status from tickets where reference = '{first}'")
            == "reopened"
        )
        await file_complaint(zhang, "Still flickering on 12")
        await file_complaint(wang, "Floor 12 dark again")
        third, fourth = await _reference(desk, 2), await _reference(desk, 3)
        await butler.says(f"/link {first} {third}")
        assert "Sorry" in butler.last_text
        await butler.says(f"/link {first} {third} {fourth}")
        assert f"2 items in one incident, led by {third}" in butler.last_text


async def test_staff_link_and_unlink_from_the_card(desk: DeskHarness) -> None:
    butler = await enroll(desk, 9341, "Butler", "Customer service", "B")
    li, wang = desk.sim.user(9351, language_code="en"), desk.sim.user(9352, language_code="en")
    await register(li, unit="1202")
    await register(wang, name="Wang Fang", unit="1201")
    await file_complaint(li, "The corridor light flickers")
    await file_complaint(wang, "Lights off on floor 12")
    first, second = await _reference(desk, 0), await _reference(desk, 1)

    await butler.says(f"/ticket {second}")
    assert "✂️ Unlink" not in butler.buttons()  # in no incident yet
    await butler.taps("🔗 Link to…")
    assert "Type its reference" in butler.last_text
    await butler.says("TS-20000101-9999")
    assert told(butler, "No other item has that reference") == 1
    await butler.says(first.lower())
    assert told(wang, LINKED) == 1
    assert told(li, LINKED) == 1
    members = await desk.scalar("select count(*) from incident_items")
    assert members == 2

    # The card names the lead; a follower offers *Unlink*, the lead does not.
    part_of = f"Part of the incident led by {first}"
    assert told(butler, part_of) == 1  # the card the link began from, redrawn
    await butler.says(f"/ticket {second}")
    assert told(butler, part_of) == 2
    assert "🔗 Link to…" not in butler.buttons()
    await butler.taps("✂️ Unlink")
    assert await desk.scalar("select count(*) from incident_items") == 1
    assert told(butler, part_of) == 1  # the card tapped, redrawn: on its own again
    await butler.says(f"/ticket {first}")
    assert told(butler, part_of) == 2
    assert "✂️ Unlink" not in butler.buttons()
    assert "🔗 Link to…" in butler.buttons()


async def _pending(desk: DeskHarness, reference: str) -> list[str]:
    kinds = await desk.column(
        "select a.kind from alarms a join tickets t on t.id = a.ticket_id "
        f"where t.reference = '{reference}' and a.fired_at is null order by a.kind"
    )
    return [str(kind) for kind in kinds]


async def test_a_follower_worked_on_its_own_has_no_alarms_until_it_leaves(
    desk: DeskHarness,
) -> None:
    """The lead's alarms ring for the incident: putting a follower on hold (or accepting
    it, proposing a visit, …) does not bring back its own reminders, month rule and all."""
    butler = await enroll(desk, 9361, "Butler", "Customer service", "B")
    li, wang = desk.sim.user(9371, language_code="en"), desk.sim.user(9372, language_code="en")
    await register(li, unit="1202")
    await register(wang, name="Wang Fang", unit="1201")
    await file_complaint(li, "The corridor light flickers")
    await file_complaint(wang, "Lights off on floor 12")
    first, second = await _reference(desk, 0), await _reference(desk, 1)
    await butler.says(f"/link {first} {second}")
    assert await _pending(desk, second) == []

    await butler.says(f"/ticket {second}")
    await butler.taps("✅ Accept")
    await butler.says(f"/ticket {second}")
    await butler.taps("⏸ Waiting")
    await butler.taps("Waiting for parts")
    await butler.taps(butler.buttons()[1])  # in 3 days
    assert await desk.scalar(f"select status from tickets where reference = '{second}'") == (
        "waiting"
    )
    assert await _pending(desk, second) == []
    await at(desk, utcnow() + timedelta(days=4))  # its day has come: the lead's ring only
    assert told(butler, "the resident was promised to hear from us") == 0

    await butler.says(f"/unlink {second}")  # on its own again: its own alarms are back
    assert "waiting_date" in await _pending(desk, second)
    assert "month_old" in await _pending(desk, second)


async def test_the_desk_is_offered_the_link_once_and_later_reports_join_by_themselves(
    desk: DeskHarness,
) -> None:
    """One fault, one card: the offer comes with the third report, not again with the
    fourth; once the desk links them, a further report joins the incident by itself, its
    resident told as the others were, and the lead's reply reaches it too."""
    butler = await enroll(desk, 9361, "Butler", "Customer service", "B")
    people = [desk.sim.user(u, language_code="en") for u in (9371, 9372, 9373, 9374, 9375)]
    names = ["Li Lei", "Wang Fang", "Zhang Wei", "Chen Jie", "Zhao Min"]
    units = ["1201", "1202", "1201", "1202", "1201"]
    for person, name, unit in zip(people, names, units, strict=True):
        await register(person, name=name, unit=unit)
    for person in people[:4]:
        await file_complaint(person, "No water on the 12th floor")
    assert told(butler, "reports of the same fault") == 1  # at the third, not the fourth
    await butler.taps_on(OFFER, "reports of the same fault")
    lead = await _reference(desk, 0)
    assert f"4 items in one incident, led by {lead}" in butler.last_text
    cards = len(butler.transcript)

    await file_complaint(people[4], "Taps are dry")
    assert told(people[4], LINKED) == 1
    assert told(butler, "reports of the same fault") == 1
    assert await desk.scalar("select count(*) from incident_items") == 5
    assert all(OFFER not in m.body for m in butler.transcript[cards:])

    await butler.says(f"/ticket {lead}")
    await butler.taps("💬 Reply")
    await butler.says("The pump is being repaired; water back by noon.")
    for person in people:
        assert told(person, "The pump is being repaired") == 1


async def test_chinese_reporters_with_markup_and_long_words_are_counted_and_linked(
    desk: DeskHarness,
) -> None:
    """Chinese residents report one fault in words full of & < >, one first in 4,000
    characters (asked politely to shorten it, the form kept): the third report brings the
    desk its one offer, a second tap on it (stale) links nothing twice, and each reporter
    hears in Chinese that the reports are handled together."""
    desk.allow_escaping_slips = True  # the residents typed "&amp;" and "<b>" themselves
    butler = await enroll(desk, 9381, "Butler", "Customer service", "B")
    people = [desk.sim.user(u, language_code="zh-hans") for u in (9391, 9392, 9393)]
    names, units = ["李雷", "王芳", "张伟"], ["1201", "1202", "1201"]
    for person, name, unit in zip(people, names, units, strict=True):
        await register(person, name=name, unit=unit, language="中文")
    words = ["水管 <b>漏水</b> & 停水 &amp;", "没水 <i>", "停水 & <没水>"]
    for n, (person, said) in enumerate(zip(people, words, strict=True)):
        await person.taps("📝 投诉")
        await person.taps("设施设备（电梯、照明、水电、空调）")
        if n == 2:
            await person.says("停水 " + "水" * 3_997)
            assert any("内容太长了（4000字）" in m.body for m in person.replies)
            assert "最多2000字" in person.last_text  # the same question, asked again
        await person.says(said)
        await person.says("3栋大堂")
        assert f"内容：{said}" in render(person.last_text, "HTML").text  # as the resident reads it
        await person.taps("确认")
    assert await desk.scalar("select count(*) from tickets") == 3
    assert told(butler, "3 reports of the same fault") == 1
    await butler.taps_on(OFFER, "reports of the same fault")
    assert "3 items in one incident" in butler.last_text
    await butler.taps_on(OFFER, "reports of the same fault")  # stale: linked already
    assert await desk.scalar("select count(*) from incidents") == 1
    assert await desk.scalar("select count(*) from incident_items") == 3
    for person in people:
        assert told(person, "多位邻居反映了同一问题") == 1

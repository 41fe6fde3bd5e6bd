"""Notices through Telegram: a supervisor's notice to one building reaches only its
residents, paced by the outbox; planned works make a report of their fault "known"; a
notice for later waits for its time; residents' taps under it."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import insert, select

from bot.clock import utcnow
from storage.models import Building, Resident, Unit
from tests.conftest import DeskHarness
from tests.dialogues.helpers import enroll, file_complaint, register, told

CROWD = 60


async def _crowd(desk: DeskHarness, building: str, first: int, count: int) -> None:
    now = utcnow()
    async with desk.desk.engine.begin() as conn:
        unit = (
            await conn.execute(
                select(Unit.id)
                .join(Building, Building.id == Unit.building_id)
                .where(Building.code == building)
                .limit(1)
            )
        ).scalar_one()
        await conn.execute(
            insert(Resident),
            [
                {
                    "telegram_user_id": first + n,
                    "chat_id": first + n,
                    "name": f"Resident {n}",
                    "phone": "+8613800138000",
                    "unit_id": unit,
                    "language": "zh_Hans" if n % 2 else "en",
                    "confidential": False,
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(count)
            ],
        )
    for n in range(count):
        desk.api.known_chat(first + n)


def _local(desk: DeskHarness, moment: object) -> str:
    return moment.astimezone(desk.settings.tz).strftime("%m-%d %H:%M")  # type: ignore[attr-defined]


async def test_a_notice_to_one_building_reaches_only_its_residents_paced(
    desk: DeskHarness,
) -> None:
    supervisor = await enroll(desk, 9401, "Duty supervisor", "Customer service", "No zone")
    butler = await enroll(desk, 9402, "Butler", "Customer service", "B")
    li = desk.sim.user(9411, language_code="en")
    wang = desk.sim.user(9412, language_code="en")
    await register(li, unit="1202")
    await register(wang, name="Wang Fang", building="Building 1", floor="3", unit="302")
    await _crowd(desk, "3", 600_000, CROWD)
    await _crowd(desk, "1", 700_000, 10)

    await butler.says("/notice")
    assert "isn't available" in butler.last_text
    start = utcnow()
    with time_machine.travel(start, tick=False):
        await supervisor.says("/notice")
        await supervisor.taps("Building 3")
        await supervisor.taps("🛠 Planned works")
        await supervisor.taps("Facilities (lifts, lights, water, power, A/C)")
        await supervisor.says(_local(desk, start - timedelta(minutes=5)))
        await supervisor.says(_local(desk, start - timedelta(minutes=10)))
        assert told(supervisor, "The end must come after the start") == 1
        await supervisor.says(_local(desk, start + timedelta(hours=4)))
        await supervisor.says("Water is off while the pumps are replaced.")
        await supervisor.taps("📨 Now")
        assert f"on its way to {CROWD + 1} residents" in supervisor.last_text
    sent_before = desk.api.count("sendMessage")
    for second in range(1, 10):
        with time_machine.travel(start + timedelta(seconds=second), tick=False):
            await desk.deliver()
            sent = desk.api.count("sendMessage")
            assert sent - sent_before <= 25  # the outbox's pace, within Telegram's limits
            sent_before = sent
    delivered = await desk.scalar(
        "select count(*) from outbox where purpose = 'estate_notice' and status = 'sent'"
    )
    assert delivered == CROWD + 1
    rows = await desk.scalar(
        "select count(*) from outbox where purpose = 'estate_notice'"
        " and chat_id >= 700000 and chat_id < 700010"
    )
    assert rows == 0  # building 1's residents: none
    assert told(li, "Water is off while the pumps are replaced.") == 1
    assert told(li, "Planned works") == 1
    assert told(wang, "pumps are replaced") == 0

    with time_machine.travel(start + timedelta(minutes=30), tick=False):
        await li.taps_on("🙋 This affects me", "pumps are replaced")
        answer = list(desk.api.callback_answers.values())[-1]
        assert "noted" in str(answer.get("text"))
        await file_complaint(li, "No water in my kitchen")
    assert "This is a known problem in your building" in li.last_text
    linked = await desk.scalar("select count(*) from incident_items")
    assert linked == 1
    await file_complaint(wang, "No water in building 1")  # another building: not known
    assert told(wang, "known problem") == 0


async def test_a_notice_for_later_waits_for_its_time_and_still_a_problem_files(
    desk: DeskHarness,
) -> None:
    supervisor = await enroll(desk, 9421, "Duty supervisor", "Customer service", "No zone")
    li = desk.sim.user(9431, language_code="en")
    await register(li, unit="1202")
    start = utcnow()
    later = start + timedelta(hours=2)
    with time_machine.travel(start, tick=False):
        await supervisor.says("/notice")
        await supervisor.taps("Zone B")
        await supervisor.taps("📢 Notice")
        await supervisor.says("The lobby was repainted; please tell us of any marks.")
        await supervisor.taps("🕘 At a set time")
        await supervisor.says(_local(desk, later))
        assert "will go to 1 residents" in supervisor.last_text
        await desk.deliver()
    assert told(li, "lobby was repainted") == 0
    with time_machine.travel(later + timedelta(minutes=1), tick=False):
        await desk.deliver()
    assert told(li, "lobby was repainted") == 1
    await li.taps("⚠️ Still a problem")
    filed = await desk.scalar("select count(*) from tickets where resident_id is not null")
    assert filed == 1
    notice = next(m for m in li.transcript if "lobby was repainted" in m.body)
    await li.taps_data(notice.inline_buttons()[1]["callback_data"], message=notice)
    assert await desk.scalar("select count(*) from tickets") == 1  # a second tap files nothing


async def test_a_notice_with_a_photo_reaches_the_buildings_residents_as_a_photo(
    desk: DeskHarness,
) -> None:
    supervisor = await enroll(desk, 9441, "Duty supervisor", "Customer service", "No zone")
    li = desk.sim.user(9451, language_code="en")
    wang = desk.sim.user(9452, language_code="en")
    await register(li, unit="1202")
    await register(wang, name="Wang Fang", building="Building 1", floor="3", unit="302")
    await supervisor.says("/notice")
    await supervisor.taps("Building 3")
    await supervisor.taps("📢 Notice")
    photo = await supervisor.sends_photo(caption="The car park gate is replaced on Friday.")
    assert "When should it go out?" in supervisor.last_text  # the caption was the text
    await supervisor.taps("📨 Now")
    assert "on its way to 1 residents" in supervisor.last_text
    await desk.deliver()
    shown = [m for m in li.transcript if "car park gate" in m.body]
    assert len(shown) == 1
    assert (shown[0].method, shown[0].photo_file_id) == ("sendPhoto", photo)
    assert "Notice" in shown[0].body  # the heading is in the caption
    assert [b["text"] for b in shown[0].inline_buttons()] == [
        "🙋 This affects me",
        "⚠️ Still a problem",
    ]
    assert told(wang, "car park gate") == 0
    await li.taps("🙋 This affects me")
    assert await desk.scalar("select count(*) from notice_replies") == 1


async def test_a_photo_sent_before_the_notice_goes_out_goes_with_it_within_the_caption_limit(
    desk: DeskHarness,
) -> None:
    """A photo at a later step is kept and the question asked again; a text too long for a
    caption comes whole after the photo, which carries the heading."""
    supervisor = await enroll(desk, 9461, "Duty supervisor", "Customer service", "No zone")
    li = desk.sim.user(9471, language_code="en")
    await register(li, unit="1202")
    long_text = "The west lift is serviced floor by floor. " * 40  # beyond 1,024 characters
    await supervisor.says("/notice")
    await supervisor.taps("Building 3")
    await supervisor.taps("📢 Notice")
    await supervisor.says(long_text)
    photo = await supervisor.sends_photo()
    assert "Photo attached" in supervisor.transcript[-2].body
    assert "When should it go out?" in supervisor.last_text
    await supervisor.taps("📨 Now")
    await desk.deliver()
    photos = [m for m in li.transcript if m.method == "sendPhoto"]
    assert len(photos) == 1
    assert photos[0].photo_file_id == photo
    assert "Notice" in photos[0].body
    assert "west lift" not in photos[0].body
    text = li.transcript[-1]
    assert text.method == "sendMessage"
    assert text.body.count("west lift") == 40  # nothing cut
    assert "⚠️ Still a problem" in [b["text"] for b in text.inline_buttons()]
    assert li.transcript.index(photos[0]) == len(li.transcript) - 2  # the photo first


async def test_a_notice_to_the_whole_estate_reaches_the_residents_of_every_building(
    desk: DeskHarness,
) -> None:
    supervisor = await enroll(desk, 9481, "Duty supervisor", "Customer service", "No zone")
    li = desk.sim.user(9491, language_code="en")
    wang = desk.sim.user(9492, language_code="en")
    await register(li, unit="1202")
    await register(wang, name="Wang Fang", building="Building 1", floor="3", unit="302")
    await _crowd(desk, "1", 800_000, 3)
    await supervisor.says("/notice")
    await supervisor.taps("The whole estate")
    await supervisor.taps("📢 Notice")
    await supervisor.says("The estate's water is tested on Monday morning.")
    await supervisor.taps("📨 Now")
    assert "on its way to 5 residents" in supervisor.last_text
    for second in range(3):
        with time_machine.travel(utcnow() + timedelta(seconds=second), tick=False):
            await desk.deliver()
    assert told(li, "water is tested on Monday") == 1  # building 3
    assert told(wang, "water is tested on Monday") == 1  # building 1
    delivered = await desk.scalar(
        "select count(*) from outbox where purpose = 'estate_notice' and status = 'sent'"
    )
    assert delivered == 5

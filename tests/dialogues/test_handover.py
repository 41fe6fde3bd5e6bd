"""The handover book through Telegram: written by the outgoing shift with its open items
attached, read and acknowledged by the incoming one, carried items on /status until done
(by whom, when), and a night note made an item with one tap."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from bot.clock import utcnow
from tests.conftest import DeskHarness
from tests.dialogues.helpers import enroll, file_complaint, register, told

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _local(days: int, hour: int, minute: int = 0) -> datetime:
    day = utcnow().astimezone(SHANGHAI).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


async def test_a_night_shift_hands_over_to_the_day(desk: DeskHarness) -> None:
    butler = await enroll(desk, 9001, "Butler", "Customer service", "B")
    supervisor = await enroll(desk, 9002, "Duty supervisor", "Customer service", "B")
    chief = await enroll(desk, 9003, "Chief butler", "Customer service", "No zone")
    li = desk.sim.user(9011, language_code="en")
    await register(li)
    # Filed in the evening, while the day shift still routes items to the zone's butler,
    # who takes it on their night shift.
    with time_machine.travel(_local(1, 19, 30), tick=False):
        await file_complaint(li, "Loud music from 1302")
        reference = str(await desk.scalar("select reference from tickets"))
    with time_machine.travel(_local(1, 23), tick=False):
        await butler.taps_on("✅ Accept", reference)
    with time_machine.travel(_local(2, 7, 50), tick=False):
        await butler.says("/handover")
        await butler.taps("🌙 Night shift 20:00-08:00")
        await butler.taps("Just me")
        await butler.says("Mrs Li in 3-1202 is unwell; please check on her")
        await butler.says("Lobby light flickering\nGate 2 barrier stuck")
        assert "Open items carried over: 1" in butler.last_text
        assert reference in butler.last_text
        await butler.taps("✅ Confirm")
        assert "Handed over" in butler.last_text
    book = supervisor.transcript[-1].body
    assert "Handover: 🌙 Night shift" in book
    assert "Mrs Li in 3-1202 is unwell" in book
    assert "1. Lobby light flickering" in book
    assert reference in book
    assert told(chief, "Handover") == 0  # the incoming desk staff read it

    with time_machine.travel(_local(2, 8, 30), tick=False):
        await supervisor.says("/status")
        assert "Carried over by the last shift: <b>1</b>" in supervisor.last_text
        book_message = next(m for m in supervisor.transcript if "Handover:" in m.body)
        note_one = next(
            b["callback_data"]
            for b in book_message.inline_buttons()
            if b["text"] == "🔧 Note 1 → work order"
        )
        await supervisor.taps_on("🔧 Note 1 → work order", "Handover")
        made = str(await desk.scalar("select reference from tickets where kind = 'repair'"))
        assert made.startswith("BX-")
        book = next(m.body for m in supervisor.transcript if "Handover:" in m.body)
        assert f"Lobby light flickering → {made}" in book
        assert "Note 1 → work order" not in " ".join(supervisor.buttons())
        await supervisor.taps_data(note_one, message=book_message)  # an old copy's button
        assert await desk.scalar("select count(*) from tickets where kind = 'repair'") == 1
        await supervisor.taps_on("📝 Note 2 → complaint", "Handover")
        assert await desk.scalar("select count(*) from tickets") == 3
        await supervisor.taps_on("📋 Carried items now", "Handover")
        assert f"{reference}: still open" in supervisor.last_text
        await butler.taps_on("✔️ Resolve", reference)
        await butler.says("Spoke to 1302; music off")
        await supervisor.taps_on("📋 Carried items now", "Handover")
        assert f"{reference}: finished by Butler" in supervisor.last_text
        await supervisor.says("/status")
        assert "Carried over by the last shift: <b>0</b>" in supervisor.last_text
        await supervisor.taps_on("✅ Acknowledge", "Handover")
    assert "Acknowledged by Duty supervisor" in supervisor.last_text
    signed = await desk.scalar("select count(*) from acknowledgements where subject = 'handover'")
    assert signed == 1


async def test_the_senior_butler_signs_the_days_book(desk: DeskHarness) -> None:
    """The book reaches the senior butler, who signs it (*Sign*); one left unsigned is on
    their /status the next morning, and only theirs."""
    butler = await enroll(desk, 9021, "Butler", "Customer service", "B")
    supervisor = await enroll(desk, 9022, "Duty supervisor", "Customer service", "B")
    senior = await enroll(desk, 9023, "Senior butler", "Customer service", "No zone")
    with time_machine.travel(_local(1, 19, 50), tick=False):
        await butler.says("/handover")
        await butler.taps("☀️ Day shift 08:00-20:00")
        await butler.taps("Just me")
        await butler.taps("Nothing special")
        await butler.says("Gate 2 barrier stuck")
        await butler.taps("✅ Confirm")
    book = senior.transcript[-1]
    assert "Handover: ☀️ Day shift" in book.body
    labels = [b["text"] for b in book.inline_buttons()]
    assert "✍️ Sign the book" in labels
    assert "✅ Acknowledge" not in labels
    assert "✍️ Sign the book" not in " ".join(supervisor.buttons())
    handover = int(await desk.scalar("select id from handovers"))

    with time_machine.travel(_local(1, 21), tick=False):  # the same evening: not yet
        await senior.says("/status")
        assert "Handover books not signed: <b>0</b>" in senior.last_text
    with time_machine.travel(_local(2, 8, 30), tick=False):
        await butler.says("/status")
        assert "Handover books not signed" not in butler.last_text
        await supervisor.taps_data(f"ho:sign:{handover}")  # not theirs to sign
        assert await desk.scalar("select signed_at from handovers") is None
        await senior.says("/status")
        assert "Handover books not signed: <b>1</b>" in senior.last_text
        await senior.taps("✍️ Handover books not signed (1)")
        assert "Handover books not signed: 1" in senior.last_text
        await senior.taps("☀️ Day shift")
        assert "Gate 2 barrier stuck" in senior.last_text
        await senior.taps("✍️ Sign the book")
        assert "Signed by Senior butler (Senior butler)" in senior.last_text
        assert "✍️ Sign the book" not in " ".join(senior.buttons())
        await senior.says("/status")
        assert "Handover books not signed: <b>0</b>" in senior.last_text
    assert await desk.scalar("select signed_by_staff_id from handovers") is not None
    assert await desk.scalar("select signed_at from handovers") is not None

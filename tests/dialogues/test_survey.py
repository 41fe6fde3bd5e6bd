"""The yearly survey: a manager sends it, a thousand residents get it without a single 429
(the outbox paces it: at most 25 a second), answers are one tap each, results in /report."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import insert, select

from bot.clock import utcnow
from storage.models import Resident, Unit
from tests.conftest import DeskHarness
from tests.dialogues.helpers import enroll, register

CROWD = 1000


async def test_the_survey_reaches_everyone_paced_and_counts_each_answer_once(
    desk: DeskHarness,
) -> None:
    chief = await enroll(desk, 9101, "Chief butler", "Customer service", "No zone")
    butler = await enroll(desk, 9102, "Butler", "Customer service", "B")
    li = desk.sim.user(9111, language_code="en")
    await register(li)
    now = utcnow()
    async with desk.desk.engine.begin() as conn:
        unit = (await conn.execute(select(Unit.id).limit(1))).scalar_one()
        await conn.execute(
            insert(Resident),
            [
                {
                    "telegram_user_id": 500_000 + n,
                    "chat_id": 500_000 + n,
                    "name": f"Resident {n}",
                    "phone": "+8613800138000",
                    "unit_id": unit,
                    "language": "zh_Hans" if n % 2 else "en",
                    "confidential": False,
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(CROWD)
            ],
        )
    for n in range(CROWD):
        desk.api.known_chat(500_000 + n)

    await butler.says("/survey")
    assert "isn't available" in butler.last_text
    start = utcnow()
    with time_machine.travel(start, tick=False):
        await chief.says("/survey")
        await chief.taps("📨 Send it")
        assert f"on its way to {CROWD + 1} residents" in chief.last_text
    sent_before = desk.api.count("sendMessage")
    for second in range(1, 60):
        with time_machine.travel(start + timedelta(seconds=second), tick=False):
            await desk.deliver()
            sent = desk.api.count("sendMessage")
            assert sent - sent_before <= 25  # Telegram's ~30 a second, with room to spare
            sent_before = sent
    queued = await desk.scalar("select count(*) from outbox where purpose = 'survey'")
    delivered = await desk.scalar(
        "select count(*) from outbox where purpose = 'survey' and status = 'sent'"
    )
    assert queued == delivered == CROWD + 1
    assert not desk.api.refusals

    first = next(m for m in li.transcript if "yearly satisfaction survey" in m.body)
    again = first.inline_buttons()[0]["callback_data"]  # question 1, 1★
    await li.taps("5★")
    assert "Question 2 of 5" in li.last_text
    await li.taps_data(again, message=first)  # a second answer to question 1
    await li.taps_data(again.rsplit(":", 2)[0] + ":1:9", message=first)  # forged: 9 stars
    answer = list(desk.api.callback_answers.values())[-1]
    assert "no longer active" in str(answer.get("text"))
    for _ in range(4):
        await li.taps("4★")
    assert "Thank you for your answers" in li.last_text
    answers = await desk.column("select rating from survey_answers order by question")
    assert answers == [5, 4, 4, 4, 4]  # the second tap on question 1 changed nothing
    await chief.says("/report week")
    report = next(m.body for m in reversed(chief.transcript) if "Weekly report" in m.body)
    overall = "Overall, how satisfied are you with our property services?"
    assert f"{overall}: 5.0/5 (1 answers)" in report

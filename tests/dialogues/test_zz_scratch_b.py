import logging
from tests.conftest import DeskHarness
from tests.dialogues.helpers import enroll, file_complaint, register
from tests.sim import RetryAfter
from bot.clock import utcnow
from datetime import timedelta
import time_machine


async def test_scratch(desk: DeskHarness, caplog) -> None:
    caplog.set_level(logging.INFO)
    butler = await enroll(desk, 8201, "Butler", "Customer service", "B")
    engineer = await enroll(desk, 8203, "Department staff", "Engineering", "No zone")
    li = desk.sim.user(8302, language_code="en")
    await register(li)
    await file_complaint(li)
    ref = await desk.scalar("select reference from tickets")
    await butler.taps_on("✅ Accept", ref)
    desk.api.inject(RetryAfter(3), method="editMessageText")
    await engineer.taps_on("✅ Accept", ref)
    print([ (m.message_id, m.body[:40], len(m.edits)) for m in engineer.transcript][-3:])
    print(await desk.column("select id || ' ' || purpose || ' ' || status || ' ' || coalesce(telegram_message_id,'-') from outbox where status != 'sent'"))
    print([r.getMessage() for r in caplog.records if r.name.startswith(("handlers", "scheduler", "bot"))][-8:])

"""What the fuzz test (test_fuzz.py) found, each pinned by a focused test of its own."""

from __future__ import annotations

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import utcnow
from tests.conftest import DeskHarness
from tests.dialogues.helpers import enroll, file_complaint, register
from tests.dialogues.test_orders import order_cake

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def test_a_birthday_escort_task_starts_its_timeline_with_its_status(
    desk: DeskHarness,
) -> None:
    """Every item's first entry records the status it starts in, so its timeline says
    what it is: the manager's task to go along with a birthday cake had none."""
    await enroll(desk, 8801, "Department staff", "Concierge", "B")
    await enroll(desk, 8802, "Senior butler", "Customer service", "B")
    li = desk.sim.user(8811, language_code="en")
    await register(li)
    await order_cake(li, (utcnow().astimezone(SHANGHAI) + timedelta(days=2)).date())
    await li.taps("✍️ Confirm and sign")

    first = await desk.column(
        "select e.status from ticket_events e join tickets t on t.id = e.ticket_id "
        "where t.kind = 'task' and e.kind = 'created'"
    )
    assert first == ["new"]


def _failed(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


FORGED = (
    "t:acc:2147483648",  # past PostgreSQL's INTEGER: it refused the query itself
    "rg:o:10000000000000000000:0",  # past 64 bits: SQLite refused it
    "rg:o:²:0",  # a digit to str.isdigit, but no number to int
    "rg:f:²:0",
)


async def test_a_forged_button_with_a_number_no_row_can_have_is_refused_politely(
    desk: DeskHarness, caplog: pytest.LogCaptureFixture
) -> None:
    butler = await enroll(desk, 8821, "Butler", "Customer service", "B")
    li = desk.sim.user(8831, language_code="en")
    await register(li)
    await file_complaint(li)
    for data in FORGED:
        answered = len(desk.api.callback_answers)
        await butler.taps_data(data)
        assert _failed(caplog) == [], data
        assert len(desk.api.callback_answers) == answered + 1, data  # refused, like any forgery
        assert "went wrong" not in butler.last_text, data


async def test_a_typed_number_that_is_no_number_is_asked_again(
    desk: DeskHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """ "①" and "²" are digits to str.isdigit but no number to int; int refuses 5,000
    digits. Each is explained and asked again; a full-width digit is a number."""
    li = desk.sim.user(8841, language_code="en")
    await register(li)
    await li.taps("🎂 Order a service")
    await li.taps("Home cleaning")
    for typed in ("①", "²", "9" * 5000):
        await li.says(typed)
        assert _failed(caplog) == [], typed[:5]
        assert "How many hours?" in li.last_text, typed[:5]
    await li.says("３")
    assert "Which rooms" in li.last_text

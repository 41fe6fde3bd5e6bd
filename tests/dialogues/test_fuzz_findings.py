"""What the fuzz test (test_fuzz.py) found, each pinned by a focused test of its own."""

from __future__ import annotations

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import utcnow
from bot.domain.flood import FloodGate
from bot.domain.tickets import Draft, LocationKind, TicketKind
from bot.services import tickets
from bot.services.notifier import Notifier
from handlers.flood import GATE_KEY
from scheduler.outbox import OutboxSender, Pacing
from storage.uow import UnitOfWork
from tests.conftest import DeskHarness
from tests.dialogues.helpers import at, enroll, file_complaint, register
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
    await li.taps("✍️ Sign")

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


async def test_a_delivered_reply_is_forgotten_while_telegrams_rate_is_used_up(
    desk: DeskHarness,
) -> None:
    """A turn's reply, delivered, waits for the sender's next transaction to delete its
    row. A sender that found Telegram's overall rate used up returned before deleting, so
    the row stayed "sending", and would have been reported unknown once its lease ran out."""
    li = desk.sim.user(8851, language_code="en")
    await register(li)
    sender = desk.desk.outbox
    assert isinstance(sender, OutboxSender)
    for chat in range(sender.pacing.per_second):  # a burst (a survey, say) just went out
        sender.pacing.sent(chat, utcnow())

    await li.says("/help")
    await desk.deliver()

    assert "hotline" in li.last_text
    assert await desk.column("select status from outbox where status = 'sending'") == []


async def test_talk_in_a_group_is_not_counted_by_the_flood_limit_nor_answered_there(
    desk: DeskHarness,
) -> None:
    """The flood limit counted what people said in a group the bot is in, and told them
    off there, in front of the group; their next private message was then ignored."""
    li = desk.sim.user(8861, language_code="en")
    await register(li)
    desk.application.bot_data[GATE_KEY] = FloodGate(3, timedelta(minutes=1))
    group = -1001000000077
    for n in range(6):
        await li.says_in_group(group, f"Anyone else without hot water? ({n})")

    await li.says("/help")

    assert desk.api.messages(group) == []
    assert "hotline" in li.last_text


async def _file_many(desk: DeskHarness, resident: int, count: int) -> None:
    """Complaints filed through the filing service, as the dialogue would (faster)."""
    async with UnitOfWork(desk.desk.sessions) as uow:
        card = (await uow.residents.snapshot(resident)).resident
        assert card is not None
        notifier = Notifier(uow, desk.desk.views)
        for n in range(count):
            draft = Draft(
                TicketKind.COMPLAINT,
                f"Lamp {n} out on the third floor",
                category="facilities",
                location_kind=LocationKind.COMMON_AREA,
                location_text="Stairwell of building 3",
            )
            await tickets.file_ticket(
                uow,
                notifier,
                resident=card,
                draft=draft,
                policy=desk.desk.policy,
                tz=desk.desk.settings.tz,
                now=utcnow(),
            )
        await uow.commit()
    await desk.deliver()


async def test_a_digest_of_many_late_items_is_not_refused_for_its_length(
    desk: DeskHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """Fifty items late at once for one person made a digest of fifty lines, longer than
    Telegram takes (and past a hundred, more buttons than it takes): refused, and lost.
    It lists the first of them and counts the rest."""
    butler = await enroll(desk, 8871, "Butler", "Customer service", "B")
    li = desk.sim.user(8881, language_code="en")
    await register(li)
    assert isinstance(desk.desk.outbox, OutboxSender)
    desk.desk.outbox.pacing = Pacing(per_chat=timedelta(0), per_second=10_000)  # not the point
    await _file_many(desk, li.user_id, 50)

    await at(desk, utcnow() + timedelta(hours=1, minutes=5))  # every first answer is late

    assert _failed(caplog) == []
    assert await desk.column("select status from outbox where status = 'failed'") == []
    digest = next(m for m in butler.transcript if "50 items are late for you" in m.body)
    assert len(digest.inline_buttons()) == 30
    assert "and 20 more: /overdue lists every one" in digest.plain


async def test_a_queued_text_longer_than_telegram_takes_is_cut_not_refused(
    desk: DeskHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """Replies were cut to Telegram's 4,096 characters; what went through the outbox (cards,
    reminders, digests, notices) was sent as long as it was drawn, and refused."""
    li = desk.sim.user(8891, language_code="en")
    await register(li)
    async with UnitOfWork(desk.desk.sessions) as uow:
        uow.outbox.add(chat_id=li.chat_id, text="<b>𠼡</b>" * 2100, purpose="test", now=utcnow())
        await uow.commit()
    await desk.deliver()

    assert _failed(caplog) == []
    assert await desk.column("select status from outbox where purpose = 'test'") == ["sent"]
    assert li.transcript[-1].plain.endswith("…")


async def test_a_reminder_that_comes_after_its_moment_leaves_it_to_the_late_card(
    desk: DeskHarness,
) -> None:
    """After a pause of the clock (downtime), "due soon" fires after the deadline: it
    said "(in -5 minutes)". The late card, due at that deadline, says it once."""
    butler = await enroll(desk, 8895, "Butler", "Customer service", "B")
    li = desk.sim.user(8896, language_code="en")
    await register(li)
    await file_complaint(li)

    await at(desk, utcnow() + timedelta(hours=1, minutes=5))

    said = [m.plain for m in butler.transcript]
    assert not any("Reminder" in m for m in said)
    assert sum("Late: the first answer" in m for m in said) == 1
    assert not any("in -" in m for m in said)

"""The acknowledgement goes through the outbox: Telegram errors delay it, never lose it."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import text as sql

from bot.__main__ import main
from bot.clock import utcnow
from bot.config import Settings
from bot.htmltext import Html
from bot.i18n import Catalogues
from bot.services.notices import staff_card, to_json
from scheduler.outbox import EDIT_PURPOSE, Pacing
from storage.uow import UnitOfWork
from tests.conftest import DeskHarness
from tests.dialogues.helpers import enroll, fill_complaint, register
from tests.sim import (
    FakeBotAPI,
    NetworkDown,
    Persona,
    RetryAfter,
    ServerError,
    TimeoutAfterDelivery,
)


def acks(harness: DeskHarness, chat: int) -> list[str]:
    return [m.body for m in harness.api.messages(chat) if "registered as" in m.body]


async def test_429_waits_retry_after_then_delivers_once(harness: DeskHarness) -> None:
    li = harness.sim.user(4001, language_code="en")
    await register(li)
    await fill_complaint(li)
    harness.api.inject(RetryAfter(30), method="sendMessage", chat_id=4001)
    await li.taps("Confirm")
    assert acks(harness, 4001) == []
    assert await harness.scalar("select status from outbox") == "pending"
    await harness.deliver()
    assert acks(harness, 4001) == []  # still inside retry_after
    with time_machine.travel(utcnow() + timedelta(seconds=31), tick=False):
        await harness.deliver()
        await harness.deliver()
    assert len(acks(harness, 4001)) == 1
    assert await harness.scalar("select attempts from outbox") == 2
    assert await harness.scalar("select telegram_message_id from outbox") is not None


async def test_server_errors_and_network_failures_back_off(harness: DeskHarness) -> None:
    li = harness.sim.user(4002, language_code="en")
    await register(li)
    await fill_complaint(li)
    harness.api.inject(ServerError(500), method="sendMessage", chat_id=4002)
    harness.api.inject(NetworkDown(), method="sendMessage", chat_id=4002)
    await li.taps("Confirm")
    assert acks(harness, 4002) == []
    with time_machine.travel(utcnow() + timedelta(seconds=6), tick=False):
        await harness.deliver()
        assert acks(harness, 4002) == []  # the network is down this time
    with time_machine.travel(utcnow() + timedelta(seconds=30), tick=False):
        await harness.deliver()
    assert len(acks(harness, 4002)) == 1
    assert await harness.scalar("select status from outbox") == "sent"


async def test_blocked_resident_is_marked_undeliverable(harness: DeskHarness) -> None:
    li = harness.sim.user(4003, language_code="en")
    await register(li)
    await li.taps("💡 Suggestion")
    await li.says("Idea")
    harness.api.block(4003)
    await li.taps("Confirm")
    assert await harness.scalar("select count(*) from tickets") == 1
    assert await harness.scalar("select status from outbox") == "undeliverable"


async def test_timeout_with_unknown_outcome_is_not_resent(harness: DeskHarness) -> None:
    li = harness.sim.user(4004, language_code="en")
    await register(li)
    await fill_complaint(li)
    harness.api.inject(TimeoutAfterDelivery(), method="sendMessage", chat_id=4004)
    await li.taps("Confirm")
    with time_machine.travel(utcnow() + timedelta(hours=2), tick=False):
        await harness.deliver()
    assert len(acks(harness, 4004)) == 1
    assert await harness.scalar("select status from outbox") == "unknown"


async def test_crash_between_commit_and_send_still_delivers(migrated: Settings) -> None:
    api = FakeBotAPI()
    async with DeskHarness(api, migrated) as first:
        li = first.sim.user(4005, language_code="en")
        await register(li)
        await fill_complaint(li)
        first.sim.after_update = None  # the process dies before its sender runs
        await li.taps("Confirm")
        assert acks(first, 4005) == []
        # Reserved for the process that wrote it, which died before sending.
        assert await first.scalar("select status from outbox") == "sending"
    async with DeskHarness(api, migrated) as second:
        await second.deliver()
        assert acks(second, 4005) == []  # the dead process's lease still runs
        with time_machine.travel(utcnow() + timedelta(minutes=3), tick=False):
            await second.deliver()
            await second.deliver()
        assert len(acks(second, 4005)) == 1


async def test_a_refused_dialogue_reply_is_queued_not_lost(harness: DeskHarness) -> None:
    li = harness.sim.user(4006, language_code="en")
    await register(li)
    harness.api.inject(RetryAfter(5), method="sendMessage", chat_id=4006)
    harness.sim.after_update = None
    await li.taps("📝 Complaint")
    assert "What is it about?" not in li.last_text
    assert await harness.scalar("select purpose from outbox") == "deferred_reply"
    with time_machine.travel(utcnow() + timedelta(seconds=6), tick=False):
        await harness.deliver()
    assert "What is it about?" in li.last_text
    await li.taps("Fees")
    assert "describe what happened" in li.last_text


async def test_messages_to_one_chat_are_paced_one_per_second(harness: DeskHarness) -> None:
    assert harness.desk.outbox is not None
    harness.desk.outbox.pacing = Pacing()
    li = harness.sim.user(4007, language_code="en")
    await register(li)
    harness.sim.after_update = None
    start = utcnow()
    with time_machine.travel(start, tick=False):
        async with UnitOfWork(harness.desk.sessions) as uow:
            for n in range(3):
                uow.outbox.add(chat_id=4007, text=f"notice {n}", purpose="test", now=utcnow())
            await uow.commit()
        await harness.deliver()
        assert [m.body for m in li.transcript if m.body.startswith("notice")] == ["notice 0"]
    for second in (1, 2):
        with time_machine.travel(start + timedelta(seconds=second), tick=False):
            await harness.deliver()
    assert [m.body for m in li.transcript if m.body.startswith("notice")] == [
        "notice 0",
        "notice 1",
        "notice 2",
    ]
    assert await harness.scalar("select max(attempts) from outbox where purpose='test'") == 1


async def test_a_card_for_a_chat_written_to_this_second_is_queued_for_its_turn(
    desk: DeskHarness,
) -> None:
    """Two items filed in one second reach the zone's butler one second apart: the second
    card is queued with its item for when the chat may be written to again, not handed to
    the sender to be put back, nor drawn before then; it goes out once, then."""
    assert desk.desk.outbox is not None
    desk.desk.outbox.pacing = Pacing()
    butler = await enroll(desk, 4012, "Butler", "Customer service", "B", name="Zhao")
    li = desk.sim.user(4013, language_code="en")
    wu = desk.sim.user(4014, language_code="en")
    await register(li)  # building 3: zone B
    await register(wu, name="Wu Fang", unit="1201")
    await fill_complaint(li, "The corridor light flickers")
    await fill_complaint(wu, "The lobby door sticks")
    desk.sim.after_update = None  # the process's sender runs when the test says
    start = utcnow() + timedelta(minutes=1)  # past every message registering sent
    with time_machine.travel(start, tick=False):
        await li.taps("Confirm")
        await desk.desk.outbox.deliver_mine()
        await wu.taps("Confirm")
        # Queued for its turn, not leased to this process to be taken and put back.
        cards_queued = "from outbox where chat_id = 4012 and purpose = 'notice.new_item'"
        assert await desk.scalar(f"select count(*) {cards_queued}") == 2
        waiting = f"{cards_queued} and status = 'pending' and lease_until is null"
        assert await desk.scalar(f"select count(*) {waiting}") == 1
        # … as data: drawn when it goes, not now in the resident's way.
        drawn_later = f"{waiting} and text is null and notice is not null"
        assert await desk.scalar(f"select count(*) {drawn_later}") == 1
        assert await desk.scalar(f"select count(*) {cards_queued} and status = 'sending'") == 0
        await desk.desk.outbox.deliver_mine()
        cards = [m.body for m in butler.transcript if "New item for you" in m.body]
        assert len(cards) == 1
        assert "corridor light" in cards[0]
        await desk.deliver()
    with time_machine.travel(start + timedelta(seconds=1), tick=False):
        await desk.deliver()
        await desk.deliver()
    cards = [m.body for m in butler.transcript if "New item for you" in m.body]
    assert len(cards) == 2
    assert "lobby door" in cards[1]


async def test_a_queue_behind_the_pacing_is_left_alone_until_its_turn(
    harness: DeskHarness,
) -> None:
    """Cards pile up for one staff member in a busy hour (one message a second per chat):
    a run of the sender takes only what may go now, so its work does not grow with the
    queue, and a message for someone else queued behind the pile still goes out at once."""
    assert harness.desk.outbox is not None
    harness.desk.outbox.pacing = Pacing()
    butler, li = harness.sim.user(4010), harness.sim.user(4011)
    start = utcnow()
    with time_machine.travel(start, tick=False):
        async with UnitOfWork(harness.desk.sessions) as uow:
            for n in range(200):
                uow.outbox.add(chat_id=4010, text=f"card {n}", purpose="test", now=utcnow())
            uow.outbox.add(chat_id=4011, text="notice", purpose="test", now=utcnow())
            await uow.commit()
        await harness.deliver()
    assert [m.body for m in li.transcript] == ["notice"]
    put_back = await harness.scalar(
        "select count(*) from outbox where purpose = 'test' and not_before > created_at"
    )
    assert put_back == harness.desk.outbox.batch - 1  # one batch taken, not the queue
    for second in (1, 2, 3):
        with time_machine.travel(start + timedelta(seconds=second), tick=False):
            await harness.deliver()
    assert [m.body for m in butler.transcript] == [f"card {n}" for n in range(4)]


def test_overall_rate_is_capped() -> None:
    pacing = Pacing(per_second=25)
    now = utcnow()
    for chat in range(25):
        assert pacing.wait_for(chat, now) is None
        pacing.sent(chat, now)
    assert pacing.wait_for(999, now) == now + timedelta(seconds=1)
    assert pacing.busy(now) is None  # no chat may be written to in this second
    assert pacing.wait_for(999, now + timedelta(seconds=1)) is None
    assert pacing.busy(now + timedelta(seconds=1)) == set()
    pacing.sent(7, now + timedelta(seconds=1))
    assert pacing.busy(now + timedelta(seconds=1.5)) == {7}


async def test_a_queued_notice_left_with_nothing_to_say_is_done_with(
    harness: DeskHarness,
) -> None:
    """A notice queued as data whose item is gone by the time it is sent: no request, and
    its row is closed (undeliverable), not left "sending" to turn "unknown" at a restart."""
    async with UnitOfWork(harness.desk.sessions) as uow:
        notice = staff_card(4010, 999_999, "notice.reoffered")  # no such item (any more)
        uow.outbox.add_notice(
            chat_id=4010, notice=to_json(notice), purpose="reminder", now=utcnow()
        )
        await uow.commit()
    sent = harness.api.count("sendMessage")
    await harness.deliver()
    assert harness.api.count("sendMessage") == sent
    assert await harness.scalar("select status from outbox") == "undeliverable"
    assert await harness.scalar("select last_error from outbox") == "no reader"


async def test_undeliverable_notice_is_written_to_the_items_timeline(
    harness: DeskHarness,
) -> None:
    li = harness.sim.user(4008, language_code="en")
    await register(li)
    await fill_complaint(li)
    harness.api.block(4008)
    await li.taps("Confirm")
    assert await harness.scalar("select status from outbox") == "undeliverable"
    assert (
        await harness.scalar("select count(*) from ticket_events where kind = 'undeliverable'")
        == 1
    )


async def _reach_phone_step(li: Persona) -> None:
    await li.says("/start")


MARKUP_KINDS = {
    # kind: (what the person does first, what triggers the deferred reply, the text expected)
    "reply_keyboard": (register, lambda li: li.says("/menu"), "What can we do for you?"),
    "inline_keyboard": (register, lambda li: li.taps("📝 Complaint"), "We are sorry"),
    "keyboard_removal": (_reach_phone_step, lambda li: li.shares_contact(), "Phone: +86"),
    "none": (register, lambda li: li.says("/nonsense"), "Sorry, I don't know that command"),
}


@pytest.mark.parametrize("kind", list(MARKUP_KINDS))
async def test_every_markup_kind_survives_a_429_and_is_delivered_once(
    harness: DeskHarness, kind: str
) -> None:
    before, action, expected = MARKUP_KINDS[kind]
    li = harness.sim.user(4100, language_code="en")
    await before(li)
    already = len(li.transcript)
    harness.api.inject(RetryAfter(5), method="sendMessage", chat_id=4100)
    await action(li)
    assert not any(m.body.startswith(expected) for m in li.transcript[already:])
    with time_machine.travel(utcnow() + timedelta(seconds=6), tick=False):
        await harness.deliver()
        await harness.deliver()
    delivered = [m for m in li.transcript[already:] if m.body.startswith(expected)]
    assert len(delivered) == 1, [m.body for m in li.transcript[already:]]
    markup = delivered[0].reply_markup
    if kind == "reply_keyboard":
        assert markup is not None
        assert "keyboard" in markup
        assert harness.api.reply_keyboard(4100) == markup  # the person has the menu back
    elif kind == "inline_keyboard":
        assert markup is not None
        assert delivered[0].inline_buttons()
        await li.taps("Fees")  # the deferred buttons work
        assert "describe what happened" in li.last_text
    elif kind == "keyboard_removal":
        assert markup == {"remove_keyboard": True}
        assert harness.api.reply_keyboard(4100) is None
    else:
        assert markup is None
    statuses = await harness.column("select status from outbox order by id")
    assert statuses
    assert set(statuses) == {"sent"}


def test_a_row_that_cannot_be_built_fails_alone_and_is_reported(
    migrated: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def scenario() -> list[object]:
        async with DeskHarness(FakeBotAPI(), migrated) as desk:
            desk.expected_refusals.add("message text is empty")
            li = desk.sim.user(4200, language_code="en")
            await register(li)
            desk.sim.after_update = None
            async with UnitOfWork(desk.desk.sessions) as uow:
                now = utcnow()
                uow.outbox.add(
                    chat_id=4200,
                    text="broken",
                    purpose="test",
                    now=now,
                    reply_markup={"bogus": True},
                )
                # Refused for good: nothing left to read (a long text is cut, not refused).
                uow.outbox.add(chat_id=4200, text=Html("<b> </b>"), purpose="test", now=now)
                uow.outbox.add(chat_id=4200, text="behind them", purpose="test", now=now)
                await uow.commit()
            await desk.deliver()
            assert [m.body for m in li.transcript][-1] == "behind them"
            return await desk.column("select status from outbox where purpose='test' order by id")

    assert asyncio.run(scenario()) == ["failed", "failed", "sent"]
    monkeypatch.setenv("BOT_TOKEN", migrated.bot_token.get_secret_value())
    monkeypatch.setenv("DATABASE_URL", migrated.database_url)
    assert main(["outbox"]) == 0
    report = capsys.readouterr().out
    assert re.search(r"failed\s+2", report)
    assert "unknown kind" in report
    assert "Message text is empty" in report


def test_a_text_refused_for_its_formatting_goes_out_as_plain_text(
    migrated: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Escaping makes this a bug, but the staff card must still arrive: sent once more as
    plain text, logged with its key, and kept in the outbox with Telegram's reason for an
    operator to see. So is a queued redraw of a message (an edit) refused the same way."""

    async def scenario() -> tuple[list[object], str | None, str, str]:
        async with DeskHarness(FakeBotAPI(), migrated) as desk:
            desk.expected_refusals.add("can't parse entities")
            li = desk.sim.user(4201, language_code="en")
            await register(li)
            desk.sim.after_update = None
            async with UnitOfWork(desk.desk.sessions) as uow:
                now = utcnow()
                # Html(...) vouches for the text as HTML: a plain str would be escaped.
                broken = Html("<b>New item</b>: Doors & windows <i>stuck")
                uow.outbox.add(chat_id=4201, text=broken, purpose="notice.new_item", now=now)
                uow.outbox.add(chat_id=4201, text=Html("<b>next</b>"), purpose="test", now=now)
                await uow.commit()
            await desk.deliver()
            plain, after = li.transcript[-2], li.transcript[-1]
            async with UnitOfWork(desk.desk.sessions) as uow:
                redraw = uow.outbox.add(
                    chat_id=4201,
                    text=Html("<b>next</b> & <i>after"),
                    purpose=EDIT_PURPOSE,
                    now=utcnow(),
                )
                redraw.telegram_message_id = after.message_id
                await uow.commit()
            await desk.deliver()
            statuses = await desk.column("select status from outbox where chat_id = 4201")
            shown = plain.plain + "|" + after.plain
            return statuses, plain.parse_mode, shown, li.transcript[-1].plain

    caplog.set_level(logging.ERROR, logger="bot.sending")
    statuses, mode, shown, redrawn = asyncio.run(scenario())
    assert set(statuses) == {"sent"}
    assert mode is None
    assert shown == "New item: Doors & windows stuck|next & after"
    assert redrawn == "next & after"
    refused = [r.getMessage() for r in caplog.records if r.name == "bot.sending"]
    assert any("notice.new_item" in line and "sent as plain text" in line for line in refused)
    assert any(EDIT_PURPOSE in line and "edited as plain text" in line for line in refused)
    monkeypatch.setenv("BOT_TOKEN", migrated.bot_token.get_secret_value())
    monkeypatch.setenv("DATABASE_URL", migrated.database_url)
    assert main(["outbox"]) == 0
    report = capsys.readouterr().out
    assert "notice.new_item: sent as plain text: Can't parse entities" in report
    assert f"{EDIT_PURPOSE}: edited as plain text: Can't parse entities" in report


def test_a_reply_and_a_redraw_refused_for_their_formatting_are_listed_by_key(
    migrated: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A turn's own reply and its redraw of the tapped message, refused for their HTML (a
    catalogue text broken on purpose here), reach the person as plain text and are listed
    by `python -m bot outbox` under their catalogue keys, not the purpose all replies
    share."""
    broken = {"complaint.ask_category", "complaint.category_chosen"}
    render = Catalogues.t

    def t(self: Catalogues, language: str, key: str, /, **values: object) -> Html:
        text = render(self, language, key, **values)
        return text + Html("<i>") if key in broken else text  # an unclosed tag

    async def scenario() -> tuple[list[tuple[object, ...]], list[str | None]]:
        async with DeskHarness(FakeBotAPI(), migrated) as desk:
            desk.expected_refusals.add("can't parse entities")
            li = desk.sim.user(4202, language_code="en")
            await register(li)
            with monkeypatch.context() as patch:
                patch.setattr(Catalogues, "t", t)
                await li.taps("📝 Complaint")
                asked = [li.transcript[-1].parse_mode, li.transcript[-1].plain[:14]]
                await li.taps("Facilities (lifts, lights, water, power, A/C)")
            async with desk.desk.engine.connect() as conn:
                rows = await conn.execute(
                    sql(
                        "select purpose, status, last_error from outbox where chat_id = 4202 "
                        "and last_error is not null order by id"
                    )
                )
                found = [tuple(row) for row in rows]
            return found, asked

    caplog.set_level(logging.ERROR, logger="bot.sending")
    rows, asked = asyncio.run(scenario())
    assert asked == [None, "We are sorry f"]  # arrived, as plain text
    assert [(purpose, status) for purpose, status, _ in rows] == [
        ("complaint.ask_category", "sent"),
        ("complaint.category_chosen", "sent"),
    ]
    assert rows[0][2].startswith("sent as plain text: Can't parse entities")
    assert rows[1][2].startswith("edited as plain text: Can't parse entities")
    refused = [r.getMessage() for r in caplog.records if r.name == "bot.sending"]
    assert any("a reply complaint.ask_category" in line for line in refused)
    assert any("the tapped message complaint.category_chosen" in line for line in refused)
    monkeypatch.setenv("BOT_TOKEN", migrated.bot_token.get_secret_value())
    monkeypatch.setenv("DATABASE_URL", migrated.database_url)
    assert main(["outbox"]) == 0
    report = capsys.readouterr().out
    assert "complaint.ask_category: sent as plain text: Can't parse entities" in report
    assert "complaint.category_chosen: edited as plain text: Can't parse entities" in report

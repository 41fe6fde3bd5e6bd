"""What the process owes Telegram when it dies, found by the kill -9 matrix
(tests/e2e/test_kill_matrix.py):

- a queued message (a card, a reminder, a note to the resident) whose request Telegram got
  just before the process died is not said again by the next process: like a reply in
  flight (tests/dialogues/test_updates_once.py), its attempt is committed before the
  request leaves, so the next start finds it `unknown` instead of due (a card and "your
  order is on its way" came twice);
- a redraw a committed turn had not made yet (the follow-up's rating buttons, a card's next
  buttons) is made by the next process: it is queued with the turn's commit, as its
  replies are (the rating could no longer be given, a card's next step not be tapped)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine

from bot.__main__ import _outbox_report
from bot.clock import utcnow
from bot.config import Settings
from handlers.output import EditTapped
from scheduler import outbox
from scheduler.recovery import take_over
from storage.uow import UnitOfWork
from tests.conftest import DeskHarness
from tests.dialogues.helpers import at, enroll, file_complaint, register
from tests.sim import FakeBotAPI, Persona

CHAT = 5301
NOTICE = "Reminder: the lobby lift is due to be fixed by 18:00"


class ProcessDied(BaseException):
    """The process is gone at this point: nothing after it runs."""


async def test_a_notice_in_flight_when_the_process_died_is_not_said_twice(
    migrated: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = FakeBotAPI()
    api.known_chat(CHAT)
    async with DeskHarness(api, migrated) as first:
        async with UnitOfWork(first.desk.sessions) as uow:
            uow.outbox.add(chat_id=CHAT, text=NOTICE, purpose="reminder", now=utcnow())
            await uow.commit()
        send = outbox.send_html

        async def dies_waiting(*args: Any, **kwargs: Any) -> Any:
            await send(*args, **kwargs)  # Telegram has it …
            raise ProcessDied  # … and the process never hears back

        monkeypatch.setattr(outbox, "send_html", dies_waiting)
        with pytest.raises(ProcessDied):
            await first.deliver()
        monkeypatch.setattr(outbox, "send_html", send)
    assert [m.body for m in api.messages(CHAT)] == [NOTICE]
    async with DeskHarness(api, migrated) as second:
        lock = await take_over(second.desk)  # SQLite: the next start, alone on the file
        try:
            # PostgreSQL: the dead process's lease runs out.
            with time_machine.travel(utcnow() + timedelta(minutes=3), tick=False):
                await second.deliver()
        finally:
            if lock is not None:
                lock.release()
        assert [m.body for m in api.messages(CHAT)] == [NOTICE]
        assert await second.scalar("select status from outbox") == "unknown"


async def test_of_a_batch_cut_short_only_the_message_in_flight_is_of_unknown_fate(
    migrated: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ones sent before it are known sent (their outcomes go with the next attempt's
    commit), the ones after it were never tried and go out: the operator checks one."""
    api = FakeBotAPI()
    chats = [CHAT + n for n in range(1, 5)]
    for chat in chats:
        api.known_chat(chat)
    async with DeskHarness(api, migrated) as first:
        async with UnitOfWork(first.desk.sessions) as uow:
            for chat in chats:
                text = f"{NOTICE} ({chat})"
                uow.outbox.add(chat_id=chat, text=text, purpose="reminder", now=utcnow())
            await uow.commit()
        send = outbox.send_html
        sent: list[int] = []

        async def dies_at_the_third(bot: Any, chat_id: int, *args: Any, **kwargs: Any) -> Any:
            message = await send(bot, chat_id, *args, **kwargs)
            sent.append(chat_id)
            if len(sent) == 3:
                raise ProcessDied  # Telegram has it, the process never hears back
            return message

        monkeypatch.setattr(outbox, "send_html", dies_at_the_third)
        with pytest.raises(ProcessDied):
            await first.deliver()
        monkeypatch.setattr(outbox, "send_html", send)
    async with DeskHarness(api, migrated) as second:
        lock = await take_over(second.desk)  # SQLite: the next start, alone on the file
        try:
            with time_machine.travel(utcnow() + timedelta(minutes=3), tick=False):
                await second.deliver()  # PostgreSQL: once the dead process's lease ran out
        finally:
            if lock is not None:
                lock.release()
        statuses = await second.column("select status from outbox order by id")
    assert statuses == ["sent", "sent", "unknown", "sent"]
    assert all(len(api.messages(chat)) == 1 for chat in chats)


async def _resolved(
    desk: DeskHarness, settings: Settings, butler_id: int, resident_id: int
) -> tuple[Persona, datetime]:
    """A resident's complaint resolved by the zone's butler today; the resident, and the
    next morning's moment when the clock asks them whether it was solved."""
    butler = await enroll(desk, butler_id, "Butler", "Customer service", "B")
    li = desk.sim.user(resident_id, language_code="en")
    await register(li)
    await file_complaint(li)
    await butler.taps("✅ Accept")
    await butler.taps("✔️ Resolve")
    await butler.says("Lift repaired")
    local = utcnow().astimezone(settings.tz) + timedelta(days=1)
    return li, local.replace(hour=10, minute=1, second=0, microsecond=0)


async def test_a_redraw_the_process_died_before_making_is_made_by_the_next(
    clock_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = FakeBotAPI()
    async with DeskHarness(api, clock_settings) as first:
        li, morning = await _resolved(first, clock_settings, 5311, 5312)
        await at(first, morning)
        assert "Was it solved?" in li.last_text

        async def dies(self: EditTapped, *args: Any) -> None:
            raise ProcessDied  # committed, the callback query answered, nothing redrawn

        monkeypatch.setattr(EditTapped, "deliver", dies)
        with time_machine.travel(morning, tick=False), pytest.raises(ProcessDied):
            await li.taps("👍 Yes, solved")
        monkeypatch.undo()
    assert "5 ★" not in li.buttons()
    async with DeskHarness(api, clock_settings) as second:
        with time_machine.travel(morning + timedelta(minutes=3), tick=False):
            lock = await take_over(second.desk)  # SQLite: the next start, alone on the file
            try:
                await second.deliver()  # PostgreSQL: once the dead process's lease ran out
            finally:
                if lock is not None:
                    lock.release()
            again = second.sim.user(5312, language_code="en")
            await again.taps("5 ★")  # the rating buttons are there: the answer is taken
        assert await second.scalar("select rating from tickets") == 5
        assert await second.scalar("select count(*) from outbox where status <> 'sent'") == 0


async def test_a_notice_rendered_as_it_left_keeps_its_words_for_the_operator(
    clock_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clock queues its messages as data, rendered as they leave (the follow-up's
    question here): the row found `unknown` after the process died keeps the text it went
    out with, so `python -m bot outbox` can say what the resident may have."""
    api = FakeBotAPI()
    async with DeskHarness(api, clock_settings) as first:
        li, morning = await _resolved(first, clock_settings, 5321, 5322)
        send = outbox.send_html

        async def dies_asking(bot: Any, chat_id: int, *args: Any, **kw: Any) -> Any:
            await send(bot, chat_id, *args, **kw)
            raise ProcessDied  # Telegram has the question; the process never hears back

        monkeypatch.setattr(outbox, "send_html", dies_asking)
        with pytest.raises(ProcessDied):
            await at(first, morning)
        monkeypatch.undo()
    asked = li.last_text
    assert "Was it solved?" in asked
    async with DeskHarness(api, clock_settings) as second:
        with time_machine.travel(morning + timedelta(minutes=3), tick=False):
            lock = await take_over(second.desk)
            try:
                await second.deliver()
            finally:
                if lock is not None:
                    lock.release()
        rows = await second.column(
            "select text from outbox where status = 'unknown' and chat_id = :chat", chat=5322
        )
    assert len(rows) == 1
    assert isinstance(rows[0], str)
    assert "Was it solved?" in rows[0]
    assert [m.body for m in li.transcript].count(asked) == 1  # not asked again
    listed = await _outbox_report(clock_settings)
    assert any(line.startswith("#") and "Was it solved?" in line for line in listed.splitlines())

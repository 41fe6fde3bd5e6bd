"""A queued message (a card, a reminder, a note to the resident) whose request Telegram got
just before the process died is not said again by the next process: like a reply in flight
(tests/dialogues/test_updates_once.py), its attempt is committed before the request leaves,
so the next start finds it `unknown` instead of due. Found by the kill -9 matrix
(tests/e2e/test_kill_matrix.py): a card and "your order is on its way" came twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine

from bot.clock import utcnow
from bot.config import Settings
from scheduler import outbox
from scheduler.recovery import take_over
from storage.uow import UnitOfWork
from tests.conftest import DeskHarness
from tests.sim import FakeBotAPI

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

"""Every update applied once, every reply said once, whatever the process goes through:
an update Telegram sends again, a crash between commit and reply, a crash mid-request,
and polling that confirms only what is done."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from telegram import Update

from bot.clock import utcnow
from bot.config import Settings
from bot.polling import Poller, PollingConflict
from handlers.output import Send, Target
from handlers.runtime import Turn
from scheduler.recovery import SenderLock, take_over
from scheduler.sweep import forget_handled_updates
from storage.db import is_sqlite, normalise_url
from tests.conftest import DeskHarness
from tests.dialogues.helpers import fill_complaint, register
from tests.sim import FakeBotAPI, Persona, RetryAfter, ServerError, TelegramSim

HELP = "This is the estate service desk."


class ProcessDied(BaseException):
    """The process is gone at this point: nothing after it runs (not even error handlers)."""


def recording(harness: DeskHarness) -> list[dict[str, Any]]:
    """Keep each raw update the harness feeds, so a test can send one again."""
    fed: list[dict[str, Any]] = []
    feed = harness.sim.feed

    async def keep(update: dict[str, Any]) -> None:
        fed.append(update)
        await feed(update)

    harness.sim.feed = keep  # type: ignore[method-assign]
    return fed


def helps(api: FakeBotAPI, chat: int) -> int:
    return sum(HELP in m.body for m in api.messages(chat))


async def test_an_update_sent_again_is_skipped(harness: DeskHarness) -> None:
    li = harness.sim.user(5101, language_code="en")
    await register(li)
    await fill_complaint(li)
    fed = recording(harness)
    await li.taps("Confirm")
    rows = await harness.scalar("select count(*) from outbox")
    mark = harness.api.mark()
    await harness.sim.feed(fed[-1])  # Telegram sends the same update again
    assert harness.api.events_since(li.chat_id, mark) == []
    assert await harness.scalar("select count(*) from tickets") == 1
    assert await harness.scalar("select count(*) from outbox") == rows
    handled = await harness.scalar(
        "select count(*) from handled_updates where update_id = :id", id=fed[-1]["update_id"]
    )
    assert handled == 1  # and no second answer to the callback query (a refusal)


async def test_handled_ids_are_forgotten_after_two_days(harness: DeskHarness) -> None:
    li = harness.sim.user(5107, language_code="en")
    await li.says("/start")
    assert await forget_handled_updates(harness.desk) == 0
    with time_machine.travel(utcnow() + timedelta(hours=49), tick=False):
        assert await forget_handled_updates(harness.desk) == 1
        assert await forget_handled_updates(harness.desk) == 0
    assert await harness.scalar("select count(*) from handled_updates") == 0


async def test_a_failed_update_is_not_recorded_and_is_handled_when_sent_again(
    harness: DeskHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    li = harness.sim.user(5102, language_code="en")
    await register(li)
    fed = recording(harness)
    real = Turn.load

    async def broken(turn: Turn) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(Turn, "load", broken)
    await li.says("/help")
    assert "something went wrong" in li.last_text
    assert helps(harness.api, 5102) == 0
    update_id = fed[-1]["update_id"]
    assert not await harness.scalar(
        "select count(*) from handled_updates where update_id = :id", id=update_id
    )
    monkeypatch.setattr(Turn, "load", real)
    await harness.sim.feed(fed[-1])
    assert helps(harness.api, 5102) == 1


async def _die_after_commit(
    api: FakeBotAPI, settings: Settings, monkeypatch: pytest.MonkeyPatch, chat: int
) -> None:
    """A process that commits a turn and dies before saying anything."""
    async with DeskHarness(api, settings) as first:
        li = first.sim.user(chat, language_code="en")
        await register(li)
        first.sim.after_update = None
        with monkeypatch.context() as patch:

            async def dead(turn: Turn) -> None:
                """Gone right after the commit."""

            patch.setattr(Turn, "flush", dead)
            await li.says("/help")
        assert helps(api, chat) == 0
        status = await first.scalar("select status from outbox where purpose = 'deferred_reply'")
        assert status == "sending"


async def test_a_reply_committed_before_a_crash_goes_out_once_its_lease_runs_out(
    migrated: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = FakeBotAPI()
    await _die_after_commit(api, migrated, monkeypatch, 5103)
    async with DeskHarness(api, migrated) as second:
        await second.deliver()
        assert helps(api, 5103) == 0  # the dead process's lease still runs
        with time_machine.travel(utcnow() + timedelta(minutes=3), tick=False):
            await second.deliver()
            await second.deliver()
        assert helps(api, 5103) == 1
        assert await second.scalar("select status from outbox") == "sent"


async def test_at_start_a_lone_sqlite_bot_sends_a_dead_ones_replies_at_once(
    migrated: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = FakeBotAPI()
    await _die_after_commit(api, migrated, monkeypatch, 5104)
    sqlite = is_sqlite(normalise_url(migrated.database_url))
    async with DeskHarness(api, migrated) as second:
        other = SenderLock.acquire(migrated.database_url)  # another bot runs on this file
        assert (other is not None) is sqlite
        assert await take_over(second.desk) is None
        assert helps(api, 5104) == 0  # it may be alive: its lease is left to run out
        if other is not None:
            other.release()
        lock = await take_over(second.desk)
        try:
            assert (lock is not None) is sqlite
            assert helps(api, 5104) == (1 if sqlite else 0)  # PostgreSQL: the lease runs
        finally:
            if lock is not None:
                lock.release()


async def test_a_reply_in_flight_when_the_process_died_is_not_said_twice(
    migrated: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telegram got the request, the process never heard back: like a timeout, the row
    is unknown, never sent again. The replies delivered before it are known delivered: the
    operator is shown the one message of unknown fate, not every reply since the sender's
    last transaction."""
    api = FakeBotAPI()
    async with DeskHarness(api, migrated) as first:
        li = first.sim.user(5105, language_code="en")
        await register(li)
        first.sim.after_update = None  # no sender's transaction between the two turns
        await li.says("/help")  # delivered; its row left for a later transaction to delete
        send = Send.send

        async def dies_waiting(self: Send, target: Target) -> str | None:
            await send(self, target)
            raise ProcessDied

        monkeypatch.setattr(Send, "send", dies_waiting)
        with pytest.raises(ProcessDied):
            await li.says("/help")
        monkeypatch.setattr(Send, "send", send)
        first.desk.outbox = None  # a killed process records nothing on its way out
    assert helps(api, 5105) == 2
    async with DeskHarness(api, migrated) as second:
        with time_machine.travel(utcnow() + timedelta(minutes=3), tick=False):
            await second.deliver()
        assert helps(api, 5105) == 2
        assert await second.scalar("select status from outbox") == "unknown"
        assert await second.scalar("select count(*) from outbox") == 1


async def test_refused_replies_wait_in_order_behind_the_first(harness: DeskHarness) -> None:
    """/help in the middle of a dialogue says two things; a 429 on the first holds both,
    and they arrive in their order once Telegram takes them."""
    li = harness.sim.user(5106, language_code="en")
    await register(li)
    await li.taps("📝 Complaint")
    harness.sim.after_update = None
    harness.api.inject(RetryAfter(5), method="sendMessage", chat_id=5106)
    mark = harness.api.mark()
    await li.says("/help")
    assert harness.api.events_since(5106, mark) == []
    statuses = await harness.column("select status from outbox order by id")
    assert statuses == ["pending", "pending"]
    with time_machine.travel(utcnow() + timedelta(seconds=6), tick=False):
        await harness.deliver()
    said = [m.body for m in harness.api.events_since(5106, mark)]
    assert len(said) == 2
    assert HELP in said[0]
    assert "What is it about?" in said[1]


# --- polling: confirm only what is handled ---------------------------------------------


async def poll_until(poller: Poller, done: Callable[[], bool]) -> asyncio.Task[None]:
    """Run the poller in the background until `done` holds (within ten seconds)."""
    task = asyncio.create_task(poller.run())
    deadline = asyncio.get_running_loop().time() + 10
    while not done():
        if task.done():
            return task
        assert asyncio.get_running_loop().time() < deadline, "the poller never got there"
        await asyncio.sleep(0.02)
    return task


async def finish(poller: Poller, task: asyncio.Task[None]) -> None:
    poller.stop()
    await asyncio.wait_for(task, 5)


async def _registered(harness: DeskHarness, *chats: int) -> list[Persona]:
    for chat in chats:
        await register(harness.sim.user(chat, language_code="en"))
    polled = TelegramSim(harness.api, None)  # from now on, updates wait for getUpdates
    return [polled.user(chat, language_code="en") for chat in chats]


async def test_a_crash_mid_batch_loses_nothing_and_repeats_nothing(
    harness: DeskHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = harness.api
    people = await _registered(harness, 5201, 5202, 5203)
    for person in people:
        await person.says("/help")
    process: Callable[[Any], Awaitable[None]] = harness.application.process_update
    seen: list[int] = []

    async def dies_on_the_second(update: object) -> None:
        assert isinstance(update, Update)
        seen.append(update.update_id)
        if len(seen) == 2:
            raise ProcessDied
        await process(update)

    monkeypatch.setattr(harness.application, "process_update", dies_on_the_second)
    with pytest.raises(ProcessDied):
        await Poller(harness.application, allowed_updates=Update.ALL_TYPES).run()
    assert [helps(api, p.chat_id) for p in people] == [1, 0, 0]
    monkeypatch.setattr(harness.application, "process_update", process)
    # The next process is sent the whole batch again: it skips the first, does the rest.
    poller = Poller(harness.application, allowed_updates=Update.ALL_TYPES)
    task = await poll_until(poller, lambda: all(helps(api, p.chat_id) for p in people))
    await finish(poller, task)
    assert [helps(api, p.chat_id) for p in people] == [1, 1, 1]
    assert not api.has_updates(0)  # all confirmed on stop
    assert await harness.scalar("select count(*) from handled_updates") >= 3


async def test_polling_backs_off_on_errors_and_stops_on_a_conflict(
    harness: DeskHarness,
) -> None:
    api = harness.api
    (li,) = await _registered(harness, 5204)
    api.inject(ServerError(502), method="getUpdates", times=2)
    await li.says("/help")
    # Short waits, so the test need not sleep through a real back-off and long poll.
    poller = Poller(
        harness.application, allowed_updates=Update.ALL_TYPES, long_poll=0, first_backoff=0.01
    )
    task = await poll_until(poller, lambda: helps(api, 5204) == 1)
    assert api.count("getUpdates") >= 3
    api.webhook = {"url": "https://elsewhere.example.org/hook"}  # someone else takes over
    harness.expected_refusals.add("Conflict")
    with pytest.raises(PollingConflict):
        await asyncio.wait_for(task, 15)
    assert helps(api, 5204) == 1


async def test_a_stop_finishes_the_update_at_hand_and_confirms_only_it(
    harness: DeskHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = harness.api
    people = await _registered(harness, 5205, 5206)
    for person in people:
        await person.says("/help")
    poller = Poller(harness.application, allowed_updates=Update.ALL_TYPES)
    process = harness.application.process_update

    async def stop_while_handling(update: object) -> None:
        poller.stop()  # SIGTERM arrives while the first update is being handled
        await process(update)

    monkeypatch.setattr(harness.application, "process_update", stop_while_handling)
    await asyncio.wait_for(poller.run(), 10)
    assert [helps(api, p.chat_id) for p in people] == [1, 0]
    first = people[0].sent[-1]["message_id"]
    assert first  # the updates were the people's /help, in order
    confirms = [params for name, params in api.calls if name == "getUpdates"]
    assert poller.offset is not None
    assert confirms[-1]["offset"] == poller.offset  # only the first is confirmed
    assert api.has_updates(poller.offset)  # the second is still Telegram's to send

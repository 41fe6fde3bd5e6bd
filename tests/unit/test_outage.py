"""The database away: which failures mean it, and what the bot remembers meanwhile."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import exc as sa_exc

from bot.outage import MAX_FALSE_ALARMS, Outage
from storage.availability import database_answers, database_unavailable
from storage.db import create_engine

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def wrapped(orig: BaseException) -> sa_exc.OperationalError:
    try:
        try:
            raise orig
        except BaseException as inner:
            raise sa_exc.OperationalError("BEGIN IMMEDIATE", {}, inner) from inner
    except sa_exc.OperationalError as outer:
        return outer


@pytest.mark.parametrize(
    "error",
    [
        wrapped(sqlite3.OperationalError("database is locked")),
        ConnectionRefusedError(111, "Connect call failed"),
        TimeoutError(),
        sa_exc.DBAPIError("SELECT 1", {}, Exception("gone"), connection_invalidated=True),
    ],
    ids=["sqlite-locked", "refused", "timeout", "invalidated"],
)
def test_the_database_away_is_recognised(error: BaseException) -> None:
    assert database_unavailable(error)


@pytest.mark.parametrize(
    "error",
    [
        wrapped(sqlite3.OperationalError("no such table: tickets")),
        sa_exc.IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed")),
        ValueError("a bug"),
        FileNotFoundError("estate.toml"),
    ],
    ids=["no-table", "integrity", "bug", "file"],
)
def test_other_failures_are_not_an_outage(error: BaseException) -> None:
    assert not database_unavailable(error)


def test_a_cause_deep_in_the_chain_counts() -> None:
    outer = RuntimeError("while saving")
    outer.__cause__ = ConnectionResetError("reset by peer")
    assert database_unavailable(outer)


async def test_a_locked_file_does_not_answer_and_a_free_one_does(tmp_path: Path) -> None:
    path = tmp_path / "desk.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        assert await database_answers(engine)
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            assert not await database_answers(engine, within=30)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert await database_answers(engine)
    finally:
        await engine.dispose()


def test_each_chat_is_told_once_per_outage() -> None:
    outage = Outage()
    assert outage.failed_update(7, "update 7", NOW)  # the first failure starts it
    assert not outage.failed_update(9, "update 9", NOW)
    assert outage.active
    assert outage.tell(100)
    assert not outage.tell(100)
    assert outage.tell(200)
    assert outage.end(NOW + timedelta(seconds=30)) == timedelta(seconds=30)
    assert not outage.active
    assert outage.tell(100)  # a later outage tells again


def test_held_updates_come_back_in_telegrams_order() -> None:
    outage = Outage()
    for update_id in (12, 10, 11):
        outage.failed_update(update_id, f"update {update_id}", NOW)
    assert outage.has_failed(11)
    assert outage.take_held() == ["update 10", "update 11", "update 12"]
    assert not outage.has_failed(11)


def test_an_update_failing_with_the_database_up_is_given_up_in_the_end() -> None:
    outage = Outage()
    answers = [outage.give_up(5) for _ in range(MAX_FALSE_ALARMS)]
    assert answers == [False] * (MAX_FALSE_ALARMS - 1) + [True]

"""Migration 0011: a birthday kept until then as the ordering resident's own, taken from a
cake for someone else, moves to that person (named); a resident's own stays theirs."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime

from sqlalchemy import text as sa_text

from bot import migrate
from storage.db import create_engine

NOW = datetime(2026, 11, 24, 16, 30, tzinfo=UTC)


def _run(url: str, sql: str, **params: object) -> list[tuple[object, ...]]:
    async def run() -> list[tuple[object, ...]]:
        engine = create_engine(url)
        try:
            async with engine.begin() as conn:
                result = await conn.execute(sa_text(sql), params)
                return [tuple(row) for row in result] if result.returns_rows else []
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_a_birthday_taken_from_someone_elses_cake_moves_to_them(database_url: str) -> None:
    migrate.upgrade(database_url, "0010")
    resident = (
        "insert into residents (id, name, phone, language, confidential, created_at,"
        " updated_at, birthday, birthday_wishes, wished_year)"
        " values (:id, :name, '+8613800138000', 'en', false, :t, :t, :day, true, 2026)"
    )
    _run(database_url, resident, id=1, name="Li", t=NOW, day=date(2026, 12, 20))
    _run(database_url, resident, id=2, name="Wang", t=NOW, day=date(2026, 12, 21))
    order = (
        "insert into tickets (reference, kind, status, channel, description, created_at,"
        " updated_at, paused_s, reopen_count, resident_id, wish_on, details)"
        " values (:ref, 'concierge', 'closed', 'bot', 'Cake', :t, :t, 0, 0, :rid, :day, :d)"
    )
    lily = json.dumps({"occasion": "birthday", "whose": "My daughter Lily"})
    own = json.dumps({"occasion": "birthday", "whose": "mine"})
    _run(database_url, order, ref="WT-1", t=NOW, rid=1, day=date(2026, 12, 20), d=lily)
    _run(database_url, order, ref="WT-2", t=NOW, rid=2, day=date(2026, 12, 21), d=own)
    migrate.upgrade(database_url, "0011")

    residents = _run(database_url, "select id, birthday from residents order by id")
    assert [(r[0], str(r[1]) if r[1] else None) for r in residents] == [
        (1, None),
        (2, "2026-12-21"),
    ]
    kept = _run(database_url, "select resident_id, whom, day, wishes, wished_year from birthdays")
    assert [(r[0], r[1], str(r[2]), bool(r[3]), r[4]) for r in kept] == [
        (1, "My daughter Lily", "2026-12-20", True, 2026)
    ]
    whom = _run(database_url, "select reference, wish_for from tickets order by reference")
    assert whom == [("WT-1", "My daughter Lily"), ("WT-2", None)]
    # The migrations after it add references to tables other rows refer to, which SQLite
    # cannot rebuild once there is data: they add them in place (storage.schema_changes).
    migrate.upgrade(database_url, "head")
    assert _run(database_url, "select count(*) from tickets") == [(2,)]

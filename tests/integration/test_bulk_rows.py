"""Rows written and read in bulk come back as they were given, on both databases (on
PostgreSQL timeline rows travel as one array a column)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import select, text

from storage.db import create_engine, create_sessionmaker
from storage.models import TicketEvent
from storage.repositories._common import insert_rows
from storage.uow import UnitOfWork
from tests.seed import seed


async def test_bulk_rows_keep_nulls_text_and_moments(migrated_url: str) -> None:
    engine = create_engine(migrated_url)
    shanghai = timezone(timedelta(hours=8))
    at = datetime(2030, 4, 15, 9, 30, 15, 123456, tzinfo=shanghai)
    rows = [
        {
            "ticket_id": 1,
            "created_at": at + timedelta(seconds=n),
            "kind": "reminded",
            "actor_kind": "system",
            "actor_id": n if n % 2 else None,
            "actor_role": None,
            "status": "open" if n == 2 else None,
            "note": ["answer_late", "it's <b>&amp; \u200f\u05e9\u05dc\u05d5\u05dd 💡", None][
                n % 3
            ],
        }
        for n in range(3)
    ]
    await seed(migrated_url, items=1, due=0, now=at)
    try:
        async with engine.begin() as conn:
            ticket = (await conn.execute(text("select min(id) from tickets"))).scalar_one()
            for row in rows:
                row["ticket_id"] = ticket
            await insert_rows(conn, TicketEvent.__table__, rows)  # type: ignore[arg-type]
            await insert_rows(conn, TicketEvent.__table__, [])  # type: ignore[arg-type]
        async with engine.connect() as conn:
            found = await conn.execute(
                select(*[TicketEvent.__table__.c[name] for name in rows[0]]).order_by(
                    TicketEvent.id
                )
            )
            back = [dict(row._mapping) for row in found]
    finally:
        await engine.dispose()
    assert back == [{**row, "created_at": row["created_at"].astimezone(UTC)} for row in rows]


async def test_drawn_faces_read_one_message_or_several(migrated_url: str) -> None:
    """One tapped message is read by a statement built once; several by one IN list."""
    engine = create_engine(migrated_url)
    now = datetime(2030, 4, 15, 9, 30, tzinfo=UTC)
    drawn = {(7, 100): "aaaa", (7, 101): "bbbb", (8, 100): "cccc"}
    try:
        async with UnitOfWork(create_sessionmaker(engine)) as uow:
            await uow.drawn.remember(drawn, now)
            await uow.commit()
            assert await uow.drawn.faces([(7, 101)]) == {(7, 101): "bbbb"}
            assert await uow.drawn.faces([(9, 1)]) == {}
            several = await uow.drawn.faces([(7, 100), (8, 100), (9, 1)])
            assert several == {(7, 100): "aaaa", (8, 100): "cccc"}
    finally:
        await engine.dispose()

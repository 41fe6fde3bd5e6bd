"""Helpers the repositories share."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import Insert, Table, bindparam, func, insert, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession


def is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def insert_rows(
    connection: AsyncConnection, table: Table, rows: list[dict[str, Any]]
) -> None:
    """Many rows of plain columns (numbers, text, moments), each with the same keys.

    On PostgreSQL they go as one array a column in a single statement (`unnest`): a sweep
    writes thousands of timeline rows, and an executemany spent a third more time on them
    (1,000 rows: about 30 ms against 20). SQLite, in process, takes the executemany."""
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        await connection.execute(insert(table), rows)
        return
    names = tuple(rows[0])
    await connection.execute(
        _unnest_insert(table, names), {n: [r[n] for r in rows] for n in names}
    )


@lru_cache(maxsize=32)
def _unnest_insert(table: Table, names: tuple[str, ...]) -> Insert:
    arrays = [bindparam(n, type_=postgresql.ARRAY(table.c[n].type)) for n in names]
    rows = func.unnest(*arrays).table_valued(*names).render_derived(name="v")
    return insert(table).from_select(list(names), select(*[rows.c[n] for n in names]))

"""house rules: the handover book signed, the daily ledger signed, whom a birthday is for

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 06:06:00
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from storage.schema_changes import add_reference

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The cake form's "whose birthday" answers that mean the resident's own (as of this
# revision; the desk's own list lives in bot.domain.birthdays).
OWN = {"me", "mine", "myself", "my own", "my birthday", "i", "own", "self"}
OWN |= {"我", "我的", "我自己", "自己", "本人", "本人生日", "我的生日"}


def _own(text: str) -> bool:
    return re.sub(r"[\s.!?,;:'\"。！？，；：]+", " ", text).strip().casefold() in OWN


def upgrade() -> None:
    op.create_table(
        "birthdays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("whom", sa.String(length=40), nullable=False),
        sa.Column("whom_key", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("wishes", sa.Boolean(), nullable=False),
        sa.Column("wished_year", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_birthdays_resident_id_residents")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_birthdays_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_birthdays")),
        sa.UniqueConstraint("resident_id", "whom_key", name=op.f("uq_birthdays_resident_id")),
    )
    with op.batch_alter_table("birthdays", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_birthdays_resident_id"), ["resident_id"], unique=False
        )

    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wish_for", sa.String(length=40), nullable=True))

    add_reference("handovers", "signed_by_staff_id")
    add_reference("dispatches", "duty_signed_by_staff_id")
    add_reference("dispatches", "supervisor_signed_by_staff_id")
    op.add_column("handovers", sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True))
    for column in ("duty_signed_at", "supervisor_signed_at"):
        op.add_column("dispatches", sa.Column(column, sa.DateTime(timezone=True), nullable=True))

    _birthdays_to_whom_they_belong()


def _birthdays_to_whom_they_belong() -> None:
    """Birthday orders until now stored the birthday as the ordering resident's own, even
    for a cake for someone else: each such order now names whom it was for, and a birthday
    kept for yearly wishes moves from the resident to that person."""
    tickets = sa.table(
        "tickets",
        sa.column("id", sa.Integer()),
        sa.column("resident_id", sa.Integer()),
        sa.column("wish_on", sa.Date()),
        sa.column("wish_for", sa.String()),
        sa.column("details", sa.JSON()),
    )
    residents = sa.table(
        "residents",
        sa.column("id", sa.Integer()),
        sa.column("birthday", sa.Date()),
        sa.column("birthday_wishes", sa.Boolean()),
        sa.column("wished_year", sa.Integer()),
    )
    birthdays = sa.table(
        "birthdays",
        sa.column("resident_id", sa.Integer()),
        sa.column("whom", sa.String()),
        sa.column("whom_key", sa.String()),
        sa.column("day", sa.Date()),
        sa.column("wishes", sa.Boolean()),
        sa.column("wished_year", sa.Integer()),
        sa.column("ticket_id", sa.Integer()),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    connection = op.get_bind()
    orders = connection.execute(
        sa.select(tickets.c.id, tickets.c.resident_id, tickets.c.wish_on, tickets.c.details)
        .where(tickets.c.wish_on.is_not(None))
        .order_by(tickets.c.id)
    ).all()
    latest: dict[tuple[Any, Any], tuple[int, str]] = {}
    for ticket_id, resident_id, wish_on, details in orders:
        whom = str((details or {}).get("whose") or "").strip()[:40]
        if not whom or _own(whom):
            continue
        connection.execute(tickets.update().where(tickets.c.id == ticket_id).values(wish_for=whom))
        latest[(resident_id, wish_on)] = (ticket_id, whom)
    now = datetime.now(UTC)
    kept: set[tuple[Any, str]] = set()
    for rid, day, wishes, year in connection.execute(
        sa.select(
            residents.c.id,
            residents.c.birthday,
            residents.c.birthday_wishes,
            residents.c.wished_year,
        ).where(residents.c.birthday.is_not(None))
    ).all():
        found = latest.get((rid, day))
        if found is None:
            continue
        ticket_id, whom = found
        key = " ".join(whom.split()).casefold()
        if (rid, key) not in kept:
            kept.add((rid, key))
            connection.execute(
                birthdays.insert().values(
                    resident_id=rid,
                    whom=whom,
                    whom_key=key,
                    day=day if wishes else None,
                    wishes=bool(wishes),
                    wished_year=year,
                    ticket_id=ticket_id,
                    created_at=now,
                    updated_at=now,
                )
            )
        connection.execute(
            residents.update()
            .where(residents.c.id == rid)
            .values(birthday=None, birthday_wishes=None, wished_year=None)
        )


def downgrade() -> None:
    # A column's reference goes with it (PostgreSQL drops it; SQLite's batch mode rebuilds
    # the table without both).
    for table, columns in (
        ("dispatches", ("supervisor_signed_at", "supervisor_signed_by_staff_id")),
        ("dispatches", ("duty_signed_at", "duty_signed_by_staff_id")),
        ("handovers", ("signed_at", "signed_by_staff_id")),
        ("tickets", ("wish_for",)),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_column(column)

    with op.batch_alter_table("birthdays", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_birthdays_resident_id"))

    op.drop_table("birthdays")

"""emergencies: pages until someone is on the way

The estate's 24-hour hotline and office address; each emergency's reporter, pages and who
is on the way (emergencies); an emergency's next page (tickets.page_next_at).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 06:35:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("estates", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("hotline", sa.String(length=64), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("office_address", sa.String(length=200), server_default="", nullable=False)
        )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("page_next_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "emergencies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("reporter_user_id", sa.BigInteger(), nullable=False),
        sa.Column("reporter_chat_id", sa.BigInteger(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("paged_staff", sa.JSON(), nullable=False),
        sa.Column("where_asked", sa.Boolean(), nullable=False),
        sa.Column("on_way_staff_id", sa.Integer(), nullable=True),
        sa.Column("on_way_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("misfire_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_emergencies_ticket_id_tickets")
        ),
        sa.ForeignKeyConstraint(
            ["on_way_staff_id"], ["staff.id"], name=op.f("fk_emergencies_on_way_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emergencies")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_emergencies_ticket_id")),
    )
    with op.batch_alter_table("emergencies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_emergencies_reporter_user_id"), ["reporter_user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("emergencies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_emergencies_reporter_user_id"))
    op.drop_table("emergencies")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("page_next_at")
    with op.batch_alter_table("estates", schema=None) as batch_op:
        batch_op.drop_column("office_address")
        batch_op.drop_column("hotline")

"""night duty: shifts and roster, digests, escalations seen

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 06:35:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "duty_roster",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("estate_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("shift", sa.String(length=16), nullable=False),
        sa.Column("set_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["estate_id"], ["estates.id"], name=op.f("fk_duty_roster_estate_id_estates")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_duty_roster_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["set_by_staff_id"], ["staff.id"], name=op.f("fk_duty_roster_set_by_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_roster")),
        sa.UniqueConstraint("staff_id", "day", "shift", name=op.f("uq_duty_roster_staff_id")),
    )
    with op.batch_alter_table("duty_roster", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_duty_roster_estate_id"), ["estate_id"])
        batch_op.create_index(batch_op.f("ix_duty_roster_day"), ["day"])
    op.create_table(
        "duty_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("estate_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("on", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["estate_id"], ["estates.id"], name=op.f("fk_duty_marks_estate_id_estates")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_duty_marks_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_marks")),
    )
    with op.batch_alter_table("duty_marks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_duty_marks_estate_id"), ["estate_id"])
        batch_op.create_index(batch_op.f("ix_duty_marks_created_at"), ["created_at"])
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("escalation_climb_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("escalation_climb_at")
    op.drop_table("duty_marks")
    op.drop_table("duty_roster")

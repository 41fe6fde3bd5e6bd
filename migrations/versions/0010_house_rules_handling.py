"""house rules: major results checked, visits, cannot judge, utilities liaison, suggestions

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 06:06:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.schema_changes import add_reference

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "utility_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("contacted", sa.String(length=200), nullable=False),
        sa.Column("contacted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("said", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_utility_contacts_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_utility_contacts_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_utility_contacts")),
    )
    with op.batch_alter_table("utility_contacts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_utility_contacts_ticket_id"), ["ticket_id"], unique=False
        )

    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("adopted", sa.Boolean(), nullable=True))
    add_reference("tickets", "reviewer_staff_id")


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:  # the reference goes too
        batch_op.drop_column("adopted")
        batch_op.drop_column("reviewer_staff_id")

    with op.batch_alter_table("utility_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_utility_contacts_ticket_id"))

    op.drop_table("utility_contacts")

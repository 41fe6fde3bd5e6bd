"""privacy: access by approval, confidential residents, message relay, staff who leave

Access beyond one's remit is requested and approved (access_grants); a resident's consent
to confidential service is recorded with who recorded it; messages the desk takes for a
resident are kept with the resident's answer (relays).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 06:06:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.schema_changes import add_reference

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confidential_at", sa.DateTime(timezone=True)))
    add_reference("residents", "confidential_by_staff_id")
    op.create_table(
        "access_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("estate_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("senior_staff_id", sa.Integer(), nullable=True),
        sa.Column("senior_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("chief_staff_id", sa.Integer(), nullable=True),
        sa.Column("chief_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refused_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["estate_id"], ["estates.id"], name=op.f("fk_access_grants_estate_id_estates")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_access_grants_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_access_grants_resident_id_residents")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_access_grants_ticket_id_tickets")
        ),
        sa.ForeignKeyConstraint(
            ["senior_staff_id"], ["staff.id"], name=op.f("fk_access_grants_senior_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["chief_staff_id"], ["staff.id"], name=op.f("fk_access_grants_chief_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["refused_by_staff_id"],
            ["staff.id"],
            name=op.f("fk_access_grants_refused_by_staff_id_staff"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_grants")),
    )
    with op.batch_alter_table("access_grants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_grants_staff_id"), ["staff_id"], unique=False)
    op.create_table(
        "relays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("estate_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["estate_id"], ["estates.id"], name=op.f("fk_relays_estate_id_estates")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_relays_resident_id_residents")
        ),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_relays_staff_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relays")),
    )
    with op.batch_alter_table("relays", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_relays_resident_id"), ["resident_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("relays", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relays_resident_id"))
    op.drop_table("relays")
    with op.batch_alter_table("access_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_grants_staff_id"))
    op.drop_table("access_grants")
    with op.batch_alter_table("residents", schema=None) as batch_op:  # the reference goes too
        batch_op.drop_column("confidential_by_staff_id")
        batch_op.drop_column("confidential_at")

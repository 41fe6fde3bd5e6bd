"""notices and incidents

Notices to residents of a building, a zone or the estate (estate_notices) and the residents'
taps under them (notice_replies); incidents linking many residents' reports of one fault
(incidents, incident_items).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 06:35:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "estate_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("estate_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("photo_file_id", sa.String(length=255), nullable=True),
        sa.Column("send_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("estate_notices", "estate_id", "estates"),
        _fk("estate_notices", "staff_id", "staff"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_estate_notices")),
    )
    op.create_index(
        op.f("ix_estate_notices_estate_id"), "estate_notices", ["estate_id"], unique=False
    )
    op.create_table(
        "notice_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("notice_replies", "notice_id", "estate_notices"),
        _fk("notice_replies", "resident_id", "residents"),
        _fk("notice_replies", "ticket_id", "tickets"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_replies")),
        sa.UniqueConstraint(
            "notice_id", "resident_id", "answer", name=op.f("uq_notice_replies_notice_id")
        ),
    )
    op.create_index(
        op.f("ix_notice_replies_notice_id"), "notice_replies", ["notice_id"], unique=False
    )
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("estate_id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("lead_ticket_id", sa.Integer(), nullable=True),
        sa.Column("notice_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        _fk("incidents", "estate_id", "estates"),
        _fk("incidents", "building_id", "buildings"),
        _fk("incidents", "lead_ticket_id", "tickets"),
        _fk("incidents", "notice_id", "estate_notices"),
        _fk("incidents", "created_by_staff_id", "staff"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    op.create_table(
        "incident_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("linked_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        _fk("incident_items", "incident_id", "incidents"),
        _fk("incident_items", "ticket_id", "tickets"),
        _fk("incident_items", "linked_by_staff_id", "staff"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_items")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_incident_items_ticket_id")),
    )
    op.create_index(
        op.f("ix_incident_items_incident_id"), "incident_items", ["incident_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_incident_items_incident_id"), table_name="incident_items")
    op.drop_table("incident_items")
    op.drop_table("incidents")
    op.drop_index(op.f("ix_notice_replies_notice_id"), table_name="notice_replies")
    op.drop_table("notice_replies")
    op.drop_index(op.f("ix_estate_notices_estate_id"), table_name="estate_notices")
    op.drop_table("estate_notices")

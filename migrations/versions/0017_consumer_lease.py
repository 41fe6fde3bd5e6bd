"""one consumer of updates at a time: the lease

Several `python -m bot` processes may share one PostgreSQL database; the one holding the
row of consumer_leases (renewed every few seconds) is the only one fetching updates.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 07:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consumer_leases",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("renewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_consumer_leases")),
    )


def downgrade() -> None:
    op.drop_table("consumer_leases")

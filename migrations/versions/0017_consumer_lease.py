"""one consumer of updates at a time: the lease

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 07:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

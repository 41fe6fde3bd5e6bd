"""house rules: reopened work, promises kept from the upgrade, the resident's own date

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 06:06:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# No schema change: reopened orders and repairs, promises from the upgrade, the resident's
# own date and the follow-up hour are rules on the columns the items already have.


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

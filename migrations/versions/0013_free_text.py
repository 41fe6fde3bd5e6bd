"""residents who just type: first messages kept, voice notes

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 06:35:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# No schema change: a newcomer's first message waits in their registration dialogue's data
# (offered for filing once they are registered), and a voice note told as a description is
# a ticket attachment of kind "voice" (its length is written in the description).


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

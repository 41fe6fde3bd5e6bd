"""dialogue flows are stored by name: people mid-dialogue keep their place across the upgrade

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 21:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAMES = {
    "ob": "onboarding",
    "cp": "complaint",
    "sg": "suggestion",
    "rm": "message",
    "iv": "invite",
    "st": "staff_input",
    "nw": "intake",
}
# A staff member mid-way through a card's question: what it asks is now named, not coded.
ASKS = {"rep": "reply", "note": "note", "res": "result", "back": "send_back", "explain": "explain"}
dialogues = sa.table(
    "dialogues",
    sa.column("user_id", sa.BigInteger),
    sa.column("flow", sa.String),
    sa.column("data", sa.JSON),
)


def upgrade() -> None:
    for code, name in NAMES.items():
        op.execute(dialogues.update().where(dialogues.c.flow == code).values(flow=name))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(dialogues.c.user_id, dialogues.c.data).where(dialogues.c.flow == "staff_input")
    )
    for user_id, data in list(rows):
        values = dict(data or {})
        values["ask"] = ASKS.get(str(values.pop("mode", "")))
        connection.execute(
            dialogues.update().where(dialogues.c.user_id == user_id).values(data=values)
        )


def downgrade() -> None:
    for code, name in NAMES.items():
        op.execute(dialogues.update().where(dialogues.c.flow == name).values(flow=code))

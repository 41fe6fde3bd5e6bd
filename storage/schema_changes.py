"""Schema changes that migrations share.

A new reference column is added in place: on SQLite, Alembic's batch mode would rebuild
the table (create a copy, drop the original), and SQLite refuses to drop a table that
other rows refer to once there is data (foreign keys are enforced while migrating).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def add_reference(table: str, column: str, target: str = "staff") -> None:
    """A nullable `column` on `table` referring to `target.id`, named as the models name it."""
    name = f"fk_{table}_{column}_{target}"
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN {column} INTEGER"
            f" CONSTRAINT {name} REFERENCES {target} (id)"
        )
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(op.f(name), table, target, [column], ["id"])

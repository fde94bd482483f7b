"""Questions counted per day (for the report's answered share) and the digest's report opt-in.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "question_counts",
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("day", "platform", "lang", "outcome", name="pk_question_counts"),
    )
    # a plain ADD COLUMN on both databases: copying the table (SQLite's batch mode) would
    # cascade-delete the claims and shown facts that point at it
    op.add_column("subscriptions",
                  sa.Column("include_report", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("subscriptions", "include_report")  # SQLite 3.35+ drops a column in place
    op.drop_table("question_counts")

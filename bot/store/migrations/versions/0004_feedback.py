"""Votes (👍 / 👎) on answers: one row per person and answer message.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_when = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "answer_votes",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("message_id", sa.String(120), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("channel_id", sa.String(64)),
        sa.Column("fact_ids", sa.Text, nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("up", sa.Boolean, nullable=False),
        sa.Column("question", sa.Text),
        sa.Column("voted_at", _when, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_answer_votes"),
        sa.UniqueConstraint("platform", "message_id", "user_id", name="uq_answer_votes_voter"),
    )
    op.create_index("ix_answer_votes_voted_at", "answer_votes", ["voted_at"])


def downgrade() -> None:
    op.drop_index("ix_answer_votes_voted_at", table_name="answer_votes")
    op.drop_table("answer_votes")

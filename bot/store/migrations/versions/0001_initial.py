"""The first schema: subscriptions, digest claims, shown facts, unanswered questions.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_when = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("schedule_kind", sa.String(16), nullable=False),
        sa.Column("schedule_time", sa.String(5)),
        sa.Column("schedule_day", sa.Integer),
        sa.Column("cron", sa.String(120)),
        sa.Column("tz", sa.String(64), nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", _when, nullable=False),
        sa.Column("updated_at", _when, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_failure_reason", sa.Text),
        sa.Column("last_failure_at", _when),
        sa.Column("last_posted_at", _when),
        sa.PrimaryKeyConstraint("id", name="pk_subscriptions"),
        sa.UniqueConstraint("platform", "workspace_id", "channel_id", name="uq_subscriptions_channel"),
    )
    op.create_table(
        "digest_claims",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("subscription_id", sa.Integer, nullable=False),
        sa.Column("period_key", sa.String(32), nullable=False),
        sa.Column("claimed_at", _when, nullable=False),
        sa.Column("claimed_by", sa.String(120), nullable=False),
        sa.Column("posted_at", _when),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_digest_claims"),
        sa.ForeignKeyConstraint(["subscription_id"], ["subscriptions.id"], ondelete="CASCADE",
                                name="fk_digest_claims_subscription_id_subscriptions"),
        sa.UniqueConstraint("subscription_id", "period_key", name="uq_digest_claims_period"),
    )
    op.create_table(
        "shown_facts",
        sa.Column("subscription_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("fact_id", sa.String(120), nullable=False),
        sa.Column("shown_at", _when, nullable=False),
        sa.PrimaryKeyConstraint("subscription_id", "kind", "fact_id", name="pk_shown_facts"),
        sa.ForeignKeyConstraint(["subscription_id"], ["subscriptions.id"], ondelete="CASCADE",
                                name="fk_shown_facts_subscription_id_subscriptions"),
    )
    op.create_table(
        "unanswered_questions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("asked_at", _when, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_unanswered_questions"),
    )
    op.create_index("ix_unanswered_questions_asked_at", "unanswered_questions", ["asked_at"])


def downgrade() -> None:
    op.drop_index("ix_unanswered_questions_asked_at", table_name="unanswered_questions")
    op.drop_table("unanswered_questions")
    op.drop_table("shown_facts")
    op.drop_table("digest_claims")
    op.drop_table("subscriptions")

"""Every row from people carries its tenant (a Slack team or org, a Discord guild, the console).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08

Rows stored before cannot be told apart, so they move to the tenant ``legacy``: no
platform admin sees them, the command line does (``--tenant legacy``, or every tenant). A
subscription knows its workspace (the Slack team, the Discord guild), so it takes that as its
tenant; one without (a DM subscribed long ago) goes to ``legacy`` too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

#: bot.tenants.LEGACY, written out: a migration must not change when the code does.
LEGACY = "legacy"


def _tenant() -> sa.Column[str]:
    return sa.Column("tenant", sa.String(64), nullable=False, server_default=LEGACY)


def upgrade() -> None:
    # unanswered_counts and question_counts: the tenant joins the primary key. Nothing points at
    # these tables, so SQLite may copy them (batch mode); PostgreSQL alters them in place.
    with op.batch_alter_table("unanswered_counts") as batch:
        batch.add_column(_tenant())
        batch.drop_constraint("pk_unanswered_counts", type_="primary")
        batch.create_primary_key("pk_unanswered_counts", ["tenant", "key"])
    op.create_index("ix_unanswered_counts_tenant_count", "unanswered_counts", ["tenant", "count", "last_asked"])
    with op.batch_alter_table("question_counts") as batch:
        batch.add_column(_tenant())
        batch.drop_constraint("pk_question_counts", type_="primary")
        batch.create_primary_key("pk_question_counts", ["day", "tenant", "platform", "lang", "outcome"])
    # answer_votes and subscriptions: a plain ADD COLUMN (copying subscriptions would cascade-delete
    # the claims and shown facts that point at it, see 0005)
    op.add_column("answer_votes", _tenant())
    op.create_index("ix_answer_votes_tenant_voted_at", "answer_votes", ["tenant", "voted_at"])
    op.add_column("subscriptions", _tenant())
    op.execute("UPDATE subscriptions SET tenant = workspace_id WHERE workspace_id <> ''")


def downgrade() -> None:
    """Back to one row per question and per day: the tenants' rows are added together."""
    bind = op.get_bind()
    op.drop_column("subscriptions", "tenant")  # SQLite 3.35+ drops a column in place
    op.drop_index("ix_answer_votes_tenant_voted_at", table_name="answer_votes")
    op.drop_column("answer_votes", "tenant")

    counts = sa.table("question_counts", sa.column("day", sa.Date), sa.column("platform", sa.String),
                      sa.column("lang", sa.String), sa.column("outcome", sa.String), sa.column("count", sa.Integer))
    days = [dict(row._mapping) for row in bind.execute(
        sa.select(counts.c.day, counts.c.platform, counts.c.lang, counts.c.outcome,
                  sa.func.sum(counts.c.count).label("count"))
        .group_by(counts.c.day, counts.c.platform, counts.c.lang, counts.c.outcome))]
    op.execute(counts.delete())
    with op.batch_alter_table("question_counts") as batch:
        batch.drop_constraint("pk_question_counts", type_="primary")
        batch.drop_column("tenant")
        batch.create_primary_key("pk_question_counts", ["day", "platform", "lang", "outcome"])
    if days:
        op.bulk_insert(counts, [{**row, "count": int(row["count"])} for row in days])

    when = sa.DateTime(timezone=True)
    unanswered = sa.table("unanswered_counts", sa.column("key", sa.String), sa.column("text", sa.Text),
                          sa.column("lang", sa.String), sa.column("count", sa.Integer),
                          sa.column("best_score", sa.Float), sa.column("first_asked", when),
                          sa.column("last_asked", when))
    merged: dict[str, dict[str, Any]] = {}
    for row in bind.execute(sa.select(unanswered).order_by(unanswered.c.first_asked)):
        seen = merged.get(row.key)
        if seen is None:
            merged[row.key] = dict(row._mapping)
        else:
            seen["count"] += row.count
            seen["best_score"] = max(seen["best_score"], row.best_score)
            seen["last_asked"] = max(_utc(seen["last_asked"]), _utc(row.last_asked))
    op.execute(unanswered.delete())
    op.drop_index("ix_unanswered_counts_tenant_count", table_name="unanswered_counts")
    with op.batch_alter_table("unanswered_counts") as batch:
        batch.drop_constraint("pk_unanswered_counts", type_="primary")
        batch.drop_column("tenant")
        batch.create_primary_key("pk_unanswered_counts", ["key"])
    if merged:
        op.bulk_insert(unanswered, list(merged.values()))


def _utc(value: datetime) -> datetime:
    """SQLite keeps no zone: a value read back may be naive (UTC) beside an aware one."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value

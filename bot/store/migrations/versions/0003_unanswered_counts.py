"""Unanswered questions counted per normalised question instead of one row per ask.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30

The old table grew with every unanswered ask (7,248 rows slowed start-up by 11 s and
``aibot knowledge gaps`` to over a minute). Its rows are folded into the new one here.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_when = sa.DateTime(timezone=True)


def upgrade() -> None:
    from bot.gaps import gap_key  # the one normalisation, shared with the running bot

    counts = op.create_table(
        "unanswered_counts",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("best_score", sa.Float, nullable=False),
        sa.Column("first_asked", _when, nullable=False),
        sa.Column("last_asked", _when, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_unanswered_counts"),
    )
    op.create_index("ix_unanswered_counts_last_asked", "unanswered_counts", ["last_asked"])
    op.create_index("ix_unanswered_counts_count_last", "unanswered_counts", ["count", "last_asked"])
    grouped: dict[str, dict[str, Any]] = defaultdict(dict)
    old = sa.table("unanswered_questions", sa.column("id", sa.Integer), sa.column("text", sa.Text),
                   sa.column("lang", sa.String), sa.column("score", sa.Float), sa.column("asked_at", _when))
    rows = op.get_bind().execute(sa.select(old.c.text, old.c.lang, old.c.score, old.c.asked_at).order_by(old.c.id))
    for text, lang, score, asked_at in rows:
        key = gap_key(text)
        if not key:
            continue
        row = grouped[key]
        if not row:
            row.update(key=key, text=text, lang=lang, count=0, best_score=score, first_asked=asked_at,
                       last_asked=asked_at)
        row["count"] += 1
        row["best_score"] = max(row["best_score"], score)
        row["last_asked"] = max(row["last_asked"], asked_at)
    if grouped:
        op.bulk_insert(counts, list(grouped.values()))
    op.drop_index("ix_unanswered_questions_asked_at", table_name="unanswered_questions")
    op.drop_table("unanswered_questions")


def downgrade() -> None:
    op.create_table(
        "unanswered_questions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("asked_at", _when, nullable=False),
    )
    op.create_index("ix_unanswered_questions_asked_at", "unanswered_questions", ["asked_at"])
    op.execute("INSERT INTO unanswered_questions (text, lang, score, asked_at) "
               "SELECT text, lang, best_score, last_asked FROM unanswered_counts")
    op.drop_index("ix_unanswered_counts_count_last", table_name="unanswered_counts")
    op.drop_index("ix_unanswered_counts_last_asked", table_name="unanswered_counts")
    op.drop_table("unanswered_counts")

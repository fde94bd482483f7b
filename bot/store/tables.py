"""The store's tables, described once for queries and for Alembic's autogenerate.

Times are stored in UTC. SQLite keeps no zone, so :class:`UTCDateTime` puts UTC back on
every value read, and the code above the store only ever sees aware datetimes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.types import TypeDecorator

from bot.tenants import LEGACY, MAX_TENANT

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on both databases."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the store only takes timezone-aware datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


subscriptions = Table(
    "subscriptions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("platform", String(32), nullable=False),
    Column("workspace_id", String(64), nullable=False, default=""),  # "" when the platform has none
    Column("channel_id", String(64), nullable=False),
    Column("schedule_kind", String(16), nullable=False),  # daily | weekly | cron
    Column("schedule_time", String(5)),  # HH:MM (daily, weekly)
    Column("schedule_day", Integer),  # 0 = Monday (weekly)
    Column("cron", String(120)),  # five fields (cron)
    Column("tz", String(64), nullable=False),
    Column("lang", String(2), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("failures", Integer, nullable=False, default=0),
    Column("last_failure_reason", Text),
    Column("last_failure_at", UTCDateTime),
    Column("last_posted_at", UTCDateTime),
    # the digest ends with the admins' report (questions, answered share, gaps, votes): opt-in
    Column("include_report", Boolean, nullable=False, default=False, server_default=false()),
    # whose admins' report the digest carries (bot.tenants): the Slack team or org, the Discord guild
    Column("tenant", String(MAX_TENANT), nullable=False, server_default=LEGACY),
    UniqueConstraint("platform", "workspace_id", "channel_id", name="uq_subscriptions_channel"),
)

digest_claims = Table(
    "digest_claims", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("subscription_id", Integer, ForeignKey("subscriptions.id", ondelete="CASCADE"), nullable=False),
    Column("period_key", String(32), nullable=False),  # the run's UTC instant, ISO 8601
    Column("claimed_at", UTCDateTime, nullable=False),
    Column("claimed_by", String(120), nullable=False),
    Column("posted_at", UTCDateTime),
    Column("status", String(16), nullable=False),  # claimed | posted | failed | skipped
    Column("detail", Text),
    UniqueConstraint("subscription_id", "period_key", name="uq_digest_claims_period"),
)

shown_facts = Table(
    "shown_facts", metadata,
    Column("subscription_id", Integer, ForeignKey("subscriptions.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(16), primary_key=True),  # rotation (fact of the day) | new (announced as new)
    Column("fact_id", String(120), primary_key=True),
    Column("shown_at", UTCDateTime, nullable=False),
)

#: One row per normalised unanswered question (see bot.gaps.gap_key), with how often it was
#: asked, per tenant (bot.tenants): the table grows with distinct questions, not with traffic,
#: and is pruned (retention).
unanswered_counts = Table(
    "unanswered_counts", metadata,
    Column("tenant", String(MAX_TENANT), nullable=False, server_default=LEGACY),
    Column("key", String(200), nullable=False),
    Column("text", Text, nullable=False),  # the first wording seen
    Column("lang", String(2), nullable=False),
    Column("count", Integer, nullable=False),
    Column("best_score", Float, nullable=False),
    Column("first_asked", UTCDateTime, nullable=False),
    Column("last_asked", UTCDateTime, nullable=False, index=True),
    PrimaryKeyConstraint("tenant", "key", name="pk_unanswered_counts"),
    Index("ix_unanswered_counts_count_last", "count", "last_asked"),
    Index("ix_unanswered_counts_tenant_count", "tenant", "count", "last_asked"),  # one tenant's gaps
)

seen_events = Table(
    "seen_events", metadata,
    Column("key", String(200), primary_key=True),  # a Slack event id, or channel:ts
    Column("seen_at", UTCDateTime, nullable=False, index=True),
)

#: One row per person and answer message (a second press replaces the first): the 👍 / 👎
#: votes under answers, with what identifies the answer (see bot.feedback).
answer_votes = Table(
    "answer_votes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("platform", String(32), nullable=False),
    Column("message_id", String(120), nullable=False),  # the bot's answer message (Slack ts, Discord id)
    Column("user_id", String(64), nullable=False),
    Column("channel_id", String(64)),
    Column("fact_ids", Text, nullable=False),  # comma-separated, in the answer's order
    Column("lang", String(2), nullable=False),
    Column("up", Boolean, nullable=False),
    Column("question", Text),  # when known
    Column("voted_at", UTCDateTime, nullable=False, index=True),
    Column("tenant", String(MAX_TENANT), nullable=False, server_default=LEGACY),
    UniqueConstraint("platform", "message_id", "user_id", name="uq_answer_votes_voter"),
    Index("ix_answer_votes_tenant_voted_at", "tenant", "voted_at"),  # one tenant's votes
)

#: How many questions were asked each UTC day, per tenant, platform, language and outcome
#: (answered, unanswered, smalltalk, help, chart): counts only, no text, so the table is small
#: (days x tenants x 2 languages x 5 outcomes) and pruned after a retention period.
question_counts = Table(
    "question_counts", metadata,
    Column("day", Date, nullable=False),
    Column("tenant", String(MAX_TENANT), nullable=False, server_default=LEGACY),
    Column("platform", String(32), nullable=False),
    Column("lang", String(2), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("count", Integer, nullable=False),
    PrimaryKeyConstraint("day", "tenant", "platform", "lang", "outcome", name="pk_question_counts"),
)

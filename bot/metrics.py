"""Prometheus metrics: what an operator watches without reading logs.

One :class:`Metrics` per running bot, built in the composition root with its own
registry (so tests and two bots in one process never share counts) and served at
``/metrics`` by :mod:`bot.health`. Recording is a few methods, called from where a
question is answered, where a reply is rate-limited, where a digest is posted and where a
platform reconnects; ``aibot ask`` builds none, so it never imports prometheus_client.

=====================================  ==============================================
``aibot_questions_total``              platform, lang, outcome (answered, abstained, smalltalk, ...)
``aibot_answer_seconds``               histogram by platform
``aibot_unknown_entities_total``       (no label) names asked about that the fact base does not know
``aibot_rate_limited_total``           platform, verdict (warn: told to slow down; drop: ignored)
``aibot_digest_posts_total``           platform
``aibot_digest_failures_total``        platform, reason (permanent, transient, or the error's type)
``aibot_platform_reconnects_total``    platform
``aibot_events_unshared_total``        platform: events checked against this replica's memory only
                                       (the database shared by replicas was too slow or down)
``aibot_shared_state_fallbacks_total``  kind (conversation, rate_limit): decisions made from this
                                       replica's own state, Redis (REDIS_URL) being slow or down
``aibot_http_clients_dropped_total``   reason (body_timeout, too_large, went_away): HTTP clients
                                       dropped before their request was read
=====================================  ==============================================

No label ever carries what someone typed: label values come from fixed sets (platforms,
languages, outcomes, verdicts, reasons), so the series cannot grow with user input and
``/metrics`` shows nobody's words. The questions themselves are in ``aibot knowledge gaps``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.digest.model import Digest, DigestPoster, PostError

if TYPE_CHECKING:
    from bot.conversation import Message, Reply

_log = logging.getLogger(__name__)

#: Latency buckets (seconds): an answer is meant to take milliseconds; seconds mean trouble.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


#: A reply's kind as the ``outcome`` label (slow_down and ignore are counted as rate limits).
OUTCOMES = {"answer": "answered", "abstain": "abstained"}


def outcome_of(reply: Reply) -> str:
    """answered / abstained, or the reply's own kind (smalltalk, help, chart)."""
    return OUTCOMES.get(reply.kind.value, reply.kind.value)


class Metrics:
    """The bot's counters and histogram, in a registry of their own."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.registry = CollectorRegistry()
        self.questions = Counter("aibot_questions", "Questions received, by outcome.",
                                 ["platform", "lang", "outcome"], registry=self.registry)
        self.answer_seconds = Histogram("aibot_answer_seconds", "Time to answer a question.", ["platform"],
                                        buckets=LATENCY_BUCKETS, registry=self.registry)
        self.unknown_entities = Counter("aibot_unknown_entities", "Names asked about that the fact base lacks "
                                        "(counted, not named: the names are what people typed).",
                                        registry=self.registry)
        self.rate_limited = Counter("aibot_rate_limited", "Questions over a user's rate limit.",
                                    ["platform", "verdict"], registry=self.registry)
        self.digest_posts = Counter("aibot_digest_posts", "Digests posted.", ["platform"], registry=self.registry)
        self.digest_failures = Counter("aibot_digest_failures", "Digest posts that failed.",
                                       ["platform", "reason"], registry=self.registry)
        self.reconnects = Counter("aibot_platform_reconnects", "Connections to a platform re-established.",
                                  ["platform"], registry=self.registry)
        self.events_unshared = Counter("aibot_events_unshared", "Events checked for repeats by this replica only: "
                                       "the shared memory in the database was too slow or down.", ["platform"],
                                       registry=self.registry)
        self.shared_fallbacks = Counter("aibot_shared_state_fallbacks", "Topics and rate limits read or written "
                                        "in this replica only: Redis was too slow or down.", ["kind"],
                                        registry=self.registry)
        self.http_dropped = Counter("aibot_http_clients_dropped", "HTTP clients closed before their request was "
                                    "read: too slow with the body, too large, or gone.", ["reason"],
                                    registry=self.registry)

    # --- recording ------------------------------------------------------------------

    def reply(self, message: Message, reply: Reply, seconds: float) -> None:
        """Count one message answered, and log it without its text (ids only) at INFO."""
        platform = message.platform or "cli"
        outcome = outcome_of(reply)
        self.questions.labels(platform, reply.lang, outcome).inc()
        self.answer_seconds.labels(platform).observe(seconds)
        unknown = len(reply.answer.unknown_names) if reply.answer is not None else 0
        if unknown:
            self.unknown_entities.inc(unknown)
        _log.info("question %s in %.0f ms", outcome, seconds * 1000, extra={
            "platform": platform, "channel_id": message.channel_id, "user_id": message.user_id,
            "outcome": outcome, "lang": reply.lang, "latency_ms": round(seconds * 1000, 1)})
        _log.debug("question text: %r", message.text)

    def rate_limit(self, platform: str, verdict: str) -> None:
        self.rate_limited.labels(platform, verdict).inc()

    def event_unshared(self, platform: str) -> None:
        """A retry of this event reaching another replica now could be answered twice."""
        self.events_unshared.labels(platform).inc()

    def shared_state_fallback(self, kind: str) -> None:
        """A topic or rate limit decided by this replica alone: ``kind`` is conversation or rate_limit."""
        self.shared_fallbacks.labels(kind).inc()

    def client_dropped(self, reason: str) -> None:
        """An HTTP client closed before its request was read: ``reason`` is one of a fixed few words."""
        self.http_dropped.labels(reason).inc()

    def reconnected(self, platform: str) -> None:
        self.reconnects.labels(platform).inc()

    def digest_posted(self, platform: str) -> None:
        self.digest_posts.labels(platform).inc()

    def digest_failed(self, platform: str, error: BaseException) -> None:
        if isinstance(error, PostError):
            reason = "permanent" if error.permanent else "transient"
        else:
            reason = type(error).__name__
        self.digest_failures.labels(platform, reason).inc()

    # --- reading ----------------------------------------------------------------------

    def exposition(self) -> bytes:
        """The text format Prometheus scrapes."""
        from prometheus_client import generate_latest

        exposition: bytes = generate_latest(self.registry)
        return exposition

    def value(self, name: str, **labels: str) -> float:
        """One sample's current value (0 when never recorded); what tests and ``aibot`` read."""
        found = self.registry.get_sample_value(name, labels)
        return found if found is not None else 0.0


class CountingPoster:
    """A digest poster that counts its posts and failures, then passes on what happened."""

    def __init__(self, poster: DigestPoster, platform: str, metrics: Metrics) -> None:
        self.poster = poster
        self.name = platform
        self.metrics = metrics

    async def post_digest(self, workspace_id: str | None, channel_id: str, digest: Digest) -> None:
        try:
            await self.poster.post_digest(workspace_id, channel_id, digest)
        except Exception as exc:
            self.metrics.digest_failed(self.name, exc)
            raise
        self.metrics.digest_posted(self.name)


def counting_posters(posters: dict[str, DigestPoster], metrics: Metrics | None) -> dict[str, DigestPoster]:
    """Every poster wrapped in a :class:`CountingPoster`, or as given without metrics."""
    if metrics is None:
        return posters
    return {name: CountingPoster(poster, name, metrics) for name, poster in posters.items()}

"""Digest posts and failures, counted by platform and reason on their way to the scheduler."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.digest.model import Digest, PostError
from bot.metrics import Metrics, counting_posters
from tests.clocks import ManualClock
from tests.digest.conftest import FakePoster


async def test_posts_and_failures_are_counted_and_the_failure_still_reaches_the_scheduler() -> None:
    poster = FakePoster("slack", ManualClock(datetime(2025, 3, 3, 9, tzinfo=UTC)))
    poster.failures["C1"] = [PostError("channel_not_found", permanent=True), PostError("ratelimited", permanent=False),
                             TimeoutError()]
    metrics = Metrics()
    counted = counting_posters({"slack": poster}, metrics)["slack"]
    digest = Digest(lang="en", title="AI investment")
    for expected in (PostError, PostError, TimeoutError):
        with pytest.raises(expected):
            await counted.post_digest(None, "C1", digest)
    await counted.post_digest(None, "C1", digest)
    assert poster.channels() == ["C1"]
    assert metrics.value("aibot_digest_posts_total", platform="slack") == 1
    for reason in ("permanent", "transient", "TimeoutError"):
        assert metrics.value("aibot_digest_failures_total", platform="slack", reason=reason) == 1


def test_without_metrics_the_posters_are_left_as_they_are() -> None:
    poster = FakePoster("discord", ManualClock(datetime(2025, 3, 3, 9, tzinfo=UTC)))
    assert counting_posters({"discord": poster}, None) == {"discord": poster}

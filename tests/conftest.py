"""Shared fixtures: the shipped fact base, an engine on it, and a private data directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from bot.answering import AnswerEngine
from knowledge.loader import DEFAULT_DATA_DIR, load_fact_base
from knowledge.models import FactBase

# Property tests check what holds for any input, not how fast: on a shared 2-core machine an
# example's time says nothing, so neither a deadline nor the "too slow" check fails a test.
settings.register_profile("aibot", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("aibot")


@pytest.fixture(autouse=True)
def private_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No test writes to the real data directory, and no platform token leaks in."""
    data = tmp_path / "aibot-data"
    monkeypatch.setenv("AIBOT_DATA_DIR", str(data))
    for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "DATABASE_URL",
                 "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    yield data


@pytest.fixture(scope="session")
def fact_base() -> FactBase:
    return load_fact_base(DEFAULT_DATA_DIR)


@pytest.fixture(scope="session")
def engine(fact_base: FactBase) -> AnswerEngine:
    return AnswerEngine(fact_base)

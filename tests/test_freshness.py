"""Stale facts: `aibot knowledge list --stale`, with the age a setting and today's date injected."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

from knowledge.freshness import add_months, months_old, reported_on, stale_facts, stale_since
from knowledge.models import FactBase


class FixedClock:
    """Today's date as a test sets it; the listing reads it through ``today``."""

    def __init__(self, day: dt.date) -> None:
        self.day = day

    def today(self) -> dt.date:
        return self.day


def test_a_month_date_counts_from_the_month_s_last_day() -> None:
    assert reported_on("2025-01") == dt.date(2025, 1, 31) and reported_on("2024-02") == dt.date(2024, 2, 29)
    assert reported_on("2025-01-24") == dt.date(2025, 1, 24)
    assert add_months(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2025, 11, 15), 14) == dt.date(2027, 1, 15)


def test_facts_turn_stale_the_day_after_the_age_is_reached(fact_base: FactBase) -> None:
    fact = fact_base.fact("meta-2025-ai-investment")  # reported 2025-01
    assert stale_since(fact, 12) == dt.date(2026, 2, 1)
    clock = FixedClock(dt.date(2026, 1, 31))
    assert stale_facts(fact_base.facts, max_age_months=12, today=clock.today) == []
    clock.day = dt.date(2026, 2, 1)
    assert len(stale_facts(fact_base.facts, max_age_months=12, today=clock.today)) == len(fact_base.facts)
    assert stale_facts(fact_base.facts, max_age_months=24, today=clock.today) == []
    assert months_old(fact, dt.date(2026, 2, 1)) == 12


def test_stale_facts_are_listed_oldest_first(fact_base: FactBase) -> None:
    newer = fact_base.facts[0]
    older = type(newer)(**{**{k: getattr(newer, k) for k in newer.__dataclass_fields__}, "id": "older",
                           "reported": "2024-06-10"})
    clock = FixedClock(dt.date(2025, 9, 1))
    assert [f.id for f in stale_facts([newer, older], max_age_months=12, today=clock.today)] == ["older"]
    clock.day = dt.date(2026, 3, 1)
    assert [f.id for f in stale_facts([newer, older], max_age_months=12, today=clock.today)] == ["older", newer.id]


def aibot(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **env})


def test_list_stale_uses_the_setting_and_the_day_given() -> None:
    fresh = aibot("knowledge", "list", "--stale", "--as-of", "2026-01-31")
    assert fresh.returncode == 0 and fresh.stdout.startswith("0 of ") and "older than 12 months" in fresh.stdout
    old = aibot("knowledge", "list", "--stale", "--as-of", "2026-02-01")
    assert "meta-2025-ai-investment  reported 2025-01, 12 months old" in old.stdout
    longer = aibot("knowledge", "list", "--stale", "--as-of", "2026-02-01", AIBOT_STALE_AFTER_MONTHS="13")
    assert longer.stdout.startswith("0 of ") and "older than 13 months" in longer.stdout
    listed = json.loads(aibot("knowledge", "list", "--stale", "--json", "--as-of", "2027-01-01").stdout)
    assert listed and all(fact["reported"] == "2025-01" for fact in listed)
    bad = aibot("knowledge", "list", "--stale", AIBOT_STALE_AFTER_MONTHS="0")
    assert bad.returncode == 2 and "AIBOT_STALE_AFTER_MONTHS" in bad.stderr

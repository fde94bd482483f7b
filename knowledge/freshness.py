"""Which facts are old: reported longer ago than a set age (``AIBOT_STALE_AFTER_MONTHS``).

AI investment news moves every week, so a figure reported a year ago may no longer hold;
listing those facts tells a person which ones to check against newer sources. A date
given to the month ("2025-01") counts from the month's last day, the latest it can be.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable

from knowledge.models import Fact

#: What the listing asks for today's date; tests pass a fixed one.
Today = Callable[[], dt.date]


def reported_on(reported: str) -> dt.date:
    """The latest day a partial date ("2025-01" or "2025-01-24") can mean."""
    year, month, *day = (int(part) for part in reported.split("-"))
    return dt.date(year, month, day[0] if day else calendar.monthrange(year, month)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months, kept inside the month it lands in (Jan 31 + 1 = Feb 28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def stale_since(fact: Fact, max_age_months: int) -> dt.date:
    """The first day on which ``fact`` is older than ``max_age_months``."""
    return add_months(reported_on(fact.reported), max_age_months) + dt.timedelta(days=1)


def stale_facts(facts: Iterable[Fact], *, max_age_months: int, today: Today = dt.date.today) -> list[Fact]:
    """The facts reported more than ``max_age_months`` before ``today()``, oldest first."""
    now = today()
    old = [fact for fact in facts if stale_since(fact, max_age_months) <= now]
    return sorted(old, key=lambda fact: reported_on(fact.reported))


def months_old(fact: Fact, today: dt.date) -> int:
    """Whole months between the fact's (latest possible) report date and ``today``."""
    reported = reported_on(fact.reported)
    months = (today.year - reported.year) * 12 + today.month - reported.month
    return months - (today.day < reported.day)

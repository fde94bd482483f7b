"""Premises: what a question takes for granted, checked against the facts' amounts.

"Why did Meta cut its budget?" assumes a cut; "Why is Meta spending 100 billion?" assumes a
figure. A person answers with what the facts say and that the premise differs; saying only
"I don't know", or giving the figure as if it agreed, both mislead. A question asking for a
detail no fact holds (one partner's part of a joint figure) is told what the facts do hold,
and is not answered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.answering.analysis import Analysis
from knowledge.models import EntityKind, Fact, FactBase

#: A money figure as people state it: "100 billion", "$100bn", "100 milliards", "100 Md".
_MONEY = re.compile(
    r"(\d+(?:[.,]\d+)?)\s*(?:billion|billions|bn|b\b|milliards?|mds?\b|mrds?\b|md\b)", re.IGNORECASE)
#: A percentage: "30%", "30 percent", "30 pour cent".
_PERCENT = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:%|percent|per cent|pour ?cent)", re.IGNORECASE)
#: How far a stated figure may sit from the facts' and still agree with them: "65" for
#: "60 to 65", and rounding ("nearly 80" for 80), not "70" for 80.
FIGURE_TOLERANCE = 0.02


@dataclass(frozen=True)
class Stated:
    """The figures a question states: money in billions, and percentages."""

    billions: tuple[float, ...]
    percents: tuple[float, ...]


def stated_figures(text: str) -> Stated:
    def numbers(pattern: re.Pattern[str]) -> tuple[float, ...]:
        return tuple(float(m.group(1).replace(",", ".")) for m in pattern.finditer(text))

    return Stated(numbers(_MONEY), numbers(_PERCENT))


@dataclass(frozen=True)
class Premise:
    """What differs between a question's premise and a fact: a cut where the facts give a
    plan (or a rise), a figure the amount does not hold, a growth the amount does not state."""

    fact: Fact
    cut: bool = False
    wrong_billions: float | None = None
    wrong_percent: float | None = None


def premise_of(analysis: Analysis, text: str, fact: Fact, *, money: bool = True) -> Premise | None:
    """How the question's premise differs from ``fact``'s amount, or None if it does not;
    without ``money``, money figures are not checked (they are about another year)."""
    amount = fact.amount
    if amount is None:
        return None
    if "decrease" in analysis.roles and (amount.growth is None or amount.growth.percent > 0):
        return Premise(fact, cut=True)
    stated = stated_figures(text)
    low, high = (x / 1e9 for x in amount.bounds)
    wrong = next((x for x in stated.billions if not _within(x, low, high)), None) if money else None
    if wrong is not None and not any(_within(x, low, high) for x in stated.billions):
        return Premise(fact, wrong_billions=wrong)
    if amount.growth is not None and stated.percents and not any(
            _within(p, amount.growth.percent, amount.growth.percent) for p in stated.percents):
        return Premise(fact, wrong_percent=stated.percents[0])
    return None


def _within(value: float, low: float, high: float) -> bool:
    return low * (1 - FIGURE_TOLERANCE) <= value <= high * (1 + FIGURE_TOLERANCE)


def partners_of(base: FactBase, fact: Fact) -> list[str]:
    """The companies a joint amount brings together besides its subject (Stargate's
    OpenAI, Oracle and SoftBank), by entity id, in the fact's order."""
    assert fact.amount is not None
    return [e for e in fact.entities if e != fact.amount.subject
            and base.entity(e).kind is EntityKind.COMPANY]


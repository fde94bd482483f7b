"""Figures that disagree: a statement saying 85 billion over an amount and a quote of 80.

Run by ``aibot knowledge validate`` only (loading a base never pays for it). Each money
figure a statement writes must be the amount's, or one a quote writes (a statement may
recall last year's figure); an amount's figures must be written by a quote, whenever its
quotes write any money at all (a figure a person derived by arithmetic is stated so in the
statement, which then carries it).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from pathlib import Path

from knowledge.draft.amounts import ParsedAmount, parse_amounts
from knowledge.errors import Problem
from knowledge.models import LANGS, Fact, Lang

#: Figures closer than this share are the same (a statement rounding 62.5 to 62.50 is fine;
#: 80 against 85 billion is not).
_SAME_FIGURE = 1e-6


Locate = Callable[[int, tuple[str, ...]], int]


def figure_problems(path: Path, facts: Iterable[tuple[int, Fact]], locate: Locate) -> list[Problem]:
    """Every disagreement between a fact's statement, amount and quotes, placed by ``locate``."""
    problems = []
    for index, fact in facts:
        if fact.amount is None:
            continue
        amount = {x for x in (fact.amount.value, fact.amount.low, fact.amount.high) if x is not None}
        quoted = {x for quote in fact.source.quotes for x in _figures(quote, fact.source.lang)}
        for lang in LANGS:
            text = fact.statement.in_lang(lang)
            # the same figure read in the other language's number style ("billion" is 10^12 in
            # French): a statement not yet translated is no disagreement
            other = {p.start: _bounds(p) for p in parse_amounts(text, "fr" if lang == "en" else "en")}
            for parsed in parse_amounts(text, lang):
                for figure in _bounds(parsed):
                    if not _among(figure, amount | quoted) and \
                            not any(_among(x, amount | quoted) for x in other.get(parsed.start, ())):
                        problems.append(Problem(
                            path, locate(index, ("statement", lang)), fact.id, f"statement.{lang}",
                            f"says {parsed.text!r} ({_short(figure)}), but the amount is "
                            f"{_listed(amount)} and the quotes say {_listed(quoted) or 'no figure'}"))
        if quoted:
            for figure in sorted(amount):
                if not _among(figure, quoted):
                    problems.append(Problem(
                        path, locate(index, ("amount",)), fact.id, "amount",
                        f"{_short(figure)} is in no quote (they say {_listed(quoted)})"))
    return problems


def _figures(text: str, lang: Lang) -> set[float]:
    return {x for parsed in parse_amounts(text, lang) for x in _bounds(parsed)}


def _bounds(parsed: ParsedAmount) -> set[float]:
    return {x for x in (parsed.value, parsed.low, parsed.high) if x is not None}


def _among(figure: float, figures: set[float]) -> bool:
    return any(math.isclose(figure, other, rel_tol=_SAME_FIGURE) for other in figures)


def _short(figure: float) -> str:
    for scale, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if figure >= scale:
            return f"{figure / scale:g} {word}"
    return f"{figure:g}"


def _listed(figures: set[float]) -> str:
    return ", ".join(_short(x) for x in sorted(figures))

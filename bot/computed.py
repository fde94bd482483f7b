"""Answers worked out from the facts' structured amounts: rankings, comparisons, and the
year before a stated growth. Each says what it is computed from and labels arithmetic as
derived; a total over several years is never presented as a yearly figure.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.language import Lang
from bot.messages import billions, text
from knowledge.models import CURRENCIES, Amount, Fact, FactBase


@dataclass(frozen=True)
class Computed:
    """A computed answer body and the facts it rests on."""

    body: str
    facts: list[Fact]


def currency_words(code: str, lang: Lang) -> str:
    """What follows "billion": "dollars"; in French with its preposition, "de dollars", "d'euros"."""
    name = CURRENCIES[code][lang][1]
    if lang == "fr":
        return f"d'{name}" if name[0] in "aeiouéèê" else f"de {name}"  # de yens, d'euros
    return name


def amount_text(amount: Amount, lang: Lang) -> str:
    currency = currency_words(amount.currency, lang)
    low, high = amount.bounds
    if amount.up_to or (amount.value is None and amount.low is None):
        return text("amount_up_to", lang, value=billions(high, lang), currency=currency)
    if low == high:
        return text("amount_value", lang, value=billions(low, lang), currency=currency)
    return text("amount_range", lang, low=billions(low, lang), high=billions(high, lang), currency=currency)


def period_text(amount: Amount, lang: Lang) -> str:
    period = amount.period
    if period.years and period.years > 1:
        return text("period_span", lang, years=period.years)
    key = "period_fiscal" if period.fiscal else "period_year"
    return text(key, lang, year=period.year)


#: Lines of a ranking: a base of thousands of amounts gets its top, and how many more there are.
RANK_LIMIT = 10


def by_size(facts: list[Fact], *, ascending: bool = False) -> list[Fact]:
    """Amount facts ordered by their high bound, biggest first unless ``ascending``."""
    return sorted(facts, key=lambda f: _amount(f).bounds[1], reverse=not ascending)


def rank(base: FactBase, ordered: list[Fact], lang: Lang, *, ascending: bool = False) -> Computed:
    """The first amounts of ``ordered`` (see :func:`by_size`), with span totals flagged as such."""
    shown = ordered[:RANK_LIMIT]
    order = text("smallest_first" if ascending else "biggest_first", lang)
    lines = [text("ranking_intro", lang, order=order)]
    notes = []
    for position, fact in enumerate(shown, start=1):
        amount = _amount(fact)
        who = base.entity(amount.subject).name
        lines.append(
            text("ranking_line", lang, rank=position, who=who, amount=amount_text(amount, lang),
                 period=period_text(amount, lang), purpose=amount.purpose.in_lang(lang))
        )
        if not amount.period.is_yearly:
            notes.append(_span_note(base, amount, lang))
    if len(ordered) > len(shown):
        lines.append(text("ranking_more", lang, count=f"{len(ordered) - len(shown):,}"))
    return Computed("\n".join(lines + notes), shown)


def _span_note(base: FactBase, amount: Amount, lang: Lang) -> str:
    """A multi-year total spread evenly, labelled as derived: never passed off as a budget."""
    years = amount.period.years or 1
    yearly = billions(amount.bounds[1] / years, lang)
    return text("span_note", lang, who=base.entity(amount.subject).name, years=years, yearly=yearly)


def compare(base: FactBase, first: Fact, second: Fact, lang: Lang) -> Computed:
    """Which of two amounts is larger, and by how much, when their periods allow it."""
    a, b = _amount(first), _amount(second)
    if a.bounds[1] < b.bounds[1]:
        first, second, a, b = second, first, b, a
    names = {
        "first": base.entity(a.subject).name,
        "second": base.entity(b.subject).name,
        "first_amount": amount_text(a, lang),
        "second_amount": amount_text(b, lang),
        "first_period": period_text(a, lang),
        "second_period": period_text(b, lang),
    }
    same_period = a.period.year == b.period.year and a.period.years == b.period.years
    if not same_period or a.currency != b.currency:
        notes = [_span_note(base, amount, lang) for amount in (a, b) if not amount.period.is_yearly]
        return Computed(" ".join([text("compare_periods", lang, **names), *notes]), [first, second])
    gap_low = max(a.bounds[0] - b.bounds[1], 0.0)
    gap_high = a.bounds[1] - b.bounds[0]
    gap = billions(gap_high, lang) if gap_low == gap_high else (
        f"{billions(gap_low, lang)}–{billions(gap_high, lang)}"
    )
    currency = currency_words(a.currency, lang)
    return Computed(text("compare_more", lang, gap=gap, currency=currency, **names), [first, second])


def previous_year(base: FactBase, fact: Fact, lang: Lang) -> Computed | None:
    """The year before a stated growth: 60-65 bn at +50% puts the base year at 40-43 bn."""
    amount = _amount(fact)
    growth = amount.growth
    if growth is None:
        return None
    factor = 1 + growth.percent / 100
    low, high = amount.bounds
    currency = currency_words(amount.currency, lang)
    short = f"{billions(low, lang)}–{billions(high, lang)}" if low != high else billions(low, lang)
    body = text(
        "previous_year", lang, who=base.entity(amount.subject).name, amount=amount_text(amount, lang),
        period=period_text(amount, lang), percent=f"{growth.percent:g}", year=growth.versus_year,
        low=billions(int(low / factor / 1e9) * 1e9, lang), high=billions(int(high / factor / 1e9) * 1e9, lang),
        currency=currency, amount_short=short, factor=f"{factor:g}".replace(".", "," if lang == "fr" else "."),
    )
    return Computed(body, [fact])


def _amount(fact: Fact) -> Amount:
    assert fact.amount is not None, f"{fact.id} has no amount"
    return fact.amount


# --- Arithmetic over amounts (issue 24): each answer says it is derived, with its formula ---


def _figure(value: float, lang: Lang, digits: int = 1) -> str:
    """A plain number for a formula or a ratio: 6.25, 62.5; a French decimal comma."""
    number = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return number.replace(".", ",") if lang == "fr" else number


def _span(low: float, high: float, lang: Lang) -> str:
    """ "60–65" in billions, or "80" when both ends agree."""
    return billions(low, lang) if round(low / 1e8) == round(high / 1e8) else \
        f"{billions(low, lang)}–{billions(high, lang)}"


def _stated(base: FactBase, amount: Amount, lang: Lang) -> str:
    return text("derived_stated", lang, who=base.entity(amount.subject).name, amount=amount_text(amount, lang),
                period=period_text(amount, lang))


def _periods_note(amounts: list[Amount], lang: Lang) -> str:
    """Said when the figures cover different periods: a sum or ratio of them mixes a yearly
    budget with a total over several years."""
    periods = {(a.period.year, a.period.years) for a in amounts}
    return " " + text("derived_periods_differ", lang) if len(periods) > 1 else ""


def total(base: FactBase, facts: list[Fact], lang: Lang) -> Computed:
    """Two or three amounts added up: ranges add end to end (60–65 + 80 = 140–145)."""
    amounts = [_amount(f) for f in facts]
    low = sum(a.bounds[0] for a in amounts)
    high = sum(a.bounds[1] for a in amounts)
    formula = " + ".join(_span(*a.bounds, lang) for a in amounts)
    body = text("derived_sum", lang, total=_span(low, high, lang), currency=currency_words(amounts[0].currency, lang),
                formula=formula, stated="; ".join(_stated(base, a, lang) for a in amounts))
    return Computed(body + _periods_note(amounts, lang), facts)


def ratio(base: FactBase, first: Fact, second: Fact, lang: Lang) -> Computed:
    """How many times one amount is another: 500 ÷ 80 = 6.25; a range gives a range."""
    a, b = _amount(first), _amount(second)
    low, high = a.bounds[0] / b.bounds[1], a.bounds[1] / b.bounds[0]
    times = _figure(low, lang, 2) if abs(high - low) < 0.005 else f"{_figure(low, lang, 2)}–{_figure(high, lang, 2)}"
    body = text("derived_ratio", lang, first=base.entity(a.subject).name, second=base.entity(b.subject).name,
                times=times, formula=f"{_span(*a.bounds, lang)} ÷ {_span(*b.bounds, lang)}",
                stated="; ".join(_stated(base, x, lang) for x in (a, b)))
    return Computed(body + _periods_note([a, b], lang), [first, second])


def per_period(base: FactBase, fact: Fact, lang: Lang, *, months: bool = False) -> Computed | None:
    """A total spread evenly over its years (500 over 4 years: 125 a year), or over its
    months; None for a yearly figure asked per year (the figure is its own answer)."""
    amount = _amount(fact)
    years = amount.period.years or 1
    if not months and years == 1:
        return None
    parts = years * 12 if months else years
    low, high = amount.bounds
    body = text("derived_per_month" if months else "derived_per_year", lang, stated=_stated(base, amount, lang),
                each=_span(low / parts, high / parts, lang), currency=currency_words(amount.currency, lang),
                formula=f"{_span(low, high, lang)} ÷ {parts}")
    return Computed(body, [fact])


def midpoint(base: FactBase, fact: Fact, lang: Lang) -> Computed | None:
    """The middle of a low-high range: (60 + 65) ÷ 2 = 62.5; None for a single figure."""
    amount = _amount(fact)
    low, high = amount.bounds
    if low == high:
        return None
    body = text("derived_midpoint", lang, stated=_stated(base, amount, lang), middle=billions((low + high) / 2, lang),
                currency=currency_words(amount.currency, lang),
                formula=f"({billions(low, lang)} + {billions(high, lang)}) ÷ 2")
    return Computed(body, [fact])


def increase(base: FactBase, fact: Fact, lang: Lang) -> Computed | None:
    """A stated growth in money: 60–65 at +50% is 20–21.7 more than the year before."""
    amount = _amount(fact)
    growth = amount.growth
    if growth is None:
        return None
    factor = 1 + growth.percent / 100
    low, high = amount.bounds
    short = _span(low, high, lang)
    body = text("derived_increase", lang, stated=_stated(base, amount, lang), percent=f"{growth.percent:g}",
                year=growth.versus_year, more=_span(low - low / factor, high - high / factor, lang),
                currency=currency_words(amount.currency, lang),
                formula=f"{short} − {short} ÷ {_figure(factor, lang, 2)}")
    return Computed(body, [fact])

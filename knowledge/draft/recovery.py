"""How much of a hand-written base a draft of the same article recovers.

For each fact of the base that quotes the article: its entities, against the entities of
the draft facts whose quotes overlap its quotes; its amount, field by field (figure,
currency, period, growth), against the amounts drafted for the same subject anywhere in
the article (a hand-written fact often joins two sentences: "up to 65" and "60 to 65").
"""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.coverage import find_excerpt
from knowledge.draft.amounts import ParsedAmount
from knowledge.draft.drafting import Draft
from knowledge.models import Amount, Fact


@dataclass(frozen=True, slots=True)
class Recovery:
    """Counts of what the draft found, of what the base holds."""

    facts: int
    entities_found: int
    entities_total: int
    amount_fields_found: int
    amount_fields_total: int
    amounts_complete: int
    amounts_total: int
    missed: tuple[str, ...]

    def lines(self) -> list[str]:
        def share(found: int, total: int) -> str:
            return f"{found}/{total} ({100 * found / total:.0f}%)" if total else "0/0"
        return [
            f"facts of the base quoting this article: {self.facts}",
            f"entities recovered: {share(self.entities_found, self.entities_total)}",
            f"amount fields recovered (figure, currency, period, growth): "
            f"{share(self.amount_fields_found, self.amount_fields_total)}",
            f"amounts recovered in full: {share(self.amounts_complete, self.amounts_total)}",
            *(f"  missed: {miss}" for miss in self.missed),
        ]


def recovery(draft: Draft, facts: list[Fact]) -> Recovery:
    """Compare ``draft`` with the ``facts`` whose every quote occurs in the draft's article."""
    text = draft.article.text
    spans = {fact["id"]: [s for q in fact["source"]["quotes"] for s in find_excerpt(text, q)] for fact in draft.facts}
    entities = {fact["id"]: set(fact["entities"]) for fact in draft.facts}
    drafted = [(subject, amount) for found in draft.amounts.values() for subject, amount in found]
    ours = [f for f in facts if f.source.quotes and all(find_excerpt(text, q) for q in f.source.quotes)]
    found_entities = total_entities = fields_found = fields_total = complete = amounts = 0
    missed: list[str] = []
    for fact in ours:
        fact_spans = [s for q in fact.source.quotes for s in find_excerpt(text, q)]
        near = set().union(*(entities[i] for i, own in spans.items()
                             if any(a < d and c < b for a, b in fact_spans for c, d in own)))
        total_entities += len(fact.entities)
        found_entities += len(set(fact.entities) & near)
        missed += [f"{fact.id}: entity {e}" for e in fact.entities if e not in near]
        if fact.amount is None:
            continue
        amounts += 1
        checks = _amount_checks(fact.amount, [a for subject, a in drafted if subject == fact.amount.subject])
        fields_total += len(checks)
        fields_found += sum(checks.values())
        complete += all(checks.values())
        missed += [f"{fact.id}: amount {name}" for name, ok in checks.items() if not ok]
    return Recovery(len(ours), found_entities, total_entities, fields_found, fields_total, complete, amounts,
                    tuple(missed))


def _amount_checks(amount: Amount, drafted: list[ParsedAmount]) -> dict[str, bool]:
    def bounds(parsed: ParsedAmount) -> tuple[float | None, float | None]:
        if parsed.value is not None:
            return parsed.value, parsed.value
        return (parsed.low if parsed.low is not None else parsed.high), parsed.high

    checks = {
        "figure": any(bounds(p) == amount.bounds for p in drafted),
        "currency": any(p.currency == amount.currency for p in drafted),
        "period": any((p.year, p.years) == (amount.period.year if amount.period.years is None else None,
                                            amount.period.years) for p in drafted),
    }
    if amount.growth is not None:
        growth = amount.growth
        checks["growth"] = any((p.growth_percent, p.growth_versus_year) == (growth.percent, growth.versus_year)
                               for p in drafted)
    return checks

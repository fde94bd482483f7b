#!/usr/bin/env python3
"""What each gate of the answer policy earns, and how the score moves with its numbers.

For every question set in ``benchmarks/`` (``*.yaml``, on the shipped base; and the questions ``aibot bench`` generates
with a synthetic base, judged as it judges them: the right fact, or no match), prints the
score of the real engine:

- with the policy as shipped;
- with each gate or bonus switched off alone (:data:`bot.answering.policy.GATE_NAMES`): a
  gate whose row equals the shipped row on every set earns nothing measurable here;
- over a grid of threshold and margin, of the clear-lead floor and margin, and of the
  terms that make a question long (context_terms) and the longest arithmetic question.

A case is right by the rule of score.py (an ``expect`` case needs a match containing every
group, an ``abstain`` case no match) *and* in the asker's language.

    python benchmarks/gate_sweep.py [--questions EXTRA.yaml ...] [--synthetic FACTS] [--failures GATE]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from bot.answering import AnswerEngine, AnswerPolicy, Question
from bot.answering.policy import GATE_NAMES
from bot.bench.synthetic import write_base
from knowledge.loader import load_fact_base
from knowledge.models import FactBase

HERE = Path(__file__).resolve().parent
THRESHOLDS = (50.0, 54.0, 58.0, 62.0, 66.0)
MARGINS = (0.0, 2.0, 4.0, 6.0, 8.0)
LEAD_FLOORS = (40.0, 45.0, 50.0, 55.0, 62.0)
#: How many terms make a question long enough to name context (names the answer may lack),
#: and the longest question arithmetic is worked out for.
CONTEXT_TERMS = (4, 6, 8, 10)
ARITHMETIC_TERMS = (8, 12, 16)
LEAD_MARGINS = (4.0, 6.0, 8.0, 10.0, 12.0, 16.0)


def question_sets(extra: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Every set, by a short name: the benchmarks/ ones, and any given."""
    sets = {}
    for path in [*sorted(HERE.glob("*.yaml")), *(Path(e) for e in extra)]:
        if path.is_file():
            sets[path.stem] = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
    return sets


def fold(text: str) -> str:
    import unicodedata

    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").lower().split())


def right(engine: AnswerEngine, case: dict[str, Any]) -> bool:
    answer = engine.answer_now(Question(text=case["q"]))
    if "fact" in case:  # a synthetic question: aibot bench's rule
        return not answer.matched if case["fact"] is None else answer.matched and case["fact"] in answer.fact_ids
    if answer.lang != case["lang"]:
        return False
    if case.get("abstain"):
        return not answer.matched
    text = fold(answer.answer or "")
    return answer.matched and all(any(fold(alt) in text for alt in group) for group in case["expect"])


def score(engine: AnswerEngine, cases: list[dict[str, Any]]) -> float:
    return 100.0 * sum(right(engine, case) for case in cases) / max(len(cases), 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", action="append", default=[], help="another question set (repeatable)")
    parser.add_argument("--synthetic", type=int, default=20000, metavar="FACTS",
                        help="facts in the synthetic base (0: none)")
    parser.add_argument("--failures", metavar="GATE", help="list the cases that change with GATE switched off")
    args = parser.parse_args()
    shipped = AnswerPolicy()
    sets = question_sets(args.questions)
    bases: dict[str, FactBase] = dict.fromkeys(sets, load_fact_base())
    with tempfile.TemporaryDirectory() as folder:
        if args.synthetic:
            write_base(Path(folder), facts=args.synthetic, questions=600, seed=3)
            sets["synthetic"] = json.loads((Path(folder) / "questions.json").read_text(encoding="utf-8"))
            bases["synthetic"] = load_fact_base(Path(folder))
        return sweep(args, shipped, sets, bases)


def sweep(args: argparse.Namespace, shipped: AnswerPolicy, sets: dict[str, list[dict[str, Any]]],
          bases: dict[str, FactBase]) -> int:
    names = list(sets)
    engines = {name: AnswerEngine(bases[name], policy=shipped) for name in names}

    def variant(name: str, policy: AnswerPolicy) -> AnswerEngine:
        return AnswerEngine(bases[name], policy=policy, index=engines[name].index)

    if args.failures:
        for name, cases in sets.items():
            off = variant(name, shipped.without(args.failures))
            for case in cases:
                before, after = right(engines[name], case), right(off, case)
                if before != after:
                    print(f"{name}: {case['q']!r}: {'right' if before else 'wrong'} -> {'right' if after else 'wrong'}")
        return 0

    def row(label: str, policy: AnswerPolicy) -> list[float]:
        scores = [score(variant(name, policy), sets[name]) for name in names]
        print(f"| {label} | " + " | ".join(f"{s:.1f}" for s in scores) + " |")
        return scores

    sizes = " | ".join(f"{n} ({len(sets[n])})" for n in names)
    print(f"| policy | {sizes} |\n|---|" + "---:|" * len(names))
    reference = row("as shipped", shipped)
    idle = []
    for gate in GATE_NAMES:
        if row(f"without {gate}", shipped.without(gate)) == reference:
            idle.append(gate)
    print(f"\nno change on any set without: {', '.join(idle) or 'none'}\n")
    print(f"| threshold / margin | {sizes} |\n|---|" + "---:|" * len(names))
    for threshold in THRESHOLDS:
        for margin in MARGINS:
            row(f"{threshold:g} / {margin:g}", replace(shipped, threshold=threshold, margin=margin))
    print(f"\n| clear lead: floor / margin | {sizes} |\n|---|" + "---:|" * len(names))
    for floor in LEAD_FLOORS:
        for lead in LEAD_MARGINS:
            row(f"{floor:g} / {lead:g}", replace(shipped, lead_floor=floor, lead_margin=lead))
    print(f"\n| context terms / arithmetic terms | {sizes} |\n|---|" + "---:|" * len(names))
    for context in CONTEXT_TERMS:
        for arithmetic in ARITHMETIC_TERMS:
            row(f"{context} / {arithmetic}", replace(shipped, context_terms=context, arithmetic_terms=arithmetic))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""This engine against what people use today, on the same questions and the same facts.

Three engines answer every question set in benchmarks/: the sample set (questions.yaml),
held-out sets written without looking at the bot's phrasings, and the engine's development
set of chat wordings (dev_chat.yaml):

- **aibot**: the real :class:`bot.answering.AnswerEngine` on the shipped fact base;
- **rapidfuzz**: ``process.extractOne`` with ``WRatio`` over every phrasing and statement
  of every fact (best score wins; below the cutoff it says "no match"), answering with the
  winning fact's statement in the question's language;
- **BM25**: ``bm25s`` over the same strings (English and French stop words dropped), the
  top hit's fact answering whenever any word matches (keyword search has no "don't know").

Answers are judged with the rule of benchmarks/score.py: an ``expect`` case needs a
match whose text contains every group; an ``abstain`` case needs no match. Prints a
markdown table: accuracy per set and time per question (index building not included).

    python benchmarks/compare_engines.py [--failures] [--cutoff 80] [--questions EXTRA.yaml ...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz, process, utils

from bot.answering import AnswerEngine, Question
from bot.language import detect_language
from knowledge.loader import load_fact_base
from knowledge.models import Fact, FactBase

HERE = Path(__file__).resolve().parent
SAMPLE = HERE / "questions.yaml"


#: An engine takes a question and returns (matched, answer text).
Engine = Callable[[str], tuple[bool, str]]


def fold(text: str) -> str:
    """The folding of score.py: lower case, no accents, odd spaces made plain."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").lower().split())


def judge(case: dict[str, Any], matched: bool, answer: str) -> bool:
    """The rule of score.py: abstain cases need no match, others every expected group."""
    if case.get("abstain"):
        return not matched
    if not matched:
        return False
    folded = fold(answer)
    return all(any(fold(alt) in folded for alt in group) for group in case["expect"])


def _texts(base: FactBase) -> tuple[list[str], list[Fact]]:
    """Every phrasing and statement, each with the fact it belongs to."""
    texts: list[str] = []
    owners: list[Fact] = []
    for fact in base.facts:
        for text in (*fact.phrasings.en, *fact.phrasings.fr, fact.statement.en, fact.statement.fr):
            texts.append(text)
            owners.append(fact)
    return texts, owners


def aibot_engine(base: FactBase) -> Engine:
    engine = AnswerEngine(base)

    def answer(question: str) -> tuple[bool, str]:
        reply = engine.answer_now(Question(text=question))
        return reply.matched, reply.answer or ""

    return answer


def rapidfuzz_engine(base: FactBase, cutoff: float) -> Engine:
    texts, owners = _texts(base)
    choices = [utils.default_process(t) for t in texts]

    def answer(question: str) -> tuple[bool, str]:
        best = process.extractOne(utils.default_process(question), choices, scorer=fuzz.WRatio,
                                  score_cutoff=cutoff)
        if best is None:
            return False, ""
        return True, owners[best[2]].statement.in_lang(detect_language(question))

    return answer


def bm25_engine(base: FactBase) -> Engine:
    import bm25s
    from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_FRENCH

    stopwords = sorted(set(STOPWORDS_EN) | set(STOPWORDS_FRENCH))
    texts, owners = _texts(base)
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(texts, stopwords=stopwords, show_progress=False), show_progress=False)

    def answer(question: str) -> tuple[bool, str]:
        tokens = bm25s.tokenize([question], stopwords=stopwords, show_progress=False)
        if not tokens.ids[0]:
            return False, ""
        results, scores = retriever.retrieve(tokens, k=1, show_progress=False)
        if float(scores[0][0]) <= 0:
            return False, ""
        return True, owners[int(results[0][0])].statement.in_lang(detect_language(question))

    return answer


def evaluate(engine: Engine, cases: list[dict[str, Any]]) -> tuple[int, list[float], list[str]]:
    """(right answers, seconds per question, failures) for one engine on one set."""
    right = 0
    seconds: list[float] = []
    failures: list[str] = []
    for case in cases:
        start = time.perf_counter()
        matched, answer = engine(case["q"])
        seconds.append(time.perf_counter() - start)
        if judge(case, matched, answer):
            right += 1
        else:
            shown = " ".join(answer.split())[:90] if matched else "(no match)"
            failures.append(f"  [{case['kind']}] {case['q']!r} -> {shown}")
    return right, seconds, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=Path, default=SAMPLE, help="the sample question set")
    parser.add_argument("--questions", type=Path, action="append", default=[],
                        help="another question set (repeatable); every benchmarks/*.yaml set is read anyway")
    parser.add_argument("--cutoff", type=float, default=80.0, help="rapidfuzz WRatio cutoff (0-100)")
    parser.add_argument("--failures", action="store_true", help="list every case each engine got wrong")
    args = parser.parse_args()

    sets = {}
    paths = [("sample", args.sample), *((p.stem, p) for p in sorted(HERE.glob("*.yaml")) if p != SAMPLE),
             *((p.stem, p) for p in args.questions)]
    for label, path in paths:
        if path.is_file():
            sets[label] = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
        else:
            print(f"skipping the {label} set: {path} not found", file=sys.stderr)
    if not sets:
        return 1
    base = load_fact_base()
    builders: dict[str, Callable[[], Engine]] = {
        "aibot (this engine)": lambda: aibot_engine(base),
        f"rapidfuzz WRatio, cutoff {args.cutoff:g}": lambda: rapidfuzz_engine(base, args.cutoff),
        "BM25 (bm25s)": lambda: bm25_engine(base),
    }
    header = "| engine | " + " | ".join(f"{label} ({len(c)})" for label, c in sets.items())
    header += " | all | ms per question (mean) | ms per question (p50) |"
    lines = [header, "|---" + "|---:" * (len(sets) + 3) + "|"]
    report: list[str] = []
    for name, build in builders.items():
        engine = build()
        engine("warm-up question")
        cells, all_right, all_total, all_seconds = [], 0, 0, []
        for label, cases in sets.items():
            right, seconds, failures = evaluate(engine, cases)
            cells.append(f"{right / len(cases):.1%} ({right})")
            all_right += right
            all_total += len(cases)
            all_seconds += seconds
            if args.failures and failures:
                report.append(f"{name}, {label} set, failed:\n" + "\n".join(failures))
        mean_ms = 1000 * statistics.fmean(all_seconds)
        p50_ms = 1000 * statistics.median(all_seconds)
        lines.append(f"| {name} | " + " | ".join(cells)
                     + f" | {all_right / all_total:.1%} | {mean_ms:.2f} | {p50_ms:.2f} |")
    print("\n".join(lines))
    print(f"\n{len(base.facts)} shipped facts; "
          f"{sum(len(f.phrasings.en) + len(f.phrasings.fr) + 2 for f in base.facts)} strings for rapidfuzz and BM25.")
    if report:
        print("\n" + "\n\n".join(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())

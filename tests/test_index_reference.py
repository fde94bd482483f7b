"""The large-base index answers exactly as the plain in-memory index, its reference.

:class:`MemoryIndex` keeps one dictionary per fact and is simple enough to read at a
glance; :class:`FlatIndex` is numpy arrays, bulk text reading and a common-term bitmap.
Every fact's terms and documents, the vocabulary typos are corrected against, the
candidates and every score must be the same, on the shipped base and a synthetic one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bot.answering import AnswerEngine, Question
from bot.answering.index import MemoryIndex
from bot.answering.scale.flat_index import FlatIndex
from bot.bench.synthetic import write_base
from knowledge.loader import load_fact_base
from knowledge.models import FactBase

SHARED_QUESTIONS = Path(__file__).resolve().parents[1] / "benchmarks" / "heldout_questions.yaml"


@pytest.fixture(scope="module")
def synthetic_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("synthetic-reference")
    write_base(target, facts=600, questions=80, seed=11)
    return target


def _questions(which: str, synthetic_dir: Path) -> list[str]:
    if which == "synthetic":
        return [case["q"] for case in json.loads((synthetic_dir / "questions.json").read_text(encoding="utf-8"))]
    cases = yaml.safe_load(SHARED_QUESTIONS.read_text(encoding="utf-8"))["cases"]
    return [case["q"] for case in cases]


@pytest.mark.parametrize("which", ["shipped", "synthetic"])
def test_flat_index_is_the_memory_index(which: str, fact_base: FactBase, synthetic_dir: Path) -> None:
    base = fact_base if which == "shipped" else load_fact_base(synthetic_dir)
    memory, flat = MemoryIndex(base), FlatIndex(base)
    assert memory.analyzer.lexicon.vocabulary == flat.analyzer.lexicon.vocabulary
    for fact in range(len(base.facts)):
        assert memory.terms_of(fact) == flat.terms_of(fact)
        assert list(memory.docs(fact)) == list(flat.docs(fact))
    for text in _questions(which, synthetic_dir):
        analysis = memory.analyzer.analyse(text, "en")
        assert analysis == flat.analyzer.analyse(text, "en"), text
        from_memory, from_flat = memory.candidates(analysis), flat.candidates(analysis)
        for fact in {*from_memory, *from_flat}:
            got, expected = memory.score(analysis, fact), flat.score(analysis, fact)
            assert got.score == pytest.approx(expected.score), text  # equal phrasings may tie
        if len(from_memory) < 30:  # past the limit, facts tied at the cut may differ
            assert set(from_memory) == set(from_flat), text
        assert from_memory[:3] == from_flat[:3], text


def test_engines_on_either_index_give_the_same_answers(fact_base: FactBase, synthetic_dir: Path) -> None:
    for base, which in ((fact_base, "shipped"), (load_fact_base(synthetic_dir), "synthetic")):
        on_memory, on_flat = AnswerEngine(base), AnswerEngine(base, index=FlatIndex(base))
        for text in _questions(which, synthetic_dir):
            assert on_memory.answer_now(Question(text=text)) == on_flat.answer_now(Question(text=text)), text


@pytest.mark.parametrize("seed", range(20))
def test_the_best_candidates_are_cut_alike_by_integer_keys_and_by_floats(seed: int) -> None:
    """The integer-key cut (fast with thousands of ties) keeps exactly what the float cut
    keeps, the lower fact winning a tie; a base too large for the keys takes the float cut."""
    import numpy as np

    from bot.answering.scale.flat_index import _best

    rng = np.random.default_rng(seed)
    facts = np.sort(rng.choice(5000, size=800, replace=False))
    # Sums of weights: equal at 9 decimals, they may differ past them (float noise).
    scores = rng.choice([0.51, 1.2345678901, 2.5, 3.75], size=800) + rng.choice([0.0, 1e-13], size=800)
    expected = sorted(range(800), key=lambda i: (-round(scores[i], 9), facts[i]))[:30]
    by_keys = _best(scores, facts, 30, total=5000, bound=4.0)
    by_floats = _best(scores, facts, 30, total=2**60, bound=4.0)  # no room left for integer keys
    assert sorted(by_keys.tolist()) == sorted(expected)
    assert sorted(by_floats.tolist()) == sorted(expected)

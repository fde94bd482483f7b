"""The bench and its synthetic base: the shape and sanity of what it reports, never its speed.

Speed targets live in the benchmark (``aibot bench``), not here: a timed test on a shared
CI machine fails for reasons that have nothing to do with the code.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.bench import measure
from bot.bench.synthetic import Generator, typo, write_base
from bot.cli import main
from knowledge.loader import fold, load_fact_base, validate_data_dir


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("synthetic")
    write_base(target, facts=300, questions=200, seed=3)
    return target


def test_synthetic_base_passes_the_real_loader(synthetic: Path) -> None:
    assert validate_data_dir(synthetic) == []
    base = load_fact_base(synthetic)
    assert len(base.facts) == 300
    assert len(base.entities) > 50
    kinds = {e.kind.value for e in base.entities}
    assert {"company", "person", "place", "project"} <= kinds
    assert any(f.amount is not None for f in base.facts)
    assert all(f.phrasings.en and f.phrasings.fr for f in base.facts)
    assert (synthetic / "lexicon.yaml").read_text(encoding="utf-8").startswith("# Words")


def test_synthetic_questions_mix_answerable_and_not(synthetic: Path) -> None:
    asked = json.loads((synthetic / "questions.json").read_text(encoding="utf-8"))
    assert len(asked) == 200
    ids = {f.id for f in load_fact_base(synthetic).facts}
    answerable = [q for q in asked if q["fact"] is not None]
    assert all(q["fact"] in ids for q in answerable)
    assert 0.5 < len(answerable) / len(asked) < 0.9
    assert {q["lang"] for q in asked} == {"en", "fr"}
    assert {"exact", "typo", "paraphrase", "unknown-name", "off-topic"} <= {q["kind"] for q in asked}


def test_unknown_names_never_collide_with_known_ones() -> None:
    generator = Generator(500, seed=1)
    known = {fold(name) for entity in generator.entities() for name in (entity.name, *entity.aliases)}
    for _ in range(50):
        text, _, kind = generator.unanswerable()
        if kind == "unknown-name":
            assert not any(word in known for word in fold(text).split())


def test_generation_is_reproducible(tmp_path: Path) -> None:
    write_base(tmp_path / "a", facts=60, questions=30, seed=11)
    write_base(tmp_path / "b", facts=60, questions=30, seed=11)
    for name in ("entities.yaml", "questions.json", "facts/syn_0000.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_typo_changes_one_long_word_but_not_its_first_letter() -> None:
    rng = random.Random(5)
    original = "How much is Zorvika investing"
    for _ in range(20):
        changed = typo(original, rng)
        assert changed != original
        pairs = list(zip(original.split(), changed.split(), strict=True))
        differing = [(a, b) for a, b in pairs if a != b]
        assert len(differing) == 1
        for before, after in differing:
            assert after[0] == before[0] and len(before) >= 6


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert measure.percentile(values, 0.5) == 50.0
    assert measure.percentile(values, 0.99) == 99.0
    assert measure.percentile([3.0], 0.99) == 3.0


def test_bench_json_has_the_contract_keys_and_sane_values() -> None:
    result = CliRunner().invoke(
        main, ["bench", "--facts", "200", "--questions", "200", "--baseline-budget", "1", "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    for key in measure.KEYS:
        assert key in report
    assert report["facts"] == 200
    assert report["questions"] == 200
    assert report["load_s"] > 0
    assert report["load_restart_s"] > 0 and report["rss_restart_mb"] > 10  # a fresh interpreter, from the cache
    assert 0 < report["answer_p50_ms"] <= report["answer_p99_ms"] <= report["answer_max_ms"]
    assert 0 < report["autocomplete_p50_ms"] <= report["autocomplete_p99_ms"]
    assert report["rss_mb"] > 10
    assert report["rss_worker_mb"] == 0 and not report["one_process"]  # 200 facts: too few for a worker
    assert 10 < report["rss_together_mb"] <= report["rss_mb"] + 1  # sampled: the bot alone, at most its peak
    assert report["baseline_answer_p50_ms"] > 0
    assert report["baseline_questions"] >= measure.MIN_BASELINE
    # The engine must beat the brute-force baseline at telling answerable from not.
    assert 0.5 < report["accuracy"] <= 1
    assert report["accuracy_by_kind"]["unknown-name"] == 1.0
    assert 0 <= report["baseline_accuracy"] < report["accuracy_on_baseline_sample"]
    assert report["machine"]["cores"] >= 1


def test_bench_can_start_in_one_process() -> None:
    result = CliRunner().invoke(main, ["bench", "--facts", "100", "--questions", "20", "--baseline-budget", "1",
                                       "--json", "--one-process"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["one_process"] and report["rss_worker_mb"] == 0 and report["load_s"] > 0


def test_table_lists_every_size_and_the_machine() -> None:
    row = {
        "facts": 1000, "questions": 1000, "load_s": 0.5, "load_restart_s": 0.25, "rss_restart_mb": 50.0,
        "answer_p50_ms": 0.2, "answer_p99_ms": 0.9,
        "autocomplete_p99_ms": 0.7, "rss_mb": 55.0, "baseline_answer_p50_ms": 6.2, "speedup_vs_baseline": 31.0,
        "accuracy": 0.7, "baseline_accuracy": 0.3, "baseline_questions": 1000,
        "machine": {"cpu": "Test CPU", "cores": 2, "python": "3.11.7"},
    }
    text = measure.table([row, {**row, "facts": 10_000, "rss_worker_mb": 139.2, "rss_together_mb": 470.4}])
    assert "| 1,000 |" in text and "| 10,000 |" in text
    assert "31.0x" in text and "| 0.50 | 0.25 |" in text and "| 55 / 50 | - |" in text and "| 139 (470) |" in text
    assert "Test CPU, 2 cores, Python 3.11.7" in text

"""The index kept on disk: read back, it answers exactly as a fresh one; any change to the data
makes a new entry; a damaged or unwritable cache is logged and the index built again."""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.answering import AnswerEngine, Question
from bot.answering.scale.flat_index import FlatIndex as FactIndex
from bot.answering.scale.index_cache import KEEP, IndexCache
from bot.bench.synthetic import write_base
from knowledge.loader import DEFAULT_DATA_DIR, load_fact_base
from knowledge.models import FactBase


@pytest.fixture(scope="module")
def synthetic_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("synthetic-cache")
    write_base(target, facts=300, questions=60, seed=11)
    return target


def _questions(data: Path) -> list[str]:
    return [case["q"] for case in json.loads((data / "questions.json").read_text(encoding="utf-8"))]


def test_an_index_read_back_answers_as_a_fresh_one(synthetic_dir: Path, tmp_path: Path) -> None:
    base = load_fact_base(synthetic_dir)
    cache = IndexCache(tmp_path / "index")
    fresh = AnswerEngine(base, index_cache=cache)
    assert len(list(cache.folder.iterdir())) == 1
    kept = AnswerEngine(base, index_cache=cache)
    assert kept.index._term_names == fresh.index._term_names
    for position in range(len(base.facts)):
        assert list(kept.index.docs(position)) == list(fresh.index.docs(position))
        assert kept.index.terms_of(position) == fresh.index.terms_of(position)
    for text in _questions(synthetic_dir):
        assert kept.answer_now(Question(text=text)) == fresh.answer_now(Question(text=text)), text
    typo = base.entities[0].name[:1] + base.entities[0].name[2] + base.entities[0].name[1] + base.entities[0].name[3:]
    assert kept.index.analyzer.analyse(typo, "en").corrections == fresh.index.analyzer.analyse(typo, "en").corrections


def test_the_shipped_base_read_back_scores_the_same(fact_base: FactBase, tmp_path: Path) -> None:
    cache = IndexCache(tmp_path / "index")
    fresh, kept = (AnswerEngine(load_fact_base(DEFAULT_DATA_DIR), index_cache=cache) for _ in range(2))
    for text in ["How much is Meta investing in AI in 2025?", "Combien Microsoft dépense en 2025 ?",
                 "What is Stargate?", "zukerberg", "How much is Huawei investing?", "Meta AI users"]:
        assert kept.answer_now(Question(text=text)) == fresh.answer_now(Question(text=text)), text


def test_a_changed_fact_file_makes_a_new_entry(synthetic_dir: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(synthetic_dir, data)
    cache = IndexCache(tmp_path / "index")
    before = load_fact_base(data)
    FactIndex(before, cache)
    facts_file = sorted((data / "facts").glob("*.json"))[0]
    facts_file.write_text(facts_file.read_text(encoding="utf-8").replace("How much", "How much money", 1),
                          encoding="utf-8")
    after = load_fact_base(data)
    assert after.digest != before.digest
    index = FactIndex(after, cache)
    assert len(list(cache.folder.iterdir())) == 2
    assert any("money" in text for text, _ in index.docs(0))


def test_a_damaged_entry_is_logged_and_built_again(
    synthetic_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    base = load_fact_base(synthetic_dir)
    cache = IndexCache(tmp_path / "index")
    fresh = FactIndex(base, cache)
    entry = next(cache.folder.iterdir())
    array = entry / "doc_ids.npy"
    array.write_bytes(array.read_bytes()[: array.stat().st_size // 2])
    with caplog.at_level(logging.WARNING, logger="bot.answering.scale.index_cache"):
        rebuilt = FactIndex(base, cache)
    assert "unreadable" in caplog.text and entry.name in caplog.text
    assert rebuilt.terms_of(3) == fresh.terms_of(3)
    assert FactIndex(base, cache).terms_of(3) == fresh.terms_of(3)  # and the entry was written again


def test_an_entry_that_does_not_fit_the_base_is_not_used(synthetic_dir: Path, tmp_path: Path) -> None:
    base = load_fact_base(synthetic_dir)
    cache = IndexCache(tmp_path / "index")
    FactIndex(base, cache)
    fewer = base.model_copy(update={"facts": base.facts[:-1]})  # same digest, other facts: a bug elsewhere
    index = FactIndex(fewer, cache)
    assert len(index._fact_docs) == len(fewer.facts) + 1


def test_an_unwritable_cache_folder_is_logged_not_fatal(
    synthetic_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="bot.answering.scale.index_cache"):
        engine = AnswerEngine(load_fact_base(synthetic_dir), index_cache=IndexCache(blocker / "index"))
    assert "could not keep the index" in caplog.text
    assert engine.answer_now(Question(text=_questions(synthetic_dir)[0])).question


def test_a_read_only_cache_is_still_read(
    synthetic_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = load_fact_base(synthetic_dir)
    cache = IndexCache(tmp_path / "index")
    fresh = FactIndex(base, cache)

    def read_only(*args: object, **kwargs: object) -> None:  # what a read-only file system says
        raise PermissionError(30, "Read-only file system")

    monkeypatch.setattr(os, "utime", read_only)
    with caplog.at_level(logging.WARNING, logger="bot.answering.scale.index_cache"):
        assert FactIndex(base, cache).terms_of(2) == fresh.terms_of(2)
    assert not caplog.records


def test_a_base_made_in_code_is_never_cached(fact_base: FactBase, tmp_path: Path) -> None:
    made = FactBase(entities=fact_base.entities, concepts=fact_base.concepts, facts=fact_base.facts)
    assert made.digest is None
    cache = IndexCache(tmp_path / "index")
    FactIndex(made, cache)
    assert not cache.folder.exists()


def test_an_entry_left_half_written_is_not_read(synthetic_dir: Path, tmp_path: Path) -> None:
    base = load_fact_base(synthetic_dir)
    cache = IndexCache(tmp_path / "index")
    fresh = FactIndex(base, cache)
    entry = next(cache.folder.iterdir())
    (entry / "complete").unlink()  # as if the writer had been killed before finishing
    assert cache.load(entry.name) is None
    assert FactIndex(base, cache).terms_of(1) == fresh.terms_of(1)
    assert (entry / "complete").is_file()


def test_only_the_latest_entries_are_kept(tmp_path: Path) -> None:
    cache = IndexCache(tmp_path / "index")
    for number in range(KEEP + 2):
        cache.save(f"key{number}", {"x": np.arange(number + 1)})
    kept = sorted(path.name for path in cache.folder.iterdir())
    assert len(kept) == KEEP and f"key{KEEP + 1}" in kept
    assert list(cache.load(f"key{KEEP + 1}") or {}) == ["x"]
    assert cache.load("key0") is None

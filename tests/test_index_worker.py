"""The index worker: an index built with its part is the index built in one process; a file
changed meanwhile, bad data, a worker that dies or an index already kept all end with the
right index (or the loader's own message) and no process left behind."""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import shutil
import signal
from pathlib import Path

import pytest

from bot.answering import AnswerEngine, Question
from bot.answering.scale import index_worker
from bot.answering.scale.flat_index import FlatIndex as FactIndex
from bot.answering.scale.index_cache import IndexCache
from bot.answering.scale.index_worker import IndexWorker, load_with_worker
from bot.bench.synthetic import write_base
from bot.runtime import open_services
from bot.settings import load_settings
from knowledge.errors import FactBaseError
from knowledge.loader import load_fact_base


@pytest.fixture(scope="module")
def three_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """4,500 facts in three files of 2,000, 2,000 and 500: the worker starts inside the first."""
    target = tmp_path_factory.mktemp("three-files")
    write_base(target, facts=4500, questions=150, seed=5)
    return target


@pytest.fixture(scope="module")
def one_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("one-file")
    write_base(target, facts=400, questions=60, seed=9)
    return target


def _copy(folder: Path, to: Path) -> Path:
    shutil.copytree(folder, to)
    return to


def _questions(data: Path) -> list[str]:
    return [case["q"] for case in json.loads((data / "questions.json").read_text(encoding="utf-8"))]


def _serial(folder: Path) -> AnswerEngine:
    """The large-base index built in this process alone."""
    base = load_fact_base(folder)
    return AnswerEngine(base, index=FactIndex(base))


def _assert_same_index(index: FactIndex, serial: FactIndex) -> None:
    facts = len(serial.base.facts)
    assert len(index.base.facts) == facts
    for fact in range(facts):
        assert index.terms_of(fact) == serial.terms_of(fact)
        assert list(index.docs(fact)) == list(serial.docs(fact))
    assert index.analyzer.lexicon.vocabulary == serial.analyzer.lexicon.vocabulary
    assert set(index._term_ids) == set(serial._term_ids)


def _assert_same_answers(engine: AnswerEngine, serial: AnswerEngine, questions: list[str]) -> None:
    for text in questions:
        got, expected = engine.answer_now(Question(text=text)), serial.answer_now(Question(text=text))
        assert got == expected, text


@pytest.mark.parametrize("data", ["three_files", "one_file"])
def test_an_index_built_with_the_worker_is_the_one_built_here(
    data: str, request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> None:
    folder: Path = request.getfixturevalue(data)
    base, worker = load_with_worker(folder, None, min_bytes=1)
    assert worker is not None
    first = worker.first_fact(base)
    assert 0 < first < len(base.facts)  # both processes index some facts
    with caplog.at_level(logging.WARNING, logger="bot.answering.scale.index_worker"):
        engine = AnswerEngine(base, index_worker=worker)
    assert caplog.text == "" and worker.peak_rss_mb is not None  # the part was the worker's, no fallback
    serial = _serial(folder)
    _assert_same_index(engine.index, serial.index)
    _assert_same_answers(engine, serial, _questions(folder))
    assert multiprocessing.active_children() == []


def test_a_file_changed_meanwhile_is_indexed_here(
    three_files: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    changed = _copy(three_files, tmp_path / "changed")
    last = sorted((changed / "facts").glob("*.json"))[-1]
    facts = json.loads(last.read_text(encoding="utf-8"))
    facts["facts"][-1]["phrasings"]["en"].append("Which zebra crossing did the flamingo audit?")
    last.write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")

    worker = IndexWorker.start(three_files, None, min_bytes=1)  # reads the files as they were
    assert worker is not None
    base = load_fact_base(changed)  # and the base is loaded as they are now
    with caplog.at_level(logging.WARNING, logger="bot.answering.scale.index_worker"):
        engine = AnswerEngine(base, index_worker=worker)
    assert "changed while they were being indexed" in caplog.text
    _assert_same_index(engine.index, _serial(changed).index)
    answer = engine.answer_now(Question(text="Which zebra crossing did the flamingo audit?"))
    assert answer.fact_ids == [facts["facts"][-1]["id"]]


def test_a_worker_that_dies_leaves_the_indexing_here(three_files: Path, caplog: pytest.LogCaptureFixture) -> None:
    worker = IndexWorker.start(three_files, None, min_bytes=1)
    assert worker is not None
    worker._process.kill()  # as the out-of-memory killer would
    base = load_fact_base(three_files)
    with caplog.at_level(logging.WARNING, logger="bot.answering.scale.index_worker"):
        engine = AnswerEngine(base, index_worker=worker)
    assert "stopped without a result" in caplog.text
    _assert_same_index(engine.index, _serial(three_files).index)
    assert multiprocessing.active_children() == []


def test_a_worker_that_fails_is_logged_and_the_indexing_done_here(
    three_files: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = _copy(three_files, tmp_path / "broken")
    (broken / "lexicon.yaml").write_text("concepts: [{id: Not An Id, words: [x]}]\n", encoding="utf-8")
    worker = IndexWorker.start(broken, None, min_bytes=1)  # fails on the lexicon
    assert worker is not None
    base = load_fact_base(three_files)  # say, the files were mended meanwhile
    with caplog.at_level(logging.WARNING, logger="bot.answering.scale.index_worker"):
        engine = AnswerEngine(base, index_worker=worker)
    assert "the index worker failed (FactBaseError:" in caplog.text
    _assert_same_index(engine.index, _serial(three_files).index)


def test_bad_data_in_the_workers_share_is_the_loaders_to_report(three_files: Path, tmp_path: Path) -> None:
    broken = _copy(three_files, tmp_path / "broken")
    last = sorted((broken / "facts").glob("*.json"))[-1]
    last.write_text(last.read_text(encoding="utf-8").replace('"currency": "USD"', '"currency": "XXX"', 1),
                    encoding="utf-8")
    with pytest.raises(FactBaseError, match="unknown currency 'XXX'"):
        load_with_worker(broken, None, min_bytes=1)
    assert multiprocessing.active_children() == []  # the worker was stopped, not left behind


def test_a_worker_finding_the_index_kept_sends_nothing(
    three_files: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = IndexCache(tmp_path / "index")
    serial = AnswerEngine(load_fact_base(three_files), index_cache=cache)
    base, worker = load_with_worker(three_files, cache, min_bytes=1)
    assert worker is not None
    with caplog.at_level(logging.WARNING, logger="bot.answering.scale.index_worker"):
        assert worker.take(base) is None
    assert caplog.text == ""  # it found the entry and stopped at once: no failure, no fallback
    assert worker.peak_rss_mb is None
    restarted = AnswerEngine(base, index_cache=cache)
    _assert_same_index(restarted.index, serial.index)


def test_small_bases_or_one_core_start_no_worker(one_file: Path) -> None:
    assert IndexWorker.start(one_file, None) is None  # under MIN_BYTES: a fork would cost more than it saves
    base, worker = load_with_worker(one_file, None)
    assert worker is None and len(base.facts) == 400


async def test_the_bot_starts_with_a_worker_inside_its_event_loop(
    three_files: Path, private_data_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The real start-up path: the worker is forked from inside the running event loop, with
    the bot's SIGTERM handler installed, and its part is taken (no fallback logged)."""
    monkeypatch.setattr(index_worker, "MIN_BYTES", 1)  # three_files is a small base
    monkeypatch.setenv("AIBOT_KNOWLEDGE_DIR", str(three_files))
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, lambda: None)
    try:
        with caplog.at_level(logging.WARNING, logger="bot.answering.scale.index_worker"):
            async with open_services(load_settings()) as services:
                assert len(services.engine.base.facts) == 4500
                question = _questions(three_files)[0]
                assert services.engine.answer_now(Question(text=question)) == AnswerEngine(
                    load_fact_base(three_files)).answer_now(Question(text=question))
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
    assert caplog.text == ""
    assert (private_data_dir / "index").is_dir()  # kept for the next start
    assert multiprocessing.active_children() == []

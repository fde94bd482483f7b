"""Knowledge reload: a fact file added while the bot runs is answered; a broken one is refused."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from pathlib import Path

import pytest

from bot.answering import AnswerEngine, Question
from bot.reload import Reloader
from knowledge.loader import DEFAULT_DATA_DIR, load_fact_base

NEW_DOCUMENT = "Acme Robotics will invest 3 billion dollars in artificial intelligence in 2026, its chief said.\n"
NEW_FACTS = """\
x-source: &note
  publisher: Test Desk
  title: "A note about Acme Robotics"
  date: 2026-11
  document: acme-note.txt
  lang: en

facts:
  - id: acme-2026-ai-investment
    statement:
      en: "Acme Robotics will invest 3 billion dollars in AI in 2026."
      fr: "Acme Robotics investira 3 milliards de dollars dans l'IA en 2026."
    entities: [acme]
    topics: [investment]
    amount:
      subject: acme
      currency: USD
      value: 3.0e9
      period: {year: 2026}
      purpose: {en: "artificial intelligence", fr: "intelligence artificielle"}
    reported: 2026-11
    added: 2026-11-30
    source:
      <<: *note
      quotes:
        - "Acme Robotics will invest 3 billion dollars in artificial intelligence in 2026"
    phrasings:
      en:
        - How much will Acme Robotics invest in AI?
      fr:
        - Combien Acme Robotics investit-il dans l'IA ?
"""
QUESTION = Question(text="How much will Acme Robotics invest in AI in 2026?")


@pytest.fixture
def data(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_DATA_DIR, target)
    return target


def add_acme(data: Path, facts: str = NEW_FACTS) -> Path:
    """Write the entity, the source document and the fact file, the fact file last."""
    entities = data / "entities.yaml"
    entities.write_text(entities.read_text(encoding="utf-8")
                        + "  - {id: acme, name: Acme Robotics, kind: company, aliases: [Acme]}\n", encoding="utf-8")
    (data / "sources" / "acme-note.txt").write_text(NEW_DOCUMENT, encoding="utf-8")
    path = data / "facts" / "acme-2026.yaml"
    path.write_text(facts, encoding="utf-8")
    return path


class Holder:
    """What the running bot answers from; swapped by the reloader."""

    def __init__(self, engine: AnswerEngine) -> None:
        self.engine = engine
        self.swapped = asyncio.Event()

    def swap(self, engine: AnswerEngine) -> None:
        self.engine = engine
        self.swapped.set()


@pytest.fixture
def holder(data: Path) -> Holder:
    return Holder(AnswerEngine(load_fact_base(data)))


async def test_an_added_fact_file_is_answered_after_reload(data: Path, holder: Holder) -> None:
    before = holder.engine.answer_now(QUESTION)
    assert not before.matched
    reloader = Reloader(data, AnswerEngine, holder.swap)
    add_acme(data)
    assert (await reloader.reload()).ok
    after = holder.engine.answer_now(QUESTION)
    assert after.matched and after.fact_ids == ["acme-2026-ai-investment"]
    assert after.sources[0].publisher == "Test Desk"


async def test_a_broken_change_keeps_the_old_base_and_names_file_and_line(
    data: Path, holder: Holder, caplog: pytest.LogCaptureFixture
) -> None:
    old_engine = holder.engine
    reloader = Reloader(data, AnswerEngine, holder.swap)
    broken = add_acme(data, NEW_FACTS.replace("quotes:\n        - \"Acme", "quotes:\n        - \"Acme Corp"))
    with caplog.at_level(logging.ERROR, logger="bot.reload"):
        done = await reloader.reload()
    assert not done.ok and any(f"{broken}:" in problem for problem in done.problems)
    assert holder.engine is old_engine
    assert holder.engine.answer_now(Question(text="How much is Meta spending on AI?")).matched
    refused = [r.getMessage() for r in caplog.records]
    assert any(f"{broken}:" in line and "keeping the base in use" in line for line in refused), refused


async def test_the_watcher_reloads_on_a_written_file(data: Path, holder: Holder) -> None:
    reloader = Reloader(data, AnswerEngine, holder.swap, debounce_ms=50)
    stop = asyncio.Event()
    watching = asyncio.create_task(reloader.watch(stop))
    try:
        written = add_acme(data)
        for _ in range(20):  # a watcher that started after the write sees the next one
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(holder.swapped.wait(), timeout=1)
                break
            written.write_text(written.read_text(encoding="utf-8"), encoding="utf-8")
        assert holder.swapped.is_set() and holder.engine.answer_now(QUESTION).matched
    finally:
        stop.set()
        await asyncio.wait_for(watching, timeout=10)

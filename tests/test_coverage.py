"""`aibot knowledge coverage`: every sentence of every source is quoted or skipped with a reason."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.coverage import coverage, document_coverage, find_excerpt, read_skipped, split_sentences
from knowledge.loader import DEFAULT_DATA_DIR, load_fact_base

DOCUMENT = "Acme plans to spend 5 billion dollars in 2025. Its boss said so on Monday.\nPhoto: Jane Doe.\n"
FACTS = """\
facts:
  - id: acme-2025
    statement: {en: "Acme plans to spend 5 billion dollars in 2025.", fr: "Acme prévoit de dépenser 5 milliards de dollars en 2025."}
    entities: [acme]
    reported: 2025-01
    source: {publisher: Test, title: T, date: 2025-01, document: acme.txt, lang: en,
             quotes: ["Acme plans to spend 5 billion dollars in 2025."]}
    phrasings: {en: [How much will Acme spend?], fr: [Combien Acme va-t-il dépenser ?]}
    added: 2026-11-30
"""


def coverage_cli(data_dir: Path | None, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "bot", "knowledge", "coverage", *args]
    if data_dir is not None:
        command.insert(5, str(data_dir))
    return subprocess.run(command, capture_output=True, text=True, timeout=60, env=os.environ.copy())


def small_base(tmp_path: Path, skipped: str | None = None) -> Path:
    data = tmp_path / "data"
    (data / "facts").mkdir(parents=True)
    (data / "sources").mkdir()
    (data / "sources" / "acme.txt").write_text(DOCUMENT, encoding="utf-8")
    (data / "facts" / "acme.yaml").write_text(FACTS, encoding="utf-8")
    (data / "entities.yaml").write_text("entities:\n  - {id: acme, name: Acme, kind: company}\n", encoding="utf-8")
    shutil.copy(DEFAULT_DATA_DIR / "lexicon.yaml", data / "lexicon.yaml")
    if skipped is not None:
        (data / "skipped.yaml").write_text(skipped, encoding="utf-8")
    return data


def test_the_shipped_base_leaves_no_sentence_uncovered() -> None:
    run = coverage_cli(None)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "000_24d7d52e14e62c78.txt:" in run.stdout and " 0 not covered" in run.stdout
    sentences = json.loads(coverage_cli(None, "--json").stdout)[0]["sentences"]
    assert {s["status"] for s in sentences} == {"quoted", "skipped"}
    stargate = next(s for s in sentences if "Stargate" in s["text"] and s["text"].startswith("Mardi"))
    assert stargate["status"] == "quoted" and "stargate-project" in stargate["fact_ids"]
    assert any(s["status"] == "skipped" and "Drew ANGERER" in s["text"] for s in sentences)


def test_an_uncovered_sentence_is_listed_with_its_line_and_fails(tmp_path: Path) -> None:
    run = coverage_cli(small_base(tmp_path))
    assert run.returncode == 1
    assert "acme.txt: 3 sentences, 1 quoted, 0 skipped, 2 not covered" in run.stdout
    assert "line 1 (uncovered): Its boss said so on Monday." in run.stdout
    assert "line 2 (uncovered): Photo: Jane Doe." in run.stdout
    assert "Acme plans" not in run.stdout


def test_a_skipped_sentence_needs_its_reason_and_its_text_in_the_document(tmp_path: Path) -> None:
    skipped = ("skipped:\n  - {document: acme.txt, text: 'Photo: Jane Doe.', reason: photo credit}\n"
               "  - {document: acme.txt, text: 'Its boss said so on Monday.', reason: nothing new}\n")
    data = small_base(tmp_path, skipped)
    run = coverage_cli(data)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 sentences, 1 quoted, 2 skipped, 0 not covered" in run.stdout
    (data / "skipped.yaml").write_text(skipped.replace("Photo: Jane Doe.", "Photo: John Doe."), encoding="utf-8")
    broken = coverage_cli(data)
    assert broken.returncode == 1 and "'Photo: John Doe.' not found in acme.txt" in broken.stderr
    assert "line 2 (uncovered): Photo: Jane Doe." in broken.stdout
    (data / "skipped.yaml").write_text("skipped:\n  - {document: acme.txt, text: 'Photo: Jane Doe.'}\n",
                                       encoding="utf-8")
    assert read_skipped(data)[1][0].field == "0.reason"
    validate = subprocess.run([sys.executable, "-m", "bot", "knowledge", "validate", str(data)],
                              capture_output=True, text=True, timeout=60)
    assert validate.returncode == 1 and "skipped.yaml" in validate.stderr and "0.reason" in validate.stderr


def test_a_sentence_quoted_in_part_names_the_words_left_out(tmp_path: Path) -> None:
    report = document_coverage("d.txt", "Acme will spend 5 billion dollars on chips and on energy.",
                               [("acme", "Acme will spend 5 billion dollars on chips")], [])
    (item,) = report.sentences
    assert item.status == "partly quoted" and item.fact_ids == ["acme"] and item.uncovered == "and on energy"


def test_coverage_of_the_shipped_base_in_code() -> None:
    reports, problems = coverage(load_fact_base(DEFAULT_DATA_DIR), DEFAULT_DATA_DIR)
    assert problems == [] and len(reports) == 1 and reports[0].uncovered == []


def test_sentences_split_after_a_quoted_sentence_and_at_line_breaks() -> None:
    text = 'He said: "It is big. We will win." Then he left.\n\nNew paragraph without a stop\nLast one.'
    assert [s.text for s in split_sentences(text)] == [
        'He said: "It is big.', 'We will win."', "Then he left.", "New paragraph without a stop", "Last one."]
    assert [s.line for s in split_sentences(text)] == [1, 1, 1, 3, 4]


def test_an_excerpt_is_found_across_line_breaks_as_the_loader_finds_quotes() -> None:
    assert find_excerpt("one two\n  three four", "two three") == [(4, 15)]
    assert find_excerpt("one two", "three") == []


@settings(deadline=None)  # a shared 2-core machine: no timing in a property test
@given(st.text(alphabet=st.sampled_from('ab .!?"«»()\nAÉ1'), max_size=80))
def test_sentences_are_in_order_within_the_text_and_hold_every_letter(text: str) -> None:
    sentences = split_sentences(text)
    position = 0
    for sentence in sentences:
        assert position <= sentence.start < sentence.end <= len(text)
        assert text[sentence.start:sentence.end] == sentence.text == sentence.text.strip()
        position = sentence.end
    inside = {i for s in sentences for i in range(s.start, s.end)}
    assert all(i in inside for i, ch in enumerate(text) if ch.isalnum())

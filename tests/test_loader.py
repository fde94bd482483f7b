"""The fact base: the shipped one is valid, and every kind of broken file is named precisely."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from knowledge.errors import FactBaseError
from knowledge.loader import DEFAULT_DATA_DIR, load_fact_base, validate_data_dir
from knowledge.models import FactBase

FACT_FILE = "facts/afp-2025-01-meta-ai-investment.yaml"


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, target)
    return target


def edit_facts(data: Path, change: str, to: str, count: int = 1) -> Path:
    path = data / FACT_FILE
    text = path.read_text(encoding="utf-8")
    assert change in text, f"fixture text not found: {change!r}"
    path.write_text(text.replace(change, to, count), encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


def test_shipped_base_is_valid_and_covers_the_seed(fact_base: FactBase) -> None:
    assert validate_data_dir(DEFAULT_DATA_DIR) == []
    ids = {f.id for f in fact_base.facts}
    assert {"meta-2025-ai-investment", "stargate-project", "microsoft-2025-data-centers",
            "zuckerberg-2025-expectations", "meta-manhattan-data-center", "musk-attacks-altman",
            "nadella-davos-reply", "market-2024-ai-spending"} <= ids
    for fact in fact_base.facts:
        assert fact.source.quotes and fact.source.document == "000_24d7d52e14e62c78.txt"
        assert fact.statement.en and fact.statement.fr


def test_shipped_amounts_are_structured(fact_base: FactBase) -> None:
    meta = fact_base.fact("meta-2025-ai-investment").amount
    assert meta is not None and meta.bounds == (60e9, 65e9) and meta.period.year == 2025
    assert meta.growth is not None and meta.growth.percent == 50 and meta.growth.versus_year == 2024
    stargate = fact_base.fact("stargate-project").amount
    assert stargate is not None and stargate.up_to and stargate.period.years == 4
    assert not stargate.period.is_yearly


@pytest.mark.parametrize(
    ("change", "to", "field", "message", "line_needle"),
    [
        ("entities: [meta]\n", "entities: [meta, intel]\n", "entities.1", "unknown entity 'intel'", "entities: [meta, intel]"),
        ("  - id: zuckerberg-2025-expectations", "  - id: meta-2025-ai-investment", "id", "duplicate id", None),
        ("        - Combien Meta va-t-il investir en 2025 ?", "        - What is Stargate?", "phrasings.en.0", "also claimed by 'meta-2025-ai-investment'", None),
        ("      low: 60.0e9", "      low: 70.0e9", "amount", "low (7e+10) is above high", "amount:"),
        ("      currency: USD\n      low", "      currency: XYZ\n      low", "amount", "unknown currency 'XYZ'", "amount:"),
        ("      low: 60.0e9", "      low: -1", "amount", "negative", "amount:"),
        ("        - \"Les \\\"60 à 65 milliards de dollars\\\"\"", "        - \"Les 600 milliards\"", "source.quotes.1", "quote not found", "Les 600 milliards"),
    ],
)
def test_broken_facts_are_named_by_file_line_fact_and_field(
    data_copy: Path, change: str, to: str, field: str, message: str, line_needle: str | None
) -> None:
    path = edit_facts(data_copy, change, to)
    problems = validate_data_dir(data_copy)
    matching = [p for p in problems if p.field == field and message in p.message]
    assert matching, problems
    problem = matching[0]
    assert problem.file == path and problem.fact_id is not None and problem.line > 0
    if line_needle:
        assert problem.line == line_of(path, line_needle) or problem.line == line_of(path, line_needle) - 1
    assert str(problem).startswith(f"{path}:{problem.line}: fact ")


def test_missing_translation_and_missing_quote(data_copy: Path) -> None:
    path = data_copy / FACT_FILE
    facts = yaml.safe_load(path.read_text(encoding="utf-8"))
    del facts["facts"][0]["statement"]["fr"]
    facts["facts"][1]["source"]["quotes"] = []
    path.write_text(yaml.safe_dump(facts, allow_unicode=True, sort_keys=False), encoding="utf-8")
    problems = {(p.fact_id, p.field) for p in validate_data_dir(data_copy)}
    assert ("meta-2025-ai-investment", "statement.fr") in problems
    assert ("zuckerberg-2025-expectations", "source.quotes") in problems


def test_yaml_syntax_error_names_the_line(data_copy: Path) -> None:
    path = edit_facts(data_copy, "    entities: [meta]\n", "    entities: [meta\n")
    problems = validate_data_dir(data_copy)
    assert problems and problems[0].field == "syntax" and problems[0].file == path and problems[0].line > 0


def test_broken_base_refuses_to_load(data_copy: Path) -> None:
    edit_facts(data_copy, "entities: [meta]\n", "entities: [nobody]\n")
    with pytest.raises(FactBaseError) as caught:
        load_fact_base(data_copy)
    assert "unknown entity 'nobody'" in str(caught.value)


def test_validate_command_exit_codes(data_copy: Path) -> None:
    good = subprocess.run([sys.executable, "-m", "bot", "knowledge", "validate"], capture_output=True, text=True)
    assert good.returncode == 0 and good.stdout.startswith(f"OK: {len(load_fact_base().facts)} facts")
    path = edit_facts(data_copy, "      low: 60.0e9", "      low: 90.0e9")
    bad = subprocess.run([sys.executable, "-m", "bot", "knowledge", "validate", str(data_copy)],
                         capture_output=True, text=True)
    assert bad.returncode == 1
    assert f"{path}:" in bad.stderr and "meta-2025-ai-investment" in bad.stderr and "above high" in bad.stderr


def test_a_name_or_word_claimed_twice_is_located_in_its_own_file(data_copy: Path) -> None:
    entities = data_copy / "entities.yaml"
    entities.write_text(entities.read_text(encoding="utf-8").replace("aliases: [MSFT]", "aliases: [MSFT, Zuck]"),
                        encoding="utf-8")
    lexicon = data_copy / "lexicon.yaml"
    lexicon.write_text(lexicon.read_text(encoding="utf-8").replace("words: [cost, costs,", "words: [cost, spend, costs,"),
                       encoding="utf-8")
    problems = validate_data_dir(data_copy)
    name = next(p for p in problems if p.file == entities)
    assert name.field == "entity mark-zuckerberg" and "'Zuck' is already used by entity 'microsoft'" in name.message
    assert name.line == line_of(entities, "id: mark-zuckerberg")
    word = next(p for p in problems if p.file == lexicon)
    assert word.field == "concept cost" and "'spend'" in word.message and word.line == line_of(lexicon, "words: [cost, spend")


def test_quotes_are_found_across_line_breaks_and_runs_of_spaces(data_copy: Path) -> None:
    """A quote is found in its document as written or with every run of spaces made one;
    words the document does not have are still reported."""
    document = data_copy / "sources" / "000_24d7d52e14e62c78.txt"
    text = document.read_text(encoding="utf-8")
    document.write_text(text.replace("prévoit d'investir jusqu'à", "prévoit\n  d'investir   jusqu'à", 1),
                        encoding="utf-8")
    assert validate_data_dir(data_copy) == []
    edit_facts(data_copy, "prévoit d'investir jusqu'à 65", "prévoit  d'investir\\n jusqu'à 65")  # in the quote too
    assert validate_data_dir(data_copy) == []
    edit_facts(data_copy, "jusqu'à 65", "jusqu'à 66")
    problems = validate_data_dir(data_copy)
    assert [(p.field, p.message) for p in problems] == [("source.quotes.0", "quote not found in the document")]

"""The shortcuts that make large bases fast agree with the plain paths they stand in for.

The index splits the base's own texts in bulk instead of calling :func:`bot.language.words`
per text, and derives their terms without building an :class:`Analysis`; the loader folds
text with a translate table, validates JSON files in one step and shares pydantic's
per-model field sets. Each shortcut is checked here against the slow, obvious path, so a
rule change that a shortcut misses fails a test instead of silently changing answers.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError

from bot.answering import analysis as matching
from bot.answering.scale import bulk_terms
from bot.answering.scale.flat_index import FlatIndex as FactIndex
from bot.bench.synthetic import write_base
from bot.language import word_texts, words
from knowledge import loader
from knowledge.loader import load_fact_base, validate_data_dir
from knowledge.models import LANGS, FactBase, Source

TRICKY = [
    "l'IA d'OpenAI", "Meta's AI budget", "$65bn for AI", "65 milliards de dollars",
    "soixante-cinq milliards", "a billion people", "un milliard de personnes", "Meta, AI",
    "x -- y", "quatre-vingt-dix", "65,5 md€", "£3 bn", "vingt et un", "Meta AI: 2025!",
    "  spaced   out  ", "C'est quoi Stargate ?", "what’s Meta’s plan", "AT&T 5G", "", "?!",
    "semi-conducteurs", "Meta\u00a0AI", "one billion dollars", "Llama 4, Meta AI",
    "Meta\u2003AI", "Meta\tAI", "Meta ,AI", "Meta - AI", "( Meta AI )", "Meta ( AI", "d' IA",
    "l'\u2019IA", "Meta's's", "Meta\nAI", "Meta  AI", " Meta AI ", "— Meta AI —", "$ 65 bn", "65bn$",
]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> FactBase:
    target = tmp_path_factory.mktemp("synthetic-index")
    write_base(target, facts=400, questions=50, seed=5)
    return load_fact_base(target)


def _texts(base: FactBase) -> list[tuple[str, str]]:
    return [(text, lang) for fact in base.facts for lang in LANGS
            for text in (*fact.phrasings.in_lang(lang), fact.statement.in_lang(lang))]


@pytest.mark.parametrize("which", ["shipped", "synthetic"])
def test_word_texts_are_the_words_of_each_text(which: str, fact_base: FactBase, synthetic: FactBase) -> None:
    """The lexicon reads names and concept words in bulk: every one must read as alone."""
    base = fact_base if which == "shipped" else synthetic
    texts = [t for t, _ in _texts(base)] + TRICKY + [name for e in base.entities for name in e.names]
    texts += [word for concept in base.concepts for word in concept.words]
    assert word_texts(texts) == [tuple(w.text for w in words(text)) for text in texts]  # "a billion" too


@pytest.mark.parametrize("which", ["shipped", "synthetic"])
def test_bulk_terms_are_the_analysis_terms(which: str, fact_base: FactBase, synthetic: FactBase) -> None:
    """Texts read in bulk get exactly the terms the plain analysis gives them, tricky ones
    included; only texts with number words or "a billion" are left to the plain path."""
    base = fact_base if which == "shipped" else synthetic
    pairs = _texts(base) + [(text, lang) for text in TRICKY for lang in LANGS]
    texts, langs = [t for t, _ in pairs], [lang for _, lang in pairs]
    analyzer = FactIndex(base).analyzer
    names: list[str] = []

    def term_id(term: str) -> int:
        if term not in names:
            names.append(term)
        return names.index(term)

    bulk = bulk_terms.BulkAnalyzer(analyzer.lexicon.phrases, matching._plain_term, term_id, 5)
    found = bulk.doc_terms(texts, np.array([lang == "en" for lang in langs]))
    by_doc: dict[int, set[str]] = {}
    for key in found.keys.tolist():
        by_doc.setdefault(key >> 32, set()).add(names[key & 0xFFFFFFFF])
    plain = set(found.plain)
    assert len(plain) < len(texts) * 0.2
    assert {texts.index(t) for t in ("soixante-cinq milliards", "a billion people")} <= plain
    for doc, (text, lang) in enumerate(pairs):
        if doc not in plain:
            assert by_doc.get(doc, set()) == analyzer.analyse(text, lang, learn=True).terms, text
    assert {w.text for text in texts for w in words(text)} - set(bulk.words) <= {
        w.text for doc in plain for w in words(texts[doc])}


def test_bulk_terms_choose_overlapping_phrases_as_the_plain_path_does() -> None:
    phrases = {("meta", "ai"): "e:meta_ai", ("ai", "budget"): "c:budget", ("meta",): "e:meta",
               ("new", "york", "times"): "e:nyt", ("york", "times", "square"): "e:square"}
    texts = ["meta ai budget", "ai budget meta", "new york times square", "meta, ai budget",
             "york times square", "meta ai ai budget"]
    names: list[str] = []

    def term_id(term: str) -> int:
        if term not in names:
            names.append(term)
        return names.index(term)

    bulk = bulk_terms.BulkAnalyzer(phrases, matching._plain_term, term_id, 5)
    found = bulk.doc_terms(texts, np.ones(len(texts), dtype=bool))
    by_doc: dict[int, set[str]] = {}
    for key in found.keys.tolist():
        by_doc.setdefault(key >> 32, set()).add(names[key & 0xFFFFFFFF])
    assert by_doc == {
        0: {"e:meta_ai", "w:budget"}, 1: {"c:budget", "e:meta"}, 2: {"e:nyt", "w:squar"},
        3: {"e:meta", "c:budget"}, 4: {"e:square"}, 5: {"e:meta_ai", "c:budget"},
    }


@pytest.mark.parametrize("which", ["shipped", "synthetic"])
def test_indexed_terms_are_the_analysis_terms(which: str, fact_base: FactBase, synthetic: FactBase) -> None:
    base = fact_base if which == "shipped" else synthetic
    index = FactIndex(base)
    for position, fact in enumerate(base.facts):
        docs = list(index.docs(position))
        expected = [(text, lang) for lang in LANGS
                    for text in (*fact.phrasings.in_lang(lang), fact.statement.in_lang(lang))]
        assert len(docs) == len(expected)
        for (shown, terms), (text, lang) in zip(docs, expected, strict=True):
            assert shown in (text, "")
            assert terms == index.analyzer.analyse(text, lang, learn=True).terms, text
        assert set().union(*(terms for _, terms in docs)) <= index.terms_of(position)
        assert {f"e:{e}" for e in fact.entities} <= index.terms_of(position)


def test_vocabulary_has_every_word_of_the_texts(synthetic: FactBase) -> None:
    index = FactIndex(synthetic)
    vocabulary = index.analyzer.lexicon.vocabulary
    for text, _ in _texts(synthetic)[:500]:
        assert {w.text for w in words(text) if not w.text[:1].isdigit()} <= vocabulary


def test_typo_correction_finds_names_in_a_large_vocabulary(synthetic: FactBase) -> None:
    index = FactIndex(synthetic)
    companies = [e for e in synthetic.entities if e.kind.value == "company" and e.aliases
                 and len(e.aliases[0]) >= 6]
    for company in companies[:20]:
        name = company.aliases[0]
        typo = name[0] + name[2] + name[1] + name[3:]  # the 2nd and 3rd letters swapped
        analysis = index.analyzer.analyse(f"How much is {typo} investing?", "en")
        assert analysis.corrections, typo


def test_shipped_typos_are_still_corrected(fact_base: FactBase) -> None:
    index = FactIndex(fact_base)
    for typo, right in [("zukerberg", "zuckerberg"), ("micorsoft", "microsoft"), ("stargaet", "stargate"),
                        ("icrosoft", "microsoft"), ("xmicrosoft", "microsoft"), ("tartgate", "stargate"),
                        ("manhattn", "manhattan"), ("investmnet", "investment")]:
        assert (typo, right) in index.analyzer.analyse(typo, "en").corrections


def _plain_fold(text: str) -> str:
    """The loader's fold as first written, character by character: the reference."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join("".join(c if c.isalnum() else " " for c in text).split())


def test_loader_fold_matches_the_plain_one(synthetic: FactBase) -> None:
    samples = [
        "Où Zozul ouvre-t-il un centre de données ?", "Ça coûte 65 md€ — œuvre ß İstanbul ǅ ﬁ x_y ½ ²",
        "l'IA d'OpenAI", "Æsir ø Łódź 東京 Ελλάδα", "", "  ", "Meta's AI (2025)!",
    ] + [text for text, _ in _texts(synthetic)[:300]]
    for text in samples:
        assert loader.fold(text) == _plain_fold(text), text


def test_loader_fold_hashes_are_those_of_fold(synthetic: FactBase) -> None:
    samples = [
        "Où Zozul ouvre-t-il   un centre ?", " Meta, AI ", "Meta\u00a0AI\tx", "", "  ", "a_ b", "— x —",
        "ǅ ﬁ ½", "with\x00nul", "l'IA d\u2019OpenAI", "Meta's AI (2025)!", " , ",
    ] + [text for text, _ in _texts(synthetic)]
    samples += ["A  B", "a b", "A\tB!", "Meta  AI ?", "é", "e"]  # runs of spaces; ASCII and not
    assert loader.fold_hashes(samples).tolist() == [hash(loader.fold(text)) for text in samples]
    assert loader.fold_hashes(samples[:8]).tolist() == [hash(loader.fold(text)) for text in samples[:8]]  # no NUL


def test_loaded_facts_are_frozen_slotted_and_still_validated(tmp_path: Path) -> None:
    write_base(tmp_path, facts=40, questions=10, seed=4)
    fact = load_fact_base(tmp_path).facts[0]
    assert not hasattr(fact, "__dict__") and not hasattr(fact.source, "__dict__")  # the memory saving
    with pytest.raises(dataclasses.FrozenInstanceError):
        fact.derived = True  # type: ignore[misc]
    assert dataclasses.replace(fact, derived=True).derived and not fact.derived
    with pytest.raises(ValidationError, match="pattern"):
        dataclasses.replace(fact, id="Not An Id")  # a copy is validated like a loaded fact
    source = {"publisher": "p", "title": "t", "date": "2025-01", "lang": "en", "quotes": ["q"], "url": "u"}
    assert TypeAdapter(Source).validate_python(source).url == "u"
    with pytest.raises(ValidationError, match="colour"):
        TypeAdapter(Source).validate_python({**source, "colour": "red"})


def test_an_unknown_key_in_a_data_file_is_named_as_such(tmp_path: Path) -> None:
    write_base(tmp_path, facts=30, questions=10, seed=6)
    facts_file = next((tmp_path / "facts").glob("*.json"))
    text = facts_file.read_text(encoding="utf-8")
    facts_file.write_text(text.replace('"publisher":', '"colour": "red", "publisher":', 1), encoding="utf-8")
    [problem] = validate_data_dir(tmp_path)
    assert (problem.field, problem.message) == ("source.colour", "unknown key (a typo?)")


def test_a_json_file_with_a_mistake_is_reported_by_the_step_by_step_path(tmp_path: Path) -> None:
    write_base(tmp_path, facts=30, questions=10, seed=6)
    facts_file = next((tmp_path / "facts").glob("*.json"))
    text = facts_file.read_text(encoding="utf-8")
    facts_file.write_text(text.replace('"currency": "USD"', '"currency": "XXX"', 1), encoding="utf-8")
    problems = validate_data_dir(tmp_path)
    assert len(problems) == 1
    assert problems[0].file == facts_file and problems[0].line >= 1
    assert problems[0].fact_id is not None and problems[0].fact_id.startswith("syn-")
    assert "unknown currency" in problems[0].message


def test_entities_written_as_json_load_like_yaml(tmp_path: Path) -> None:
    write_base(tmp_path, facts=30, questions=10, seed=8)
    assert (tmp_path / "entities.yaml").read_text(encoding="utf-8").startswith("{")
    base = load_fact_base(tmp_path)
    as_yaml = "entities:\n" + "".join(
        f"  - {{id: {e.id}, name: '{e.name}', kind: {e.kind.value}, aliases: {e.aliases!r}}}\n"
        for e in base.entities
    )
    (tmp_path / "entities.yaml").write_text(as_yaml, encoding="utf-8")
    assert load_fact_base(tmp_path).entities == base.entities


def test_a_phrasing_claimed_again_in_another_file_is_placed_in_that_file(tmp_path: Path) -> None:
    """Phrasings are compared by hashes of their folded forms across every file; the one
    claimed again is reported in its own file, with its fact, and without case or accents."""
    import json

    from bot.bench.synthetic import FACTS_PER_FILE

    write_base(tmp_path, facts=FACTS_PER_FILE + 50, questions=10, seed=12)
    first_file, second_file = sorted((tmp_path / "facts").glob("*.json"))[:2]
    first = json.loads(first_file.read_text(encoding="utf-8"))["facts"][3]
    second = json.loads(second_file.read_text(encoding="utf-8"))
    taken = first["phrasings"]["en"][0]
    second["facts"][7]["phrasings"]["fr"].append(taken.upper().replace("E", "É") + "  ")
    second_file.write_text(json.dumps(second, ensure_ascii=False), encoding="utf-8")
    problems = validate_data_dir(tmp_path)
    assert len(problems) == 1
    problem = problems[0]
    assert problem.file == second_file and problem.fact_id == second["facts"][7]["id"]
    assert problem.field == f"phrasings.fr.{len(second['facts'][7]['phrasings']['fr']) - 1}"
    assert f"also claimed by {first['id']!r}" in problem.message

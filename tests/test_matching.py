"""The matcher's mechanisms: typo correction from the base's own vocabulary, entities, roles."""

from __future__ import annotations

import pytest

from bot.answering import AnswerEngine, Question


@pytest.mark.parametrize(
    ("typo", "term"),
    [("zukerberg", "e:mark-zuckerberg"), ("micorsoft", "e:microsoft"), ("stargaet", "e:stargate"),
     ("manhattn", "e:manhattan"), ("investmnet", "c:invest"), ("Microsfot", "e:microsoft")],
)
def test_typos_are_corrected_against_the_vocabulary(engine: AnswerEngine, typo: str, term: str) -> None:
    analysis = engine.index.analyzer.analyse(f"{typo} 2025", "en")
    assert term in analysis.terms


@pytest.mark.parametrize("name", ["Huawei", "Intel", "Alibaba", "Salesforce", "IBM", "Samsung"])
def test_unknown_names_stay_unknown(engine: AnswerEngine, name: str) -> None:
    analysis = engine.index.analyzer.analyse(f"How much is {name} investing in AI?", "en")
    assert analysis.entities == frozenset()
    assert analysis.unknown_names == (name,)


def test_huawei_never_becomes_meta(engine: AnswerEngine) -> None:
    analysis = engine.index.analyzer.analyse("huawei", "en")
    assert analysis.entities == frozenset() and analysis.unknown == ("huawei",)


def test_aliases_and_multiword_concepts(engine: AnswerEngine) -> None:
    analysis = engine.index.analyzer.analyse("How much will Facebook spend on centres de données?", "en")
    assert {"e:meta", "c:datacenter", "c:amount", "c:invest"} <= analysis.terms
    assert {"amount", "money"} <= analysis.roles


def test_a_capital_opening_the_sentence_is_not_taken_for_a_name(engine: AnswerEngine) -> None:
    opening = engine.index.analyzer.analyse("Pendant combien d'années Stargate va investir ?", "fr")
    assert opening.unknown_names == () and "e:stargate" in opening.entities
    assert engine.index.analyzer.analyse("IBM AI spending", "en").unknown_names == ("IBM",)


@pytest.mark.parametrize(
    ("question", "lang", "name"),
    [("Huawei finance-t-il Stargate ?", "fr", "Huawei"),
     ("Broadcom pays for Stargate how much?", "en", "Broadcom"),
     ("so is huawei putting money in stargate or not", "en", "huawei"),
     ("est-ce que broadcom met de l'argent dans stargate", "fr", "broadcom")],
)
def test_an_unknown_name_is_found_wherever_it_stands(engine: AnswerEngine, question: str, lang: str, name: str) -> None:
    """Opening a sentence, or in lower case, a word of neither language's dictionary is a name."""
    assert engine.index.analyzer.analyse(question, lang).unknown_names == (name,)  # type: ignore[arg-type]
    answer = engine.answer_now(Question(text=question))
    assert not answer.matched and name in answer.answer


@pytest.mark.parametrize(
    "question",
    ["Summarize what Stargate is", "Raconte-moi ce que fait Stargate", "Roughly how much is Meta spending on its roadmap",
     "so what do smartphones have to do with stargate", "hw much is meta spendnig on ai"],
)
def test_dictionary_words_and_typos_are_no_names(engine: AnswerEngine, question: str) -> None:
    """Opening verbs, adverbs, words the dictionaries lack but the ordinary-words list has
    ("roadmap", "smartphones"), and a typo one edit from a word ("spendnig") are not names."""
    assert engine.index.analyzer.analyse(question, "en").unknown_names == ()


def test_four_letter_words_are_corrected_only_for_a_dropped_letter(engine: AnswerEngine) -> None:
    assert ("anne", "annee") in engine.index.analyzer.analyse("Combien Microsoft dépense cette anne", "fr").corrections
    assert engine.index.analyzer.analyse("How much is Uber investing?", "en").unknown_names == ("Uber",)


def test_a_typo_equally_close_to_several_words_is_corrected_the_same_after_every_restart() -> None:
    """Sets are ordered differently in each process (hash randomisation); the correction of a
    tie must not be, or the same question would get another answer after a restart."""
    import os
    import subprocess
    import sys

    code = ("from bot.answering.analysis import Analyzer, Lexicon; lexicon = Lexicon(); "
            "lexicon.vocabulary.update(['pilatu', 'polatu', 'palatu', 'pulatu', 'belatu', 'pelatum']); "
            "print(Analyzer(lexicon).analyse('How much does Pelatu spend?', 'en').corrections)")
    seen = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout
        for seed in range(1, 7)
    }
    assert len(seen) == 1 and "pelatu" in seen.pop()

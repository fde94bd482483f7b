"""Recall on chat wording: filler is neutral, two typos and dropped letters are corrected,
unknown names stay unknown, short French keyword questions read as French, and no text,
whatever Unicode it holds, makes the analysis raise."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answering import AnswerEngine, Question
from bot.answering.analysis import NEUTRAL_WORDS
from bot.answering.detect import BilingualVocabulary, detect_language
from bot.language import is_number, words
from knowledge.filler import filler_words
from knowledge.models import FactBase


def test_filler_words_come_from_the_data_list_and_are_neutral(engine: AnswerEngine) -> None:
    assert {"tbh", "ngl", "pls", "wesh", "genre"} <= filler_words() <= NEUTRAL_WORDS
    plain = engine.index.analyzer.analyse("what is stargate", "en")
    chatty = engine.index.analyzer.analyse("ngl tbh what even is stargate lol", "en")
    assert chatty.terms == plain.terms and chatty.unknown == ()


@pytest.mark.parametrize(
    ("question", "fact_id"),
    [("ok so like how much is microsoft throwing at datacenters tbh", "microsoft-2025-data-centers"),
     ("hey bot, meta ai budget pls", "meta-2025-ai-investment"),
     ("wesh genre c'est quoi stargate", "stargate-project")],
)
def test_a_chatty_question_is_answered(engine: AnswerEngine, question: str, fact_id: str) -> None:
    answer = engine.answer_now(Question(text=question))
    assert answer.matched and answer.fact_ids == [fact_id], answer.answer


@pytest.mark.parametrize(
    ("typo", "right"),
    [("mta", "meta"), ("micrsft", "microsoft"), ("mcuh", "much"), ("stargat", "stargate"), ("zukrberg", "zuckerberg")],
)
def test_dropped_letters_and_swaps_are_corrected(engine: AnswerEngine, typo: str, right: str) -> None:
    assert (typo, right) in engine.index.analyzer.analyse(f"{typo} 2025", "en").corrections


def test_two_typos_in_one_question(engine: AnswerEngine) -> None:
    answer = engine.answer_now(Question(text="how mcuh is micorsoft spendng"))
    assert answer.matched and answer.fact_ids == ["microsoft-2025-data-centers"]


#: Real names that are not in the shipped base: no correction may turn one into a known name.
UNKNOWN_NAMES = ["Apple", "Amazon", "Nvidia", "Intel", "AMD", "IBM", "Uber", "Tesla", "Samsung", "Huawei",
                 "Alibaba", "Baidu", "Tencent", "Anthropic", "Mistral", "Cohere", "xAI", "SAP", "Dell", "Cisco",
                 "Adobe", "Netflix", "Sony", "Meituan", "Zoom", "Snap", "Lyft", "Arm", "HP"]


@pytest.mark.parametrize("name", UNKNOWN_NAMES)
def test_no_unknown_name_turns_into_a_known_one(engine: AnswerEngine, name: str) -> None:
    analysis = engine.index.analyzer.analyse(f"How much is {name} investing in AI?", "en")
    assert not analysis.entities, analysis.corrections


def test_acronyms_in_capitals_are_never_corrected(engine: AnswerEngine) -> None:
    assert engine.index.analyzer.analyse("MTA budget", "en").corrections == ()
    assert engine.index.analyzer.analyse("Mta budget", "en").corrections == (("mta", "meta"),)


@pytest.mark.parametrize(
    ("question", "lang"),
    [("Microsoft investissement 2025", "fr"), ("Stargate financement", "fr"), ("Musk argent Stargate", "fr"),
     ("Microsoft spending 2025", "en"), ("Stargate funding", "en"), ("Meta capex", "en")],
)
def test_short_keyword_questions_get_their_language(engine: AnswerEngine, question: str, lang: str) -> None:
    assert engine.answer_now(Question(text=question)).lang == lang


def test_the_vocabulary_only_breaks_ties(fact_base: FactBase) -> None:
    vocabulary = BilingualVocabulary.from_base(fact_base)
    assert detect_language("Stargate financement", lambda: vocabulary) == "fr"
    assert detect_language("Stargate financement") == "en"  # without it, English when unsure
    asked: list[bool] = []

    def counted() -> BilingualVocabulary:
        asked.append(True)
        return vocabulary

    assert detect_language("How much is Meta investing?", counted) == "en" and not asked


@pytest.mark.parametrize("text", ["½ of Meta", "⅞ budget", "① Meta", "x² spending", "²2025", "٣ billion", "Ⅻ"])
def test_unicode_numerals_never_raise(engine: AnswerEngine, text: str) -> None:
    engine.answer_now(Question(text=text))
    assert not is_number("²") and not is_number("½") and is_number("٣")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_text_is_analysed_without_raising(text: str) -> None:
    from bot.answering.analysis import _plain_term

    for word in words(text):
        _plain_term(word.text, "en")

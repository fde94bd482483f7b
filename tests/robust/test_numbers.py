"""Issue 14, item 1: no character makes the number parser raise."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answering import AnswerEngine, Question
from bot.answering.analysis import _plain_term
from bot.language import clean, is_number, words

#: Characters whose folding starts with a digit but is no figure: vulgar fractions, circled,
#: superscript and subscript digits, and a digit of another script.
ODD_DIGITS = "½⅞¼①⑳²³₂⁴㉑𝟙١٢"


@pytest.mark.parametrize("word", ["½", "⅞cents", "①", "x ²", "²x", "3½", "1⁄2", "①②"])
def test_a_question_with_an_odd_digit_is_answered(engine: AnswerEngine, word: str) -> None:
    answer = engine.answer_now(Question(text=f"How much is Meta investing {word} in AI?"))
    assert answer.lang == "en" and answer.answer


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet=st.sampled_from(ODD_DIGITS + "0123456789.,abc €$") | st.characters(), max_size=20))
def test_every_number_token_has_a_term(text: str) -> None:
    for word in words(clean(text)):
        term = _plain_term(word.text, "en")
        if is_number(word.text):
            assert term.startswith(("n:", "y:"))
            float(word.text)  # what is_number accepts, float reads


def test_numbers_are_not_kept_in_the_analysers_word_cache(engine: AnswerEngine) -> None:
    """Item 5: the analyser caches known words; a new number per question must not grow it."""
    analyzer = engine.index.analyzer
    for n in range(3):
        analyzer.analyse(f"How much did Meta spend in {10_000 + n}.5 ?", "en")
    before = len(analyzer._single_terms)
    for n in range(200):
        analyzer.analyse(f"How much did Meta spend in {20_000 + n}.5 ?", "en")
    assert len(analyzer._single_terms) == before

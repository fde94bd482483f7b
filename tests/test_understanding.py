"""What people write that the plain matcher got wrong (issue 24): unknown names however they
are written, wrong premises, details no fact holds, arithmetic, typed slots, paraphrases.
Each shape in English and French, through the engine and its JSON contract."""

from __future__ import annotations

import pytest

from bot.answering import AnswerEngine, Question

# --- unknown names, however written -------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "name"),
    [("How much is AnThRoPiC investing in AI?", "AnThRoPiC"),
     ("How much will xAI spend on data centers?", "xAI"),
     ("How much is DeepSeek investing?", "DeepSeek"),
     ("What's the capex of G42?", "G42"),
     ("how much is tesla investing in data centers", "tesla"),
     ("how much is apple spending on ai", "apple"),
     ("how much is aws putting into ai", "aws"),
     ("What is tesla's AI budget?", "tesla"),
     ("combien amazon investit dans l'ia", "amazon"),
     ("budget IA d'amazon", "amazon"),
     ("investissements de tesla dans l'IA", "tesla"),
     ("Quel est le budget IA de xAI ?", "xAI")],
)
def test_an_unknown_name_in_any_case_or_with_digits_is_never_answered(
    engine: AnswerEngine, question: str, name: str
) -> None:
    """Mixed case, lower-case dictionary words in a spender's place, possessives and digits
    are names; before, "xAI" and "tesla" got Microsoft's data-center budget."""
    answer = engine.answer_now(Question(text=question))
    assert not answer.matched and answer.fact_ids == []
    assert name in answer.unknown_names and name in (answer.answer or "")


@pytest.mark.parametrize(
    "question",
    ["What is the company's AI budget?", "How much is everyone spending on AI?", "how much are startups investing in ai",
     "Meta capex FY25", "How much is Meta spending in 2025?", "Combien la boîte investit dans l'IA ?"],
)
def test_common_nouns_and_fiscal_years_in_a_spenders_place_are_no_names(engine: AnswerEngine, question: str) -> None:
    assert engine.index.analyzer.analyse(question, "en").unknown_names == ()

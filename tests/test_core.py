"""The core end to end on the shipped base: answers, abstention, language, computed answers."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest

from bot.answering import AnswerEngine, Question
from bot.language import Lang
from knowledge.loader import DEFAULT_DATA_DIR, load_fact_base


async def ask(engine: AnswerEngine, text: str, lang: Lang | None = None):  # type: ignore[no-untyped-def]
    return await engine.answer(Question(text=text, lang=lang))


async def test_meta_2025_figure_with_its_source(engine: AnswerEngine) -> None:
    answer = await ask(engine, "How much is Meta investing in AI in 2025?")
    assert answer.matched and answer.lang == "en"
    assert "60 to 65 billion dollars" in (answer.answer or "")
    assert answer.fact_ids == ["meta-2025-ai-investment"]
    assert answer.sources[0].publisher == "AFP" and answer.sources[0].date == "2025-01"
    assert answer.source_line == "Source: AFP, January 2025"


async def test_french_question_gets_a_french_answer(engine: AnswerEngine) -> None:
    answer = await ask(engine, "Combien Microsoft va-t-il dépenser cette année ?")
    assert answer.matched and answer.lang == "fr"
    assert "80 milliards de dollars" in (answer.answer or "")
    assert "Source : AFP, janvier 2025" in (answer.answer or "")


@pytest.mark.parametrize(
    ("question", "fact_id"),
    [
        ("how much is zuck spending on ai", "meta-2025-ai-investment"),
        ("micorsoft investmnet", "microsoft-2025-data-centers"),
        ("stargaet", "stargate-project"),
        ("How big is the Manhattan-sized data centre?", "meta-manhattan-data-center"),
        ("Qui finance OpenAI ?", "ai-race-leaders"),
        ("When did ChatGPT come out?", "generative-ai-boom"),
        ("Que dit Satya Nadella ?", "nadella-davos-reply"),
        ("Is AI spending paying off?", "market-2024-ai-spending"),
        ("Les investisseurs ont-ils aimé les dépenses en IA ?", "market-2024-ai-spending"),
        ("Que fera Meta avec son argent ?", "meta-2025-spending-use"),
        ("Combien Meta va-t-il mettre dans l'IA en 2025 ?", "meta-2025-ai-investment"),
        ("icrosoft capex", "microsoft-2025-data-centers"),
        ("Will AI upend society?", "why-giants-keep-spending"),  # not Stargate's "Quelles entreprises..."
    ],
)
async def test_paraphrases_typos_and_nicknames(engine: AnswerEngine, question: str, fact_id: str) -> None:
    answer = await ask(engine, question)
    assert answer.matched, answer.answer
    assert answer.fact_ids == [fact_id]


@pytest.mark.parametrize(
    "question",
    [
        "How much is Intel investing in AI?",
        "Combien Alibaba investit-il dans l'IA ?",
        "How much will Meta spend on AI next year?",
        "Combien Meta investira-t-il l'an prochain ?",
        "How many GPUs will Meta have?",
        "What is Salesforce's AI budget?",
        "how much is ibm investing in ai",
        "What is SoftBank's profit?",
        "What is Meta's revenue?",
        "What is Meta's share price?",
        "How much is Google spending on AI?",
        "Who is the CEO of Samsung?",
        "What time is it?",
        "Quel temps fera-t-il demain ?",
        "lorem ipsum dolor",
    ],
)
async def test_abstains_when_the_facts_do_not_cover_it(engine: AnswerEngine, question: str) -> None:
    answer = await ask(engine, question)
    assert not answer.matched, answer.answer
    assert answer.fact_ids == [] and answer.sources == []
    assert answer.answer and len(answer.suggestions) <= 3


@pytest.mark.parametrize("question", [
    "Combien de personnes Meta AI servira-t-il ?", "Combien d'utilisateurs pour Meta AI ?",
    "How many people will Meta AI serve?",
])
async def test_a_figure_other_than_money_is_answered_by_a_fact_stating_it(engine: AnswerEngine, question: str) -> None:
    """ "Combien" asks a figure; a count of people is answered by the fact that states it, though
    that fact has no amount of money (only questions about spending need one)."""
    answer = await ask(engine, question)
    assert answer.matched and answer.fact_ids == ["zuckerberg-2025-expectations"], answer.answer


@pytest.mark.parametrize(("question", "fact_id"), [
    ("How many data centers does Meta have?", None),  # Meta's budget counts no data centers
    ("Combien de centres de données Microsoft construit-il ?", None),  # 80 billion dollars is no count
    ("How many GPUs will Meta buy?", None),
    ("How many flamingos does Meta own?", None),
    ("How many users will Meta AI have?", "zuckerberg-2025-expectations"),  # "a billion people"
    ("How many dollars will Meta spend?", "meta-2025-ai-investment"),  # money is asked, not a count
    ("Combien d'argent Meta va-t-il investir ?", "meta-2025-ai-investment"),
])
async def test_how_many_is_answered_only_by_a_fact_counting_that_thing(
    engine: AnswerEngine, question: str, fact_id: str | None
) -> None:
    answer = await ask(engine, question)
    assert answer.fact_ids == ([fact_id] if fact_id else []), answer.answer


def test_a_count_is_a_number_then_the_thing_counted(engine: AnswerEngine) -> None:
    analyzer = engine.index.analyzer
    engineers = analyzer.analyse("How many engineers will Meta hire?", "en").counted
    assert engineers == {"c:engineer"}
    assert analyzer.things_counted("Meta will hire 2750 engineers in 2025.", "en") == engineers
    assert not analyzer.things_counted("Meta will spend 65 billion dollars on engineers in 2025.", "en") & engineers
    assert analyzer.things_counted("In 2025 engineers will cost more.", "en") == frozenset()  # a year counts nothing
    people = analyzer.analyse("Combien de personnes ?", "fr").counted
    assert people == {"c:people"} and analyzer.things_counted("plus d'un milliard de personnes", "fr") == people
    assert analyzer.analyse("Quel est le budget IA de Meta ?", "fr").counted == frozenset()  # no count asked


@pytest.mark.parametrize(("question", "fact_id"), [
    ("Who leads Oracle?", None),  # no fact says who: Oracle's profile is no answer
    ("Qui dirige SoftBank ?", None),
    ("Qui dirige Meta ?", "zuckerberg-2025-expectations"),  # "Mark Zuckerberg, Meta's boss"
    ("Who finances Stargate?", "stargate-project"),  # the fact names OpenAI, Oracle, SoftBank
    ("Qui finance Stargate ?", "stargate-project"),
    ("Who launched ChatGPT?", "generative-ai-boom"),
    ("Who is Mark Zuckerberg?", "zuckerberg-2025-expectations"),  # only a name: a fact about him
    ("Who runs Microsoft?", "nadella-davos-reply"),  # "Microsoft CEO Satya Nadella"
    ("Qui dirige Microsoft ?", "nadella-davos-reply"),
    ("Who runs Meta?", "zuckerberg-2025-expectations"),
])
async def test_who_asks_for_someone_besides_those_named(engine: AnswerEngine, question: str,
                                                         fact_id: str | None) -> None:
    answer = await ask(engine, question)
    assert answer.fact_ids == ([fact_id] if fact_id else []), answer.answer
    assert answer.matched is (fact_id is not None)


async def test_unknown_company_lists_what_the_bot_knows(engine: AnswerEngine) -> None:
    answer = await ask(engine, "How much is Intel investing in AI?")
    assert "Intel" in (answer.body or "") and "Meta" in (answer.body or "") and "Stargate" in (answer.body or "")


async def test_unsure_offers_choices_instead_of_guessing(engine: AnswerEngine) -> None:
    answer = await ask(engine, "Meta")
    assert not answer.matched
    assert 2 <= len(answer.suggestions) <= 3
    for suggestion in answer.suggestions:  # each suggestion is itself answerable
        assert (await ask(engine, suggestion)).matched


async def test_comparison_is_computed_from_amounts(engine: AnswerEngine) -> None:
    answer = await ask(engine, "Is Microsoft outspending Meta?")
    assert answer.matched and set(answer.fact_ids) == {"microsoft-2025-data-centers", "meta-2025-ai-investment"}
    text = answer.answer or ""
    assert "80 billion" in text and "60 to 65 billion" in text and "15–20 billion" in text and "derived" in text


async def test_comparison_across_periods_does_not_pretend(engine: AnswerEngine) -> None:
    text = (await ask(engine, "Does Stargate spend more than Microsoft?")).answer or ""
    assert "not directly comparable" in text and "total over 4 years" in text


@pytest.mark.parametrize("question", ["Top AI spenders?", "List the investments from biggest to smallest",
                                      "Qui investit le plus dans l'IA ?"])
async def test_ranking_biggest_first(engine: AnswerEngine, question: str) -> None:
    answer = await ask(engine, question)
    assert answer.matched and answer.fact_ids[0] == "stargate-project"
    text = answer.answer or ""
    assert text.index("Stargate") < text.index("Microsoft") < text.index("Meta")


async def test_ranking_smallest_first(engine: AnswerEngine) -> None:
    answer = await ask(engine, "Rank the AI investments from smallest to biggest")
    assert answer.fact_ids[0] == "meta-2025-ai-investment"


async def test_year_before_a_stated_growth_is_derived(engine: AnswerEngine) -> None:
    answer = await ask(engine, "How much did Meta spend in 2024?")
    text = answer.answer or ""
    assert answer.matched and "roughly 40 to 43 billion" in text and "derived" in text and "50%" in text
    french = (await ask(engine, "Combien Meta a-t-il investi en 2024 ?")).answer or ""
    assert "40 à 43 milliards" in french and "calcul dérivé" in french


@pytest.mark.parametrize(
    "text",
    ["", "   ", "\x00\x01\x02", "🚀🚀🔥", "?" * 50, "a" * 100_000, "\ud800 broken surrogate".encode(
        "utf-8", "surrogatepass").decode("utf-8", "replace")],
)
async def test_bad_input_gets_a_short_clear_reply(engine: AnswerEngine, text: str) -> None:
    answer = await ask(engine, text)
    assert not answer.matched
    assert answer.answer and len(answer.answer) < 600


async def test_third_language_is_told_which_languages_work(engine: AnswerEngine) -> None:
    answer = await ask(engine, "¿Cuánto invierte Meta en inteligencia artificial?")
    assert not answer.matched and "English and French" in (answer.answer or "")


class RecordingLog:
    def __init__(self) -> None:
        self.records: list[tuple[str, str, float]] = []

    async def record(self, text: str, lang: Lang, score: float, when: datetime, *, tenant: str = "console") -> None:
        self.records.append((text, lang, score))


async def test_unanswered_questions_are_recorded(fact_base) -> None:  # type: ignore[no-untyped-def]
    log = RecordingLog()
    engine = AnswerEngine(fact_base, unanswered=log)
    await engine.answer(Question(text="How much is Intel investing in AI?"))
    await engine.answer(Question(text="What is Stargate?"))
    assert [r[0] for r in log.records] == ["How much is Intel investing in AI?"]


async def test_adding_an_alias_in_the_data_makes_a_new_wording_answerable(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data)
    question = "How much is Zuckco putting into AI?"
    before = AnswerEngine(load_fact_base(data))
    assert not (await before.answer(Question(text=question))).matched
    entities = data / "entities.yaml"
    entities.write_text(entities.read_text(encoding="utf-8").replace(
        "aliases: [Facebook, Instagram, Meta Platforms, FB]", "aliases: [Facebook, Instagram, Meta Platforms, FB, Zuckco]"),
        encoding="utf-8")
    after = AnswerEngine(load_fact_base(data))
    answer = await after.answer(Question(text=question))
    assert answer.matched and answer.fact_ids == ["meta-2025-ai-investment"]


async def test_adding_a_concept_word_in_the_data_makes_a_new_wording_answerable(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data)
    question = "Are servers exorbitant?"  # ("Is AI hardware exorbitant?" is answered by its clear lead)
    assert not (await AnswerEngine(load_fact_base(data)).answer(Question(text=question))).matched
    lexicon = data / "lexicon.yaml"
    lexicon.write_text(lexicon.read_text(encoding="utf-8").replace(
        "words: [cost, costs, costly,", "words: [exorbitant, cost, costs, costly,"), encoding="utf-8")
    answer = await AnswerEngine(load_fact_base(data)).answer(Question(text=question))
    assert answer.matched and answer.fact_ids == ["ai-hardware-cost-energy"]


async def test_two_amounts_of_one_company_are_never_compared_as_rivals(tmp_path: Path) -> None:
    import yaml

    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data)
    path = data / "facts" / "afp-2025-01-meta-ai-investment.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    later = dict(document["facts"][0])
    later["id"] = "meta-2026-test-plan"
    later["amount"] = {**later["amount"], "low": 70.0e9, "high": 75.0e9, "period": {"year": 2026}, "growth": None}
    later["statement"] = {"en": "Meta plans 70 to 75 billion dollars in 2026 (test fact).",
                          "fr": "Meta prévoit 70 à 75 milliards de dollars en 2026 (fait de test)."}
    later["phrasings"] = {"en": ["What is Meta's 2026 budget?"], "fr": ["Quel est le budget 2026 de Meta ?"]}
    document["facts"].append(later)
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    engine = AnswerEngine(load_fact_base(data))
    answer = await engine.answer(Question(text="How much is Meta investing in AI in 2025?"))
    assert answer.fact_ids == ["meta-2025-ai-investment"], answer.answer
    versus = await engine.answer(Question(text="Does Microsoft spend more than Meta in 2026?"))
    assert set(versus.fact_ids) == {"microsoft-2025-data-centers", "meta-2026-test-plan"}


def test_a_long_list_of_known_names_is_cut_to_the_most_written_about(fact_base) -> None:  # type: ignore[no-untyped-def]
    engine = AnswerEngine(fact_base)
    everyone = {f"e:{e.id}" for e in fact_base.entities}
    names, more = engine._top_names(everyone)
    assert more == len(everyone) - 8 and len(names) == 8 and "Meta" in names and "Davos" not in names


async def test_a_long_question_may_name_context_entities(engine: AnswerEngine) -> None:
    answer = await ask(engine, "What did Elon Musk, a Trump ally, say on X about the Stargate partners OpenAI, Oracle and SoftBank?")
    assert answer.matched and answer.fact_ids == ["musk-attacks-altman"]


def test_a_ranking_over_thousands_of_amounts_shows_the_top_and_counts_the_rest(tmp_path: Path) -> None:
    from bot.bench.synthetic import write_base
    from bot.computed import RANK_LIMIT

    write_base(tmp_path, facts=600, questions=10, seed=9)
    base = load_fact_base(tmp_path)
    amounts = [f for f in base.facts if f.amount]
    engine = AnswerEngine(base)
    for question, ascending in [("Who spends the most on AI?", False), ("Who spends the least?", True)]:
        answer = engine.answer_now(Question(text=question))
        assert answer.matched and len(answer.fact_ids) == RANK_LIMIT
        highs = [base.fact(fact_id).amount.bounds[1] for fact_id in answer.fact_ids]  # type: ignore[union-attr]
        assert highs == sorted(highs, reverse=not ascending)
        every = sorted(f.amount.bounds[1] for f in amounts)  # type: ignore[union-attr]
        assert highs[0] == (every[0] if ascending else every[-1])
        assert f"{len(amounts) - RANK_LIMIT:,} more" in (answer.answer or "")

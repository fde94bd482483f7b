"""What people write that the plain matcher got wrong (issue 24): unknown names however they
are written, wrong premises, details no fact holds, arithmetic, typed slots, paraphrases.
Each shape in English and French, through the engine and its JSON contract."""

from __future__ import annotations

import pytest

from bot.answering import AnswerEngine, Question
from knowledge.models import FactBase

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


@pytest.mark.parametrize(("question", "names"), [
    ("How much is Zorblax0corp spending on AI?", "Zorblax0corp."),
    ("Combien investit G42corp dans l'IA ?", "G42corp."),
])
def test_a_name_with_digits_is_named_once_not_with_its_pieces(engine: AnswerEngine, question: str, names: str) -> None:
    answer = engine.answer_now(Question(text=question))
    assert not answer.matched
    assert answer.unknown_names == [names.rstrip(".")]
    assert names in (answer.answer or "")


@pytest.mark.parametrize(
    "question",
    ["What is the company's AI budget?", "How much is everyone spending on AI?", "how much are startups investing in ai",
     "Meta capex FY25", "How much is Meta spending in 2025?", "Combien la boîte investit dans l'IA ?"],
)
def test_common_nouns_and_fiscal_years_in_a_spenders_place_are_no_names(engine: AnswerEngine, question: str) -> None:
    assert engine.index.analyzer.analyse(question, "en").unknown_names == ()


# --- premises ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "fact", "says"),
    [("Why did Meta cut its AI budget?", "meta-2025-ai-investment", ["premise differs", "no cut", "50%"]),
     ("Why is Meta spending less on AI this year?", "meta-2025-ai-investment", ["premise differs"]),
     ("Why did Microsoft reduce its data center spending?", "microsoft-2025-data-centers", ["no cut for Microsoft"]),
     ("Pourquoi Meta a-t-il réduit son budget IA ?", "meta-2025-ai-investment", ["prémisse diffère", "aucune baisse"]),
     ("Why is Meta spending 100 billion on AI?", "meta-2025-ai-investment", ["not 100 billion", "60 to 65"]),
     ("Is it true Microsoft is spending 50 billion on data centers?", "microsoft-2025-data-centers", ["not 50 billion"]),
     ("Pourquoi Microsoft dépense-t-il 100 milliards ?", "microsoft-2025-data-centers", ["et non 100 milliards"]),
     ("Why is Meta spending 30% more than in 2024?", "meta-2025-ai-investment", ["50% more than in 2024, not 30%"])],
)
def test_a_premise_the_facts_contradict_gets_the_fact_and_says_so(
    engine: AnswerEngine, question: str, fact: str, says: list[str]
) -> None:
    answer = engine.answer_now(Question(text=question))
    assert answer.matched and answer.fact_ids == [fact]
    assert all(part in (answer.answer or "") for part in says), answer.answer


@pytest.mark.parametrize(
    "question",
    ["Why is Meta spending 65 billion on AI?", "Why is Meta investing 50% more than in 2024?",
     "How much more is Meta spending than in 2024?", "Pourquoi Microsoft dépense-t-il 80 milliards ?"],
)
def test_a_premise_the_facts_agree_with_is_answered_plainly(engine: AnswerEngine, question: str) -> None:
    answer = engine.answer_now(Question(text=question))
    assert answer.matched and "premise" not in (answer.answer or "") and "prémisse" not in (answer.answer or "")


@pytest.mark.parametrize(
    ("question", "says"),
    [("How much is SoftBank putting into Stargate?", ["no figure for SoftBank's own part", "500"]),
     ("What is Oracle's share of the Stargate money?", ["Oracle's own part"]),
     ("Combien SoftBank investit-il dans Stargate ?", ["la part de SoftBank", "500"]),
     ("How did Altman reply to Musk?", ["don't say that", "attacked"]),
     ("Qu'a répondu Sam Altman à Elon Musk ?", ["ne le disent pas"])],
)
def test_a_detail_no_fact_holds_abstains_and_says_what_is_held(
    engine: AnswerEngine, question: str, says: list[str]
) -> None:
    """Never the broader fact as if it answered: matched is false and no fact is cited."""
    answer = engine.answer_now(Question(text=question))
    assert not answer.matched and answer.fact_ids == []
    assert all(part in (answer.answer or "") for part in says), answer.answer


@pytest.mark.parametrize(
    "question",
    ["cb meta investi ds l ia cette annee", "what's msft's data center budget looking like",
     "combien de thunes meta met dans l'ia cette année", "stargate c'est combien de fois le budget de microsoft ?",
     "how much do companies typically spend on ai"],
)
def test_chat_words_beside_a_spending_word_are_no_names(engine: AnswerEngine, question: str) -> None:
    """Abbreviations, "combien de <thing>", verb forms and adverbs next to a spending word,
    or after a spender already named, say how or what, not who."""
    assert engine.index.analyzer.analyse(question, "en").unknown_names == ()


# --- arithmetic over amounts ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "says"),
    [("How much are Meta and Microsoft spending together?", ["140–145 billion", "derived: 60–65 + 80"]),
     ("Combien Meta et Microsoft dépensent-ils ensemble ?", ["140–145 milliards", "calcul dérivé : 60–65 + 80"]),
     ("Meta, Microsoft and Stargate combined?", ["640–645", "60–65 + 80 + 500", "different periods"]),
     ("How much is Stargate per year?", ["125 billion", "500 ÷ 4"]),
     ("Combien Stargate investit-il par an ?", ["125 milliards", "500 ÷ 4"]),
     ("Stargate yearly average", ["125"]),
     ("What is the midpoint of Meta's budget?", ["62.5 billion", "(60 + 65) ÷ 2"]),
     ("Quel est le milieu de la fourchette de Meta ?", ["62,5 milliards"]),
     ("How many times bigger is Stargate than Microsoft's budget?", ["6.25 times", "500 ÷ 80"]),
     ("Stargate c'est combien de fois le budget de Microsoft ?", ["6,25 fois", "500 ÷ 80"]),
     ("By how many dollars did Meta's budget increase from 2024?", ["20–21.7 billion", "60–65 − 60–65 ÷ 1.5"]),
     ("De combien de milliards le budget de Meta a-t-il augmenté ?", ["20–21,7 milliards"]),
     ("How much is Meta spending per month?", ["5–5.4 billion", "÷ 12"])],
)
def test_arithmetic_over_amounts_is_derived_with_its_formula(
    engine: AnswerEngine, question: str, says: list[str]
) -> None:
    answer = engine.answer_now(Question(text=question))
    assert answer.matched, answer.answer
    assert all(part in (answer.answer or "") for part in says), answer.answer
    assert "derived" in (answer.answer or "") or "dérivé" in (answer.answer or "")


@pytest.mark.parametrize(
    ("follow_up", "earlier", "says"),
    [("and per year?", ["stargate-project"], "125 billion"),
     ("et par an ?", ["stargate-project"], "125 milliards"),
     ("so both together?", ["meta-2025-ai-investment", "microsoft-2025-data-centers"], "140–145"),
     ("and with Stargate, all together?", ["meta-2025-ai-investment"], "560–565")],
)
def test_a_follow_up_can_ask_for_arithmetic_over_the_last_answer(
    engine: AnswerEngine, follow_up: str, earlier: list[str], says: str
) -> None:
    """:meth:`AnswerEngine.derive` is the hook the conversation layer calls with the facts of
    its frame; a text asking no arithmetic gives None."""
    answer = engine.derive(follow_up, earlier)
    assert answer is not None and answer.matched and says in (answer.answer or ""), answer
    assert engine.derive("thanks!", earlier) is None


# --- typed slots: who, when, where, what ------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "fact", "lead"),
    [("When did Trump present Stargate?", "stargate-project", "When: on Tuesday."),
     ("Quand Trump a-t-il présenté Stargate ?", "stargate-project", "Quand : mardi."),
     ("What day did Zuckerberg post?", "zuckerberg-2025-expectations", "When: on Friday."),
     ("What year did ChatGPT launch?", "generative-ai-boom", "When: at the end of 2022."),
     ("Where did Nadella speak?", "nadella-davos-reply", "Where: at Davos."),
     ("Où Nadella a-t-il parlé ?", "nadella-davos-reply", "Où : à Davos."),
     ("D'où vient SoftBank ?", "softbank-japanese-investment-giant", "Où : Japon."),
     ("What apps does Meta own?", "meta-2025-ai-investment", "Facebook and Instagram"),
     ("Quelles applications possède Meta ?", "meta-2025-ai-investment", "Facebook et Instagram"),
     ("What social network does Musk own?", "musk-attacks-altman", "the social network X"),
     ("What is Satya Nadella's role?", "nadella-davos-reply", "Satya Nadella: Microsoft's CEO."),
     ("Quel est le rôle de Satya Nadella ?", "nadella-davos-reply", "Satya Nadella : le patron de Microsoft."),
     ("Who runs Meta?", "zuckerberg-2025-expectations", "Mark Zuckerberg: Meta's boss."),
     ("Qui dirige Microsoft ?", "nadella-davos-reply", "Satya Nadella : le patron de Microsoft."),
     ("Who is Elon Musk?", "musk-attacks-altman", "Elon Musk: a close Trump ally")],
)
def test_a_slot_question_goes_to_the_fact_holding_the_slot(
    engine: AnswerEngine, question: str, fact: str, lead: str
) -> None:
    answer = engine.answer_now(Question(text=question))
    assert answer.matched and answer.fact_ids == [fact], answer.answer
    assert (answer.answer or "").startswith(lead) or lead in (answer.answer or ""), answer.answer


@pytest.mark.parametrize(
    "question",
    ["Where will Meta build its data center?", "Où sera construit le centre de données de Meta ?",
     "Where is Microsoft building data centers?", "When is Microsoft spending the 80 billion?",
     "When will Llama 4 be released?", "Where is OpenAI headquartered?", "Who is Sam Altman?", "Qui est Sam Altman ?",
     "Where is SoftBank investing?"],
)
def test_a_slot_no_fact_holds_abstains_and_says_what_is_held(engine: AnswerEngine, question: str) -> None:
    """Davos is where Nadella spoke, not where Microsoft builds: a slot belongs to an act."""
    answer = engine.answer_now(Question(text=question))
    assert not answer.matched and answer.fact_ids == [], answer.answer
    assert "don't say that" in (answer.answer or "") or "ne le disent pas" in (answer.answer or "")


@pytest.mark.parametrize(
    ("question", "fact"),
    [("Who did Musk attack?", "musk-attacks-altman"), ("Qui Musk a-t-il attaqué ?", "musk-attacks-altman"),
     ("Who finances Stargate?", "stargate-project"), ("Qui a lancé ChatGPT ?", "generative-ai-boom")],
)
def test_who_goes_to_the_fact_relating_someone_to_what_is_named(engine: AnswerEngine, question: str, fact: str) -> None:
    answer = engine.answer_now(Question(text=question))
    assert answer.matched and answer.fact_ids == [fact], answer.answer


@pytest.mark.parametrize("question", ["Who founded SoftBank?", "Qui a fondé SoftBank ?", "Who leads Oracle?"])
def test_who_abstains_when_no_fact_relates_anyone_to_it(engine: AnswerEngine, question: str) -> None:
    assert not engine.answer_now(Question(text=question)).matched


@pytest.mark.parametrize("question", ["when did it start?", "et ça a commencé quand ?", "Where is it?", "Il a commencé quand ?"])
def test_it_with_nothing_before_asks_what_it_is(engine: AnswerEngine, question: str) -> None:
    """A follow-up asked with no earlier turn is not answered as if "it" were known."""
    answer = engine.answer_now(Question(text=question))
    assert not answer.matched and answer.fact_ids == []
    assert "Which one" in (answer.answer or "") or "De quoi" in (answer.answer or ""), answer.answer


@pytest.mark.parametrize(
    "question", ["What did Nadella say about Google at Davos?", "Qu'a dit Nadella sur Google à Davos ?"])
def test_a_short_question_names_only_what_it_asks_about(engine: AnswerEngine, question: str) -> None:
    """Only a long question may name context the answer lacks: Nadella's quote is not about Google."""
    assert not engine.answer_now(Question(text=question)).matched


# --- weights from the base ------------------------------------------------------------------


def test_ordinary_words_of_a_long_message_weigh_as_context(engine: AnswerEngine) -> None:
    """In a long message, words the base never uses but English has ("honestly", "cousin")
    weigh as common words; in a short question the same kind of word is what is asked."""
    long = engine.index.analyzer.analyse(
        "honestly my cousin keeps arguing with me about this, how much is Meta investing in AI this year?", "en")
    assert long.common_unknown >= 2
    answer = engine.answer_now(Question(text="honestly my cousin keeps arguing with me about this, "
                                             "how much is Meta investing in AI this year?"))
    assert answer.matched and answer.fact_ids == ["meta-2025-ai-investment"]
    assert engine.index.analyzer.analyse("What is OpenAI's valuation?", "en").common_unknown == 0
    assert not engine.answer_now(Question(text="What is OpenAI's valuation?")).matched
    assert not engine.answer_now(Question(text="Quel est le salaire de Mark Zuckerberg ?")).matched


# --- through the command line's JSON contract -------------------------------------------------


def test_every_shape_through_aibot_ask_json_batch() -> None:
    """One line per shape and language through ``aibot ask --json --batch - --conversation``,
    as score.py drives it: each line names what it asks about, so the conversation's memory
    must not change any of these answers."""
    import json
    import os
    import subprocess
    import sys

    cases = [
        ("How much will xAI spend on data centers?", False, "xAI"),
        ("combien amazon investit dans l'ia", False, "amazon"),
        ("Why did Meta cut its AI budget?", True, "premise differs"),
        ("Pourquoi Microsoft dépense-t-il 100 milliards ?", True, "prémisse diffère"),
        ("How much is SoftBank putting into Stargate?", False, "SoftBank's own part"),
        ("How much are Meta and Microsoft spending together?", True, "140–145"),
        ("Combien Stargate investit-il par an ?", True, "125 milliards"),
        ("Where did Nadella speak?", True, "Davos"),
        ("Quelles applications possède Meta ?", True, "Facebook et Instagram"),
        ("Where will Meta build its data center?", False, "don't say that"),
        ("how many people will meta hire for AI in 2025?", False, "don't say that about Meta"),
        ("combien de personnes Meta va-t-il embaucher ?", False, "ne le disent pas pour Meta"),
        ("Combien de personnes Meta AI servira-t-il ?", True, "milliard de personnes"),
    ]
    stdin = "".join(f"{q}\n" for q, _, _ in cases).encode()
    run = subprocess.run([sys.executable, "-m", "bot", "ask", "--json", "--batch", "-", "--conversation"],
                         input=stdin, capture_output=True, timeout=120, env=os.environ.copy())
    assert run.returncode == 0, run.stderr
    replies = [json.loads(line) for line in run.stdout.decode().splitlines() if line.strip()]
    assert len(replies) == len(cases)
    for (question, matched, says), reply in zip(cases, replies, strict=True):
        assert reply["matched"] is matched, (question, reply)
        assert says in reply["answer"], (question, reply["answer"])


@pytest.mark.parametrize("question", ["Meta et Microsoft travaillent-ils ensemble ?", "Do Meta and Microsoft work together?"])
def test_together_without_money_is_no_sum(engine: AnswerEngine, question: str) -> None:
    """Found on aibot bench's synthetic base: "X et Y travaillent-ils ensemble sur ..." got a sum."""
    answer = engine.answer_now(Question(text=question))
    assert "derived" not in (answer.answer or "") and "dérivé" not in (answer.answer or "")


def test_a_fact_without_typed_slots_is_matched_by_its_words(fact_base: FactBase) -> None:
    """A base written before typed slots (aibot bench's synthetic one) still answers "where"
    from its texts; a fact that declares slots, even none, is held to them."""
    from dataclasses import replace

    untyped = AnswerEngine(fact_base.model_copy(update={"facts": [replace(f, slots=None) for f in fact_base.facts]}))
    assert untyped.answer_now(Question(text="Where did Nadella speak?")).matched


@pytest.mark.parametrize(
    ("question", "fact"),
    [("What did Altman say to Musk?", None), ("Qu'a dit Altman à Musk ?", None),
     ("What did Musk say about Altman?", "musk-attacks-altman"), ("Qu'a dit Musk sur Stargate ?", "musk-attacks-altman"),
     ("What did Trump announce?", "stargate-project")],
)
def test_what_someone_said_comes_from_a_fact_where_they_speak(
    engine: AnswerEngine, question: str, fact: str | None
) -> None:
    answer = engine.answer_now(Question(text=question))
    assert (answer.fact_ids[0] if answer.matched else None) == fact, answer.answer


@pytest.mark.parametrize("question", ["Where will Meta's 65 billion go?", "Où va l'argent de Meta ?"])
def test_where_the_money_goes_asks_what_it_pays_for(engine: AnswerEngine, question: str) -> None:
    """Found by the follow-up tests: "where does the money go?" is no place question."""
    answer = engine.answer_now(Question(text=question))
    assert answer.matched and answer.fact_ids == ["meta-2025-spending-use"], answer.answer


# --- counts: what was done with what is counted --------------------------------------------


@pytest.mark.parametrize(
    "question",
    ["how many people will meta hire for AI in 2025?", "How many people is Meta recruiting?",
     "combien de personnes Meta va-t-il embaucher ?", "Combien de personnes Meta recrute-t-il pour l'IA ?"],
)
def test_a_count_of_an_act_no_fact_counts_abstains_and_says_what_is_held(engine: AnswerEngine, question: str) -> None:
    """The base counts people Meta AI serves, not people Meta hires: before, the hiring
    question got the billion people served as if it were a headcount."""
    answer = engine.answer_now(Question(text=question))
    assert not answer.matched and answer.fact_ids == [], answer.answer
    held = answer.answer or ""
    assert ("don't say that about Meta" in held or "ne le disent pas pour Meta" in held), held
    assert "billion" in held or "milliard" in held  # what the base does hold, said not to answer


@pytest.mark.parametrize(
    "question",
    ["How many people will Meta AI serve?", "How many people will use Meta AI?", "how many people will meta ai serve",
     "how many users does Meta want for its assistant", "Combien de personnes Meta AI servira-t-il ?",
     "Combien de personnes utiliseront Meta AI ?", "combien de personnes pour Meta AI ?"],
)
def test_a_count_of_the_act_the_fact_counts_is_answered(engine: AnswerEngine, question: str) -> None:
    """Serving and using are what the billion people are counted by ("serving", "au service de")."""
    answer = engine.answer_now(Question(text=question))
    assert answer.matched and answer.fact_ids == ["zuckerberg-2025-expectations"], answer.answer


def test_the_acts_said_near_a_number_are_read_with_it(engine: AnswerEngine) -> None:
    analyzer, acts = engine.index.analyzer, frozenset({"c:use", "c:build", "c:expand"})
    text = "Meta AI will be the assistant serving a billion people, and Meta will build an AI engineer."
    assert analyzer.counts_with_acts(text, "en", acts, 2) == {"c:people": frozenset({"c:use"})}
    assert analyzer.counts_with_acts(text, "en", acts, 8) == {"c:people": frozenset({"c:use", "c:build"})}
    fr = "Meta recrutera 3 000 ingénieurs et construira un centre de données."
    assert analyzer.counts_with_acts(fr, "fr", acts, 1)["c:engineer"] == {"c:expand"}

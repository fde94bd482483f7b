"""Each gate of the answer policy earns its place: a question it gets right that goes wrong
with that gate switched off. A gate added without a case here fails the first test."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.answering import AnswerEngine, AnswerPolicy, Question
from bot.answering.analysis import Candidate
from bot.answering.policy import GATE_NAMES, Asked, Decision
from knowledge.models import FactBase

#: gate -> (question, the fact that answers it, or None for "the bot must not answer")
CASES: dict[str, tuple[str, str | None]] = {
    "same_year": ("ChatGPT launch 2021", None),
    "names_the_entities": ("Combien d'argent pour Stargate ?", "stargate-project"),
    "gives_the_figure": ("How much money does Stargate have?", "stargate-project"),
    "names_someone_else": ("Who will expand Meta's teams?", None),
    "counts_the_thing": ("How many data centers is Microsoft building?", None),
    "counts_by_the_act": ("how many people will meta hire for AI in 2025?", None),
    "unknown_name": ("How does Huawei's AI budget compare with Meta's?", None),
    "clears_threshold": ("What is Meta's share price?", None),
    "beats_runner_up": ("investmnet", None),
    "clear_lead": ("Is AI hardware exorbitant?", "ai-hardware-cost-energy"),
    "primary_bonus": ("Microsoft spending", "microsoft-2025-data-centers"),
    "holds_the_detail": ("How did Stargate respond to Musk?", None),
    "premise": ("Why did Microsoft reduce its data center spending?", "microsoft-2025-data-centers"),
    "partner_share": ("How much is SoftBank putting into Stargate?", None),
    "holds_the_slot": ("Where will Meta build its data center?", None),
    "slot_threshold": ("Zuckerberg a annoncé ça où ?", "zuckerberg-2025-expectations"),
    "unresolved_reference": ("When did it start?", None),
    "said_by_the_speaker": ("What did Altman say to Musk?", None),
}


#: Gates that matter for facts written without typed slots only (a base from before them, the
#: synthetic bases): typed "who" slots do their work on the shipped base.
UNTYPED = {"names_someone_else"}


def _outcome(engine: AnswerEngine, question: str) -> str | None:
    answer = engine.answer_now(Question(text=question))
    return answer.fact_ids[0] if answer.matched else None


def test_every_gate_has_a_case() -> None:
    assert set(CASES) == set(GATE_NAMES)


@pytest.mark.parametrize("gate", GATE_NAMES)
def test_the_gate_earns_its_place(gate: str, engine: AnswerEngine, fact_base: FactBase) -> None:
    question, expected = CASES[gate]
    if gate in UNTYPED:
        fact_base = fact_base.model_copy(update={"facts": [replace(f, slots=None) for f in fact_base.facts]})
        engine = AnswerEngine(fact_base)
    assert _outcome(engine, question) == expected
    without = AnswerEngine(fact_base, policy=AnswerPolicy().without(gate), index=engine.index)
    assert _outcome(without, question) != expected


def test_next_year_is_the_year_after_the_newest_facts(engine: AnswerEngine, fact_base: FactBase) -> None:
    """No fact is about the year after the newest ones: the year gate turns "next year" away,
    however well the rest of the question matches."""
    latest = max(int(fact.reported[:4]) for fact in fact_base.facts)
    analysis = engine.index.analyzer.analyse("How much will Meta spend on AI next year?", "en")
    assert Asked(analysis, {}, latest).years == {f"y:{latest + 1}"}
    assert _outcome(engine, "How much will Meta spend on AI next year?") is None
    assert _outcome(engine, "Combien Meta investira-t-il l'an prochain ?") is None
    without = AnswerEngine(fact_base, policy=AnswerPolicy().without("same_year"), index=engine.index)
    assert _outcome(without, "How much will Meta spend on AI next year?") == "meta-2025-ai-investment"


def test_an_unknown_gate_name_is_refused() -> None:
    with pytest.raises(ValueError, match="no such gate"):
        AnswerPolicy().without("same_yeer")


def test_the_decision_rules(engine: AnswerEngine) -> None:
    fact = engine.base.facts[0]
    policy = AnswerPolicy()

    def ranked(*scores: float) -> list[Candidate]:
        return [Candidate(fact, score, "") for score in scores]

    assert policy.decide([]) == Decision(False)
    assert policy.decide(ranked(70, 50)) == Decision(True)
    assert policy.decide(ranked(70, 68)) == Decision(False, unsure=True)  # a runner-up too close
    assert policy.decide(ranked(98, 97)) == Decision(True)  # a near-exact phrasing
    assert policy.decide(ranked(55, 40)) == Decision(True)  # clearly ahead of the rest
    names_only = [Candidate(fact, 55, "", on_topic=False), Candidate(fact, 40, "")]
    assert policy.decide(names_only) == Decision(False)  # ahead only by the names the question gives
    assert policy.decide(ranked(55, 50)) == Decision(False)
    assert policy.decide(ranked(55)) == Decision(False)  # a lone candidate leads nothing
    assert policy.decide(ranked(40, 10)) == Decision(False)  # under the floor
    off_topic = [Candidate(fact, 55, "", None, on_topic=False), *ranked(40)]
    assert policy.decide(off_topic) == Decision(False)  # shares only names and years: no lead


def test_a_costly_gate_reads_only_the_best_scored_candidates(engine: AnswerEngine, fact_base: FactBase) -> None:
    """The count gate reads facts' statements, so it is checked on the best few only: with a
    budget of none, a count the base states goes unanswered; with the default, it is found."""
    question = "combien de personnes pour Meta AI ?"
    assert _outcome(engine, question) == "zuckerberg-2025-expectations"
    starved = AnswerEngine(fact_base, policy=AnswerPolicy(costly_checks=0), index=engine.index)
    assert _outcome(starved, question) is None

"""The engine: a platform-neutral :class:`Question` in, a platform-neutral :class:`Answer` out.

How a question is answered, each step one small part:

1. Clean it; an empty or foreign-language question gets a short reply at once.
2. Detect its language (:mod:`bot.answering.detect`) and analyse it into terms
   (:mod:`bot.answering.analysis`): entities, concepts, roles, unknown names.
3. The policy's ``unknown_name`` gate: a name the base has never seen means "I don't know".
4. Rankings, comparisons and the year before a growth are computed from amounts.
5. Otherwise the index gives candidates; the policy's fact gates keep those that can
   answer, its bonuses break near-ties, and its decision gates say whether the best answers
   (:mod:`bot.answering.policy`). If not, the bot says it does not know and offers the
   closest questions it can answer.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot import computed, messages
from bot.answering.analysis import Analysis, Candidate
from bot.answering.detect import BilingualVocabulary, detect_language
from bot.answering.index import TIE_DIGITS, Index, MemoryIndex
from bot.answering.models import Answer, SourceRef, UnansweredLog
from bot.answering.policy import (
    ACTS,
    COUNT_ACTS,
    DEFAULT_POLICY,
    DETAIL_GATES,
    SPEECH,
    Asked,
    Decision,
    count_acts,
    held_slot,
)
from bot.answering.premises import Premise, partners_of, premise_of
from bot.language import Lang, clean, looks_foreign
from bot.tenants import CONSOLE
from knowledge.models import LANGS, EntityKind, Fact, FactBase, Person, SlotValue

if TYPE_CHECKING:
    from bot.answering.models import Question
    from bot.answering.policy import AnswerPolicy
    from bot.answering.scale.flat_index import HeadStarter
    from bot.answering.scale.index_cache import IndexCache

_log = logging.getLogger(__name__)

#: Beyond this many, "I know about ..." names the most written-about and counts the rest.
MAX_NAMES_LISTED = 8
#: Facts whose counted things are remembered at once; beyond, the memory starts afresh.
MAX_REMEMBERED = 50_000


class AnswerEngine:
    """Answers questions from one fact base; build it once, ask it many times.

    Give it a built ``index`` (:class:`MemoryIndex` is made for a base given alone; the
    composition root passes :func:`bot.answering.scale.build_index`'s). ``index_cache`` and
    ``index_worker`` are a shorthand for that call, which tests use.
    """

    def __init__(
        self,
        base: FactBase,
        *,
        unanswered: UnansweredLog | None = None,
        policy: AnswerPolicy | None = None,
        index: Index | None = None,
        threshold: float | None = None,
        margin: float | None = None,
        index_cache: IndexCache | None = None,
        index_worker: HeadStarter | None = None,
    ) -> None:
        self.base = base
        if index is None and (index_cache is not None or index_worker is not None):
            from bot.answering.scale import build_index  # the large-base machinery, only when asked

            index = build_index(base, index_cache, index_worker)
        self.index: Index = index if index is not None else MemoryIndex(base)
        self.unanswered = unanswered
        policy = policy or DEFAULT_POLICY
        if threshold is not None:
            policy = replace(policy, threshold=threshold)
        if margin is not None:
            policy = replace(policy, margin=margin)
        self.policy = policy
        self._amount_facts = [f for f in base.facts if f.amount is not None]
        #: Amount facts by subject term, each list in base order, so naming a company does
        #: not scan every amount of a large base.
        self._amounts_of: dict[str, list[tuple[int, Fact]]] = {}
        for position, fact in enumerate(self._amount_facts):
            if fact.amount:
                self._amounts_of.setdefault(f"e:{fact.amount.subject}", []).append((position, fact))
        #: a partner of a joint amount with none of its own (e:softbank -> Stargate's amount):
        #: "how much is SoftBank putting in?" is a part the facts do not give
        self._joint_amounts_of: dict[str, list[Fact]] = {}
        for fact in self._amount_facts:
            assert fact.amount is not None
            if base.entity(fact.amount.subject).kind is EntityKind.PROJECT:
                for partner in partners_of(base, fact):
                    if f"e:{partner}" not in self._amounts_of:
                        self._joint_amounts_of.setdefault(f"e:{partner}", []).append(fact)
        self._known_cache: dict[str, tuple[list[str], int]] = {}
        self._by_size: dict[bool, list[Fact]] = {}
        self._amount_subjects = {f"e:{f.amount.subject}" for f in self._amount_facts if f.amount}
        self._leads = {f"e:{e.id}": f"e:{e.leads}" for e in base.entities if e.leads}
        #: the year the newest facts were reported in: what "next year" is read against
        self._latest_year = max((int(fact.reported[:4]) for fact in base.facts), default=None)
        self._facts_by_id = {fact.id: fact for fact in base.facts}
        #: fact id -> what its statements give a number of, read on a count question's need
        self._things_counted: dict[str, dict[str, frozenset[str]]] = {}
        self._vocabulary: BilingualVocabulary | None = None  # read on the first keyword question

    def warm(self) -> AnswerEngine:
        """Build now the typo tables, which most questions with a typo or an unknown word need,
        instead of on the first such question; returns the engine. (The bilingual vocabulary
        and the lists of known names, a tenth of a second each at 100,000 facts, wait for the
        first question that needs them: every start would pay for them otherwise.)"""
        self.index.analyzer.warm()
        return self

    @property
    def threshold(self) -> float:
        return self.policy.threshold

    @property
    def margin(self) -> float:
        return self.policy.margin

    async def answer(self, question: Question) -> Answer:
        """Answer one question; records it when the bot could not answer."""
        answer = self.answer_now(question)
        if not answer.matched and self.unanswered is not None and answer.question:
            try:
                await self.unanswered.record(answer.question, answer.lang, answer.score, datetime.now(UTC),
                                             tenant=question.tenant or CONSOLE)
            except Exception:  # the answer matters more than the record of it
                _log.exception("could not record an unanswered question")
        return answer

    def analyse(self, text: str, lang: Lang | None = None) -> Analysis:
        """What the engine reads in ``text``: its entity terms (``.entities``, such as
        ``"e:meta"``), the years it names (``.years``), its concepts and roles. A
        conversation layer compares these with :meth:`entities_of` to tell whether a
        follow-up names an entity of its own."""
        text = clean(text)
        return self._best_reading(text, lang or self.detect_language(text))

    def detect_language(self, text: str) -> Lang:
        """The language of ``text``: function words first, then the base's own bilingual
        vocabulary for a keyword question that has none."""
        return detect_language(text, self._bilingual_vocabulary)

    def _bilingual_vocabulary(self) -> BilingualVocabulary:
        if self._vocabulary is None:
            self._vocabulary = BilingualVocabulary.from_base(self.base)
        return self._vocabulary

    def entities_of(self, fact_id: str) -> frozenset[str]:
        """The entity terms of one fact (``"e:meta"``, as in :attr:`Analysis.entities`);
        empty for an id the base does not have."""
        fact = self._facts_by_id.get(fact_id)
        return frozenset(f"e:{e}" for e in fact.entities) if fact else frozenset()

    def answer_now(self, question: Question) -> Answer:
        """The synchronous heart of :meth:`answer`, for batch use; records nothing."""
        text = clean(question.text)
        lang: Lang = question.lang or self.detect_language(text)
        if not text or not any(c.isalnum() for c in text):
            return self._reply(text, lang, messages.text("empty", lang, example=self._example(lang)))
        if looks_foreign(text):
            return self._reply(text, "en", messages.text("foreign", "en", example=self._example("en")))
        analysis = self._best_reading(text, lang)
        if self.policy.abstains_on_unknown_names(analysis):
            unknown = _whole_names(analysis.unknown_names)
            body = messages.text("unknown_entity", lang, names=messages.join_names(unknown, lang),
                                 known=self._known_names(lang))
            reply = self._reply(text, lang, body, suggestions=self._suggest(analysis, lang))
            reply.unknown_names = unknown
            return reply
        if self._asks_about_a_relation(analysis):
            # "OpenAI's biggest investor": "biggest" says which relation, as "main" does in the
            # fact; OpenAI has no spending to rank.
            ranking = frozenset(self.index.analyzer.lexicon.role_terms.get("rank", ()))
            analysis = replace(analysis, terms=analysis.terms - ranking, roles=analysis.roles - {"rank"})
        premise = self._premise(text, analysis) if self.policy.is_on("premise") else None
        if premise is not None:
            return self._found(text, lang, self._premise_body(premise, lang), [premise.fact], 100.0)
        computed_answer = self._computed(analysis, lang)
        if computed_answer is not None:
            return self._found(text, lang, computed_answer.body, computed_answer.facts, 100.0)
        share = self._partner_share(analysis, lang) if self.policy.is_on("partner_share") else None
        if share is not None:
            return self._reply(text, lang, share, suggestions=self._suggest(analysis, lang))
        if (analysis.refers and not analysis.entities and len(analysis.terms) <= 1
                and self.policy.is_on("unresolved_reference")):
            # "when did it start?" with nothing before it: ask what "it" is, never guess
            return self._reply(text, lang, messages.text("which_one", lang), suggestions=self._suggest(analysis, lang))
        ranked = self.rank(analysis)
        decision = self.policy.decide(ranked, slot=self._slot_evidence(analysis, ranked))
        if not decision.answers and self._asks_a_detail(analysis):
            held = self._held_about(analysis, lang)
            if held is not None:
                return self._reply(text, lang, held, suggestions=self._suggest(analysis, lang, ranked))
        if not ranked:
            return self._abstain(text, lang, analysis, [], 0.0)
        best = ranked[0]
        if not decision.answers:
            return self._abstain(text, lang, analysis, ranked, best.score, unsure=decision.unsure)
        body = best.fact.statement.in_lang(lang)
        lead = self._slot_lead(analysis, best.fact, lang) if analysis.asks else None
        return self._found(text, lang, f"{lead} {body}" if lead else body, [best.fact], best.score)

    def _slot_evidence(self, analysis: Analysis, ranked: list[Candidate]) -> bool:
        """The best fact holds the typed slot asked for what the question names, and is about
        what else it asks: on topic, or holding it for the very act asked ("announced where?")."""
        if not (ranked and analysis.asks and analysis.entities and self.policy.is_on("holds_the_slot")):
            return False
        held = held_slot(Asked(analysis, self._leads), ranked[0].fact)
        if held is None:
            return False
        acts = {t[2:] for t in analysis.terms & ACTS}
        return ranked[0].on_topic or (bool(acts) and isinstance(held, SlotValue) and acts <= set(held.acts))

    def _slot_lead(self, analysis: Analysis, fact: Fact, lang: Lang) -> str | None:
        """A short direct answer before the statement: "Where: at Davos.", "Satya Nadella:
        Microsoft's CEO." The statement follows it, with its source."""
        value = held_slot(Asked(analysis, self._leads), fact)
        if value is None or not self.policy.is_on("holds_the_slot"):
            return None
        if isinstance(value, Person):
            if value.role is None:
                return None
            return messages.text("slot_role", lang, name=self._entity_name(f"e:{value.entity}"),
                                 role=value.role.in_lang(lang))
        slot = next(s for s in ("when", "where", "what") if s in analysis.asks)
        return messages.text(f"slot_{slot}", lang, value=value.in_lang(lang))

    def _best_reading(self, text: str, lang: Lang) -> Analysis:
        """ "Meta AI spending" reads as the product Meta AI or as Meta + AI. Keep the reading
        that gives a confident answer; if both do, the higher score; the whole name wins ties."""
        analyzer = self.index.analyzer
        whole = analyzer.analyse(text, lang)
        if not whole.compound_names:
            return whole
        split = analyzer.analyse(text, lang, split_compounds=True)
        return max((whole, split), key=lambda reading: self._outcome(self.rank(reading)))

    def _outcome(self, ranked: list[Candidate]) -> tuple[bool, float]:
        """(answers, best score): how good a ranking is as a final answer."""
        decision: Decision = self.policy.decide(ranked)
        return decision.answers, ranked[0].base_score if ranked else 0.0

    def _asks_a_detail(self, analysis: Analysis) -> bool:
        """The question asks for a detail (a reply, a place...) that a detail gate holds facts to."""
        speech = bool(analysis.terms & SPEECH and analysis.entities)
        counts_an_act = bool(analysis.counted and count_acts(analysis))
        asks = bool(analysis.details or analysis.asks or speech or counts_an_act)
        return asks and any(self.policy.is_on(g) for g in DETAIL_GATES)

    def _held_about(self, analysis: Analysis, lang: Lang) -> str | None:
        """What the facts hold about the named subject when none holds the detail asked: the
        best fact naming every one of them, ranked with the detail gates off, as a statement
        that is said not to answer (never given as the answer)."""
        if not analysis.entities:
            return None
        ranked = self.rank(analysis, policy=self.policy.without(*DETAIL_GATES))
        named = analysis.entities
        for candidate in ranked:
            if named <= self.entities_of(candidate.fact.id):
                names = messages.join_names([self._entity_name(e) for e in sorted(named)], lang)
                return messages.text("detail_not_held", lang, names=names,
                                     statement=candidate.fact.statement.in_lang(lang))
        return None

    def _partner_share(self, analysis: Analysis, lang: Lang) -> str | None:
        """ "How much is SoftBank putting into Stargate?": a partner's part of a joint figure
        the facts give only in total. Says what they do give; never answers with the total."""
        if "amount" not in analysis.roles or not self._joint_amounts_of or not analysis.entities:
            return None
        asked = Asked(analysis, self._leads)
        if asked.wants_count:
            return None
        for entity in sorted(analysis.entities):
            joint = self._joint_amounts_of.get(entity)
            if not joint:
                continue
            fact = joint[-1]
            assert fact.amount is not None
            partners = [f"e:{p}" for p in partners_of(self.base, fact)]
            if set(partners) <= analysis.entities:
                continue  # all of them together: the total is what is asked
            return messages.text(
                "share_not_held", lang, names=self._entity_name(entity),
                subject=self._entity_name(f"e:{fact.amount.subject}"),
                amount=computed.amount_text(fact.amount, lang), period=computed.period_text(fact.amount, lang),
                partners=messages.join_names([self._entity_name(p) for p in partners], lang))
        return None

    def _premise(self, text: str, analysis: Analysis) -> Premise | None:
        """A cut, a figure or a growth the question assumes about one spender's amount that
        the amount contradicts."""
        if not {"money", "amount", "decrease"} & analysis.roles:
            return None
        if "decrease" not in analysis.roles and _HAS_DIGIT(text) is None:
            return None  # no cut said, no figure stated: nothing to contradict
        if "decrease" in analysis.roles and not {"money", "amount"} & analysis.roles:
            return None
        spenders = Asked(analysis, self._leads).spenders
        named = [f for e in sorted(spenders) for _, f in self._amounts_of.get(e, ())]
        by_subject = _one_per_subject(named, analysis.terms)
        if len(by_subject) != 1:
            return None
        fact = by_subject[0]
        assert fact.amount is not None
        years = {int(t[2:]) for t in analysis.terms if t.startswith("y:")}
        other_years = years - {fact.amount.period.year}
        growth = fact.amount.growth
        if other_years and (growth is None or other_years != {growth.versus_year}):
            return None
        # "Meta spent 40 billion in 2024?" states another year's figure: only a growth is checked
        return premise_of(analysis, text, fact, money=not other_years)

    def _premise_body(self, premise: Premise, lang: Lang) -> str:
        fact, amount = premise.fact, premise.fact.amount
        assert amount is not None
        who = self._entity_name(f"e:{amount.subject}")
        figure, period = computed.amount_text(amount, lang), computed.period_text(amount, lang)
        if premise.cut:
            growth = amount.growth
            more = messages.text("premise_growth", lang, percent=f"{growth.percent:g}", year=growth.versus_year) \
                if growth is not None else ""
            note = messages.text("premise_cut", lang, who=who, amount=figure, period=period, growth=more)
        elif premise.wrong_billions is not None:
            note = messages.text("premise_figure", lang, who=who, amount=figure, period=period,
                                 stated=messages.billions(premise.wrong_billions * 1e9, lang))
        else:
            assert amount.growth is not None and premise.wrong_percent is not None
            note = messages.text("premise_percent", lang, percent=f"{amount.growth.percent:g}",
                                 year=amount.growth.versus_year, stated=f"{premise.wrong_percent:g}")
        return f"{note} {fact.statement.in_lang(lang)}"

    def rank(self, analysis: Analysis, *, policy: AnswerPolicy | None = None) -> list[Candidate]:
        """The candidates that pass every fact gate of the policy, scored, best first. A costly
        gate is checked last, on the best-scored few only (:attr:`AnswerPolicy.costly_checks`)."""
        policy = policy or self.policy
        asked = Asked(analysis, self._leads, self._latest_year, self._counted_by, policy.context_terms)
        gates = policy.checks_for(asked)
        costly = policy.checks_for(asked, costly=True)
        facts, terms_of = self.base.facts, self.index.terms_of
        scored: list[tuple[Candidate, frozenset[str]]] = []
        for index in self.index.candidates(analysis):
            fact = facts[index]
            terms = terms_of(index)
            if gates and not all(keeps(asked, fact, terms) for keeps in gates):
                continue
            absent = {e for e in analysis.entities if e not in terms}
            if absent:
                # "Zuckerberg's spending" is scored as Meta's against a Meta fact, and the
                # context a long question names (Oracle, SoftBank) does not count against it.
                stand_ins = {self._leads[e] for e in absent if e in self._leads}
                swapped = (analysis.terms - absent) | stand_ins
                candidate = self.index.score(replace(analysis, terms=frozenset(swapped)), index)
            else:
                candidate = self.index.score(analysis, index)
            bonus = policy.bonus(asked, fact)
            if bonus:
                candidate = Candidate(fact, min(100.0, candidate.score + bonus), candidate.phrasing, candidate.score)
            scored.append((candidate, terms))
        scored.sort(key=lambda pair: -round(pair[0].score, TIE_DIGITS))
        if costly:
            scored = [(c, terms) for c, terms in scored[: policy.costly_checks]
                      if all(keeps(asked, c.fact, terms) for keeps in costly)]
        ranked = [candidate for candidate, _ in scored]
        # Whether the best has most of what is asked besides names, years and numbers (the
        # policy's clear-lead rule reads it of the best only, so only the best is checked).
        topic = {t for t in analysis.terms - analysis.entities if not t.startswith(("y:", "n:"))}
        if ranked and topic and 2 * len(topic & scored[0][1]) <= len(topic):
            ranked[0] = replace(ranked[0], on_topic=False)
        return ranked

    def _counted_by(self, fact: Fact) -> Mapping[str, frozenset[str]]:
        """What a fact's statements give a number of, with the acts said near each number (in
        either language: "serving" and "au service de" say the same), read once per fact."""
        things = self._things_counted.get(fact.id)
        if things is None:
            if len(self._things_counted) > MAX_REMEMBERED:
                self._things_counted.clear()
            analyzer = self.index.analyzer
            things = {}
            for lang in LANGS:
                counts = analyzer.counts_with_acts(fact.statement.in_lang(lang), lang, COUNT_ACTS,
                                                   self.policy.act_window)
                for thing, acts in counts.items():
                    things[thing] = things.get(thing, frozenset()) | acts
            self._things_counted[fact.id] = things
        return things

    def suggestions_for(self, text: str, lang: Lang | None = None, limit: int = 25) -> list[str]:
        """Questions the bot can answer that are closest to ``text`` (autocomplete)."""
        lang = lang or self.detect_language(text)
        analysis = self.index.analyzer.analyse(clean(text), lang)
        return self._suggest(analysis, lang, limit=limit, allow_any=True)

    def _asks_about_a_relation(self, analysis: Analysis) -> bool:
        """A superlative about names none of which has an amount ("the biggest investor in
        OpenAI", "Stargate's main partner") asks for a relation a fact states, not for the
        spending ranking."""
        if "rank" not in analysis.roles or not analysis.entities:
            return False
        return not any(e in self._amounts_of for e in Asked(analysis, self._leads).spenders)

    def _computed(self, analysis: Analysis, lang: Lang) -> computed.Computed | None:
        roles = analysis.roles
        if not {"amount", "money", "rank", "compare"} & roles and not _ARITHMETIC & roles:
            return None
        spenders = Asked(analysis, self._leads).spenders
        named = [f for _, f in sorted(
            (pair for e in spenders for pair in self._amounts_of.get(e, ())), key=lambda pair: pair[0])]
        if "rank" in roles and len(named) != 1 and not {"sum", "ratio"} & roles:
            ascending = "c:rank-ascending" in analysis.terms
            ordered = computed.by_size(named, ascending=ascending) if named else self._all_by_size(ascending)
            return computed.rank(self.base, ordered, lang, ascending=ascending) if ordered else None
        by_subject = _in_question_order(_one_per_subject(named, analysis.terms), analysis)
        arithmetic = self._arithmetic(analysis, by_subject, lang)
        if arithmetic is not None:
            return arithmetic
        if not {"amount", "money", "rank", "compare"} & roles:
            return None  # "X et Y travaillent-ils ensemble ?" asks no figure
        if len(by_subject) >= 2:
            return computed.compare(self.base, by_subject[0], by_subject[1], lang)
        for fact in named:  # "How much did Meta spend in 2024?" from "50% more than in 2024"
            growth = fact.amount.growth if fact.amount else None
            if growth is not None and f"y:{growth.versus_year}" in analysis.terms:
                return computed.previous_year(self.base, fact, lang)
        return None

    def _arithmetic(self, analysis: Analysis, facts: list[Fact], lang: Lang) -> computed.Computed | None:
        """A sum or a ratio of two or three amounts; per year, per month, the midpoint, or the
        increase in money of one. None when the question asks none of these of its amounts."""
        roles = analysis.roles
        if len(analysis.sequence) > self.policy.arithmetic_terms:
            return None  # a long message: its context must not pick an operation
        if len(facts) >= 2:
            if "ratio" in roles:
                return computed.ratio(self.base, facts[0], facts[1], lang)
            # "X and Y together?" asks a sum of money; "X et Y travaillent-ils ensemble ?" does not
            plain = {t for t in analysis.terms - analysis.entities if not t.startswith("y:")} - _TIME_TERMS \
                - frozenset(self.index.analyzer.lexicon.role_terms.get("sum", ()))
            keywords = not analysis.unknown and not plain
            if "sum" in roles and ({"amount", "money"} & roles or keywords):
                return computed.total(self.base, facts[: self.policy.max_summed], lang)
            return None
        if len(facts) != 1:
            return None
        fact, amount = facts[0], facts[0].amount
        assert amount is not None
        multi_year = not amount.period.is_yearly
        if "per-month" in roles:
            return computed.per_period(self.base, fact, lang, months=True)
        if "midpoint" in roles or ("average" in roles and not multi_year):
            return computed.midpoint(self.base, fact, lang)
        if multi_year and ("average" in roles or _PER_YEAR in analysis.terms):
            return computed.per_period(self.base, fact, lang)
        said = {word for _, words, _ in analysis.sequence for word in words}
        if amount.growth is not None and {"growth", "compare"} & roles and "amount" in roles and said & _MONEY_UNITS:
            return computed.increase(self.base, fact, lang)  # "by how many dollars did it go up?"
        return None

    def derive(self, text: str, fact_ids: Sequence[str], lang: Lang | None = None) -> Answer | None:
        """Arithmetic asked as a follow-up ("and per year?", "so both together?") over the
        amounts of an earlier answer's facts (and any the follow-up names): the derived answer,
        or None when the text asks no arithmetic of them. For the conversation layer."""
        text = clean(text)
        lang = lang or self.detect_language(text)
        analysis = self.index.analyzer.analyse(text, lang)
        if not _ARITHMETIC & analysis.roles and not {"growth", "compare"} & analysis.roles \
                and _PER_YEAR not in analysis.terms:
            return None
        earlier = [f for i in fact_ids if (f := self._facts_by_id.get(i)) is not None and f.amount is not None]
        spenders = Asked(analysis, self._leads).spenders
        named = [f for e in sorted(spenders) for _, f in self._amounts_of.get(e, ())]
        unique = {f.id: f for f in [*earlier, *named]}
        facts = _in_question_order(_one_per_subject(list(unique.values()), analysis.terms), analysis)
        result = self._arithmetic(analysis, facts, lang)
        if result is None:
            return None
        return self._found(text, lang, result.body, result.facts, 100.0)

    def _all_by_size(self, ascending: bool) -> list[Fact]:
        """Every amount in order, sorted once per direction (a large base has thousands)."""
        if ascending not in self._by_size:
            self._by_size[ascending] = computed.by_size(self._amount_facts, ascending=ascending)
        return self._by_size[ascending]

    def _found(self, text: str, lang: Lang, body: str, facts: Sequence[Fact], score: float) -> Answer:
        sources = _sources(facts)
        line = messages.text("source" if len(sources) == 1 else "sources", lang,
                             sources="; ".join(f"{s.publisher}, {messages.month_year(s.date, lang)}" for s in sources))
        return Answer(
            question=text, matched=True, answer=f"{body}\n{line}", lang=lang, score=round(score, 1),
            fact_ids=[f.id for f in facts], sources=sources, body=body, source_line=line,
        )

    def _abstain(
        self, text: str, lang: Lang, analysis: Analysis, ranked: list[Candidate], score: float,
        *, unsure: bool = False,
    ) -> Answer:
        amount_entities = {e for e in analysis.entities
                           if e not in self._amount_subjects and self._leads.get(e) not in self._amount_subjects}
        asks_money = "amount" in analysis.roles and not Asked(analysis, self._leads).wants_count
        if asks_money and amount_entities and not ranked:
            names = messages.join_names([self._entity_name(e) for e in sorted(amount_entities)], lang)
            known = self._spender_names(lang)
            body = messages.text("no_figure", lang, names=names, known=known)
        else:
            body = messages.text("unsure" if unsure and not analysis.unknown else "no_match", lang)
        return self._reply(text, lang, body, score=score, suggestions=self._suggest(analysis, lang, ranked))

    def _reply(
        self, text: str, lang: Lang, body: str, *, score: float = 0.0, suggestions: list[str] | None = None,
    ) -> Answer:
        suggestions = suggestions or []
        full = body
        if suggestions:
            full += "\n" + messages.text("did_you_mean", lang) + "\n" + "\n".join(f"- {s}" for s in suggestions)
        return Answer(question=text, matched=False, answer=full, lang=lang, score=round(score, 1),
                      suggestions=suggestions, body=body)

    def _suggest(
        self, analysis: Analysis, lang: Lang, ranked: list[Candidate] | None = None,
        *, limit: int | None = None, allow_any: bool = False,
    ) -> list[str]:
        """The first phrasing, in the asker's language, of the closest facts."""
        limit = self.policy.max_suggestions if limit is None else limit
        if ranked is None:
            ranked = [self.index.score(analysis, i) for i in self.index.candidates(analysis)]
            ranked.sort(key=lambda c: -round(c.score, TIE_DIGITS))
        seen: list[str] = []
        for candidate in ranked:
            phrasings = candidate.fact.phrasings.in_lang(lang)
            pick = candidate.phrasing if candidate.phrasing in phrasings else phrasings[0]
            if pick not in seen:
                seen.append(pick)
            if len(seen) >= limit:
                break
        if not seen and not allow_any:
            seen = [f.phrasings.in_lang(lang)[0] for f in self._amount_facts[:limit]]
        return seen

    def _example(self, lang: Lang) -> str:
        facts = self._amount_facts or self.base.facts
        return facts[0].phrasings.in_lang(lang)[0]

    def _spender_names(self, lang: Lang) -> str:
        """Who has an amount, for a chat message."""
        return self._name_list("spenders", lang)

    def _known_names(self, lang: Lang) -> str:
        """The companies and projects the base knows, for a chat message."""
        return self._name_list("known", lang)

    def _name_list(self, which: str, lang: Lang) -> str:
        """Names for a chat message ("spenders" or "known"): all of a few, or the most
        written-about and a count, worked out once (a large base has tens of thousands)."""
        top = self._known_cache.get(which)
        if top is None:
            if which == "spenders":
                terms = self._amount_subjects
            else:
                terms = {f"e:{e.id}" for e in self.base.entities if e.kind.value in {"company", "project"}}
            top = self._known_cache[which] = self._top_names(terms)
        names, more = top
        if not more:
            return messages.join_names(names, lang)
        return messages.text("names_and_more", lang, names=", ".join(names), count=more)

    def _top_names(self, terms: set[str]) -> tuple[list[str], int]:
        """(the names to list, how many more there are): the most mentioned first, then by name."""
        if len(terms) <= MAX_NAMES_LISTED:
            return sorted(self._entity_name(t) for t in terms), 0
        mentions = Counter(term for fact in self.base.facts for e in fact.entities if (term := f"e:{e}") in terms)
        # Only the names within reach of the top few need looking up.
        counts = sorted(mentions.values(), reverse=True)
        cut = counts[MAX_NAMES_LISTED - 1] if len(counts) >= MAX_NAMES_LISTED else 0
        contenders = [t for t in terms if mentions[t] >= cut]
        chosen = sorted(contenders, key=lambda t: (-mentions[t], self._entity_name(t)))[:MAX_NAMES_LISTED]
        return sorted(self._entity_name(t) for t in chosen), len(terms) - len(chosen)

    def _entity_name(self, term: str) -> str:
        return self.base.entity(term.removeprefix("e:")).name


_HAS_DIGIT = re.compile(r"\d").search
#: Roles of the arithmetic a question may ask of amounts (see knowledge/data/lexicon.yaml).
_ARITHMETIC = frozenset({"sum", "ratio", "average", "midpoint", "per-month"})
#: Concepts of time that a keyword sum may name ("Meta and Microsoft combined this year?").
_TIME_TERMS = frozenset({"c:this-year", "c:year"})
#: The lexicon's concept for "per year" / "par an".
_PER_YEAR = "c:per-year"
#: Words that ask for money, not a percentage: "by how many dollars", "de combien de milliards".
_MONEY_UNITS = frozenset({"usd", "eur", "gbp", "billion", "million", "trillion"})


def _in_question_order(facts: list[Fact], analysis: Analysis) -> list[Fact]:
    """Amounts in the order the question names their spenders: "how many times bigger is
    Stargate than Microsoft" divides Stargate's by Microsoft's."""
    order = {term: k for k, (term, _, _) in reversed(list(enumerate(analysis.sequence)))}
    def place(fact: Fact) -> int:
        assert fact.amount is not None
        return order.get(f"e:{fact.amount.subject}", len(order))
    return sorted(facts, key=place)


def _one_per_subject(facts: list[Fact], terms: frozenset[str]) -> list[Fact]:
    """One amount per spender, for comparing spenders: the one for a year the question
    names, else the latest. Two amounts of the same company are never compared as rivals."""
    chosen: dict[str, Fact] = {}
    for fact in facts:
        assert fact.amount is not None
        current = chosen.get(fact.amount.subject)
        if current is None or _year_preference(fact, terms) > _year_preference(current, terms):
            chosen[fact.amount.subject] = fact
    return list(chosen.values())


def _year_preference(fact: Fact, terms: frozenset[str]) -> tuple[bool, int]:
    period = fact.amount.period if fact.amount else None
    year = period.year if period and period.year else 0
    return f"y:{year}" in terms, year


def _sources(facts: Sequence[Fact]) -> list[SourceRef]:
    refs: dict[tuple[str, str, str], SourceRef] = {}
    for fact in facts:
        s = fact.source
        refs.setdefault((s.publisher, s.title, s.date), SourceRef(
            publisher=s.publisher, title=s.title, date=s.date, document=s.document, url=s.url))
    return list(refs.values())


def _whole_names(names: Sequence[str]) -> list[str]:
    """Each unknown name once, without the pieces a longer one holds ("Zorblax0corp" is read
    whole and as "zorblax" and "corp": the reply names it once)."""
    unique = list(dict.fromkeys(names))
    folded = [name.casefold() for name in unique]
    return [name for name, low in zip(unique, folded, strict=True)
            if not any(low != other and low in other for other in folded)]

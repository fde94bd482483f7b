"""The async core: a platform-neutral :class:`Question` in, a platform-neutral :class:`Answer` out.

How a question is answered, in order:

1. Clean it; an empty or foreign-language question gets a short reply at once.
2. Analyse it (:mod:`bot.matching`): terms, named entities, roles, unknown names.
3. A name the base has never seen (Intel, Huawei) means "I don't know", whatever else
   matches: answering about Meta instead would be a confident wrong answer.
4. Rankings, comparisons and the year before a growth are computed from amounts.
5. Otherwise the best-scoring fact answers, if it clears the threshold, beats the runner-up
   by the margin, and is about every entity the question names. If not, the bot says it
   does not know and offers the closest questions it can answer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel, Field

from bot import computed, messages
from bot.index_cache import IndexCache
from bot.language import Lang, clean, detect_language, looks_foreign
from bot.matching import Analysis, Candidate, FactIndex, HeadStarter
from knowledge.models import LANGS, Fact, FactBase

if TYPE_CHECKING:
    from bot.metrics import Metrics

_log = logging.getLogger(__name__)

#: A fact must score this much (0-100) to be given as the answer.
MATCH_THRESHOLD = 62.0
#: Below this score, a runner-up within MARGIN of the best makes the bot ask, not guess;
#: only a near-exact phrasing is sure enough to ignore a close runner-up.
CONFIDENT_SCORE = 97.0
MARGIN = 4.0
MAX_SUGGESTIONS = 3
#: Beyond this many, "I know about ..." names the most written-about and counts the rest.
MAX_NAMES_LISTED = 8
#: "Microsoft spending" is about Microsoft's figure more than any other Microsoft fact.
SPENDER_BONUS = 4.0
#: A fact lists its main entity first; "Who presented Stargate?" is about the Stargate
#: fact more than about a fact that mentions Stargate in passing.
PRIMARY_BONUS = 3.0
#: A count question reads this many of its best candidates for the number it asks.
COUNT_CHECKS = 10
#: Facts whose counted things are remembered at once; beyond, the memory starts afresh.
MAX_REMEMBERED = 50_000


class Question(BaseModel):
    """What someone asked, and who and where, as plain ids that mean nothing to the core."""

    text: str
    lang: Lang | None = None
    user_id: str | None = None
    channel_id: str | None = None
    platform: str | None = None


class SourceRef(BaseModel):
    publisher: str
    title: str
    date: str
    document: str | None = None
    url: str | None = None


class Answer(BaseModel):
    """The JSON contract of ``aibot ask --json`` (see DESIGN.md), plus two fields adapters
    use to lay the answer out (``body`` and ``source_line``), kept out of the JSON."""

    question: str
    matched: bool
    answer: str | None
    lang: Lang
    score: float = Field(ge=0, le=100)
    fact_ids: list[str] = Field(default_factory=list)
    sources: list[SourceRef] = Field(default_factory=list)
    suggestions: list[str] = Field(default_factory=list)
    body: str | None = Field(default=None, exclude=True)
    source_line: str | None = Field(default=None, exclude=True)
    unknown_names: list[str] = Field(default_factory=list, exclude=True)  # for the metrics, not the JSON


class UnansweredLog(Protocol):
    """Where questions the bot could not answer are kept, for admins to see what to add."""

    async def record(self, text: str, lang: Lang, score: float, when: datetime) -> None: ...


class AnswerEngine:
    """Answers questions from one fact base; build it once, ask it many times."""

    def __init__(
        self,
        base: FactBase,
        *,
        unanswered: UnansweredLog | None = None,
        threshold: float = MATCH_THRESHOLD,
        margin: float = MARGIN,
        index_cache: IndexCache | None = None,
        index_worker: HeadStarter | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.base = base
        self.metrics = metrics
        self.index = FactIndex(base, index_cache, index_worker)
        self.unanswered = unanswered
        self.threshold = threshold
        self.margin = margin
        self._amount_facts = [f for f in base.facts if f.amount is not None]
        #: Amount facts by subject term, each list in base order, so naming a company does
        #: not scan every amount of a large base.
        self._amounts_of: dict[str, list[tuple[int, Fact]]] = {}
        for position, fact in enumerate(self._amount_facts):
            if fact.amount:
                self._amounts_of.setdefault(f"e:{fact.amount.subject}", []).append((position, fact))
        self._known_cache: dict[tuple[str, Lang], str] = {}
        self._by_size: dict[bool, list[Fact]] = {}
        self._amount_subjects = {f"e:{f.amount.subject}" for f in self._amount_facts if f.amount}
        self._leads = {f"e:{e.id}": f"e:{e.leads}" for e in base.entities if e.leads}
        #: fact id -> what its statements give a number of, read on a count question's need
        self._things_counted: dict[str, frozenset[str]] = {}

    async def answer(self, question: Question) -> Answer:
        """Answer one question; records it when the bot could not answer."""
        started = time.perf_counter()
        answer = self.answer_now(question)
        if self.metrics is not None:
            self.metrics.question(question, answer, time.perf_counter() - started)
        if not answer.matched and self.unanswered is not None and answer.question:
            try:
                await self.unanswered.record(answer.question, answer.lang, answer.score, datetime.now(UTC))
            except Exception:  # the answer matters more than the record of it
                _log.exception("could not record an unanswered question")
        return answer

    def answer_now(self, question: Question) -> Answer:
        """The synchronous heart of :meth:`answer`, for batch use; records nothing."""
        text = clean(question.text)
        lang: Lang = question.lang or detect_language(text)
        if not text or not any(c.isalnum() for c in text):
            return self._reply(text, lang, messages.text("empty", lang, example=self._example(lang)))
        if looks_foreign(text):
            return self._reply(text, "en", messages.text("foreign", "en", example=self._example("en")))
        analysis = self._best_reading(text, lang)
        if analysis.unknown_names:
            names = messages.join_names(list(dict.fromkeys(analysis.unknown_names)), lang)
            body = messages.text("unknown_entity", lang, names=names, known=self._known_names(lang))
            reply = self._reply(text, lang, body, suggestions=self._suggest(analysis, lang))
            reply.unknown_names = list(dict.fromkeys(analysis.unknown_names))
            return reply
        computed_answer = self._computed(analysis, lang)
        if computed_answer is not None:
            return self._found(text, lang, computed_answer.body, computed_answer.facts, 100.0)
        ranked = self.rank(analysis)
        if not ranked:
            return self._abstain(text, lang, analysis, [], 0.0)
        best = ranked[0]
        confident, _ = self._outcome(ranked)
        if not confident:
            unsure = best.base_score >= self.threshold
            return self._abstain(text, lang, analysis, ranked, best.score, unsure=unsure)
        return self._found(text, lang, best.fact.statement.in_lang(lang), [best.fact], best.score)

    def _best_reading(self, text: str, lang: Lang) -> Analysis:
        """ "Meta AI spending" reads as the product Meta AI or as Meta + AI. Keep the reading
        that gives a confident answer; if both do, the higher score; the whole name wins ties."""
        whole = self.index.analyzer.analyse(text, lang)
        if not whole.compound_names:
            return whole
        split = self.index.analyzer.analyse(text, lang, split_compounds=True)
        return max((whole, split), key=lambda reading: self._outcome(self.rank(reading)))

    def _outcome(self, ranked: list[Candidate]) -> tuple[bool, float]:
        """(answers confidently, best score): how good a ranking is as a final answer."""
        if not ranked:
            return False, 0.0
        best = ranked[0]
        second = ranked[1] if len(ranked) > 1 else None
        close = second is not None and (best.score - second.score < self.margin
                                        and best.base_score - second.base_score < self.margin)
        unsure = best.score < CONFIDENT_SCORE and close
        return best.base_score >= self.threshold and not unsure, best.base_score

    def rank(self, analysis: Analysis) -> list[Candidate]:
        """Eligible facts, best first: about every named entity, with a figure if one is asked."""
        wants_figure = "amount" in analysis.roles
        wants_money = wants_figure or "money" in analysis.roles
        spenders = self._with_led(analysis.entities)
        years = {t for t in analysis.terms if t.startswith("y:")}
        # "Who ... X?" with more to it than a name asks for someone besides X: only a fact that
        # names another entity can answer. ("Who is Sam Altman?" is about him: any fact will do.)
        asks_for_another = analysis.asks_who and bool(analysis.terms - analysis.entities)
        scored = []
        for index in self.index.candidates(analysis):
            fact = self.index.base.facts[index]
            terms = self.index.terms_of(index)
            missing = sum(not (e in terms or self._leads.get(e) in terms) for e in analysis.entities)
            if missing > len(analysis.entities) // 3:  # a long question may name context too
                continue
            if wants_figure and not self._has_asked_figure(analysis, fact, terms):
                continue
            if not years <= terms:  # a question about 2026 is not answered by a 2025 fact
                continue
            if asks_for_another and all(f"e:{e}" in analysis.entities for e in fact.entities):
                continue  # "Who leads Meta?" is not answered by a fact about Meta alone
            absent = {e for e in analysis.entities if e not in terms}
            if absent:
                # "Zuckerberg's spending" is scored as Meta's against a Meta fact, and the
                # context a long question names (Oracle, SoftBank) does not count against it.
                stand_ins = {self._leads[e] for e in absent if e in self._leads}
                swapped = (analysis.terms - absent) | stand_ins
                candidate = self.index.score(replace(analysis, terms=frozenset(swapped)), index)
            else:
                candidate = self.index.score(analysis, index)
            bonus = PRIMARY_BONUS if f"e:{fact.entities[0]}" in spenders else 0.0
            if wants_money and fact.amount and f"e:{fact.amount.subject}" in spenders:
                bonus += SPENDER_BONUS
            if bonus:
                candidate = Candidate(fact, min(100.0, candidate.score + bonus), candidate.phrasing, candidate.score)
            scored.append(candidate)
        scored.sort(key=lambda c: -c.score)
        if analysis.counted and "amount" in analysis.roles and "money" not in analysis.roles:
            return self._counting(analysis, scored)
        return scored

    def _has_asked_figure(self, analysis: Analysis, fact: Fact, terms: frozenset[str]) -> bool:
        """A figure is asked: of money, only a structured amount answers ("How much is Meta
        investing?"); anything else, a fact stating a number (and for a count, the number of
        that thing: see :meth:`_counting`)."""
        if "money" in analysis.roles:
            return fact.amount is not None
        return _has_figure(fact, terms)

    def _counting(self, analysis: Analysis, ranked: list[Candidate]) -> list[Candidate]:
        """For "How many engineers...?", the best candidates whose statement gives a number of
        engineers (a budget is no count of anything). Only the first few are read: the answer
        and the suggestions come from them."""
        kept = []
        for candidate in ranked[:COUNT_CHECKS]:
            things = self._things_counted.get(candidate.fact.id)
            if things is None:
                if len(self._things_counted) > MAX_REMEMBERED:
                    self._things_counted.clear()
                analyzer = self.index.analyzer
                things = self._things_counted[candidate.fact.id] = frozenset().union(
                    *(analyzer.things_counted(candidate.fact.statement.in_lang(lang), lang) for lang in LANGS))
            if things & analysis.counted:
                kept.append(candidate)
        return kept

    def suggestions_for(self, text: str, lang: Lang | None = None, limit: int = 25) -> list[str]:
        """Questions the bot can answer that are closest to ``text`` (autocomplete)."""
        lang = lang or detect_language(text)
        analysis = self.index.analyzer.analyse(clean(text), lang)
        return self._suggest(analysis, lang, limit=limit, allow_any=True)

    def _computed(self, analysis: Analysis, lang: Lang) -> computed.Computed | None:
        roles = analysis.roles
        if not {"amount", "money", "rank", "compare"} & roles:
            return None
        spenders = self._with_led(analysis.entities)
        named = [f for _, f in sorted(
            (pair for e in spenders for pair in self._amounts_of.get(e, ())), key=lambda pair: pair[0])]
        if "rank" in roles and len(named) != 1:
            ascending = _asks_ascending(analysis)
            ordered = computed.by_size(named, ascending=ascending) if named else self._all_by_size(ascending)
            return computed.rank(self.base, ordered, lang, ascending=ascending) if ordered else None
        by_subject = _one_per_subject(named, analysis.terms)
        if len(by_subject) >= 2:
            return computed.compare(self.base, by_subject[0], by_subject[1], lang)
        for fact in named:  # "How much did Meta spend in 2024?" from "50% more than in 2024"
            growth = fact.amount.growth if fact.amount else None
            if growth is not None and f"y:{growth.versus_year}" in analysis.terms:
                return computed.previous_year(self.base, fact, lang)
        return None

    def _all_by_size(self, ascending: bool) -> list[Fact]:
        """Every amount in order, sorted once per direction (a large base has thousands)."""
        if ascending not in self._by_size:
            self._by_size[ascending] = computed.by_size(self._amount_facts, ascending=ascending)
        return self._by_size[ascending]

    def _with_led(self, entities: frozenset[str]) -> set[str]:
        """The entities named, plus the organisations the named people lead."""
        return set(entities) | {self._leads[e] for e in entities if e in self._leads}

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
        if "amount" in analysis.roles and amount_entities and not ranked:
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
        *, limit: int = MAX_SUGGESTIONS, allow_any: bool = False,
    ) -> list[str]:
        """The first phrasing, in the asker's language, of the closest facts."""
        if ranked is None:
            ranked = [self.index.score(analysis, i) for i in self.index.candidates(analysis)]
            ranked.sort(key=lambda c: -c.score)
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
        """Who has an amount, worked out once per language (a large base has thousands)."""
        key: tuple[str, Lang] = ("spenders", lang)
        known = self._known_cache.get(key)
        if known is None:
            known = self._known_cache[key] = self._name_list(self._amount_subjects, lang)
        return known

    def _known_names(self, lang: Lang) -> str:
        key: tuple[str, Lang] = ("known", lang)
        known = self._known_cache.get(key)
        if known is None:
            terms = {f"e:{e.id}" for e in self.base.entities if e.kind.value in {"company", "project"}}
            known = self._known_cache[key] = self._name_list(terms, lang)
        return known

    def _name_list(self, terms: set[str], lang: Lang) -> str:
        """Names for a chat message: all of a few, or the most written-about and a count."""
        if len(terms) <= MAX_NAMES_LISTED:
            return messages.join_names(sorted(self._entity_name(t) for t in terms), lang)
        mentions = {t: 0 for t in terms}
        for fact in self.base.facts:
            for entity in fact.entities:
                if f"e:{entity}" in mentions:
                    mentions[f"e:{entity}"] += 1
        top = sorted(terms, key=lambda t: (-mentions[t], self._entity_name(t)))[:MAX_NAMES_LISTED]
        names = sorted(self._entity_name(t) for t in top)
        return messages.text("names_and_more", lang, names=", ".join(names), count=len(terms) - len(top))

    def _entity_name(self, term: str) -> str:
        return self.base.entity(term.removeprefix("e:")).name


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


def _has_figure(fact: Fact, terms: frozenset[str]) -> bool:
    return fact.amount is not None or any(t.startswith("n:") for t in terms)


def _asks_ascending(analysis: Analysis) -> bool:
    return "c:rank-ascending" in analysis.terms


def _sources(facts: Sequence[Fact]) -> list[SourceRef]:
    refs: dict[tuple[str, str, str], SourceRef] = {}
    for fact in facts:
        s = fact.source
        refs.setdefault((s.publisher, s.title, s.date), SourceRef(
            publisher=s.publisher, title=s.title, date=s.date, document=s.document, url=s.url))
    return list(refs.values())

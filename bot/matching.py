"""Find the facts that answer a question: analyse it into terms, then rank candidate facts.

A question becomes a set of *terms*: an entity (``e:meta``), a concept from the lexicon
(``c:invest``), a number or year (``n:65``, ``y:2025``), or a stemmed word (``w:manhattan``).
Typos are corrected with rapidfuzz against the fact base's own vocabulary, so an unknown
name stays unknown instead of becoming the nearest known one. Facts are indexed once by
the same analysis; a question is scored only against the facts sharing a term with it.

Everything a question could be matched on comes from the data: entity names and aliases
(entities.yaml), concept words (lexicon.yaml), and each fact's phrasings and statement.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.language import STOP_WORDS, Lang, Word, clean, fold, is_number, is_year, words
from knowledge.models import LANGS, Fact, FactBase

_MAX_NGRAM = 5
#: A statement is long and matches many words by chance, so its score counts a little less
#: than a phrasing's; it still lets keyword queries ("Nadella 80 billion") find the fact.
STATEMENT_DISCOUNT = 0.92
_MIN_TYPO_LENGTH = 5
_STEMMERS = {"en": snowballstemmer.stemmer("english"), "fr": snowballstemmer.stemmer("french")}
_ALL_STOP_WORDS = STOP_WORDS["en"] | STOP_WORDS["fr"]


@dataclass(frozen=True)
class Analysis:
    """What the matcher understood of one text."""

    terms: frozenset[str]
    entities: frozenset[str]
    roles: frozenset[str]
    unknown: tuple[str, ...]
    unknown_names: tuple[str, ...]
    corrections: tuple[tuple[str, str], ...]
    compound_names: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.terms and not self.unknown

    def numbers(self) -> set[str]:
        return {t for t in self.terms if t.startswith(("n:", "y:"))}


@dataclass(frozen=True)
class Candidate:
    """A fact scored against a question (0-100), with the phrasing that scored best."""

    fact: Fact
    score: float
    phrasing: str
    raw_score: float | None = None  # before tie-breaking bonuses, when any were given

    @property
    def base_score(self) -> float:
        return self.score if self.raw_score is None else self.raw_score


@dataclass
class _Doc:
    fact_index: int
    text: str
    lang: Lang
    terms: frozenset[str]
    is_statement: bool = False


@dataclass
class Lexicon:
    """The words the fact base knows, and what each word or phrase means as a term."""

    phrases: dict[tuple[str, ...], str] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    vocabulary: set[str] = field(default_factory=set)
    entity_names: dict[str, str] = field(default_factory=dict)
    role_terms: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_fact_base(cls, base: FactBase) -> Lexicon:
        lexicon = cls()
        for concept in base.concepts:
            term = f"c:{concept.id}"
            lexicon.roles[term] = concept.role
            lexicon.role_terms.setdefault(concept.role, []).append(term)
            for word in concept.words:
                lexicon._add_phrase(word, term)
        for entity in base.entities:
            for name in entity.names:
                if len(fold(name).strip()) >= 2:
                    lexicon._add_phrase(name, f"e:{entity.id}")
                    lexicon.entity_names.setdefault(f"e:{entity.id}", entity.name)
        lexicon.vocabulary |= _ALL_STOP_WORDS
        return lexicon

    def _add_phrase(self, text: str, term: str) -> None:
        key = tuple(w.text for w in words(text))
        if key:
            self.phrases.setdefault(key, term)
            self.vocabulary.update(key)

    def learn(self, text: str) -> None:
        """Add a text's words to the vocabulary that typos are corrected against."""
        self.vocabulary.update(w.text for w in words(text) if not is_number(w.text))


class Analyzer:
    """Turns text into an :class:`Analysis`; built once per fact base."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._by_length: dict[int, list[str]] = defaultdict(list)
        for word in lexicon.vocabulary:
            self._by_length[len(word)].append(word)
        self._stem_cache: dict[tuple[str, str], str] = {}

    def analyse(self, text: str, lang: Lang, *, split_compounds: bool = False) -> Analysis:
        """Terms of ``text``; with ``split_compounds``, a name that starts with another name
        ("Meta AI") is read as its parts ("Meta" + "AI")."""
        items = words(clean(text))
        corrections: list[tuple[str, str]] = []
        fixed: list[Word] = []
        for item in items:
            word = item.text
            if word not in self.lexicon.vocabulary and not is_number(word):
                better = self._correct(word)
                if better is not None:
                    corrections.append((word, better))
                    word = better
            fixed.append(Word(word, item.capitalised, item.position, item.breaks_before))
        terms: set[str] = set()
        unknown: list[str] = []
        unknown_names: list[str] = []
        compounds: list[str] = []
        i = 0
        while i < len(fixed):
            matched = self._longest_phrase(fixed, i)
            if matched is not None:
                length, term = matched
                head = self.lexicon.phrases.get((fixed[i].text,), "")
                if length > 1 and term.startswith("e:") and head.startswith("e:") and head != term:
                    if split_compounds:
                        matched = (1, head)
                    else:
                        compounds.append(term)
                length, term = matched
                terms.add(term)
                i += length
                continue
            item = fixed[i]
            i += 1
            word = item.text
            if is_year(word):
                terms.add(f"y:{word}")
            elif is_number(word):
                terms.add(f"n:{_canonical_number(word)}")
            elif word in _ALL_STOP_WORDS or len(word) < 2:
                continue
            elif word in self.lexicon.vocabulary:
                terms.add(f"w:{self._stem(word, lang)}")
            else:
                unknown.append(word)
                if item.capitalised:
                    unknown_names.append(_original_case(text, word))
        entities = frozenset(t for t in terms if t.startswith("e:"))
        roles = frozenset(self.lexicon.roles[t] for t in terms if t in self.lexicon.roles)
        return Analysis(
            frozenset(terms), entities, roles, tuple(unknown), tuple(unknown_names), tuple(corrections),
            tuple(compounds),
        )

    def _longest_phrase(self, items: Sequence[Word], start: int) -> tuple[int, str] | None:
        longest = min(_MAX_NGRAM, len(items) - start)
        for offset in range(1, longest):
            if items[start + offset].breaks_before:
                longest = offset
                break
        for length in range(longest, 0, -1):
            key = tuple(w.text for w in items[start : start + length])
            term = self.lexicon.phrases.get(key)
            if term is not None:
                return length, term
        return None

    def _correct(self, word: str) -> str | None:
        """The known word within one or two edits, or None: an unknown name stays unknown."""
        if len(word) < _MIN_TYPO_LENGTH:
            return None
        max_edits = 1 if len(word) <= 7 else 2
        choices = [
            known
            for size in range(len(word) - max_edits, len(word) + max_edits + 1)
            for known in self._by_length.get(size, ())
        ]
        best = process.extractOne(word, choices, scorer=OSA.distance, score_cutoff=max_edits)
        return best[0] if best else None

    def _stem(self, word: str, lang: Lang) -> str:
        key = (word, lang)
        stem = self._stem_cache.get(key)
        if stem is None:
            stem = self._stem_cache[key] = _STEMMERS[lang].stemWord(word)
        return stem


class FactIndex:
    """Every fact's phrasings and statement, analysed once, with an inverted index of terms."""

    def __init__(self, base: FactBase) -> None:
        self.base = base
        lexicon = Lexicon.from_fact_base(base)
        for fact in base.facts:
            for lang in LANGS:
                lexicon.learn(fact.statement.in_lang(lang))
                for text in fact.phrasings.in_lang(lang):
                    lexicon.learn(text)
            for topic in fact.topics:
                lexicon.learn(topic)
        self.analyzer = Analyzer(lexicon)
        self.docs: list[_Doc] = []
        self.fact_terms: list[frozenset[str]] = []
        postings: dict[str, list[int]] = defaultdict(list)
        for index, fact in enumerate(base.facts):
            terms = set(self._fact_level_terms(fact))
            for lang in LANGS:
                for text in fact.phrasings.in_lang(lang):
                    doc_terms = self.analyzer.analyse(text, lang).terms
                    self.docs.append(_Doc(index, text, lang, doc_terms))
                    terms |= doc_terms
                statement = self.analyzer.analyse(fact.statement.in_lang(lang), lang).terms
                self.docs.append(_Doc(index, "", lang, statement, is_statement=True))
                terms |= statement
            frozen = frozenset(terms)
            self.fact_terms.append(frozen)
            for term in frozen:
                postings[term].append(index)
        self.postings = dict(postings)
        self.docs_by_fact: dict[int, list[_Doc]] = defaultdict(list)
        for doc in self.docs:
            self.docs_by_fact[doc.fact_index].append(doc)
        total = max(len(base.facts), 1)
        self.idf = {term: math.log(1 + total / len(ids)) for term, ids in self.postings.items()}
        self.unknown_weight = math.log(1 + total)

    def _fact_level_terms(self, fact: Fact) -> Iterable[str]:
        yield from (f"e:{entity}" for entity in fact.entities)
        if fact.amount:
            if fact.amount.period.as_stated:
                yield from self.analyzer.analyse(fact.amount.period.as_stated, fact.source.lang).terms
            if fact.amount.period.year:
                yield f"y:{fact.amount.period.year}"
            if fact.amount.period.is_yearly:
                yield from self.analyzer.lexicon.role_terms.get("yearly", ())
            if fact.amount.growth:
                yield f"y:{fact.amount.growth.versus_year}"
                yield from self.analyzer.lexicon.role_terms.get("growth", ())

    def weight(self, term: str) -> float:
        return self.idf.get(term, self.unknown_weight)

    def candidates(self, analysis: Analysis, limit: int = 30) -> list[int]:
        """Facts sharing terms with the question, the rarest shared terms first."""
        scores: dict[int, float] = defaultdict(float)
        for term in analysis.terms:
            ids = self.postings.get(term)
            if ids:
                weight = self.idf[term]
                for index in ids:
                    scores[index] += weight
        ranked = sorted(scores.items(), key=lambda item: -item[1])
        return [index for index, _ in ranked[:limit]]

    def score(self, analysis: Analysis, fact_index: int) -> Candidate:
        """How well one fact answers the question, 0-100.

        Coverage of the question's terms (weighted by rarity, unknown words counting as
        rare) matters most; how much of a phrasing the question covers breaks ties
        between a short precise phrasing and a long loose one.
        """
        query = analysis.terms
        unknown = self.unknown_weight * len(analysis.unknown)
        query_weight = sum(self.weight(t) for t in query) + unknown
        if query_weight == 0:
            return Candidate(self.base.facts[fact_index], 0.0, "")
        fact_terms = self.fact_terms[fact_index]
        fact_cover = sum(self.weight(t) for t in query & fact_terms) / query_weight
        best, best_text = 0.0, ""
        for doc in self.docs_by_fact[fact_index]:
            shared = sum(self.weight(t) for t in query & doc.terms)
            doc_weight = sum(self.weight(t) for t in doc.terms) or 1.0
            value = 100 * (0.45 * shared / query_weight + 0.2 * shared / doc_weight + 0.35 * fact_cover)
            if doc.is_statement:
                value *= STATEMENT_DISCOUNT
            if value > best:
                best, best_text = value, doc.text
        return Candidate(self.base.facts[fact_index], best, best_text)


def _canonical_number(word: str) -> str:
    value = float(word)
    return str(int(value)) if value.is_integer() else f"{value:g}"


def _original_case(text: str, folded_word: str) -> str:
    """The word as the user wrote it ("Huawei"), for messages that name it back."""
    for raw in text.replace("'", " ").replace("\u2019", " ").split():
        stripped = "".join(c for c in raw if c.isalnum())
        if fold(stripped) == folded_word:
            return stripped
    return folded_word

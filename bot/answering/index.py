"""The index a policy asks for candidates: a small interface, and the plain in-memory one.

:class:`Index` is all the engine needs of an index: the facts sharing terms with a question
(``candidates``), the terms of one fact (``terms_of``) and how well one fact answers
(``score``). :class:`MemoryIndex` keeps a dictionary per fact: it serves small bases and is
the reference the large-base index (:mod:`bot.answering.scale`) is tested against.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Protocol

from bot.answering.analysis import (
    Analysis,
    Analyzer,
    Candidate,
    Lexicon,
    amount_level_terms,
    rarity,
    unknown_query_weight,
    unknown_weight,
)
from bot.language import is_number, words, written_words
from knowledge.models import Fact, FactBase

#: How much of the question a phrasing covers, by weight: the main evidence.
QUESTION_COVER = 0.45
#: How much of a phrasing the question covers: breaks ties between a short precise phrasing
#: and a long loose one.
DOCUMENT_COVER = 0.2
#: How much of the question the whole fact (every text, its entities, its amount's year)
#: covers: a keyword question ("Nadella 80 billion") spans a fact's texts.
FACT_COVER = 0.35
#: A statement is long and matches many words by chance, so its score counts a little less
#: than a phrasing's; it still lets keyword queries find the fact.
STATEMENT_DISCOUNT = 0.92
#: Facts considered per question: enough for a clear winner and three suggestions.
CANDIDATES = 30
#: Decimals candidate weights are compared at, so that float noise never decides a tie.
TIE_DIGITS = 9


def best_document(texts: Sequence[str], shared: Sequence[float], doc_weights: Sequence[float],
                  query_weight: float, fact_cover: float) -> tuple[float, str]:
    """(score 0-100, text) of the best of one fact's documents (a statement's text is ""):
    the rule every index scores by (see the weights above). One call per fact, not per
    document: it runs for some thirty facts a question."""
    best, best_text = 0.0, ""
    for text, share, doc_weight in zip(texts, shared, doc_weights, strict=True):
        value = 100 * (QUESTION_COVER * share / query_weight + DOCUMENT_COVER * share / doc_weight
                       + FACT_COVER * fact_cover)
        if not text:
            value *= STATEMENT_DISCOUNT
        if value > best:
            best, best_text = value, text
    return best, best_text


class Index(Protocol):
    """What the engine asks of an index."""

    base: FactBase
    analyzer: Analyzer

    def candidates(self, analysis: Analysis, limit: int = CANDIDATES) -> list[int]:
        """Facts (by position in ``base.facts``) sharing terms with the question, those
        sharing the rarest first (ties: base order)."""

    def terms_of(self, fact_index: int) -> frozenset[str]:
        """Every term one fact can be matched on (entities, years, words of its texts)."""

    def score(self, analysis: Analysis, fact_index: int) -> Candidate:
        """How well one fact answers the question, 0-100, with its best phrasing."""


def fact_documents(fact: Fact) -> list[tuple[str, str, bool]]:
    """(text, language, is the statement) of each of a fact's documents, in index order:
    English phrasings and statement, then French."""
    docs: list[tuple[str, str, bool]] = []
    for lang, phrasings, statement in (("en", fact.phrasings.en, fact.statement.en),
                                       ("fr", fact.phrasings.fr, fact.statement.fr)):
        docs += [(text, lang, False) for text in phrasings]
        docs.append((statement, lang, True))
    return docs


class MemoryIndex:
    """Every fact's documents as sets of terms in dictionaries: simple, and the reference."""

    def __init__(self, base: FactBase) -> None:
        self.base = base
        self.analyzer = Analyzer(Lexicon.from_fact_base(base))
        self._docs: list[list[tuple[str, frozenset[str]]]] = []
        self._terms: list[frozenset[str]] = []
        for fact in base.facts:
            docs = []
            for text, lang, statement in fact_documents(fact):
                found = self.analyzer.analyse(text, "en" if lang == "en" else "fr", learn=True).terms
                docs.append(("" if statement else text, found))
                self.analyzer.lexicon.vocabulary.update(w for w in written_words(text) if not is_number(w))
            self._docs.append(docs)
            self._terms.append(frozenset().union(*(t for _, t in docs), self._fact_level_terms(fact)))
        vocabulary = self.analyzer.lexicon.vocabulary
        for topic in {topic for fact in base.facts for topic in fact.topics}:
            vocabulary.update(w.text for w in words(topic) if not is_number(w.text))
        self.analyzer.forget_typo_table()
        having = Counter(term for terms in self._terms for term in terms)
        self._weights = {term: rarity(len(base.facts), count) for term, count in having.items()}
        self.unknown_weight = unknown_weight(len(base.facts))
        self._doc_weights = [[sum(self._weights[t] for t in terms) or 1.0 for _, terms in docs]
                             for docs in self._docs]
        self._postings: dict[str, list[int]] = {}
        for number, terms in enumerate(self._terms):
            for term in terms:
                self._postings.setdefault(term, []).append(number)

    def _fact_level_terms(self, fact: Fact) -> Iterator[str]:
        yield from (f"e:{entity}" for entity in fact.entities)
        if fact.amount:
            yield from amount_level_terms(fact, self.analyzer)

    def candidates(self, analysis: Analysis, limit: int = CANDIDATES) -> list[int]:
        shared: dict[int, float] = {}
        for term in analysis.terms:
            for number in self._postings.get(term, ()):
                shared[number] = shared.get(number, 0.0) + self._weights[term]
        # Rounded: the sums' last bits depend on the order of the question's terms (a set), and
        # a tie must go the same way in every process and on either index.
        return sorted(shared, key=lambda number: (-round(shared[number], TIE_DIGITS), number))[:limit]

    def terms_of(self, fact_index: int) -> frozenset[str]:
        return self._terms[fact_index]

    def docs(self, fact_index: int) -> Iterator[tuple[str, frozenset[str]]]:
        """(phrasing, or "" for a statement; its terms) for each document of one fact."""
        yield from self._docs[fact_index]

    def score(self, analysis: Analysis, fact_index: int) -> Candidate:
        fact = self.base.facts[fact_index]
        query = {t: self._weights[t] for t in analysis.terms if t in self._weights}
        query_weight = sum(query.values()) + self.unknown_weight * (len(analysis.terms) - len(query)) \
            + unknown_query_weight(analysis, len(self.base.facts), self.unknown_weight)
        if query_weight == 0:
            return Candidate(fact, 0.0, "")
        fact_cover = sum(query.get(t, 0.0) for t in self._terms[fact_index]) / query_weight
        docs = self._docs[fact_index]
        shared = [sum(query[t] for t in terms if t in query) for _, terms in docs]
        best, best_text = best_document([text for text, _ in docs], shared, self._doc_weights[fact_index],
                                        query_weight, fact_cover)
        return Candidate(fact, best, best_text)

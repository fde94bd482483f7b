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

import gc
import math
import re
import sys
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot import language
from bot.language import STOP_WORDS, Lang, Word, clean, fold, is_number, is_year, words
from knowledge.models import LANGS, Fact, FactBase

_MAX_NGRAM = 5
#: Terms in more facts than this (or 2% of the base, if more) count as common; see candidates.
_MIN_COMMON_POSTINGS = 1000
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
class Lexicon:
    """The words the fact base knows, and what each word or phrase means as a term."""

    phrases: dict[tuple[str, ...], str] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    vocabulary: set[str] = field(default_factory=set)
    entity_names: dict[str, str] = field(default_factory=dict)
    role_terms: dict[str, list[str]] = field(default_factory=dict)
    #: first word of a phrase -> the longest phrase starting with it, so most words cost
    #: one dictionary lookup instead of one per possible phrase length
    phrase_lengths: dict[str, int] = field(default_factory=dict)

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
            self.phrase_lengths[key[0]] = max(self.phrase_lengths.get(key[0], 1), len(key))

    def learn(self, text: str) -> None:
        """Add a text's words to the vocabulary that typos are corrected against."""
        self.vocabulary.update(w.text for w in words(text) if not is_number(w.text))


class Analyzer:
    """Turns text into an :class:`Analysis`; built once per fact base."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._by_length: dict[tuple[int, int, str], list[str]] | None = None
        self._single_terms: dict[tuple[str, str], str] = {}

    def _words_by_start(self) -> dict[tuple[int, int, str], list[str]]:
        """The vocabulary by length and first letter, and by length and second letter, for
        typo correction; built on first need. A typo keeps one of a word's first two letters
        ("micorsoft", "nicrosoft", "mciorsoft"), and comparing it with those words only is
        what keeps a vocabulary of tens of thousands of words fast."""
        if self._by_length is None:
            self._by_length = defaultdict(list)
            for word in self.lexicon.vocabulary:
                if len(word) >= _MIN_TYPO_LENGTH - 2:
                    self._by_length[(len(word), 0, word[0])].append(word)
                    self._by_length[(len(word), 1, word[1])].append(word)
        return self._by_length

    def analyse(
        self, text: str, lang: Lang, *, split_compounds: bool = False, learn: bool = False
    ) -> Analysis:
        """Terms of ``text``; with ``split_compounds``, a name that starts with another name
        ("Meta AI") is read as its parts ("Meta" + "AI"). With ``learn`` (the fact base's
        own texts), new words join the vocabulary instead of being corrected."""
        items = words(text if learn else clean(text))  # the base's own texts are validated
        corrections: list[tuple[str, str]] = []
        fixed: list[Word] = []
        vocabulary = self.lexicon.vocabulary
        for item in items:
            word = item.text
            if word not in vocabulary and not is_number(word):
                if learn:
                    vocabulary.add(word)
                    self._by_length = None
                    fixed.append(item)
                    continue
                better = self._correct(word)
                if better is not None:
                    corrections.append((word, better))
                    item = Word(better, item.capitalised, item.position, item.breaks_before)
            fixed.append(item)
        terms: set[str] = set()
        unknown: list[str] = []
        unknown_names: list[str] = []
        compounds: list[str] = []
        heads = self.lexicon.phrase_lengths
        single = self._single_terms
        i = 0
        while i < len(fixed):
            item = fixed[i]
            matched = self._longest_phrase(fixed, i) if item.text in heads else None
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
            i += 1
            word = item.text
            known = single.get((word, lang))
            if known is None:
                known = self._single_term(word, lang)
            if known:
                terms.add(known)
            elif known is not None:
                continue  # a stop word
            else:
                unknown.append(word)
                if item.capitalised:
                    # A capital opening a sentence ("Pendant combien...") says little; inside
                    # one, or in an acronym, it marks a name ("How much is Huawei...", "IBM").
                    original = _original_case(text, word)
                    if item.position > 0 or (len(original) > 1 and original.isupper()):
                        unknown_names.append(original)
        entities = frozenset(t for t in terms if t.startswith("e:"))
        roles = frozenset(self.lexicon.roles[t] for t in terms if t in self.lexicon.roles)
        return Analysis(
            frozenset(terms), entities, roles, tuple(unknown), tuple(unknown_names), tuple(corrections),
            tuple(compounds),
        )

    def _longest_phrase(self, items: Sequence[Word], start: int) -> tuple[int, str] | None:
        longest = min(self.lexicon.phrase_lengths.get(items[start].text, 0), _MAX_NGRAM, len(items) - start)
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
        if len(word) < _MIN_TYPO_LENGTH - 1:
            return None
        by_start = self._words_by_start()
        if len(word) < _MIN_TYPO_LENGTH:
            # Four letters: only a dropped letter ("anne" for "annee"), never a changed one,
            # so that a short unknown name ("Uber") does not turn into a known word.
            longer = by_start.get((len(word) + 1, 0, word[0]), ())
            return next((known for known in longer if _drops_one_letter(word, known)), None)
        max_edits = 1 if len(word) <= 7 else 2
        choices = [
            known
            for size in range(len(word) - max_edits, len(word) + max_edits + 1)
            for key in ((size, 0, word[0]), (size, 1, word[1]))
            for known in by_start.get(key, ())
        ]
        best = process.extractOne(word, choices, scorer=OSA.distance, score_cutoff=max_edits)
        return best[0] if best else None

    def _single_term(self, word: str, lang: Lang) -> str | None:
        """The term of one word outside any phrase: "" for a stop word, None if unknown.

        Known answers are cached and interned: the same few words recur everywhere.
        """
        skipped_or_number = is_number(word) or word in _ALL_STOP_WORDS or len(word) < 2
        if word not in self.lexicon.vocabulary and not skipped_or_number:
            return None
        term = self._single_terms[(word, lang)] = _intern(_plain_term(word, lang))
        return term


class FactIndex:
    """Every fact's phrasings and statement, analysed once, with an inverted index of terms.

    Terms become small integers; the documents' numbers (a phrasing or a statement each)
    sit one after another in one flat array, and each term's postings in a numpy array of
    fact numbers, so 100,000 facts fit in a few hundred megabytes and a question touches
    only the facts that share its terms. The base's own texts are split in bulk (see
    :class:`_Splitter`), giving exactly the terms :meth:`Analyzer.analyse` gives them.
    """

    def __init__(self, base: FactBase) -> None:
        self.base = base
        with _bulk():
            self._build(base)

    def _build(self, base: FactBase) -> None:
        self.analyzer = Analyzer(Lexicon.from_fact_base(base))
        lexicon = self.analyzer.lexicon
        self._term_ids = term_ids = _TermIds()
        self._term_names = term_ids.names
        self._doc_ids = doc_ids = array("i")  # each document's term numbers, one after another
        self._doc_bounds = doc_bounds = array("q", [0])  # document d is doc_ids[d]:doc_ids[d + 1]
        self._doc_texts: list[str] = []  # "" for a statement
        self._fact_docs = array("q", [0])  # fact i owns documents _fact_docs[i]:_fact_docs[i + 1]
        self._fact_ids = fact_ids = array("i")  # each fact's term numbers, one after another
        self._fact_bounds = fact_bounds = array("q", [0])
        splitter = _Splitter()
        singles = {"en": _Singles("en"), "fr": _Singles("fr")}
        learned: set[str] = set()

        def text_terms(text: str, lang: Lang) -> Iterable[str]:
            """``analyse(text, lang, learn=True).terms``, without building an Analysis."""
            split = splitter.split(text)
            if split is None:  # number words: the plain path
                return self.analyzer.analyse(text, lang, learn=True).terms
            learned.update(split[0])
            return _index_terms(split[0], split[1], lexicon.phrases, lexicon.phrase_lengths, singles[lang])

        def add_doc(text: str, terms: Iterable[str]) -> set[int]:
            ids = sorted(map(term_ids.__getitem__, terms))
            doc_ids.extend(ids)
            doc_bounds.append(len(doc_ids))
            self._doc_texts.append(text)
            return set(ids)

        postings: dict[int, array[int]] = defaultdict(lambda: array("i"))
        for index, fact in enumerate(base.facts):
            for topic in fact.topics:
                split = splitter.split(topic)
                learned.update(split[0] if split is not None else (w.text for w in words(topic)))
            terms = set(map(term_ids.__getitem__, self._fact_level_terms(fact)))
            for lang in LANGS:
                for text in fact.phrasings.in_lang(lang):
                    terms |= add_doc(text, text_terms(text, lang))
                terms |= add_doc("", text_terms(fact.statement.in_lang(lang), lang))
            self._fact_docs.append(len(self._doc_texts))
            fact_ids.extend(sorted(terms))
            fact_bounds.append(len(fact_ids))
            for term_id in terms:
                postings[term_id].append(index)
        lexicon.vocabulary.update(word for word in learned if not is_number(word))
        self.analyzer._by_length = None
        total = max(len(base.facts), 1)
        self._postings = {t: np.frombuffer(ids, dtype=np.int32) for t, ids in postings.items()}
        self._idf = np.zeros(len(self._term_names), dtype=np.float64)
        for term_id, ids in self._postings.items():
            self._idf[term_id] = math.log(1 + total / len(ids))
        self._idf_list: list[float] = self._idf.tolist()
        idf = self._idf_list
        self._doc_weights = array("d", (
            sum(idf[t] for t in doc_ids[doc_bounds[d] : doc_bounds[d + 1]]) or 1.0
            for d in range(len(self._doc_texts))
        ))
        self.unknown_weight = math.log(1 + total)
        # Terms in many facts are checked by membership in the candidates found through
        # rarer terms, instead of adding up tens of thousands of postings per question.
        self._common_limit = max(_MIN_COMMON_POSTINGS, total // 50)
        self._common_masks: dict[int, np.ndarray] = {}
        for term_id, ids in self._postings.items():
            if len(ids) > self._common_limit:
                mask = np.zeros(total, dtype=bool)
                mask[ids] = True
                self._common_masks[term_id] = mask

    def _fact_level_terms(self, fact: Fact) -> Iterable[str]:
        yield from (f"e:{entity}" for entity in fact.entities)
        if fact.amount:
            if fact.amount.period.as_stated:
                yield from self.analyzer.analyse(fact.amount.period.as_stated, fact.source.lang, learn=True).terms
            if fact.amount.period.year:
                yield f"y:{fact.amount.period.year}"
            if fact.amount.period.is_yearly:
                yield from self.analyzer.lexicon.role_terms.get("yearly", ())
            if fact.amount.growth:
                yield f"y:{fact.amount.growth.versus_year}"
                yield from self.analyzer.lexicon.role_terms.get("growth", ())

    def _fact_terms(self, fact_index: int) -> array[int]:
        return self._fact_ids[self._fact_bounds[fact_index] : self._fact_bounds[fact_index + 1]]

    def docs(self, fact_index: int) -> Iterator[tuple[str, frozenset[str]]]:
        """(phrasing, or "" for a statement; its terms) for each document of one fact."""
        names, bounds = self._term_names, self._doc_bounds
        for doc in range(self._fact_docs[fact_index], self._fact_docs[fact_index + 1]):
            yield self._doc_texts[doc], frozenset(names[t] for t in self._doc_ids[bounds[doc] : bounds[doc + 1]])

    def terms_of(self, fact_index: int) -> frozenset[str]:
        """Every term one fact can be matched on (entities, years, words of its texts)."""
        return frozenset(self._term_names[t] for t in self._fact_terms(fact_index))

    def weight(self, term: str) -> float:
        term_id = self._term_ids.get(term)
        return self.unknown_weight if term_id is None else self._idf_list[term_id]

    def candidates(self, analysis: Analysis, limit: int = 30) -> list[int]:
        """Facts sharing terms with the question, those sharing the rarest terms first."""
        known = [self._term_ids[t] for t in analysis.terms if t in self._term_ids]
        rare = [t for t in known if t not in self._common_masks]
        common = [t for t in known if t in self._common_masks]
        facts: np.ndarray[Any, Any]
        scores: np.ndarray[Any, Any]
        if rare:
            arrays = [self._postings[t] for t in rare]
            facts, position = np.unique(np.concatenate(arrays), return_inverse=True)
            weights = np.repeat(self._idf[rare], [len(a) for a in arrays])
            scores = np.bincount(position, weights=weights)
            for term_id in common:
                scores += self._idf[term_id] * self._common_masks[term_id][facts]
        elif common:
            dense = np.zeros(len(self.base.facts), dtype=np.float64)
            for term_id in common:
                dense[self._postings[term_id]] += self._idf[term_id]
            facts = np.flatnonzero(dense)
            scores = dense[facts]
        else:
            return []
        if len(facts) > limit:
            keep = np.argpartition(-scores, limit - 1)[:limit]
            facts, scores = facts[keep], scores[keep]
        order = np.lexsort((facts, -scores))
        return [int(f) for f in facts[order]]

    def score(self, analysis: Analysis, fact_index: int) -> Candidate:
        """How well one fact answers the question, 0-100.

        Coverage of the question's terms (weighted by rarity, unknown words counting as
        rare) matters most; how much of a phrasing the question covers breaks ties
        between a short precise phrasing and a long loose one.
        """
        fact = self.base.facts[fact_index]
        query: dict[int, float] = {}
        query_weight = self.unknown_weight * len(analysis.unknown)
        for term in analysis.terms:
            term_id = self._term_ids.get(term)
            if term_id is None:
                query_weight += self.unknown_weight
            else:
                query[term_id] = self._idf_list[term_id]
                query_weight += query[term_id]
        if query_weight == 0:
            return Candidate(fact, 0.0, "")
        fact_cover = sum(query.get(t, 0.0) for t in self._fact_terms(fact_index)) / query_weight
        best, best_text = 0.0, ""
        doc_ids, bounds = self._doc_ids, self._doc_bounds
        for doc in range(self._fact_docs[fact_index], self._fact_docs[fact_index + 1]):
            shared = sum(query[t] for t in doc_ids[bounds[doc] : bounds[doc + 1]] if t in query)
            value = 100 * (0.45 * shared / query_weight + 0.2 * shared / self._doc_weights[doc]
                           + 0.35 * fact_cover)
            text = self._doc_texts[doc]
            if not text:
                value *= STATEMENT_DISCOUNT
            if value > best:
                best, best_text = value, text
        return Candidate(fact, best, best_text)


_intern = sys.intern


def _drops_one_letter(short: str, long: str) -> bool:
    """True when ``long`` is ``short`` with one letter added somewhere."""
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


@contextmanager
def _bulk() -> Iterator[None]:
    """No cyclic garbage collection while building: the index makes millions of objects
    and no cycles, and each collection would walk all of them again (at 100,000 facts,
    collections took more time than the indexing itself)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _TermIds(dict[str, int]):
    """Term -> a number given on first sight; ``names`` has the terms by number."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def __missing__(self, term: str) -> int:
        number = self[term] = len(self.names)
        self.names.append(term)
        return number


class _Splitter:
    """:func:`bot.language.words` for the fact base's own texts, in bulk.

    Gives the same words and "punctuation before" flags, without making a Word per token,
    or None when the text holds a number word or "a/one" before a unit, which ``words``
    rewrites across tokens (the caller then takes the plain path). tests/test_bench_scale.py
    checks it against ``words`` on every text of the shipped and a synthetic base.
    """

    def __init__(self) -> None:
        self._simple = _SimplePieces()
        self._complex: dict[str, tuple[str, ...] | None] = {}

    def split(self, text: str) -> tuple[list[str], list[bool]] | None:
        if _APOSTROPHE.search(text):
            text = text.translate(language._APOSTROPHES)
            text = language._ELISION.sub(r"\1 ", language._POSSESSIVE.sub(",", text))
        parts = language._TOKEN_SPLIT.split(text)  # gap, token, gap, token, ..., gap
        raws = parts[1::2]
        if not raws:
            return [], []
        gaps = parts[2:-1:2]
        breaks = [False] + [gap != " " and bool(gap) and bool(gap.translate(language._JOINERS)) for gap in gaps]
        simple = self._simple
        found = list(map(simple.__getitem__, raws))
        if simple.complex.isdisjoint(raws):
            if not _UNIT_WORDS.isdisjoint(found):
                for i in range(1, len(found)):
                    if found[i] in _UNIT_WORDS and found[i - 1] in _ONE_WORDS:
                        return None
            return found, breaks
        return self._split_complex(raws, breaks)

    def _split_complex(self, raws: list[str], flags: list[bool]) -> tuple[list[str], list[bool]] | None:
        """The same for a text with a token that is a number word or several words ("65bn")."""
        found: list[str] = []
        breaks: list[bool] = []
        for raw, flag in zip(raws, flags, strict=True):
            if raw not in self._complex:
                self._complex[raw] = _pieces(raw)
            pieces = self._complex[raw]
            if pieces is None:
                return None
            for i, piece in enumerate(pieces):
                if piece in _UNIT_WORDS and found and found[-1] in _ONE_WORDS:
                    return None
                found.append(piece)
                breaks.append(flag and i == 0)
        return found, breaks


class _SimplePieces(dict[str, str]):
    """Token -> its one folded word; tokens that make no word or several go in ``complex``."""

    def __init__(self) -> None:
        super().__init__()
        self.complex: set[str] = set()

    def __missing__(self, raw: str) -> str:
        pieces = _pieces(raw)
        if pieces is None or len(pieces) != 1:
            self.complex.add(raw)
            self[raw] = ""
            return ""
        self[raw] = pieces[0]
        return pieces[0]


def _pieces(raw: str) -> tuple[str, ...] | None:
    """What ``words`` makes of one token, or None for a number word, which ``words`` merges
    with its neighbours ("soixante-cinq")."""
    pieces = language._pieces(raw)
    return None if any(piece in language._NUMBER_WORDS for piece in pieces) else pieces


_APOSTROPHE = re.compile("['\u2019\u2018\u02bc`\u00b4]")
_UNIT_WORDS = language._UNIT_NAMES
_ONE_WORDS = frozenset({"a", "an", "one", "un", "une"})


def _index_terms(
    found: list[str], flags: list[bool], phrases: dict[tuple[str, ...], str],
    phrase_lengths: dict[str, int], singles: _Singles,
) -> set[str]:
    """The terms :meth:`Analyzer.analyse` gives a text whose words are all known (the fact
    base's own texts, whose words it learns), without building an Analysis.

    Only words that start some phrase are looked at one by one; the runs of words between
    them are looked up in bulk."""
    terms: set[str] = set()
    count = len(found)
    position = 0
    for start in [i for i, word in enumerate(found) if word in phrase_lengths]:
        if start < position:
            continue  # inside the phrase just matched
        terms.update(map(singles.__getitem__, found[position:start]))
        position = start
        longest = min(phrase_lengths[found[start]], _MAX_NGRAM, count - start)
        for offset in range(1, longest):
            if flags[start + offset]:
                longest = offset
                break
        for length in range(longest, 0, -1):
            term = phrases.get(tuple(found[start : start + length]))
            if term is not None:
                terms.add(term)
                position = start + length
                break
    terms.update(map(singles.__getitem__, found[position:]))
    terms.discard("")
    return terms


class _Singles(dict[str, str]):
    """Known word -> its term outside any phrase ("" for a stop word), for one language;
    the same rules as :meth:`Analyzer._single_term` for a word of the vocabulary."""

    def __init__(self, lang: Lang) -> None:
        super().__init__()
        self.lang = lang

    def __missing__(self, word: str) -> str:
        term = self[word] = _plain_term(word, self.lang)
        return term


def _plain_term(word: str, lang: Lang) -> str:
    """The term of a known word outside any phrase: a year, a number, "" for a stop word
    (or a single letter), else its stem. One rule for questions and for the base's texts."""
    if is_year(word):
        return f"y:{word}"
    if is_number(word):
        return f"n:{_canonical_number(word)}"
    if word in _ALL_STOP_WORDS or len(word) < 2:
        return ""
    stem: str = _STEMMERS[lang].stemWord(word)
    return "w:" + stem


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

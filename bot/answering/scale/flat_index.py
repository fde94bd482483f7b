"""The index for large bases: flat arrays of term numbers, numpy postings, kept on disk.

Every fact's phrasings and statement, analysed once (the base's own texts in bulk, see
:mod:`bot.answering.scale.bulk_terms`), into integer term numbers in a few flat arrays, so
100,000 facts fit in a few hundred megabytes and a question touches only the facts that
share its terms. It answers exactly as :class:`bot.answering.index.MemoryIndex`, the
reference it is tested against.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
import time
import unicodedata
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import repeat
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pydantic
import yaml

from bot import language
from bot.answering import analysis as analysis_module
from bot.answering import index as index_module
from bot.answering.analysis import (
    MAX_NGRAM,
    Analysis,
    Analyzer,
    Candidate,
    Lexicon,
    _plain_term,
    amount_level_terms,
    unknown_query_weight,
    unknown_weight,
)
from bot.answering.index import CANDIDATES, TIE_DIGITS, best_document
from bot.answering.scale import bulk_terms
from bot.answering.scale.bulk_terms import BulkAnalyzer, Numbering, sorted_unique
from bot.answering.scale.index_cache import IndexCache
from bot.language import Lang, is_number, words
from knowledge import filler, loader, models
from knowledge.models import Fact, FactBase, Period

_log = logging.getLogger(__name__)
#: Terms in more facts than this (or 2% of the base, if more) count as common; see candidates.
_MIN_COMMON_POSTINGS = 1000
#: Facts read together by the bulk analysis: enough for numpy to pay, few enough that one
#: batch's temporary strings and arrays weigh little.
_FACTS_PER_BATCH = 2000

class FlatIndex:
    """Every fact's phrasings and statement, analysed once, with an inverted index of terms.

    Terms become small integers; the documents' numbers (a phrasing or a statement each)
    sit one after another in one flat array, and each term's postings in a numpy array of
    fact numbers, so 100,000 facts fit in a few hundred megabytes and a question touches
    only the facts that share its terms. The base's own texts are split in bulk (see
    :mod:`bot.answering.scale.bulk_terms`), giving exactly the terms :meth:`Analyzer.analyse` gives them.
    """

    def __init__(self, base: FactBase, cache: IndexCache | None = None, worker: HeadStarter | None = None) -> None:
        """Index ``base``; with a ``cache``, a base loaded from unchanged files (the same
        ``base.digest``) and indexed before by the same code is read back instead. A
        ``worker`` is another process indexing the base's last facts meanwhile."""
        self.base = base
        key = _cache_key(base) if cache is not None else None
        start = time.perf_counter()
        if cache is not None and key is not None and self._restore(cache.load(key)):
            if worker is not None:
                worker.cancel()
            _log.debug("read the index of %d facts from %s in %.2f s",
                      len(base.facts), cache.folder, time.perf_counter() - start)
            return
        self._build(base, worker)
        if cache is not None and key is not None:
            cache.save(key, self._saved())
        _log.debug("indexed %d facts in %.2f s", len(base.facts), time.perf_counter() - start)

    def _saved(self) -> dict[str, np.ndarray[Any, Any]]:
        """What :meth:`_restore` needs, as named arrays (texts as UTF-8 JSON)."""
        lexicon = self.analyzer.lexicon
        texts = {"term_names": self._term_names, "lexicon": lexicon.to_json()}
        arrays = {name: np.frombuffer(getattr(self, f"_{name}"), dtype=_DTYPES[_TYPECODES[name]])
                  for name in _SAVED_ARRAYS}
        return {**arrays, "posting_facts": self._posting_facts,
                "texts": np.frombuffer(json.dumps(texts, ensure_ascii=False).encode(), dtype=np.uint8)}

    def _restore(self, saved: dict[str, np.ndarray[Any, Any]] | None) -> bool:
        """Take back what :meth:`_saved` gave, if it fits this base; False if not."""
        if saved is None or not {*_SAVED_ARRAYS, "posting_facts", "texts"} <= saved.keys():
            return False
        base = self.base
        docs_per_fact = [len(fact.phrasings.en) + len(fact.phrasings.fr) + 2 for fact in base.facts]
        fact_docs = saved["fact_docs"]
        if len(fact_docs) != len(base.facts) + 1 or not np.array_equal(np.diff(fact_docs), docs_per_fact):
            return False
        texts = json.loads(saved["texts"].tobytes().decode())
        self.analyzer = Analyzer(Lexicon.from_json(texts["lexicon"]))
        for name in _SAVED_ARRAYS:  # each numpy copy let go as soon as it is converted
            setattr(self, f"_{name}", _as_array(_TYPECODES[name], saved.pop(name)))
        self._posting_facts = saved.pop("posting_facts")
        self._finish(texts["term_names"])
        return True

    def _build(self, base: FactBase, worker: HeadStarter | None) -> None:
        """Index every fact; with a worker, the facts before its share are read here while it
        finishes, and its part is taken over (or, if it has none, the rest is read here too)."""
        first = worker.first_fact(base) if worker is not None else len(base.facts)
        builder = IndexBuilder(Lexicon.from_fact_base(base))
        builder.read(base.facts[:first])
        part = worker.take(base) if worker is not None else None
        if part is not None:
            builder.absorb(part)
            del part  # tens of megabytes, not to be held while the postings are built
        else:
            builder.read(base.facts[first:])
        builder.close()
        self.analyzer = builder.analyzer
        self._doc_ids, self._doc_bounds = builder.doc_ids, builder.doc_bounds
        self._fact_ids, self._fact_bounds, self._fact_docs = builder.fact_ids, builder.fact_bounds, builder.fact_docs
        term_names = builder.term_ids.names
        del builder

        fact_terms = np.frombuffer(self._fact_ids, dtype=np.int32)
        counts = np.bincount(fact_terms, minlength=len(term_names))
        order = np.argsort(fact_terms, kind="stable")  # facts ascending within each term
        terms_per_fact: np.ndarray[Any, Any] = np.diff(np.frombuffer(self._fact_bounds, dtype=np.int64))
        self._posting_facts = np.repeat(np.arange(len(base.facts), dtype=np.int32), terms_per_fact)[order]
        del order, fact_terms
        self._posting_bounds = _as_array("q", _bounds(counts))
        self._finish(term_names)
        doc_weights = _segment_sums(self._idf, np.frombuffer(self._doc_ids, dtype=np.int32),
                                    np.frombuffer(self._doc_bounds, dtype=np.int64))
        self._doc_weights = _as_array("d", doc_weights)

    def _finish(self, term_names: list[str]) -> None:
        """What follows from the flat arrays: term numbers by name, rarity, common terms."""
        counts = np.diff(np.frombuffer(self._posting_bounds, dtype=np.int64))
        # Terms no fact has (a lexicon phrase no text uses) are left out: a question's term
        # the index does not know counts as unknown, and rare.
        self._term_names = term_names
        self._term_ids = {name: number for number, name in enumerate(term_names) if counts[number]}
        total = max(len(self.base.facts), 1)
        self._idf = np.where(counts > 0, np.log1p(total / np.maximum(counts, 1)), 0.0)
        self._idf_list: list[float] = self._idf.tolist()
        self.unknown_weight = unknown_weight(total)
        # Terms in many facts are checked by membership in the candidates found through
        # rarer terms, instead of adding up tens of thousands of postings per question.
        self._common_limit = max(_MIN_COMMON_POSTINGS, total // 50)
        self._common_bits: dict[int, np.ndarray[Any, Any]] = {}
        for term_id in np.flatnonzero(counts > self._common_limit).tolist():
            mask = np.zeros(total, dtype=bool)
            mask[self._postings(term_id)] = True
            self._common_bits[term_id] = np.packbits(mask)

    def _postings(self, term_id: int) -> np.ndarray[Any, Any]:
        """The facts (by number, ascending) that have a term."""
        return self._posting_facts[self._posting_bounds[term_id] : self._posting_bounds[term_id + 1]]

    def _doc_texts(self, fact_index: int) -> list[str]:
        """The texts of one fact's documents, in index order: "" for a statement."""
        phrasings = self.base.facts[fact_index].phrasings
        return [*phrasings.en, "", *phrasings.fr, ""]

    def _fact_terms(self, fact_index: int) -> array[int]:
        return self._fact_ids[self._fact_bounds[fact_index] : self._fact_bounds[fact_index + 1]]

    def docs(self, fact_index: int) -> Iterator[tuple[str, frozenset[str]]]:
        """(phrasing, or "" for a statement; its terms) for each document of one fact."""
        names, bounds = self._term_names, self._doc_bounds
        docs = range(self._fact_docs[fact_index], self._fact_docs[fact_index + 1])
        for doc, text in zip(docs, self._doc_texts(fact_index), strict=True):
            yield text, frozenset(names[t] for t in self._doc_ids[bounds[doc] : bounds[doc + 1]])

    def terms_of(self, fact_index: int) -> frozenset[str]:
        """Every term one fact can be matched on (entities, years, words of its texts)."""
        return frozenset(map(self._term_names.__getitem__, self._fact_terms(fact_index)))

    def candidates(self, analysis: Analysis, limit: int = CANDIDATES) -> list[int]:
        """Facts sharing terms with the question, those sharing the rarest terms first."""
        known = [self._term_ids[t] for t in analysis.terms if t in self._term_ids]
        rare = [t for t in known if t not in self._common_bits]
        common = [t for t in known if t in self._common_bits]
        facts: np.ndarray[Any, Any]
        scores: np.ndarray[Any, Any]
        if rare:
            arrays = [self._postings(t) for t in rare]
            facts, position = np.unique(np.concatenate(arrays), return_inverse=True)
            weights = np.repeat(self._idf[rare], [len(a) for a in arrays])
            scores = np.bincount(position, weights=weights)
            for term_id in common:
                bits = self._common_bits[term_id]
                scores += self._idf[term_id] * ((bits[facts >> 3] >> (7 - (facts & 7))) & 1)
        elif common:
            dense = np.zeros(len(self.base.facts), dtype=np.float64)
            for term_id in common:
                dense[self._postings(term_id)] += self._idf[term_id]
            facts = np.flatnonzero(dense)
            scores = dense[facts]
        else:
            return []
        if len(facts) > limit:
            # No score exceeds the weight of every known term of the question.
            keep = _best(scores, facts, limit, len(self.base.facts), bound=float(self._idf[known].sum()))
            facts, scores = facts[keep], scores[keep]
        scores.round(TIE_DIGITS, out=scores)  # as MemoryIndex: ties go to the lower fact number
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
        query_weight = unknown_query_weight(analysis, len(self.base.facts), self.unknown_weight)
        for term in analysis.terms:
            term_id = self._term_ids.get(term)
            if term_id is None:
                query_weight += self.unknown_weight
            else:
                query[term_id] = self._idf_list[term_id]
                query_weight += query[term_id]
        if query_weight == 0:
            return Candidate(fact, 0.0, "")
        fact_cover = sum(map(query.get, self._fact_terms(fact_index), repeat(0.0))) / query_weight
        doc_ids, bounds = self._doc_ids, self._doc_bounds
        first, last = self._fact_docs[fact_index], self._fact_docs[fact_index + 1]
        weight_of = query.get  # map() with a default: the weights of a document's terms, in C
        shared = [sum(map(weight_of, doc_ids[bounds[doc] : bounds[doc + 1]], repeat(0.0)))
                  for doc in range(first, last)]
        best, best_text = best_document(self._doc_texts(fact_index), shared, self._doc_weights[first:last],
                                        query_weight, fact_cover)
        return Candidate(fact, best, best_text)


@dataclass
class IndexPart:
    """The index of the last facts of a base, made by another process: the flat arrays of
    :class:`FlatIndex` for those facts alone (bounds from 0), in that process's term numbers,
    with the names of those terms and the words it added to the vocabulary."""

    doc_ids: np.ndarray[Any, Any]
    doc_bounds: np.ndarray[Any, Any]
    fact_ids: np.ndarray[Any, Any]
    fact_bounds: np.ndarray[Any, Any]
    fact_docs: np.ndarray[Any, Any]
    term_names: list[str]
    words: list[str]

    @property
    def facts(self) -> int:
        return len(self.fact_bounds) - 1


class HeadStarter(Protocol):
    """Another process indexing a base's last facts (:class:`bot.answering.scale.index_worker.IndexWorker`)."""

    def first_fact(self, base: FactBase) -> int:
        """Where in ``base.facts`` the worker's part starts."""

    def take(self, base: FactBase) -> IndexPart | None:
        """The part, once ready; None if the worker has nothing usable."""

    def cancel(self) -> None:
        """Stop the worker: its part is not needed."""


class IndexBuilder:
    """Reads facts into the flat arrays of an index, a few thousand at a time.

    Each run is one after another in a flat array: document d's terms are
    ``doc_ids[doc_bounds[d]:doc_bounds[d + 1]]``, fact i's documents are numbers
    ``fact_docs[i]`` to ``fact_docs[i + 1]``, and its terms are marked out by ``fact_bounds``.
    """

    def __init__(self, lexicon: Lexicon) -> None:
        self.analyzer = Analyzer(lexicon)
        self.term_ids = Numbering()
        self._bulk = BulkAnalyzer(lexicon.phrases, _plain_term, self.term_ids.__getitem__, MAX_NGRAM)
        self._known_words = frozenset(lexicon.vocabulary)
        self.doc_ids, self.doc_bounds = array("i"), array("q", [0])
        self.fact_ids, self.fact_bounds = array("i"), array("q", [0])
        self.fact_docs = array("q", [0])
        self._amount_terms: dict[tuple[Period, int | None, Lang], list[int]] = {}

    def read(self, facts: Sequence[Fact]) -> None:
        """Append the index of ``facts``, a batch at a time; their topics' words join the vocabulary."""
        vocabulary = self.analyzer.lexicon.vocabulary
        for first in range(0, len(facts), _FACTS_PER_BATCH):
            self._read_batch(facts[first : first + _FACTS_PER_BATCH])
        for topic in {topic for fact in facts for topic in fact.topics}:
            vocabulary.update(w.text for w in words(topic) if not is_number(w.text))

    def close(self) -> None:
        """Add the words met to the vocabulary; call once, after the last facts."""
        self.analyzer.lexicon.vocabulary.update(word for word in self._bulk.words if not is_number(word))
        self.analyzer.forget_typo_table()

    def part(self) -> IndexPart:
        """What was read, to be taken over by :meth:`absorb` in another process."""
        self.close()
        arrays = {name: np.frombuffer(getattr(self, name), dtype=_DTYPES[getattr(self, name).typecode])
                  for name in ("doc_ids", "doc_bounds", "fact_ids", "fact_bounds", "fact_docs")}
        added = sorted(self.analyzer.lexicon.vocabulary - self._known_words)
        return IndexPart(**arrays, term_names=self.term_ids.names, words=added)

    def absorb(self, part: IndexPart) -> None:
        """Append a part read elsewhere, its terms renumbered to this builder's."""
        renumber = np.array([self.term_ids[name] for name in part.term_names], dtype=np.int32)
        if len(renumber):
            _extend(self.doc_ids, renumber[part.doc_ids])
            _extend(self.fact_ids, renumber[part.fact_ids])
        _extend(self.doc_bounds, self.doc_bounds[-1] + part.doc_bounds[1:])
        _extend(self.fact_bounds, self.fact_bounds[-1] + part.fact_bounds[1:])
        _extend(self.fact_docs, self.fact_docs[-1] + part.fact_docs[1:])
        self.analyzer.lexicon.vocabulary.update(part.words)

    def _read_batch(self, facts: Sequence[Fact]) -> None:
        """Index a few thousand facts: their documents' terms and their own, appended to the
        flat arrays (term numbers are ``term_ids``')."""
        # Each fact's documents in index order: its English phrasings and statement, then French.
        texts = [text for fact in facts for text in (
            *fact.phrasings.en, fact.statement.en, *fact.phrasings.fr, fact.statement.fr)]
        docs_per_lang = [len(phrasings) + 1 for fact in facts for phrasings in (fact.phrasings.en, fact.phrasings.fr)]
        english = np.repeat(np.tile([True, False], len(facts)), docs_per_lang)
        docs_per_fact = np.add.reduceat(docs_per_lang, np.arange(0, len(docs_per_lang), 2))
        term_ids = self.term_ids
        found = self._bulk.doc_terms(texts, english)
        plain = [(doc << 32) | term_ids[term] for doc in found.plain
                 for term in self.analyzer.analyse(texts[doc], "en" if english[doc] else "fr", learn=True).terms]
        doc_keys = sorted_unique(np.concatenate([found.keys, np.array(plain, dtype=np.int64)]))
        fact_of_doc = np.repeat(np.arange(len(facts), dtype=np.int64), docs_per_fact)
        own = [(index << 32) | term_id
               for index, fact in enumerate(facts) for term_id in self._fact_level_terms(fact)]
        fact_keys = sorted_unique(np.concatenate([(fact_of_doc[doc_keys >> 32] << 32) | (doc_keys & _LOW),
                                                 np.array(own, dtype=np.int64)]))
        _append_runs(self.doc_ids, self.doc_bounds, doc_keys, len(texts))
        _append_runs(self.fact_ids, self.fact_bounds, fact_keys, len(facts))
        _extend(self.fact_docs, self.fact_docs[-1] + np.cumsum(docs_per_fact))

    def _fact_level_terms(self, fact: Fact) -> list[int]:
        """The terms a fact has besides its texts': its entities, and what its amount says
        of time (the year, "yearly", a growth against an earlier year)."""
        term_ids = self.term_ids
        found = [term_ids[f"e:{entity}"] for entity in fact.entities]
        if fact.amount:
            growth = fact.amount.growth
            key = (fact.amount.period, growth.versus_year if growth else None, fact.source.lang)
            amount_terms = self._amount_terms.get(key)
            if amount_terms is None:
                amount_terms = self._amount_terms[key] = [term_ids[t] for t in amount_level_terms(fact, self.analyzer)]
            found += amount_terms
        return found


_LOW = (1 << 32) - 1  # a key's low half: (document or fact) << 32 | term


def _best(scores: np.ndarray[Any, Any], facts: np.ndarray[Any, Any], limit: int, total: int, *,
          bound: float) -> np.ndarray[Any, Any]:
    """Where the ``limit`` best of ``scores`` are (compared at :data:`TIE_DIGITS` decimals; ties
    to the lower fact, as ``facts`` ascend), in no order. ``bound`` is at least every score.

    Each score and its fact make one distinct integer key (the rounded score, shifted, less the
    fact), so one partition of integers finds them: a generic question gives tens of thousands
    of facts a few equal scores, and partitioning floats with that many ties is ten times
    slower. A base too large for the keys to fit in 63 bits takes the float way.
    """
    bits = max(total, 1).bit_length()
    if bound * 10**TIE_DIGITS < 2 ** (62 - bits):
        keys = np.rint(scores * 10**TIE_DIGITS).astype(np.int64)
        keys <<= bits
        keys -= facts
        return np.argpartition(keys, len(keys) - limit)[len(keys) - limit :]
    rounded = np.round(scores, TIE_DIGITS)
    cut = -np.partition(-rounded, limit - 1)[limit - 1]  # the limit-th best
    keep = np.flatnonzero(rounded >= cut)
    if len(keep) > limit:  # tied at the cut: the first facts
        kept = rounded[keep]
        keep = np.concatenate((keep[kept > cut], keep[kept == cut][: limit - int((kept > cut).sum())]))
    return keep


def _bounds(counts: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Where each run starts, and where the last ends: 0, then the running totals of ``counts``."""
    bounds = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=bounds[1:])
    return bounds


def _append_runs(items: array[int], bounds: array[int], keys: np.ndarray[Any, Any], runs: int) -> None:
    """Append sorted (run << 32 | item) keys of ``runs`` new runs to a flat array and its bounds."""
    _extend(items, keys & _LOW)
    _extend(bounds, bounds[-1] + np.cumsum(np.bincount(keys >> 32, minlength=runs)))


def _segment_sums(weights: np.ndarray[Any, Any], terms: np.ndarray[Any, Any], bounds: np.ndarray[Any, Any],
                  step: int = 1 << 20) -> np.ndarray[Any, Any]:
    """The weight of each run of ``terms`` (run i is terms[bounds[i]:bounds[i + 1]]), 1.0 for
    an empty or weightless run; a million terms at a time, so the weights never take much room."""
    sums = np.zeros(len(bounds) - 1, dtype=np.float64)
    starts = bounds[:-1]
    nonempty = np.flatnonzero(bounds[1:] > starts)
    for first in range(0, len(nonempty), step // 8):
        runs = nonempty[first : first + step // 8]
        low, high = int(starts[runs[0]]), int(bounds[runs[-1] + 1])
        sums[runs] = np.add.reduceat(weights[terms[low:high]], starts[runs] - low)
    sums[sums == 0] = 1.0
    return sums


def _as_array(typecode: str, values: np.ndarray[Any, Any]) -> array[Any]:
    """A numpy array as an ``array.array`` (faster to index one item at a time), copied once."""
    return _extend(array(typecode), values)


def _extend(out: array[Any], values: np.ndarray[Any, Any]) -> array[Any]:
    """Append a numpy array's values to an ``array.array``, converted to its item type."""
    out.frombytes(np.ascontiguousarray(values, dtype=_DTYPES[out.typecode]).view(np.uint8).data)
    return out


_DTYPES: dict[str, type[np.generic]] = {"i": np.int32, "q": np.int64, "d": np.float64}
#: The flat arrays an index keeps on disk, with their item types.
_TYPECODES = {"doc_ids": "i", "doc_bounds": "q", "doc_weights": "d", "fact_ids": "i", "fact_bounds": "q",
              "fact_docs": "q", "posting_bounds": "q"}
_SAVED_ARRAYS = tuple(_TYPECODES)
#: Bump when what is saved changes meaning; the code's own text is in the key as well.
_INDEX_FORMAT = 1


def _cache_key(base: FactBase) -> str | None:
    """A name for this base indexed by this code, or None for a base not loaded from files."""
    return None if base.digest is None else cache_key_of(base.digest)


def cache_key_of(digest: str) -> str:
    """The name of the index of the files with this digest (:func:`knowledge.loader.data_digest`)."""
    return f"{digest[:32]}-{_code_fingerprint()}"


@cache
def _code_fingerprint() -> str:
    """What the index depends on besides the data's bytes: the text of the modules that parse,
    validate and read it, and the versions of what they use (the YAML and pydantic parsers,
    numpy, Python's Unicode tables for folding words, the stemmers); any change gives a new key."""
    versions = (f"{_INDEX_FORMAT} {np.__version__} {yaml.__version__} {pydantic.VERSION} "
                f"{sys.version_info[:2]} {unicodedata.unidata_version}")
    digest = hashlib.sha256(versions.encode())
    stemmers = [sys.modules[type(stemmer).__module__] for stemmer in analysis_module._STEMMERS.values()]
    modules = (sys.modules[__name__], analysis_module, index_module, language, bulk_terms, models, loader, *stemmers)
    for module in modules:
        digest.update(Path(module.__file__ or "").read_bytes())
    digest.update(filler.FILLER_PATH.read_bytes())  # filler words are no term
    return digest.hexdigest()[:16]


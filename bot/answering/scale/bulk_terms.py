"""The terms of many texts at once: what :meth:`bot.answering.analysis.Analyzer.analyse` gives each of
the fact base's own texts, worked out for all of them together.

Analysing 600,000 texts one by one in Python was most of the time it took to index 100,000
facts. Here a batch of texts is joined and split on spaces. The rules of
:func:`bot.language.words` never look past a space, so each distinct chunk ("Meta's",
"2025?", "l'IA") is read once by them, and millions of chunks become chunk numbers through
one dictionary. From there on everything is whole-array numpy: each word's document and
whether punctuation cuts it from the word before, the phrases of the lexicon (found by
hashing windows of word numbers and checked exactly), the greedy longest-first choice among
them, and each word's term.

A text that :func:`~bot.language.words` would rewrite across tokens (number words such as
"soixante-cinq", or "a billion" made "1 billion") is left to the caller's plain path, so
both paths give exactly the same terms; tests/test_bench_scale.py checks that on every
text of the shipped base, of a synthetic one, and on awkward strings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bot import language
from bot.language import Lang

_SEPARATOR = "\x00"
_SEPARATE = f" {_SEPARATOR} "  # the separator as a chunk of its own
_NO_TERM = -1
_ONE_WORDS = frozenset({"a", "an", "one", "un", "une"})
#: Multiplier of the hash of a window of word numbers (odd, so it mixes mod 2**64), and
#: its powers, one per position in a window.
_HASH = 0x9E3779B97F4A7C15
_POWERS = [np.uint64(pow(_HASH, i, 2**64)) for i in range(8)]

IntArray = np.ndarray[Any, np.dtype[np.int64]]


@dataclass(frozen=True)
class DocTerms:
    """Each document's term numbers, and the documents left to the plain path."""

    #: (document << 32 | term) for every distinct term of every document, sorted
    keys: IntArray
    #: documents holding number words or "a billion", which the caller analyses itself
    plain: list[int]


class BulkAnalyzer:
    """Splits and reads texts in bulk with one fact base's phrases and word rules.

    ``single_term(word, lang)`` is the term of a word outside any phrase ("" for none);
    ``term_id(term)`` numbers a term. Words met along the way are kept in :attr:`words`.
    """

    def __init__(
        self,
        phrases: dict[tuple[str, ...], str],
        single_term: Callable[[str, Lang], str],
        term_id: Callable[[str], int],
        max_phrase: int,
    ) -> None:
        self._single_term = single_term
        self._term_id = term_id
        self._word_ids = Numbering()  # shared with the chunk reader, never pointing back here
        self._words = self._word_ids.names
        self._chunks = _Chunks(self._word_ids)
        # Phrase words are numbered first, so the phrase tables never change.
        self._phrases: dict[int, tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], IntArray]] = {}
        by_length: dict[int, list[tuple[tuple[int, ...], int]]] = {}
        single: dict[int, str] = {}
        for phrase, term in phrases.items():
            ids = tuple(self._word_ids[word] for word in phrase)
            if len(phrase) == 1:
                single[ids[0]] = term
            elif len(phrase) <= max_phrase:
                by_length.setdefault(len(phrase), []).append((ids, term_id(term)))
        self._head_length = np.zeros(len(self._word_ids), dtype=np.int64)
        for length, entries in by_length.items():
            rows = np.array([ids for ids, _ in entries], dtype=np.int64)
            np.maximum.at(self._head_length, rows[:, 0], length)
            hashes = _window_hashes(rows)
            order = np.argsort(hashes, kind="stable")
            terms = np.array([term for _, term in entries], dtype=np.int64)
            self._phrases[length] = (hashes[order], rows[order], terms[order])
        self._single_phrase = single
        self._unit_ids = np.array(sorted(self._word_ids[w] for w in language._UNIT_NAMES))
        self._one_ids = np.array(sorted(self._word_ids[w] for w in _ONE_WORDS))
        self._seen = np.zeros(0, dtype=bool)
        self._term_of: dict[Lang, IntArray] = {"en": np.zeros(0, np.int64), "fr": np.zeros(0, np.int64)}

    @property
    def words(self) -> list[str]:
        """Every word met in the texts read so far."""
        seen = self._seen
        return [word for number, word in enumerate(self._words) if number < len(seen) and seen[number]]

    def doc_terms(self, texts: Sequence[str], english: np.ndarray[Any, Any]) -> DocTerms:
        """Terms of ``texts`` (document numbers are their positions). Give a few thousand
        texts at a time: numpy pays from there, and one batch's strings weigh little."""
        joined = _SEPARATOR.join(texts)
        if joined.count(_SEPARATOR) != len(texts) - 1:  # a text holds the separator itself
            return DocTerms(np.zeros(0, np.int64), list(range(len(texts))))
        pieces = joined.replace(_SEPARATOR, _SEPARATE).split(" ")
        chunks = self._chunks
        chunk = np.fromiter(map(chunks.__getitem__, pieces), dtype=np.int64, count=len(pieces))
        del joined, pieces
        table = chunks.table()
        doc_of_chunk = np.cumsum(table.separator[chunk])
        plain = np.zeros(len(texts), dtype=bool)
        plain[doc_of_chunk[table.number_words[chunk]]] = True

        # A chunk's first word is cut from the word before by anything but spaces, hyphens
        # and apostrophes after that word, in a chunk of no words since, or before it.
        lengths = table.lengths[chunk]
        worded = np.flatnonzero(lengths)
        if not len(worded):
            return DocTerms(np.zeros(0, np.int64), np.flatnonzero(plain).tolist())
        cut = np.concatenate(([0], np.cumsum(table.cuts_after[chunk])))
        previous = np.concatenate(([0], worded[:-1]))
        first_breaks = table.cuts_before[chunk[worded]] | (cut[worded] > cut[previous])

        # Every word of those chunks, in order, with its document and "cut from the word before".
        lengths = lengths[worded]
        firsts = np.cumsum(lengths) - lengths
        within = np.arange(int(lengths.sum())) - np.repeat(firsts, lengths)
        at = np.repeat(table.offsets[chunk[worded]], lengths) + within
        word = table.words[at]
        breaks = table.breaks[at]
        breaks[firsts] = first_breaks
        doc = np.repeat(doc_of_chunk[worded], lengths)
        starts_doc = np.ones(len(word), dtype=bool)
        starts_doc[1:] = doc[1:] != doc[:-1]
        breaks |= starts_doc  # a phrase never spans two texts

        # "a billion" / "un milliard": words() makes it "1 billion"; leave it to the plain path.
        units = np.isin(word, self._unit_ids, kind="table")
        units[0] = False
        after_one = units & np.isin(np.roll(word, 1), self._one_ids, kind="table") & ~starts_doc
        plain[doc[after_one]] = True

        self._note_seen(word)
        term = np.where(english[doc], self._term_of["en"][word], self._term_of["fr"][word])
        phrase_starts, phrase_lengths, phrase_terms = self._phrase_matches(word, breaks, doc)
        covered = np.zeros(len(word) + 1, dtype=np.int64)
        np.add.at(covered, phrase_starts + 1, 1)
        np.add.at(covered, phrase_starts + phrase_lengths, -1)
        term[np.cumsum(covered[:-1]) > 0] = _NO_TERM
        term[phrase_starts] = phrase_terms

        keep = (term != _NO_TERM) & ~plain[doc]
        return DocTerms(sorted_unique((doc[keep] << 32) | term[keep]), np.flatnonzero(plain).tolist())

    def _note_seen(self, word: IntArray) -> None:
        """Mark the batch's words as seen, and give any new word its term in each language."""
        known = len(self._seen)
        if len(self._words) > known:
            self._seen = np.concatenate([self._seen, np.zeros(len(self._words) - known, dtype=bool)])
            for lang in ("en", "fr"):
                new = [self._new_term(w, lang) for w in self._words[known:]]
                self._term_of[lang] = np.concatenate([self._term_of[lang], np.array(new, dtype=np.int64)])
        self._seen[word] = True

    def _new_term(self, word: str, lang: Lang) -> int:
        number = self._word_ids[word]
        term = self._single_phrase.get(number) or self._single_term(word, lang)
        return self._term_id(term) if term else _NO_TERM

    def _phrase_matches(
        self, word: IntArray, breaks: np.ndarray[Any, Any], doc: IntArray
    ) -> tuple[IntArray, IntArray, IntArray]:
        """The phrases of two words or more, chosen as the plain path does: from the left,
        the longest phrase at each word, and no phrase starting inside a chosen one."""
        count = len(word)
        best_length = np.zeros(count, dtype=np.int64)
        best_term = np.zeros(count, dtype=np.int64)
        # How long a phrase may start at each word: only phrase words were numbered when the
        # tables were made, so any later word starts none.
        heads = np.zeros(count, dtype=np.int64)
        numbered = word < len(self._head_length)
        heads[numbered] = self._head_length[word[numbered]]
        whole = np.ones(count, dtype=bool)  # the window from here is inside one text, unbroken
        for length in range(2, max(self._phrases, default=1) + 1):
            ahead = np.ones(count, dtype=bool)
            ahead[: count - length + 1] = breaks[length - 1 :]
            whole &= ~ahead
            table = self._phrases.get(length)
            if table is None:
                continue
            starts = np.flatnonzero(whole & (heads >= length))
            if not len(starts):
                continue
            windows = word[starts[:, None] + np.arange(length)]
            hashes = _window_hashes(windows)
            known_hashes, rows, terms = table
            at = np.minimum(np.searchsorted(known_hashes, hashes), len(known_hashes) - 1)
            # A window whose hash is a phrase's but whose words are not is no match. (Two phrases
            # of one length with one 64-bit hash would leave the second unmatched: at 50,000
            # phrases the odds are about one in 10^10.)
            exact = (known_hashes[at] == hashes) & (windows == rows[at]).all(axis=1)
            best_length[starts[exact]] = length
            best_term[starts[exact]] = terms[at[exact]]
        starts = np.flatnonzero(best_length)
        lengths = best_length[starts]
        ends = starts + lengths
        if len(starts) > 1:
            reach = np.maximum.accumulate(ends)
            inside = np.flatnonzero(starts[1:] < reach[:-1]) + 1
            if len(inside):
                keep = _greedy(starts, ends, set(doc[starts[inside]].tolist()), doc)
                starts, lengths = starts[keep], lengths[keep]
        return starts, lengths, best_term[starts]


def sorted_unique(values: IntArray) -> IntArray:
    """``np.unique`` by sorting: for integer keys much faster than its hashing."""
    values = np.sort(values)
    if len(values) > 1:
        values = values[np.concatenate(([True], values[1:] != values[:-1]))]
    return values


def _greedy(starts: IntArray, ends: IntArray, docs: set[int], doc: IntArray) -> np.ndarray[Any, Any]:
    """Which phrase matches to keep where some overlap: left to right, a phrase that starts
    inside the last kept one is dropped (only the few texts with overlaps are walked)."""
    keep = np.ones(len(starts), dtype=bool)
    reach = -1
    for i in np.flatnonzero(np.isin(doc[starts], list(docs))).tolist():
        if starts[i] < reach:
            keep[i] = False
        else:
            reach = int(ends[i])
    return keep


def _window_hashes(rows: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    hashes = np.zeros(len(rows), dtype=np.uint64)
    for column in range(rows.shape[1]):
        hashes = hashes + rows[:, column].astype(np.uint64) * _POWERS[column]
    return hashes


class Numbering(dict[str, int]):
    """Text -> a number given on first sight (0, 1, 2...); ``names`` has the texts by number."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def __missing__(self, text: str) -> int:
        number = self[text] = len(self.names)
        self.names.append(text)
        return number


@dataclass
class _ChunkTable:
    """What each distinct chunk (text between two spaces) holds, as arrays by chunk number:
    its words are ``words[offsets[c]:offsets[c] + lengths[c]]``, each with "cut from the word
    before inside the chunk" in ``breaks``; ``cuts_before``: punctuation before its first word;
    ``cuts_after``: punctuation after its last word (for a chunk of no words, any at all)."""

    words: IntArray
    breaks: np.ndarray[Any, Any]
    offsets: IntArray
    lengths: IntArray
    cuts_before: np.ndarray[Any, Any]
    cuts_after: np.ndarray[Any, Any]
    number_words: np.ndarray[Any, Any]
    separator: np.ndarray[Any, Any]


class _Chunks(dict[str, int]):
    """Chunk -> a number, read once by the rules of :func:`bot.language.words`.

    Those rules never look past a space: apostrophes, elisions ("l'IA"), possessives
    ("Meta's"), tokens and units ("65bn") all sit inside one chunk, so reading each distinct
    chunk once (tens of thousands, against millions of chunks) reads every text.
    """

    def __init__(self, word_ids: Numbering) -> None:
        super().__init__()
        self._word_ids = word_ids
        #: chunks read since the table was last brought up to date
        self._columns: dict[str, list[Any]] = {name: [] for name in _ChunkTable.__dataclass_fields__}
        self._table = _ChunkTable(**{
            name: np.zeros(0, dtype=bool if name in _FLAGS else np.int64) for name in self._columns
        })
        self._words = 0  # words of all chunks so far

    def __missing__(self, chunk: str) -> int:
        number = self[chunk] = len(self)
        columns = self._columns
        text = language._ELISION.sub(r"\1 ", language._POSSESSIVE.sub(",", chunk.translate(language._APOSTROPHES)))
        parts = language._TOKEN_SPLIT.split(text)  # gap, token, gap, token, ..., gap
        words: list[str] = []
        for i in range(1, len(parts), 2):
            pieces = language._pieces(parts[i])
            columns["breaks"] += [bool(words) and _cuts(parts[i - 1])] + [False] * (len(pieces) - 1)
            words += pieces
        columns["offsets"].append(self._words)
        self._words += len(words)
        columns["words"] += map(self._word_ids.__getitem__, words)
        columns["lengths"].append(len(words))
        columns["cuts_before"].append(len(parts) > 1 and _cuts(parts[0]))
        columns["cuts_after"].append(_cuts(parts[-1]) if words else _cuts(text))
        columns["number_words"].append(any(word in language._NUMBER_WORDS for word in words))
        columns["separator"].append(chunk == _SEPARATOR)
        return number

    def table(self) -> _ChunkTable:
        """Every chunk read so far, as arrays (only the new ones are converted)."""
        for name, pending in self._columns.items():
            if pending:
                column = getattr(self._table, name)
                setattr(self._table, name, np.concatenate([column, np.array(pending, dtype=column.dtype)]))
                pending.clear()
        return self._table


_FLAGS = frozenset({"breaks", "cuts_before", "cuts_after", "number_words", "separator"})


def _cuts(gap: str) -> bool:
    """Whether text between two words keeps them apart: anything but spaces, hyphens and
    apostrophes does (a name never spans a comma)."""
    return bool(gap.translate(language._JOINERS)) and gap != _SEPARATOR

"""Is a word an ordinary word of English or French? It tells an unknown name from a word.

A question's word the fact base has never seen is either an ordinary word the base happens
not to use ("weather", "raconte") or a name it does not know ("samsung", "nvidia"). Chat
writes names in lower case and opens sentences with them, so capitals cannot tell the two
apart; a dictionary can. The words are pyspellchecker's English and French lists, accents
folded, keeping entries seen at least :data:`MIN_FREQUENCY` times (the rarest entries of
those lists are mostly proper nouns: "samsung" is one of them), shipped ready in
knowledge/data/words.txt.gz, and the words they lack from knowledge/data/ordinary_words.yaml.

``python benchmarks/word_list.py`` makes the shipped list again from pyspellchecker (a
development dependency).
"""

from __future__ import annotations

import gzip
import itertools
import string
import threading

import numpy as np

from bot.language import fold
from knowledge.ordinary_words import WORD_LIST_PATH, extra_ordinary_words

#: Rarer entries than this are left out: the lists' floor (50) holds most of their names.
MIN_FREQUENCY = 100
_LETTERS = string.ascii_lowercase
_lock = threading.Lock()
_hashes: np.ndarray | None = None


def _known_hashes() -> np.ndarray:
    """The sorted hashes of every English and French word, folded: 8 bytes a word where a set
    of the words would take a hundred, read once, a line at a time, on the first question that
    needs them. (Two words sharing a 64-bit hash among 70,000 is a one-in-billions chance.)"""
    global _hashes
    with _lock:
        if _hashes is None:
            with gzip.open(WORD_LIST_PATH, "rt", encoding="utf-8") as lines:
                next(lines)  # where the list came from
                found = np.fromiter((hash(line.rstrip("\n")) for line in lines), dtype=np.int64)
            extra = np.array([hash(fold(word)) for word in extra_ordinary_words()], dtype=np.int64)
            _hashes = np.unique(np.concatenate((found, extra)))
        return _hashes


def _any_known(words: list[str]) -> bool:
    """Whether any of ``words`` is a word of either language."""
    known = _known_hashes()
    wanted = np.fromiter(map(hash, words), dtype=np.int64, count=len(words))
    places = np.searchsorted(known, wanted).clip(max=len(known) - 1)
    return bool((known[places] == wanted).any())


def is_ordinary(word: str) -> bool:
    """``word`` (folded) is a word of either language, or the plural of one."""
    return _any_known([word, word[:-1]] if word[-1:] in ("s", "x") else [word])


def near_ordinary(word: str) -> bool:
    """``word`` (folded, lower case letters) is one edit (a letter dropped, added, changed or
    two swapped) from a word of either language: more likely a typo than a name."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    edits = itertools.chain(
        (a + b[1:] for a, b in splits if b),
        (a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1),
        (a + c + b[1:] for a, b in splits if b for c in _LETTERS),
        (a + c + b for a, b in splits for c in _LETTERS),
    )
    return _any_known(list(edits))

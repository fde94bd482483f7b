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

import itertools
import string
import threading

from bot.language import fold
from knowledge.ordinary_words import extra_ordinary_words, word_list

#: Rarer entries than this are left out: the lists' floor (50) holds most of their names.
MIN_FREQUENCY = 100
_LETTERS = string.ascii_lowercase
_lock = threading.Lock()
_words: frozenset[str] | None = None


def ordinary_words() -> frozenset[str]:
    """Every English and French word, folded; read once, on the first question that needs it."""
    global _words
    with _lock:
        if _words is None:
            _words = frozenset(word_list()[1:]) | {fold(word) for word in extra_ordinary_words()}
        return _words


def is_ordinary(word: str) -> bool:
    """``word`` (folded) is a word of either language, or the plural of one."""
    known = ordinary_words()
    return word in known or (word[-1:] in ("s", "x") and word[:-1] in known)


def near_ordinary(word: str) -> bool:
    """``word`` (folded, lower case letters) is one edit (a letter dropped, added, changed or
    two swapped) from a word of either language: more likely a typo than a name."""
    known = ordinary_words()
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    edits = itertools.chain(
        (a + b[1:] for a, b in splits if b),
        (a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1),
        (a + c + b[1:] for a, b in splits if b for c in _LETTERS),
        (a + c + b for a, b in splits for c in _LETTERS),
    )
    return any(edit in known for edit in edits)

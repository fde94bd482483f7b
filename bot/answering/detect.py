"""Which language a question is in: English or French, the bot's two.

First the function words and signs each language uses (:func:`bot.language.detect_language`).
A short keyword question has few ("Microsoft investissement 2025", "Stargate financement"),
so the base's own bilingual texts break the tie: a word found only in the base's French
texts is evidence of French, one found only in its English texts of English.

Measured on the project's question sets against py3langid restricted to English and French
(see the notes of issue 12): the vocabulary was as right or better on every set, and
py3langid's model costs about a second and 120 MB to load, against a start-up target of 5 s
and 500 MB at 100,000 facts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

from bot.language import Lang, fold, marker_counts
from knowledge.models import LANGS, FactBase

#: Facts whose texts make the vocabulary, in base order: the words of an investment article
#: recur, and reading every text of a 100,000-fact base would cost a second at start.
VOCABULARY_FACTS = 3000
_WORD = re.compile(r"[^\W\d_]{3,}")
#: Shorter words are looked up as they are: stemming costs a tenth of a millisecond a word,
#: and a short word's inflections are few.
_MIN_STEMMED = 6
_STEMMERS = {"en": snowballstemmer.stemmer("english"), "fr": snowballstemmer.stemmer("french")}


@dataclass(frozen=True)
class BilingualVocabulary:
    """The stems of the words the base writes in each language, each by that language's
    stemmer ("financement" and "financer" share the French stem "financ")."""

    english: frozenset[str]
    french: frozenset[str]
    names: frozenset[str]
    #: the words themselves, so most words of a question need no stemming
    english_words: frozenset[str] = frozenset()
    french_words: frozenset[str] = frozenset()

    @classmethod
    def from_base(cls, base: FactBase, *, facts: int = VOCABULARY_FACTS) -> BilingualVocabulary:
        seen: dict[Lang, set[str]] = {"en": set(), "fr": set()}
        for fact in base.facts[:facts]:
            for lang in LANGS:
                texts = (*fact.phrasings.in_lang(lang), fact.statement.in_lang(lang))
                seen[lang].update(_WORD.findall(fold(" ".join(texts))))
        names = frozenset(fold(word) for entity in base.entities for name in entity.names for word in name.split())
        return cls(frozenset(_stem(w, "en") for w in seen["en"] - names),
                   frozenset(_stem(w, "fr") for w in seen["fr"] - names), names,
                   frozenset(seen["en"] - names), frozenset(seen["fr"] - names))

    def votes(self, text: str) -> tuple[int, int]:
        """(French words, English words) of ``text``: a word counts for a language when its
        stem is in that language's texts and not in the other's."""
        french = english = 0
        for word in _WORD.findall(fold(text)):
            if word in self.names:
                continue
            in_french, in_english = word in self.french_words, word in self.english_words
            if not (in_french or in_english) and len(word) >= _MIN_STEMMED:
                in_french, in_english = _stem(word, "fr") in self.french, _stem(word, "en") in self.english
            french += in_french and not in_english
            english += in_english and not in_french
        return french, english


@lru_cache(maxsize=50_000)
def _stem(word: str, lang: Lang) -> str:
    stem: str = _STEMMERS[lang].stemWord(word)
    return stem


def detect_language(text: str, vocabulary: Callable[[], BilingualVocabulary] | None = None) -> Lang:
    """English or French: by function words and accents, then, on a tie, by the base's
    vocabulary (asked for only then); English when still unsure."""
    french, english = marker_counts(text)
    if french == english and vocabulary is not None:
        french, english = vocabulary().votes(text)
    return "fr" if french > english else "en"

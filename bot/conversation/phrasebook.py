"""Reading small talk, follow-up words and chart requests from the wordings in smalltalk.yaml.

Wordings are compared in one normal form (folded, punctuation gone, spaces collapsed), so
"Bonjour !", "bonjour" and "BONJOUR" are one wording. Small talk is only ever a whole
message: "hi, how much is Meta spending?" is a question with a greeting in front, and
:meth:`Phrasebook.without_greeting` hands the question on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.language import Lang, fold
from knowledge.models import LANGS
from knowledge.smalltalk import SmallTalk, SmallTalkKind

_NOT_WORD = re.compile(r"[^\w'+/-]+")
#: Words that may surround any small talk without changing it ("hi there aibot!", "ok thanks").
_FILLERS = frozenset({"aibot", "bot", "there", "everyone", "all", "please", "pls", "stp", "svp", "ok", "okay",
                      "oh", "well", "so", "alors", "bon", "eh", "hey"})
REFERENCES = ("source", "why", "more")


def normal(text: str) -> str:
    """The form wordings are compared in: folded, punctuation out, one space between words."""
    return " ".join(_NOT_WORD.sub(" ", fold(text)).replace("/", " /").split()).strip(" -'")


@dataclass(frozen=True)
class Said:
    """What a whole message is, when it is one of the wordings."""

    kind: str  # a SmallTalkKind value, or a reference: "source", "why", "more"
    lang: Lang | None  # the language of the wording, None when both languages use it


class Phrasebook:
    """Look-ups built once from the small-talk data."""

    def __init__(self, data: SmallTalk) -> None:
        self.data = data
        self._whole: dict[str, Said] = {}
        for kind, entry in data.kinds.items():
            self._add(kind.value, entry.wordings.en, entry.wordings.fr)
        refs = data.followups.references
        for name in REFERENCES:
            wordings = getattr(refs, name)
            self._add(name, wordings.en, wordings.fr)
        self._greetings = sorted({normal(w) for lang in LANGS
                                  for w in data.kinds[SmallTalkKind.GREETING].wordings.in_lang(lang)}, key=len,
                                 reverse=True)
        self._openers = sorted({normal(w) for lang in LANGS for w in data.followups.openers.in_lang(lang)},
                               key=len, reverse=True)
        self._pronouns = _alternation(w for lang in LANGS for w in data.followups.pronouns.in_lang(lang))
        self._charts = _alternation(w for lang in LANGS for w in data.charts.in_lang(lang))
        self._relative: list[tuple[re.Pattern[str], int]] = [
            (_alternation([*rel.en, *rel.fr]), rel.offset) for rel in data.followups.relative_years
        ]

    def _add(self, kind: str, en: list[str], fr: list[str]) -> None:
        for lang, wordings in zip(LANGS, (en, fr), strict=True):
            for wording in wordings:
                key = normal(wording)
                known = self._whole.get(key)
                if known is not None and known.kind == kind and known.lang != lang:
                    self._whole[key] = Said(kind, None)  # "hello", "bye": said in both languages
                elif known is None:
                    self._whole[key] = Said(kind, lang)

    def whole(self, text: str) -> Said | None:
        """The small talk or reference a whole message is, fillers and an opener aside."""
        whole = normal(text)
        words = whole.split()
        while words and words[0] in _FILLERS:
            words = words[1:]
        while words and words[-1] in _FILLERS:
            words = words[:-1]
        key = " ".join(words)
        said = self._whole.get(whole) or self._whole.get(key)
        if said is None and key:
            rest = self.without_opener(key)
            if rest != key:
                found = self._whole.get(rest)
                said = found if found is not None and found.kind in REFERENCES else None
        return said

    def without_greeting(self, text: str) -> str:
        """ "hi, how much is Meta spending?" -> "how much is Meta spending?"; else the text."""
        folded = fold(text)
        for greeting in self._greetings:
            match = re.match(rf"\s*{re.escape(greeting)}\b[\s,!.;:-]*", folded)
            if match and match.end() < len(text):
                return text[match.end():].strip()
        return text

    def without_opener(self, text: str) -> str:
        """ "and Google?" -> "Google?"; the text itself when it opens with no opener."""
        folded = fold(text)
        for opener in self._openers:
            match = re.match(rf"\s*{re.escape(opener)}\b[\s,]*", folded)
            if match and match.end() < len(text):
                return text[match.end():].strip()
        return text

    def has_pronoun(self, text: str) -> bool:
        return self._pronouns.search(fold(text)) is not None

    def replace_pronoun(self, text: str, names: str) -> str | None:
        """The first word standing for the topic replaced by its names; None if there is none."""
        folded = fold(text)
        match = self._pronouns.search(folded)
        if match is None or len(folded) != len(text):
            return None
        return text[: match.start()] + names + text[match.end():]

    def asks_for_chart(self, text: str) -> bool:
        return self._charts.search(fold(text)) is not None

    def relative_year(self, text: str) -> tuple[int, str] | None:
        """(offset, the text without the words) for "last year", "l'an dernier" and the like."""
        folded = fold(text)
        for pattern, offset in self._relative:
            match = pattern.search(folded)
            if match is not None and len(folded) == len(text):
                return offset, " ".join((text[: match.start()] + text[match.end():]).split())
        return None


def _alternation(wordings: Iterable[str]) -> re.Pattern[str]:
    """One pattern matching any of the wordings as whole words, longest first."""
    folded = sorted({fold(w).strip() for w in wordings}, key=len, reverse=True)
    return re.compile(r"(?<![\w'])(?:" + "|".join(re.escape(w) for w in folded if w) + r")(?![\w'])")

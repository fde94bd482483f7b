"""Reading small talk, follow-up words and chart requests from the wordings in smalltalk.yaml.

Wordings are compared in one normal form (folded, punctuation gone, spaces collapsed, a
letter typed three times or more counted twice, laughter as "haha"), so "Bonjour !",
"bonjour", "BONJOUR" and "merciii" are found, and in the chat spellings' reading too ("cb"
is "combien"). A message is small talk when it is one wording or a run of them ("lol ok",
"ok cool thanks"); "hi, how much is Meta spending?" is a question with a greeting in front
(bot.conversation.reading finds it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.language import STOP_WORDS, Lang, fold
from knowledge.filler import filler_words
from knowledge.models import LANGS
from knowledge.smalltalk import SmallTalk, SmallTalkKind

_NOT_WORD = re.compile(r"[^\w'+/-]+")
#: Words that may surround any small talk without changing it ("hi there aibot!", "ok thanks").
_FILLERS = frozenset({"aibot", "bot", "there", "everyone", "all", "please", "pls", "stp", "svp", "ok", "okay",
                      "oh", "well", "so", "alors", "bon", "eh", "hey", "man", "buddy", "folks", "pote", "mon",
                      "chef", "gars", "les", "le", "frere", "you", "toi", "again", "encore"}) | filler_words()
#: Words that address the bot around small talk ("you're useless", "t'es nul", "you're great"):
#: the run is read without them when it is not read with them.
_ADDRESS = frozenset({"you're", "youre", "you", "are", "your", "u", "r", "ur", "so", "very", "really", "such", "a",
                      "t'es", "tu", "es", "vous", "etes", "t", "trop", "vraiment", "completement", "grave", "un", "une",
                      "is", "this", "it's", "its", "c'est", "that's", "thats", "le", "la", "ce", "bot"})
REFERENCES = ("source", "why", "more")
#: Which kind a run of wordings is ("lol ok thanks" is thanks): the first of these it holds.
KIND_PRIORITY = (SmallTalkKind.HELP, SmallTalkKind.ABOUT, SmallTalkKind.IDENTITY, SmallTalkKind.WHATS_NEW,
                 SmallTalkKind.RANDOM_FACT, SmallTalkKind.INSULT, SmallTalkKind.WELLBEING, SmallTalkKind.GOODBYE,
                 SmallTalkKind.THANKS, SmallTalkKind.GREETING, SmallTalkKind.LAUGHTER, SmallTalkKind.ACKNOWLEDGEMENT)
#: Longer than any small talk, even a run of it: a longer text is not looked up at all, so
#: a pasted page costs nothing here.
MAX_SMALLTALK_CHARS = 200
#: The longest wording, in words, looked for at each place of a run.
_LONGEST_WORDING = 6
#: A word as chat spellings are written: letters, digits and inner apostrophes ("y'a", "b4"),
#: not part of a longer token ("R&D", "U.S.", "C++", "w/o").
_SPELLED_WORD = re.compile(r"(?<![\w'&.+/-])[^\W_]+(?:'[^\W_]+)?(?![\w'&+/-]|\.\w)")
#: French words that repeat the noun just before them in chat ("stargate ça coûte combien").
_DISLOCATED = frozenset({"ca", "cela"})
_FUNCTION_WORDS = STOP_WORDS["en"] | STOP_WORDS["fr"] | {"et", "and", "mais", "but", "so", "alors"}
_REPEATED = re.compile(r"(\w)\1{2,}")
_REPEATED_TWICE = re.compile(r"([^\W\d])\1")
_LAUGHS = ((re.compile(r"^a?(?:h+a+){2,}h*$|^(?:a+h+){2,}a*$"), "haha"), (re.compile(r"^(?:h+e+){2,}h*$"), "hehe"),
           (re.compile(r"^(?:h+i+){2,}h*$"), "hihi"), (re.compile(r"^l+o+l+(?:o+l+)*z?$"), "lol"),
           (re.compile(r"^x+d+$"), "xd"))


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
        spellings = data.spellings.both()
        self._spellings = spellings
        #: every word, as people write words; the ones that are spellings are replaced
        self._spelled = _SPELLED_WORD if spellings else None
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
        self._entity_requests = [re.compile(rf"\s*{re.escape(normal(w))}\b[\s,:]*")
                                 for w in sorted({w for lang in LANGS for w in data.entity_requests.in_lang(lang)},
                                                 key=len, reverse=True)]
        #: compiled once: a pasted page has hundreds of clauses to look at
        self._greeting_patterns = [re.compile(rf"\s*{re.escape(g)}\b[\s,!.;:-]*") for g in self._greetings]
        self._opener_patterns = [re.compile(rf"\s*{re.escape(o)}\b[\s,]*") for o in self._openers]
        self._heads = frozenset(w.split()[0] for w in [*self._greetings, *self._openers] if w)
        #: every word small talk is made of, to turn most clauses away at a glance
        self._vocabulary = frozenset(word for key in self._whole for word in key.split()) | _FILLERS | _ADDRESS
        self._pronouns = _alternation(w for lang in LANGS for w in data.followups.pronouns.in_lang(lang))
        self._unresolved = _alternation(w for lang in LANGS for w in data.followups.unresolved.in_lang(lang))
        self._charts = _alternation(w for lang in LANGS for w in data.charts.in_lang(lang))
        self._relative: list[tuple[re.Pattern[str], int]] = [
            (_alternation([*rel.en, *rel.fr]), rel.offset) for rel in data.followups.relative_years
        ]

    def _add(self, kind: str, en: list[str], fr: list[str]) -> None:
        for lang, wordings in zip(LANGS, (en, fr), strict=True):
            for wording in wordings:
                for key in dict.fromkeys((normal(wording), self._plain(wording))):
                    if not key:
                        continue
                    known = self._whole.get(key)
                    if known is not None and known.kind == kind and known.lang != lang:
                        self._whole[key] = Said(kind, None)  # "hello", "bye": said in both languages
                    elif known is None:
                        self._whole[key] = Said(kind, lang)

    def spelled_out(self, text: str) -> str:
        """The text with its chat spellings as the words they stand for ("cb" -> "combien");
        everything else as written."""
        if self._spelled is None:
            return text
        spellings = self._spellings
        return self._spelled.sub(lambda m: spellings.get(m.group(0).lower(), m.group(0)), text)

    def _plain(self, text: str) -> str:
        """The normal form, letters typed over and over squeezed, laughter one word, spellings read."""
        words = []
        for word in _REPEATED.sub(r"\1\1", normal(text)).split():
            for pattern, laugh in _LAUGHS:
                if pattern.match(word):
                    word = laugh
                    break
            words.append(word)
        return normal(self.spelled_out(" ".join(words)))

    def smalltalk(self, text: str) -> Said | None:
        """The small talk a text is: one wording, or a run of wordings and fillers ("lol ok",
        "ok cool, thanks!"), read as the most telling kind in it (:data:`KIND_PRIORITY`).
        References to the last answer ("source?") are not small talk."""
        if len(text) > MAX_SMALLTALK_CHARS or not self._may_be_smalltalk(text):
            return None
        said = self.whole(text)
        if said is not None:
            return said if said.kind not in REFERENCES else None
        plain = self._plain(text)
        squeezed = _REPEATED_TWICE.sub(r"\1", plain)  # "merciii" -> "mercii" -> "merci"
        for form in dict.fromkeys((plain, squeezed)):
            words = form.split()
            said = self._run(words)
            while said is None and len(words) > 1 and words[0] in _ADDRESS:  # "you're so useless"
                words = words[1:]
                said = self._run(words)
            if said is not None:
                return said
        return None

    def _run(self, words: list[str]) -> Said | None:
        """The small talk a run of wordings and fillers is, or None when a word is neither."""
        if not words or len(words) > 4 * _LONGEST_WORDING:
            return None
        found: list[Said] = []
        start = 0
        while start < len(words):
            for end in range(min(len(words), start + _LONGEST_WORDING), start, -1):
                piece = self._whole.get(" ".join(words[start:end]))
                if piece is not None and piece.kind not in REFERENCES:
                    found.append(piece)
                    start = end
                    break
            else:
                if words[start] not in _FILLERS:
                    return None
                start += 1
        if not found:
            return None
        kinds = {said.kind for said in found}
        kind = next(k.value for k in KIND_PRIORITY if k.value in kinds)
        langs = {said.lang for said in found if said.lang is not None}
        return Said(kind, langs.pop() if len(langs) == 1 else None)

    def _may_be_smalltalk(self, text: str) -> bool:
        """False when a word of the text can be no part of small talk: not in any wording, nor
        a filler, a chat spelling, laughter or a word typed with letters over and over."""
        for word in normal(text).split():
            if word in self._vocabulary or word in self._spellings or _REPEATED.search(word):
                continue
            if any(pattern.match(word) for pattern, _ in _LAUGHS):
                continue
            return False
        return True

    def is_smalltalk(self, text: str) -> bool:
        return self.smalltalk(text) is not None

    def whole(self, text: str) -> Said | None:
        """The small talk or reference a whole message is, fillers and an opener aside."""
        if len(text) > MAX_SMALLTALK_CHARS:
            return None
        said = self._whole_as_written(text)
        if said is None:
            plain = self._plain(text)
            if plain != normal(text):
                said = self._whole_as_written(plain)
        return said

    def _whole_as_written(self, text: str) -> Said | None:
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
        return _without_first(text, self._greeting_patterns)

    def without_opener(self, text: str) -> str:
        """ "and Google?" -> "Google?"; the text itself when it opens with no opener."""
        return _without_first(text, self._opener_patterns)

    def entity_request(self, text: str) -> str | None:
        """The name asked about in "what do you know about Meta?" / "parle-moi de Stargate"
        (as written, without end punctuation); None when the text is no such request."""
        plain = normal(text)
        for pattern in self._entity_requests:
            match = pattern.match(plain)
            if match and match.end() < len(plain):
                return plain[match.end():].strip(" ?!.")
        return None

    def has_pronoun(self, text: str) -> bool:
        return self._pronouns.search(fold(text)) is not None

    def replace_pronoun(self, text: str, names: str) -> str | None:
        """The first word standing for the topic replaced by its names; None if there is none."""
        folded = fold(text)
        match = self._pronouns.search(folded)
        if match is None or len(folded) != len(text):
            return None
        return text[: match.start()] + names + text[match.end():]

    def unresolved(self, text: str) -> str | None:
        """The first word of ``text`` that stands for something said before, as written; None
        when there is none. A French inversion ("consomment-ils", "a-t-il"), "il y a" and a
        relative year ("this year") stand for nothing."""
        folded = fold(text)
        if len(folded) != len(text):
            return None
        relative = self.relative_year(text)
        while relative is not None:  # "this year", "cette année": a year, not a reference
            folded = fold(relative[1])
            text = relative[1]
            relative = self.relative_year(text)
        for match in self._unresolved.finditer(folded):
            before = folded[: match.start()]
            if before.endswith("-") or folded[match.end():].startswith((" y a", " y avait")):
                continue
            previous = before.split()[-1:]
            if match.group(0) in _DISLOCATED and previous and previous[0] not in _FUNCTION_WORDS:
                continue  # "les puces ça consomme ?", "stargate ça coûte combien": ça is the noun before it
            return text[match.start():match.end()]
        return None

    def asks_for_chart(self, text: str) -> bool:
        return self._charts.search(fold(text)) is not None

    def past_year_words(self, text: str) -> tuple[int, int, int] | None:
        """(offset, start, end) of words for a year before another ("last year", "l'an
        dernier") in ``text``; None when it has none."""
        folded = fold(text)
        if len(folded) != len(text):
            return None
        for pattern, offset in self._relative:
            match = pattern.search(folded) if offset < 0 else None
            if match is not None:
                return offset, match.start(), match.end()
        return None

    def relative_year(self, text: str) -> tuple[int, str] | None:
        """(offset, the text without the words) for "last year", "l'an dernier" and the like."""
        folded = fold(text)
        for pattern, offset in self._relative:
            match = pattern.search(folded)
            if match is not None and len(folded) == len(text):
                return offset, " ".join((text[: match.start()] + text[match.end():]).split())
        return None


def _without_first(text: str, patterns: list[re.Pattern[str]]) -> str:
    """The text after the first (longest) of the patterns it opens with, unless that is all of it."""
    folded = fold(text)
    for pattern in patterns:
        match = pattern.match(folded)
        if match and match.end() < len(text):
            return text[match.end():].strip()
    return text


def _alternation(wordings: Iterable[str]) -> re.Pattern[str]:
    """One pattern matching any of the wordings as whole words, longest first."""
    folded = sorted({fold(w).strip() for w in wordings}, key=len, reverse=True)
    return re.compile(r"(?<![\w'])(?:" + "|".join(re.escape(w) for w in folded if w) + r")(?![\w'])")

"""Analysis: a question (or a fact's text) into *terms*, the one reading both sides share.

A term is an entity (``e:meta``), a concept from the lexicon (``c:invest``), a number or
year (``n:65``, ``y:2025``), or a stemmed word (``w:manhattan``). Typos are corrected
against the fact base's own vocabulary, so an unknown name stays unknown instead of
becoming the nearest known one. Stop words and chat filler (knowledge/data/filler.yaml)
are neutral: they are no term at all.

Everything a question could be matched on comes from the data: entity names and aliases
(entities.yaml), concept words (lexicon.yaml), and each fact's phrasings and statement.
"""

from __future__ import annotations

import itertools
import math
import re
import sys
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel

from bot import language
from bot.answering import dictionary
from bot.language import STOP_WORDS, WHO_WORDS, Lang, Word, clean, fold, is_number, is_year, word_texts, words
from knowledge.filler import filler_words
from knowledge.models import Concept, Entity, Fact, FactBase

#: The longest lexicon phrase read as one term, in words.
MAX_NGRAM = 5
#: Shorter words are never corrected as typos, except a dropped letter in a name (see _correct).
_MIN_TYPO_LENGTH = 5
#: Shorter unknown words are told apart as names only by their capitals: at three letters,
#: nearly every string is one edit from some dictionary word.
_MIN_NAME_LENGTH = 4
#: Longer letter strings without a capital are keyboard mashing, not names to echo back.
_MAX_NAME_LENGTH = 20
_STEMMERS = {"en": snowballstemmer.stemmer("english"), "fr": snowballstemmer.stemmer("french")}
#: Words that are no term: both languages' stop words and the chat filler list.
NEUTRAL_WORDS = STOP_WORDS["en"] | STOP_WORDS["fr"] | filler_words()
#: Words that make a sentence of a question (chat filler does not).
_FUNCTION_WORDS = (STOP_WORDS["en"] | STOP_WORDS["fr"]) - filler_words()
#: Words after a number that are part of it ("65 billion"), not what it counts.
_UNIT_WORDS = language._UNIT_NAMES
#: What "how many" may ask that is no thing a fact counts: money, currencies, units.
_UNCOUNTED = frozenset({"c:money", *language._CURRENCIES.values()}) | _UNIT_WORDS
_intern = sys.intern
#: Words before an unknown word that make it a common noun, not a name ("the company's
#: budget", "cette firme"): a spender's slot filled by one of these is no unknown company.
_DETERMINERS = frozenset({"the", "a", "an", "this", "that", "these", "those", "their", "its", "his", "her",
                          "our", "your", "my", "le", "la", "les", "un", "une", "ce", "cet", "cette", "ces",
                          "leur", "leurs", "son", "sa", "ses", "notre", "votre", "each", "every", "any"})
#: Words that stand for someone without naming anyone: "how much is everyone spending".
_GENERIC_SUBJECTS = frozenset({"everyone", "everybody", "nobody", "somebody", "anybody", "people", "companies",
                               "company", "firm", "firms", "tout", "monde", "chacun", "entreprises", "entreprise",
                               "societes", "societe", "boite", "boites", "world", "country", "pays", "government",
                               "gouvernement", "industry", "industrie", "sector", "secteur"})
#: Words that put the name after them in a spender's slot: "the budget of X", "le budget de X".
_OF_WORDS = frozenset({"of", "by", "from", "de", "d", "du", "des", "par", "chez"})
#: A name written with digits ("G42", "C3", "23andMe"): letters then digits, or digits then
#: two letters or more, as one token.
_DIGIT_NAME = re.compile(r"(?<![\w$€£])(?:[A-Za-z]+\d+[A-Za-z\d]*|\d+[A-Za-z]{2,}[A-Za-z\d]*)(?![\w])")
#: Tokens mixing letters and digits that are no name: fiscal years, quarters and halves
#: ("FY25", "Q1", "H2", "T3"), figures with units or ordinals ("65bn", "2nd", "4yrs", "10x").
_NOT_DIGIT_NAME = re.compile(
    r"^(?:fy\d+|q[1-4]|h[12]|t[1-4]|s[12]|\d+(?:bn|mn|md|mds|mrd|mrds|st|nd|rd|th|er|eme|e|x|yr|yrs|ans?|h|k|m|b|"
    r"g|gb|tb|gw|mw|kw|pct|usd|eur|am|pm|s))$")


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
    #: the text opens with "who" / "qui": it asks for someone (or some company)
    asks_who: bool = False
    #: what a "how many" / "combien de" question counts ("engineers": c:engineer), if anything
    counted: frozenset[str] = frozenset()
    #: each term in the order of the text, with the words it was read from and where they
    #: start ("?:word" for a word the base does not know; stop words have none)
    sequence: tuple[tuple[str, tuple[str, ...], int], ...] = ()
    #: concepts a fact must hold to answer (role "detail" in the lexicon: a reply, an office)
    details: frozenset[str] = frozenset()
    #: the typed slots the question asks for: "when", "where", "what", "role" (who someone
    #: is), "chief" (who heads something); and for "what", the kinds of thing ("app", "model")
    asks: frozenset[str] = frozenset()
    what_kinds: frozenset[str] = frozenset()
    #: it says "it", "that", "ça": something said before, which the question alone does not name
    refers: bool = False
    #: how many of ``unknown`` are ordinary words of English or French (not names): they weigh
    #: as common words, not as the rarest term (see :func:`unknown_query_weight`)
    common_unknown: int = 0

    @property
    def years(self) -> frozenset[int]:
        """The years the text names (2025 for "in 2025")."""
        return frozenset(int(t[2:]) for t in self.terms if t.startswith("y:"))


@dataclass(frozen=True)
class Candidate:
    """A fact scored against a question (0-100), with the phrasing that scored best."""

    fact: Fact
    score: float
    phrasing: str
    raw_score: float | None = None  # before tie-breaking bonuses, when any were given
    #: it has most of what the question asks besides names, years and numbers: it is about what
    #: is asked of them, not only about whom ("X's revenue" against "X's hiring in 2016");
    #: worked out for the best of a ranking only, the one the policy reads it of
    on_topic: bool = True

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
        return cls.build(base.entities, base.concepts)

    @classmethod
    def build(cls, entities: Sequence[Entity], concepts: Sequence[Concept]) -> Lexicon:
        """Concepts' words first, then entities' names: the first to claim a phrase keeps it."""
        lexicon = cls()
        for concept in concepts:
            term = f"c:{concept.id}"
            lexicon.roles[term] = concept.role
            lexicon.role_terms.setdefault(concept.role, []).append(term)
        meanings = [(word, f"c:{concept.id}") for concept in concepts for word in concept.words]
        for entity in entities:
            names = [name for name in entity.names if len(fold(name).strip()) >= 2]
            if names:
                meanings += [(name, f"e:{entity.id}") for name in names]
                lexicon.entity_names.setdefault(f"e:{entity.id}", entity.name)
        for (_, term), key in zip(meanings, word_texts(text for text, _ in meanings), strict=True):
            lexicon._add_key(key, term)
        lexicon.vocabulary |= NEUTRAL_WORDS
        return lexicon

    def to_json(self) -> dict[str, Any]:
        """Everything but ``phrase_lengths`` (which follows from ``phrases``), JSON-ready."""
        return {"phrases": [[*phrase, term] for phrase, term in self.phrases.items()], "roles": self.roles,
                "vocabulary": sorted(self.vocabulary), "entity_names": self.entity_names,
                "role_terms": self.role_terms}

    @classmethod
    def from_json(cls, saved: dict[str, Any]) -> Lexicon:
        lexicon = cls(roles=saved["roles"], vocabulary=set(saved["vocabulary"]),
                      entity_names=saved["entity_names"], role_terms=saved["role_terms"])
        for *phrase, term in saved["phrases"]:
            lexicon._set_phrase(tuple(phrase), term)
        return lexicon

    def _add_key(self, key: tuple[str, ...], term: str) -> None:
        if key and key not in self.phrases:
            self._set_phrase(key, term)
            self.vocabulary.update(key)

    def _set_phrase(self, phrase: tuple[str, ...], term: str) -> None:
        self.phrases[phrase] = term
        self.phrase_lengths[phrase[0]] = max(self.phrase_lengths.get(phrase[0], 1), len(phrase))

    def learn(self, text: str) -> None:
        """Add a text's words to the vocabulary that typos are corrected against."""
        self.vocabulary.update(w.text for w in words(text) if not is_number(w.text))


class Analyzer:
    """Turns text into an :class:`Analysis`; built once per fact base."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._by_length: dict[tuple[int, int, str], list[str]] | None = None
        self._single_terms: dict[tuple[str, str], str] = {}
        self._names: dict[tuple[int, str, str], list[str]] | None = None

    def warm(self) -> None:
        """Build now the tables typos are corrected against, instead of on the first question
        that needs them (a tenth of a second at 100,000 facts)."""
        self._words_by_start()
        self._names_by_start()

    def forget_typo_table(self) -> None:
        """The vocabulary grew: the table typos are corrected against is built again on need."""
        self._by_length = None

    def _words_by_start(self) -> dict[tuple[int, int, str], list[str]]:
        """The vocabulary by length and first letter, and by length and second letter, for
        typo correction; built on first need. A typo keeps the first or the second letter of
        the word in one of its first two places ("micorsoft", "nicrosoft", "mciorsoft", and
        "icrosoft" or "xmicrosoft" with the first letter dropped or one added), and comparing
        it with those words only is what keeps a vocabulary of tens of thousands fast."""
        if self._by_length is None:
            self._by_length = defaultdict(list)
            # In sorted order: a set's order changes from one process to the next, and a typo
            # equally close to two words must be corrected the same way after every restart.
            for word in sorted(self.lexicon.vocabulary):
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
                    self.forget_typo_table()
                    fixed.append(item)
                    continue
                better = self._correct(word, acronym=len(word) < _MIN_TYPO_LENGTH
                                       and _original_case(text, word).isupper())
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
        sequence: list[tuple[str, tuple[str, ...], int]] = []
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
                sequence.append((term, tuple(w.text for w in fixed[i : i + length]), i))
                i += length
                continue
            i += 1
            word = item.text
            known = single.get((word, lang))
            if known is None:
                known = self._single_term(word, lang)
            if known:
                terms.add(known)
                sequence.append((known, (word,), i - 1))
            elif known is not None:
                continue  # a stop word
            else:
                unknown.append(word)
                sequence.append((f"?:{word}", (word,), i - 1))
                if not learn and self._is_name(item, text, fixed) and word not in _figure_letters(text):
                    unknown_names.append(_original_case(text, word))
        if not learn:
            unknown_names += self._slot_names(text, fixed, sequence, unknown_names)
        slots = _NO_SLOTS if learn else _asked_slots(text, [w.text for w in items], terms)
        if slots.asks:
            # The words that only say which slot is asked ("role", "apps", "what day") are the
            # slot's to answer, not words a fact must share: they do not count against a match.
            said = {term: words for term, words, _ in sequence}
            slot_terms = {t for t, words in said.items() if len(words) == 1 and words[0] in _SLOT_NOUNS
                          and not t.startswith(("e:", "y:"))}
            terms -= slot_terms
            unknown = [w for w in unknown if w not in _SLOT_NOUNS]
        entities = frozenset(t for t in terms if t.startswith("e:"))
        roles = frozenset(self.lexicon.roles[t] for t in terms if t in self.lexicon.roles)
        return Analysis(
            frozenset(terms), entities, roles, tuple(unknown), tuple(unknown_names), tuple(corrections),
            tuple(compounds), asks_who=bool(items) and items[0].text in WHO_WORDS,
            counted=self._counted(sequence, fixed), sequence=tuple(sequence),
            details=frozenset(t for t in terms if self.lexicon.roles.get(t) == "detail"),
            asks=slots.asks, what_kinds=slots.what_kinds, refers=slots.refers,
            common_unknown=0 if learn or len(sequence) <= CONTEXT_TERMS else _common_unknown(unknown, unknown_names),
        )

    def _counted(self, sequence: list[tuple[str, tuple[str, ...], int]], items: Sequence[Word]) -> frozenset[str]:
        """What a "how many" / "combien de" question counts: the term right after those words
        ("how many data centers": c:datacenter), unless it is money, a unit or a name."""
        for (_, said, start), (after, _, _) in itertools.pairwise(sequence):
            following = items[start + 1].text if start + 1 < len(items) else ""
            if said == ("how", "many") or (said == ("combien",) and following in ("de", "d")):
                return frozenset({after}) if self._is_countable(after) else frozenset()
        return frozenset()

    def _is_countable(self, term: str) -> bool:
        """A thing that can be counted: a plain concept or word (known or not), not money,
        a unit, a number or a name."""
        if term.startswith("c:"):
            return self.lexicon.roles.get(term) == "topic" and term not in _UNCOUNTED
        return term.startswith(("w:", "?:")) and term[2:] not in _UNCOUNTED

    def things_counted(self, text: str, lang: Lang) -> frozenset[str]:
        """The terms ``text`` gives a number of: each term right after a number that is not a
        year, past units and other numbers ("a billion people", "un milliard de personnes")."""
        return frozenset(self.counts_with_acts(text, lang, frozenset(), 0))

    def counts_with_acts(self, text: str, lang: Lang, acts: frozenset[str], window: int) -> dict[str, frozenset[str]]:
        """Each term ``text`` gives a number of, with the ``acts`` (lexicon concepts) said
        within ``window`` terms of that number: "serving more than a billion people" counts
        c:people served (c:use), not hired."""
        sequence = self.analyse(text, lang).sequence
        things: dict[str, frozenset[str]] = {}
        for k, (term, _, _) in enumerate(sequence):
            if term.startswith("n:"):
                after = next((t for t, said, _ in sequence[k + 1 : k + 4]
                              if not t.startswith(("n:", "y:")) and said[0] not in _UNIT_WORDS), None)
                if after is not None:
                    near = frozenset(t for t, _, _ in sequence[max(0, k - window) : k + window + 1] if t in acts)
                    things[after] = things.get(after, frozenset()) | near
        return things

    def _longest_phrase(self, items: Sequence[Word], start: int) -> tuple[int, str] | None:
        longest = min(self.lexicon.phrase_lengths.get(items[start].text, 0), MAX_NGRAM, len(items) - start)
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

    def _correct(self, word: str, *, acronym: bool = False) -> str | None:
        """The known word a typo stands for, or None: an unknown name stays unknown.

        - 3 letters: a name with one letter dropped ("mta": meta), never an acronym
          typed in capitals ("AMD" is a name of its own);
        - 4 letters: a word with one letter dropped ("anne": annee) or two neighbours
          swapped ("mcuh": much), never a changed letter, so "Uber" stays Uber;
        - 5 to 7 letters: one edit away, else a name with up to two letters dropped
          ("micrsft": microsoft);
        - 8 letters or more: two edits away.
        Only names take the looser rules: they are few, and a dropped letter in a long
        dictionary word ("applied" from "apple") would turn an unknown name into a word.
        """
        if len(word) < _MIN_TYPO_LENGTH - 2 or (acronym and len(word) < _MIN_TYPO_LENGTH):
            return None
        by_start = self._words_by_start()
        if len(word) == _MIN_TYPO_LENGTH - 2:
            short_names = self._names_by_start().get((len(word) + 1, word[0], ""), ())
            return _first_with_added_letters(word, short_names, 1)
        if len(word) < _MIN_TYPO_LENGTH:
            longer = by_start.get((len(word) + 1, 0, word[0]), ())
            dropped = _first_with_added_letters(word, longer, 1)
            if dropped is not None:
                return dropped
            swapped = (word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1))
            return next((known for known in swapped if known in self.lexicon.vocabulary), None)
        max_edits = 1 if len(word) <= 7 else 2
        # Equally close words are told apart by this order: a typo keeps its first letter far
        # more often than it loses or gains one. (A tuple: rapidfuzz reads one faster than a list.)
        choices = tuple(itertools.chain.from_iterable(
            by_start.get((size, place, letter), ())
            for place, letter in ((0, word[0]), (1, word[1]), (1, word[0]), (0, word[1]))
            for size in range(len(word) - max_edits, len(word) + max_edits + 1)
        ))
        best = process.extractOne(word, choices, scorer=OSA.distance, score_cutoff=max_edits)
        if best:
            return str(best[0])
        if max_edits == 2:
            return None  # two dropped letters are two edits: already looked for
        names = self._names_by_start()
        for added in (1, 2):
            found = _first_with_added_letters(word, names.get((len(word) + added, word[0], word[-1]), ()), added)
            if found is not None:
                return found
        return None

    def _is_name(self, item: Word, text: str, items: Sequence[Word]) -> bool:
        """Whether an unknown word of ``text`` names something. A capital inside a sentence,
        an acronym ("IBM") or a capital opening a few keywords ("Samsung AI budget?") marks
        a name. Elsewhere (a capital opening a sentence, lower case) a word of neither
        language's dictionary is one ("Samsung participe...", "is samsung investing"),
        unless it is one edit from a dictionary word: then it is more likely a typo."""
        original = _original_case(text, item.text)
        if len(original) > 1 and any(c.isupper() for c in original[1:]) and not original.isupper():
            return True  # a capital inside a word ("xAI", "DeepSeek", "AnThRoPiC") writes a name
        if item.capitalised and (
                item.position > 0 or (len(original) > 1 and original.isupper()) or self._is_keywords(items)):
            return True
        word = item.text
        return (_MIN_NAME_LENGTH <= len(word) <= _MAX_NAME_LENGTH and word.isalpha() and word.isascii()
                and not dictionary.is_ordinary(word) and not dictionary.near_ordinary(word))

    def _slot_names(self, text: str, items: Sequence[Word], sequence: Sequence[tuple[str, tuple[str, ...], int]],
                    found: Sequence[str]) -> list[str]:
        """Unknown names the dictionary cannot tell from words, told by where they stand:
        written with digits ("G42"); in a spender's place, next to a spending word ("how much
        is tesla investing", "combien amazon investit", "the capex of apple"); or owning
        something ("tesla's budget"). A name there, answered with a known company's figure,
        would be a confident wrong answer."""
        names: list[str] = []
        has_digit = _HAS_DIGIT(text) is not None
        unknown_here = any(term.startswith("?:") for term, _, _ in sequence)
        if not has_digit and not unknown_here:
            return names  # the common case: nothing that could be a name
        seen = {fold(n) for n in found}
        for match in _DIGIT_NAME.finditer(text) if has_digit else ():
            token = match.group(0)
            folded = fold(token)
            if not _NOT_DIGIT_NAME.match(folded) and (folded,) not in self.lexicon.phrases and folded not in seen:
                names.append(token)
                seen.add(folded)
        money_roles = ("money", "amount")
        role_of = self.lexicon.roles
        if not unknown_here:
            return names
        possessed = {fold(m.group(1)) for m in _OWNER.finditer(text)} if "'" in text or "\u2019" in text else set()
        figure_letters = _figure_letters(text) if has_digit else frozenset()
        for k, (term, said, start) in enumerate(sequence):
            if not term.startswith("?:"):
                continue
            word = said[0]
            if word in seen or not word.isalpha() or len(word) < 2 or word in NEUTRAL_WORDS:
                continue
            if word in _GENERIC_SUBJECTS or word in figure_letters:
                continue
            previous = sequence[k - 1] if k > 0 else None
            following = sequence[k + 1] if k + 1 < len(sequence) else None
            if (previous is not None and previous[0].startswith("e:")) or (
                    following is not None and following[0].startswith("e:")):
                continue  # "how much dough is Microsoft dropping", "Meta's capital expenditure": Meta spends
            named_before = any(t.startswith("e:") for t, _, _ in sequence[:k])
            asked_how_much = previous is not None and previous[1] in _HOW_MUCH
            before = items[start - 1].text if start > 0 else ""
            # "combien amazon investit", "how much is spent by apple", "the capex of apple";
            # not "combien de fois" (how many times) nor "cb meta investi ds" (Meta is the spender)
            after_spending = previous is not None and not named_before and (
                (previous[2] + len(previous[1]) == start
                 and (asked_how_much or role_of.get(previous[0]) == "money"))
                or (before in _OF_WORDS and not asked_how_much
                    and any(role_of.get(t) in money_roles for t, _, _ in sequence[max(k - 2, 0):k])))
            before_spending = following is not None and role_of.get(following[0]) == "money" and (
                following[2] == start + 1 or all(w.text in NEUTRAL_WORDS for w in items[start + 1:following[2]]))
            if not (after_spending or before_spending or word in possessed):
                continue
            # the dictionary last, for the few words in a spender's place
            if before in _DETERMINERS or _plural_of_ordinary(word) or _word_form(word):
                continue
            names.append(_original_case(text, word))
            seen.add(word)
        return names

    def _is_keywords(self, items: Sequence[Word]) -> bool:
        """A few keywords, no sentence: not one function word of either language ("Samsung
        AI budget?"; chat filler, and a word the lexicon gives a meaning, as "AI", make none)."""
        return len(items) > 1 and not any(
            w.text in _FUNCTION_WORDS and (w.text,) not in self.lexicon.phrases for w in items)

    def _names_by_start(self) -> dict[tuple[int, str, str], list[str]]:
        """The words of every entity name and alias, sorted (the same correction after every
        restart), by length and first letter, and by length, first and last letter (letters
        dropped inside a long name keep both ends: "micrsft"); built on first need."""
        if self._names is None:
            table: dict[tuple[int, str, str], list[str]] = defaultdict(list)
            for word in sorted({w for phrase, term in self.lexicon.phrases.items() if term.startswith("e:")
                                for w in phrase}):
                table[(len(word), word[0], "")].append(word)
                table[(len(word), word[0], word[-1])].append(word)
            self._names = dict(table)
        return self._names

    def _single_term(self, word: str, lang: Lang) -> str | None:
        """The term of one word outside any phrase: "" for a stop word, None if unknown.

        Known answers are cached and interned: the same few words recur everywhere. Numbers
        are not cached: they are endless, and the cache would grow for ever.
        """
        if is_number(word):
            return _plain_term(word, lang)
        skipped_or_number = is_number(word) or word in NEUTRAL_WORDS or len(word) < 2
        if word not in self.lexicon.vocabulary and not skipped_or_number:
            return None
        term = self._single_terms[(word, lang)] = _intern(_plain_term(word, lang))
        return term




#: "X's" with no determiner before it: X owns something, so X is someone ("tesla's budget").
_OWNER = re.compile(r"(?<![\w'])([^\W\d_]+)['\u2019]s\b")


_HAS_DIGIT = re.compile(r"\d").search
_LETTERS_THEN_DIGITS = re.compile(r"\b([^\W\d_]+)\d+\w*")


def _figure_letters(text: str) -> frozenset[str]:
    """ "fy" of "FY25", "q" of "Q1": the letters of tokens that date or count, no names."""
    if _HAS_DIGIT(text) is None:
        return frozenset()
    folded = fold(text)
    return frozenset(m.group(1) for m in _LETTERS_THEN_DIGITS.finditer(folded) if _NOT_DIGIT_NAME.match(m.group(0)))


#: Words asking when, wherever they stand in the first few words or last: "when", "quand".
_WHEN_WORDS = frozenset({"when", "quand"})
#: "what day", "quelle année": a question word then a unit of time.
_WH = frozenset({"what", "which", "quel", "quelle", "quels", "quelles"})
_TIME_UNITS = frozenset({"day", "date", "year", "time", "month", "jour", "annee", "mois", "heure"})
_PLACE_UNITS = frozenset({"country", "city", "place", "location", "state", "town", "pays", "ville", "endroit",
                          "lieu", "region", "continent"})
#: "what apps", "quel modèle": the kind of thing a "what" question asks for.
_WHAT_KINDS = {
    **dict.fromkeys(("app", "apps", "application", "applications", "appli", "applis"), "app"),
    **dict.fromkeys(("model", "models", "modele", "modeles", "llm", "llms"), "model"),
    **dict.fromkeys(("assistant", "assistants", "chatbot", "chatbots"), "assistant"),
    **dict.fromkeys(("network", "networks", "reseau", "reseaux", "platform", "platforms", "plateforme",
                     "plateformes", "site", "sites", "social"), "network"),
    **dict.fromkeys(("project", "projects", "projet", "projets", "venture", "coentreprise"), "project"),
    **dict.fromkeys(("product", "products", "produit", "produits", "service", "services", "brand", "brands",
                     "marque", "marques", "tool", "tools", "outil", "outils"), ""),
}
#: Words that ask for someone's role: "What is Nadella's job?", "Quel est le rôle de Musk ?".
_ROLE_WORDS = frozenset({"role", "roles", "job", "title", "position", "poste", "fonction", "metier", "occupation"})
#: Verbs of owning: "what apps does Meta own", "quelles applis possède Meta".
_OWN_WORDS = frozenset({"own", "owns", "owned", "has", "have", "possede", "possedent", "detient", "detiennent",
                        "run", "runs", "operate", "operates", "make", "makes", "made", "betting", "bet", "bets",
                        "mise", "misent", "parie"})
#: Concepts that ask who heads something: "Who runs Meta?", "Qui dirige Microsoft ?".
_CHIEF = "c:chief"
#: Words that refer to something said before: "when did it start?", "et ça a commencé quand ?".
_REFERRING = frozenset({"it", "that", "this", "he", "she", "him", "ca", "cela", "il", "elle", "lui"})
#: Every word that only says which slot is asked.
_SLOT_NOUNS = frozenset({*_TIME_UNITS, *_PLACE_UNITS, *_WHAT_KINDS, *_ROLE_WORDS, *_OWN_WORDS})
#: How many words from the start (or the end) a bare "when" / "where" may stand and still ask it.
_SLOT_WORD_REACH = 3


#: "Where does the money go?", "où va l'argent ?" ask what money pays for, not a place.
_GO_WORDS = frozenset({"go", "goes", "going", "went", "va", "vont", "ira", "iront", "passe", "passent", "partent"})
_MONEY_NOUNS = frozenset({"money", "argent", "cash", "budget", "billion", "billions", "milliard", "milliards",
                          "dollars", "usd", "funds", "fonds", "fric"})
#: Words without which a question asks no slot (and refers to nothing): the quick way out.
_SLOT_TRIGGERS = frozenset({*_WHEN_WORDS, *_WH, "where", "ou", "depuis", *WHO_WORDS, *_ROLE_WORDS, *_REFERRING})


class _SlotsAsked(NamedTuple):
    asks: frozenset[str]
    what_kinds: frozenset[str]
    refers: bool


_NO_SLOTS = _SlotsAsked(frozenset(), frozenset(), False)


def _asked_slots(text: str, folded: list[str], terms: set[str]) -> _SlotsAsked:
    """Which typed slots a question asks for (see :attr:`Analysis.asks`), from its words as
    written: "où" only with its accent, since folded it is "or"."""
    present = set(folded)
    accent_where = "où" in text or "Où" in text
    if present.isdisjoint(_SLOT_TRIGGERS) and not accent_where:
        return _NO_SLOTS  # the common case: no question word a slot answers, no "it"
    asks: set[str] = set()
    kinds: set[str] = set()
    reach = set(folded[:_SLOT_WORD_REACH]) | set(folded[-1:])
    pairs = set(itertools.pairwise(folded))
    if reach & _WHEN_WORDS or ("depuis", "quand") in pairs or any(a in _WH and b in _TIME_UNITS for a, b in pairs):
        asks.add("when")
    money_goes = not present.isdisjoint(_GO_WORDS) and not present.isdisjoint(_MONEY_NOUNS)
    if ("where" in reach or accent_where or ("d", "ou") in pairs or folded[-1:] == ["ou"]
            or any(a in _WH and b in _PLACE_UNITS for a, b in pairs)) and not money_goes:
        asks.add("where")  # not "where does the money go?", which asks what it pays for
    padded = [*folded, "", ""]
    for k, a in enumerate(folded):
        b, c = padded[k + 1], padded[k + 2]
        if a in _WH:
            # "which AI model", not "what is project X": a word between must not be a function word
            kind = _WHAT_KINDS.get(b, None if b in _FUNCTION_WORDS else _WHAT_KINDS.get(c))
            if kind is not None:
                asks.add("what")
                if kind:
                    kinds.add(kind)
    entities = {t for t in terms if t.startswith("e:")}
    if entities and not present.isdisjoint(_ROLE_WORDS):
        asks.add("role")
    who = bool(folded) and folded[0] in WHO_WORDS
    if who and _CHIEF in terms and entities:
        asks.add("chief")
    elif who and entities and terms - entities and present.isdisjoint(_ROLE_WORDS):
        asks.add("who")  # "Who finances Stargate?": someone the facts relate to Stargate
    elif (who and len(folded) <= 4 and folded[1:2] in (["is"], ["est"], ["s"])
          and terms == entities and len(entities) == 1):
        asks.add("role")  # "Who is Elon Musk?": who the facts say he is
    refers = not present.isdisjoint(_REFERRING)
    return _SlotsAsked(frozenset(asks), frozenset(kinds), refers)


#: How a question asks for a figure: a word right after these holds the spender's place.
_HOW_MUCH = frozenset({("how", "much"), ("combien",), ("cb",), ("how", "many")})


def _word_form(word: str) -> bool:
    """An ordinary word shaped as a verb form or an adverb ("looking", "typically",
    "finalement", "planned"): it says how, not who."""
    return word.endswith(("ing", "ly", "ment", "ed")) and dictionary.is_ordinary(word)


def _plural_of_ordinary(word: str) -> bool:
    """ "startups", "companies": a plural of an ordinary word is a kind of thing, not a name."""
    return len(word) > 4 and word.endswith("s") and (
        dictionary.is_ordinary(word[:-1]) or (word.endswith("ies") and dictionary.is_ordinary(word[:-3] + "y")))


def _first_with_added_letters(word: str, longer: Sequence[str], added: int) -> str | None:
    """The first of ``longer`` (each ``added`` letters longer than ``word``) that is ``word``
    with letters inserted, none removed or changed: between such lengths the insert/delete
    distance is ``added`` exactly then, and rapidfuzz checks thousands of names in C."""
    found = process.extractOne(word, longer, scorer=Indel.distance, score_cutoff=added)
    return str(found[0]) if found else None


def _plain_term(word: str, lang: Lang) -> str:
    """The term of a known word outside any phrase: a year, a number, "" for a stop word
    (or a single letter), else its stem. One rule for questions and for the base's texts."""
    if is_year(word):
        return f"y:{word}"
    if is_number(word):
        return f"n:{_canonical_number(word)}"
    if word in NEUTRAL_WORDS or len(word) < 2:
        return ""
    stem: str = _STEMMERS[lang].stemWord(word)
    return "w:" + stem


def _canonical_number(word: str) -> str:
    """ "65.0" -> "65"; a token that only looks like a number ("²", "①") stays as it is:
    reading a question never raises, whatever Unicode it holds."""
    try:
        value = float(word)
    except ValueError:
        return word
    if not math.isfinite(value):
        return word
    return str(int(value)) if value.is_integer() else f"{value:g}"


def _original_case(text: str, folded_word: str) -> str:
    """The word as the user wrote it ("Huawei"), for messages that name it back."""
    for raw in text.replace("'", " ").replace("\u2019", " ").split():
        stripped = "".join(c for c in raw if c.isalnum())
        if fold(stripped) == folded_word:
            return stripped
    return folded_word


def amount_level_terms(fact: Fact, analyzer: Analyzer) -> Iterator[str]:
    """What a fact's structured amount says of time, as terms: the year, "yearly", a
    growth against an earlier year. Every index gives a fact these besides its texts'."""
    assert fact.amount is not None
    period, roles = fact.amount.period, analyzer.lexicon.role_terms
    if period.as_stated:
        yield from analyzer.analyse(period.as_stated, fact.source.lang, learn=True).terms
    if period.year:
        yield f"y:{period.year}"
    if period.is_yearly:
        yield from roles.get("yearly", ())
    if fact.amount.growth:
        yield f"y:{fact.amount.growth.versus_year}"
        yield from roles.get("growth", ())


#: In a message of more terms than this, an ordinary word the base never uses ("exactly",
#: "honestly", "bon", a preamble's words) weighs as a term found in ``COMMON_WORD_SHARE`` of
#: the facts: context, which cannot sink a match. In a shorter question every word is what is
#: asked ("What is OpenAI's valuation?") and keeps the weight of the rarest term, as does a
#: name the base lacks. (AnswerPolicy.context_terms is this number.)
CONTEXT_TERMS = 6
COMMON_WORD_SHARE = 0.5


def _common_unknown(unknown: Sequence[str], names: Sequence[str]) -> int:
    named = {fold(n) for n in names}
    return sum(1 for word in unknown if word not in named and word.isalpha() and dictionary.is_ordinary(word))


def unknown_query_weight(analysis: Analysis, facts: int, rare: float) -> float:
    """The weight a question's unknown words add to it: ``rare`` each (the weight of a term
    of one fact), but an ordinary word only that of a term of :data:`COMMON_WORD_SHARE` of them."""
    common = analysis.common_unknown
    if not common:
        return rare * len(analysis.unknown)
    return rare * (len(analysis.unknown) - common) + rarity(facts, max(1, round(facts * COMMON_WORD_SHARE))) * common


def unknown_weight(facts: int) -> float:
    """The weight of a term no fact has: as rare as a term of one fact in ``facts``."""
    return math.log(1 + max(facts, 1))


def rarity(facts: int, having: int) -> float:
    """A term's weight (inverse document frequency): rarer terms say more."""
    return math.log1p(max(facts, 1) / having) if having else 0.0

"""Who a sentence is about: known entities by name and alias, and new names to propose.

Known names are found as whole words, longest first, so "Meta AI" is the product and not
Meta; a name of three letters or fewer ("X", "FB", "USA") must match its case exactly.
A new name is a run of capitalised words that no known name covers; a capitalised word
opening a sentence counts only if the article also writes it capitalised elsewhere in a
sentence, so "Mardi" or "Depuis" are not proposed while "Stargate" is.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from knowledge.models import Entity, EntityKind

_WORD = r"[A-ZÀ-ÖØ-Þ][\w'’&.-]*[\w&]|[A-ZÀ-ÖØ-Þ]"
_NAME_RUN = re.compile(rf"(?:{_WORD})(?:\s+(?:de |du |des |of |the )?(?:{_WORD}))*")
#: Capitalised words that are not names on their own (titles, days, months, openers).
_NOT_NAMES = frozenset("""
the a an in on at for and but or of to as by with from this that these those it its he she they we i you
le la les un une des du de et mais ou donc or ni car en au aux à a dans par pour sur avec sans depuis selon
lundi mardi mercredi jeudi vendredi samedi dimanche monday tuesday wednesday thursday friday saturday sunday
janvier février mars avril mai juin juillet août septembre octobre novembre décembre january february march
april may june july august september october november december ia ai président president ceo pdg patron
interrogé asked écoutez look tous all cette ce ces mr mme m dr
""".split())
#: Words after a name that say it is a place ("à Davos", "in Paris") or a person (a title).
_COMPANY_WORDS = frozenset("""
inc corp corporation co ltd llc plc sa sas ag gmbh group groupe holdings holding industries technologies
systems labs capital partners bank banque motors energy ventures networks software semiconductor
""".split())
_COMPANY_BEFORE = re.compile(r"\b(?:groupe|société|entreprise|firme|start-up|startup|company|firm|group|rival|"
                             r"concurrent|géant|giant|maker|fabricant)\s+$", re.IGNORECASE)
#: A capitalised word with a nationality's ending is an adjective in English ("European").
_DEMONYM = re.compile(r"(?:ean|ian|ese|ish|ic)$")
_PLACE_BEFORE = re.compile(r"(?:\bà|\bin|\bau|\baux|\bat|\bde)\s+$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Mention:
    """A name found in a sentence: the entity id (known, or proposed) and the text matched."""

    entity_id: str
    text: str
    start: int
    known: bool


class EntityMatcher:
    """Finds known entities in text by every name they have."""

    def __init__(self, entities: Iterable[Entity]) -> None:
        names = sorted(((name, entity.id) for entity in entities for name in entity.names),
                       key=lambda pair: len(pair[0]), reverse=True)
        self._patterns = [
            (entity_id, re.compile(rf"(?<![\w]){re.escape(name)}(?![\w])", 0 if len(name) <= 3 else re.IGNORECASE))
            for name, entity_id in names
        ]

    def find(self, text: str) -> list[Mention]:
        """Known entities in ``text``, in order of appearance, without overlaps."""
        taken = bytearray(len(text))
        found: list[Mention] = []
        for entity_id, pattern in self._patterns:
            for match in pattern.finditer(text):
                if any(taken[match.start():match.end()]):
                    continue
                taken[match.start():match.end()] = b"\x01" * (match.end() - match.start())
                found.append(Mention(entity_id, match.group(), match.start(), True))
        return sorted(found, key=lambda mention: mention.start)


def new_names(sentence: str, known: list[Mention], capitalised_elsewhere: set[str]) -> list[Mention]:
    """Runs of capitalised words in ``sentence`` that no known name covers."""
    covered = bytearray(len(sentence))
    for mention in known:
        covered[mention.start:mention.start + len(mention.text)] = b"\x01" * len(mention.text)
    first_word = re.match(r"\W*", sentence)
    opening = first_word.end() if first_word else 0
    found: list[Mention] = []
    for run in _NAME_RUN.finditer(sentence):
        words = run.group().split()
        start = run.start()
        if start == opening and len(words) == 1 and words[0] not in capitalised_elsewhere:
            continue  # a sentence's capitalised first word alone is no name unless written so elsewhere
        while words and words[0].casefold().strip(".") in _NOT_NAMES:
            start += len(words[0]) + 1
            words = words[1:]
        while words and words[-1].casefold().strip(".") in _NOT_NAMES | {"de", "du", "des", "of", "the"}:
            words = words[:-1]
        if not words:
            continue
        text = " ".join(words)
        end = start + len(text)
        if any(covered[start:end]) or len(text) < 2 or (text.isupper() and len(text) > 12) or \
                (len(words) == 1 and _DEMONYM.search(text)):
            continue
        found.append(Mention(entity_id(text), text.rstrip(".,"), start, False))
    return found


def capitalised_words(sentences: Iterable[str]) -> set[str]:
    """Words an article writes capitalised somewhere other than at a sentence's start."""
    seen: set[str] = set()
    for sentence in sentences:
        for match in re.finditer(_WORD, sentence):
            if match.start() > 0 and sentence[:match.start()].strip(" \"«“(") and \
                    match.group().casefold() not in _NOT_NAMES:
                seen.add(match.group())
    return seen


def guess_kind(name: str, sentence: str, start: int) -> EntityKind:
    """A first guess a person checks: a company word in or before the name ("Globex
    Industries", "le groupe Globex") a company; after "à"/"in" a place; two or three
    capitalised words a person; else a company."""
    words = name.split()
    if _COMPANY_WORDS.intersection(word.casefold().strip(".,") for word in words) or \
            _COMPANY_BEFORE.search(sentence[:start]):
        return EntityKind.COMPANY
    if _PLACE_BEFORE.search(sentence[:start]) and len(words) == 1:
        return EntityKind.PLACE
    if 2 <= len(words) <= 3:
        return EntityKind.PERSON
    return EntityKind.COMPANY


def entity_id(name: str) -> str:
    """An id from a name: "Société Générale" -> "societe-generale"."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-") or "entity"

"""Reading a follow-up with the last topic: the question is rewritten so it stands alone,
and the engine, which keeps no context, answers the rewritten question.

- an ellipsis with a new entity ("and Google?", "et Microsoft ?") is the last question
  about that entity;
- a new year ("and in 2024?", "and last year?", "et l'an dernier ?") is the last question
  for that year (a relative year counts from the topic's year);
- a question without entities ("who runs it?", "per year?", "where does the money go?")
  gets the topic's entities in place of its pronoun, or after it;
- a comparison with one side ("bigger than Microsoft's?") gets the topic as the other side.

A message that names its own entities without an opener or a pronoun replaces the topic.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.conversation.context import Topic
from bot.conversation.phrasebook import Phrasebook
from bot.language import fold

_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_WORD = re.compile(r"\w+")
#: A message this short with no entity is an ellipsis ("per year?", "in dollars?").
SHORT_WORDS = 3
#: An ellipsis opening with one of these qualifies the last question itself ("per year?",
#: "in euros?", "par an ?"): it is that question with the words added.
MODIFIERS = frozenset({"per", "a", "in", "each", "every", "over", "par", "en", "chaque", "sur"})


class Analysis(Protocol):
    """What a follow-up needs of the engine's reading of a text (``AnswerEngine.analyse``):
    its terms ("e:meta" for an entity, "y:2025" for a year), entities, roles and the slots asked."""

    @property
    def terms(self) -> frozenset[str]: ...

    @property
    def entities(self) -> frozenset[str]: ...

    @property
    def roles(self) -> frozenset[str]: ...

    @property
    def asks(self) -> frozenset[str]: ...  # the typed slots asked: "when", "where", "what", "role"...

    @property
    def asks_who(self) -> bool: ...


@dataclass(frozen=True)
class Reading:
    """What to ask the engine. ``certain``: surely a follow-up; otherwise the message is
    asked alone first and this reading only if it answers better."""

    text: str
    certain: bool


def years_of(analysis: Analysis) -> list[int]:
    """The years a question names, in no particular order."""
    return sorted(int(t[2:]) for t in analysis.terms if t.startswith("y:") and t[2:].isdigit())


def read_follow_up(text: str, topic: Topic, phrasebook: Phrasebook, analyse: Callable[[str], Analysis],
                   names_of: Callable[[str], list[str]]) -> Reading | None:
    """The follow-up ``text`` as a question that stands alone, or None when it already does.

    ``analyse`` reads a text as the engine would; ``names_of`` gives an entity term's names,
    the usual one first.
    """
    rest = phrasebook.without_opener(text)
    opened = rest != text
    year: int | None = None
    relative = phrasebook.relative_year(rest)
    if relative is not None and topic.year is not None:
        year, rest = topic.year + relative[0], relative[1]
    analysis = analyse(rest)
    named = years_of(analysis)
    if year is None and named:
        year = named[0]
    content = {t for t in analysis.terms if not t.startswith(("e:", "y:"))}
    pronoun = phrasebook.has_pronoun(rest)
    topic_names = " ".join(names_of(e)[0] for e in sorted(topic.entities))
    if analysis.entities:
        if "compare" in analysis.roles and len(analysis.entities) == 1 and topic.entities \
                and not analysis.entities & topic.entities:
            return Reading(f"{_unpunctuated(rest)} {topic_names}", True)  # "bigger than Microsoft's?"
        if not (opened or pronoun):
            return None
        if not content and not (analysis.asks or analysis.asks_who):  # "and Google?": the last question, about Google
            new_names = " ".join(names_of(e)[0] for e in sorted(analysis.entities))
            if topic.abstained:  # the last question went unanswered: it is the one asked again
                asked = _swap_names(topic.abstained, topic.unknown, new_names)
                if asked == topic.abstained:
                    asked = _swap_entities(asked, analyse(asked).entities, new_names, names_of)
                return Reading(_with_year(asked, year, phrasebook) if year is not None else asked, True)
            if not topic.question:
                return None
            question = _swap_entities(topic.question, topic.entities, new_names, names_of)
            return Reading(_with_year(question, year, phrasebook) if year is not None else question, True)
        return Reading(rest, True)  # "and how much does Google spend?": a question of its own
    if not topic.question:
        return None
    if not content:
        if year is not None:  # "and in 2024?", "and last year?"
            return Reading(_with_year(topic.question, year, phrasebook), True)
        return None
    if not topic.entities:
        return None
    short = len(_WORD.findall(rest)) <= SHORT_WORDS
    certain = opened or pronoun or relative is not None or short
    if short and not pronoun and fold(rest).split()[0] in MODIFIERS:  # "per year?", "en euros ?"
        return Reading(f"{_unpunctuated(topic.question)} {_unpunctuated(rest)}", True)
    question = phrasebook.replace_pronoun(rest, topic_names) or f"{_unpunctuated(rest)} {topic_names}"
    if relative is not None and year is not None:
        question = _with_year(question, year, phrasebook)
    return Reading(question, certain)


def _swap_names(question: str, old: tuple[str, ...], new_names: str) -> str:
    """The question with the first of the names it asked about replaced by the new names."""
    for name in sorted(old, key=len, reverse=True):
        pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE)
        if pattern.search(question):
            return pattern.sub(new_names.replace("\\", ""), question, count=1)
    return question


def _unpunctuated(text: str) -> str:
    return text.rstrip(" ?!.")


def _swap_entities(question: str, old: frozenset[str], new_names: str,
                   names_of: Callable[[str], list[str]]) -> str:
    """The question with the first name of an old entity replaced by the new names."""
    for term in sorted(old):
        for name in sorted(names_of(term), key=len, reverse=True):
            pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE)
            if pattern.search(question):
                return pattern.sub(new_names.replace("\\", ""), question, count=1)
    return f"{_unpunctuated(question)} {new_names}"


def _with_year(question: str, year: int, phrasebook: Phrasebook) -> str:
    """The question about ``year``: its year replaced, its "this year" replaced, or a year added."""
    if _YEAR.search(question):
        return _YEAR.sub(str(year), question, count=1)
    relative = phrasebook.relative_year(question)
    if relative is not None:
        return f"{_unpunctuated(relative[1])} {year}"
    return f"{_unpunctuated(question)} {year}"

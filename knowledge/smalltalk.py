"""Small talk as data: the wordings of greetings, thanks, goodbyes, help and the like, what
the bot says back, and the words that make a message a follow-up or a chart request.

Loaded from ``data/smalltalk.yaml`` and validated here, like the facts: a kind without a
wording in one language, or a reply with an unknown blank, is a data error found at start-up,
not a ``KeyError`` in front of a user.
"""

from __future__ import annotations

import string
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from knowledge.errors import FactBaseError, Problem
from knowledge.models import Lang

DEFAULT_SMALLTALK = Path(__file__).resolve().parent / "data" / "smalltalk.yaml"
#: The blanks a reply may use; anything else would fail when formatted.
REPLY_BLANKS = frozenset({"example", "name"})

Wording = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
_STRICT = ConfigDict(extra="forbid", frozen=True)


class SmallTalkKind(StrEnum):
    GREETING = "greeting"
    THANKS = "thanks"
    GOODBYE = "goodbye"
    IDENTITY = "identity"
    HELP = "help"
    ABOUT = "about"
    RANDOM_FACT = "random_fact"
    WHATS_NEW = "whats_new"
    ACKNOWLEDGEMENT = "acknowledgement"
    LAUGHTER = "laughter"
    WELLBEING = "wellbeing"
    INSULT = "insult"


class Wordings(BaseModel):
    """Words or phrases in each language; each list has at least one."""

    model_config = _STRICT
    en: list[Wording] = Field(min_length=1)
    fr: list[Wording] = Field(min_length=1)

    def in_lang(self, lang: Lang) -> list[str]:
        return self.en if lang == "en" else self.fr


class Replies(BaseModel):
    model_config = _STRICT
    en: str
    fr: str

    @field_validator("en", "fr")
    @classmethod
    def _known_blanks(cls, value: str) -> str:
        blanks = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        unknown = blanks - REPLY_BLANKS
        if unknown:
            raise ValueError(f"unknown blank {{{sorted(unknown)[0]}}} (allowed: {', '.join(sorted(REPLY_BLANKS))})")
        return value

    def in_lang(self, lang: Lang) -> str:
        return self.en if lang == "en" else self.fr


class SmallTalkEntry(BaseModel):
    model_config = _STRICT
    wordings: Wordings
    replies: Replies


class RelativeYear(BaseModel):
    """Words for a year counted from the last topic's year ("last year": -1)."""

    model_config = _STRICT
    offset: int
    en: list[Wording] = Field(min_length=1)
    fr: list[Wording] = Field(min_length=1)


class References(BaseModel):
    """Messages about the previous answer: its source, its reason, more of it."""

    model_config = _STRICT
    source: Wordings
    why: Wordings
    more: Wordings


class FollowUps(BaseModel):
    model_config = _STRICT
    openers: Wordings
    pronouns: Wordings
    #: Words that stand for something said before ("when did it start?"): with no earlier
    #: question and no name in the message, the bot asks what they refer to.
    unresolved: Wordings
    relative_years: list[RelativeYear]
    references: References


class Spellings(BaseModel):
    """Chat spellings and the words they stand for ("cb": "combien"), per language; a
    spelling is one word, compared folded."""

    model_config = _STRICT
    en: dict[Wording, Wording]
    fr: dict[Wording, Wording]

    @field_validator("en", "fr")
    @classmethod
    def _one_word_keys(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            if len(key.split()) != 1 or key != key.lower():
                raise ValueError(f"spelling {key!r} must be one lower-case word")
        return value

    def both(self) -> dict[str, str]:
        """Every spelling whose meaning is the same in both languages (one listed in only one
        language counts; one that differs between them is read in neither)."""
        merged = {**self.en, **self.fr}
        return {k: v for k, v in merged.items() if self.en.get(k, v) == self.fr.get(k, v)}


class SmallTalk(BaseModel):
    """Everything in smalltalk.yaml, validated."""

    model_config = _STRICT
    kinds: dict[SmallTalkKind, SmallTalkEntry]
    followups: FollowUps
    charts: Wordings
    spellings: Spellings
    #: Openings that ask for everything about one company, person or project ("what do you
    #: know about Meta?", "parle-moi de Stargate"): the rest of the message names it.
    entity_requests: Wordings

    @field_validator("kinds")
    @classmethod
    def _every_kind(cls, kinds: dict[SmallTalkKind, SmallTalkEntry]) -> dict[SmallTalkKind, SmallTalkEntry]:
        missing = [k.value for k in SmallTalkKind if k not in kinds]
        if missing:
            raise ValueError(f"missing kind {missing[0]}")
        return kinds


def load_smalltalk(path: Path = DEFAULT_SMALLTALK) -> SmallTalk:
    """Read and validate a small-talk file; every problem is raised as one FactBaseError."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FactBaseError([Problem(path, 0, None, "smalltalk", f"cannot be read: {exc}")]) from None
    try:
        return SmallTalk.model_validate(raw)
    except ValidationError as exc:
        problems = [Problem(path, 0, None, ".".join(str(p) for p in error["loc"]) or "smalltalk", error["msg"])
                    for error in exc.errors()]
        raise FactBaseError(problems) from None



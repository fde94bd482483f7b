"""Pydantic models of what the bot knows.

A fact is one sourced statement, written in English and French, about some entities,
with an optional structured amount and the questions it answers. The models check what
one fact can check on its own; checks across facts (unknown entity, duplicate id, a
phrasing claimed twice, a quote missing from its document) live in :mod:`knowledge.loader`.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic.dataclasses import dataclass

Lang = Literal["en", "fr"]
LANGS: tuple[Lang, ...] = ("en", "fr")

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
#: A date as precise as the source gives it: "2025-01" or "2025-01-24", as written (the
#: loader reads YAML dates as text), checked by pydantic-core alone, with no Python call.
PartialDate = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$")
]
Identifier = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9-]*$")
]

#: Written at the start of a field a person must fill in (a drafted fact's other language);
#: ``aibot knowledge validate`` names every field that still starts with it.
NEEDS_HUMAN = "TODO:"

#: Currencies the bot can name in both languages; anything else is a data error.
CURRENCIES: dict[str, dict[Lang, tuple[str, str]]] = {
    "USD": {"en": ("dollar", "dollars"), "fr": ("dollar", "dollars")},
    "EUR": {"en": ("euro", "euros"), "fr": ("euro", "euros")},
    "GBP": {"en": ("pound", "pounds"), "fr": ("livre", "livres")},
    "JPY": {"en": ("yen", "yen"), "fr": ("yen", "yens")},
    "CNY": {"en": ("yuan", "yuan"), "fr": ("yuan", "yuans")},
}


#: The models of what a base holds: validated by pydantic and then plain, frozen, slotted
#: objects (no ``__dict__``, no set of fields set), which at 100,000 facts is half the
#: memory of ``BaseModel`` instances and a third less time to validate. Unknown keys are
#: typos in a data file, so they are errors, not silently dropped.
STRICT = ConfigDict(extra="forbid")


@dataclass(frozen=True, slots=True, kw_only=True, config=STRICT)
class Bilingual:
    """The same text in both languages; a missing translation is a data error."""

    en: NonEmpty
    fr: NonEmpty

    def in_lang(self, lang: Lang) -> str:
        return self.en if lang == "en" else self.fr


class EntityKind(StrEnum):
    COMPANY = "company"
    PERSON = "person"
    PROJECT = "project"
    PRODUCT = "product"
    PLACE = "place"
    #: who published a source (a news agency, a paper): named by articles, never the one spending
    PUBLISHER = "publisher"


@dataclass(frozen=True, slots=True, kw_only=True, config=STRICT)
class Entity:
    """Something facts are about, with every name people use for it."""

    id: Identifier
    name: NonEmpty
    kind: EntityKind
    aliases: list[NonEmpty] = Field(default_factory=list)
    leads: Identifier | None = None

    @property
    def names(self) -> list[str]:
        return [self.name, *self.aliases]


@dataclass(frozen=True, slots=True, kw_only=True, config=STRICT)
class Period:
    """What span an amount covers: one (fiscal) year, or a span of years.

    ``as_stated`` keeps the source's own words ("cette année") next to the resolved year.
    """

    year: int | None = Field(default=None, ge=1900, le=2200)
    years: int | None = Field(default=None, ge=1, le=100)
    fiscal: bool = False
    as_stated: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Period:
        if self.year is None and self.years is None:
            raise ValueError("a period needs a year or a span of years")
        return self

    @property
    def is_yearly(self) -> bool:
        return self.years is None or self.years == 1


@dataclass(frozen=True, slots=True, kw_only=True, config=STRICT)
class Growth:
    """A stated change against an earlier year: "50% more than in 2024"."""

    percent: float = Field(gt=-100)
    versus_year: int = Field(ge=1900, le=2200)


@dataclass(frozen=True, slots=True, kw_only=True, config=STRICT)
class Amount:
    """A figure: an exact value, or a low-high range; "up to" keeps only a high."""

    subject: Identifier
    currency: str
    value: float | None = None
    low: float | None = None
    high: float | None = None
    up_to: bool = False
    period: Period
    purpose: Bilingual
    growth: Growth | None = None

    @model_validator(mode="after")
    def _possible(self) -> Amount:
        if self.currency not in CURRENCIES:
            raise ValueError(
                f"unknown currency {self.currency!r}; known: {', '.join(sorted(CURRENCIES))}"
            )
        figures = [x for x in (self.value, self.low, self.high) if x is not None]
        if not figures:
            raise ValueError("an amount needs a value, or a low and/or a high")
        if any(x < 0 for x in figures):
            raise ValueError("an amount cannot be negative")
        if self.value is not None and (self.low is not None or self.high is not None):
            raise ValueError("give either a value or a low-high range, not both")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"low ({self.low:g}) is above high ({self.high:g})")
        return self

    @property
    def bounds(self) -> tuple[float, float]:
        """The (low, high) the amount spans; an exact value is both."""
        if self.value is not None:
            return self.value, self.value
        high = self.high if self.high is not None else self.low
        low = self.low if self.low is not None else high
        assert low is not None and high is not None  # guaranteed by _possible
        return low, high


@dataclass(frozen=True, slots=True, kw_only=True, config=STRICT)
class Source:
    """Where a fact comes from: every quote must occur in the named document."""

    publisher: NonEmpty
    title: NonEmpty
    date: PartialDate
    document: str | None = None
    url: str | None = None
    lang: Lang
    quotes: list[NonEmpty] = Field(min_length=1)

    @model_validator(mode="after")
    def _locatable(self) -> Source:
        if not self.document and not self.url:
            raise ValueError("a source needs a document or a url")
        return self


@dataclass(frozen=True, slots=True, kw_only=True, config=STRICT)
class Phrasings:
    """Questions this fact answers, as people type them, in both languages."""

    en: list[NonEmpty] = Field(min_length=1)
    fr: list[NonEmpty] = Field(min_length=1)

    def in_lang(self, lang: Lang) -> list[str]:
        return self.en if lang == "en" else self.fr


@dataclass(frozen=True, slots=True, kw_only=True, config=STRICT)
class SlotValue:
    """One typed detail a fact states (a place, a day, an app), in both languages, and whose
    it is: ``of`` names the entities it belongs to (none: every entity of the fact)."""

    en: NonEmpty
    fr: NonEmpty
    of: list[Identifier] = Field(default_factory=list)
    #: what kind of thing a "what" is: app, model, assistant, network, project...
    kind: NonEmpty | None = None
    #: the lexicon concepts of what happened then or there ("say" for where Nadella spoke):
    #: "Where is Microsoft building?" is not answered by where its CEO spoke; none for an
    #: origin ("Japan"), which answers only a question naming no act
    acts: list[Identifier] = Field(default_factory=list)

    def in_lang(self, lang: Lang) -> str:
        return self.en if lang == "en" else self.fr


@dataclass(frozen=True, slots=True, kw_only=True, config=STRICT)
class Person:
    """Someone a fact names, with the role the source gives them ("Meta's boss") and the
    organisations that role is of."""

    entity: Identifier
    role: Bilingual | None = None
    of: list[Identifier] = Field(default_factory=list)
    #: what they do in the fact, as lexicon concept ids ("say" for who speaks): "What did
    #: Altman say to Musk?" is not answered by a fact where only Musk speaks
    acts: list[Identifier] = Field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True, config=STRICT)
class Slots:
    """Who, when, where and what a fact states, typed: a who/when/where/what question goes
    to the fact holding that slot, and is not answered by one that only mentions its subject."""

    who: list[Person] = Field(default_factory=list)
    when: list[SlotValue] = Field(default_factory=list)
    where: list[SlotValue] = Field(default_factory=list)
    what: list[SlotValue] = Field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True, config=STRICT)
class Fact:
    """One sourced statement the bot can give as an answer."""

    id: Identifier
    statement: Bilingual
    entities: list[Identifier] = Field(min_length=1)
    topics: list[NonEmpty] = Field(default_factory=list)
    amount: Amount | None = None
    reported: PartialDate
    source: Source
    phrasings: Phrasings
    added: dt.date
    derived: bool = False
    #: typed details (who, when, where, what), read by who/when/where/what questions
    slots: Slots | None = None


@dataclass(frozen=True, slots=True, kw_only=True, config=STRICT)
class Concept:
    """Words that mean the same thing to the matcher, in any language ("spend", "dépenser")."""

    id: Identifier
    words: list[NonEmpty] = Field(min_length=1)
    #: "decrease" marks a premise of a cut (checked against the facts' amounts); "detail", a
    #: detail a fact must hold to answer a question naming it (a reply, an office)
    role: Literal["topic", "amount", "money", "growth", "yearly", "compare", "rank", "decrease", "detail",
                  "per-month", "average", "midpoint", "sum", "ratio"] = "topic"


@dataclass(frozen=True, slots=True, kw_only=True, config=STRICT)
class SkippedText:
    """An excerpt of a source document no fact needs to quote, and why (a dateline, a credit)."""

    document: NonEmpty
    text: NonEmpty
    reason: NonEmpty


@dataclass(frozen=True, slots=True, kw_only=True, config=STRICT)
class FactFile:
    """One fact file as it was loaded: its name, the SHA-256 of its bytes, its facts' count."""

    name: str
    sha256: str
    facts: int


class FactBase(BaseModel):
    """Everything loaded from one data directory, already validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    entities: list[Entity]
    concepts: list[Concept]
    facts: list[Fact]
    #: SHA-256 of the files it was loaded from (entities, lexicon, facts; not the source
    #: documents, which only prove quotes); None for a base made in code.
    digest: str | None = None
    #: the fact files, in the order of ``facts``; empty for a base made in code
    fact_files: list[FactFile] = Field(default_factory=list)

    def entity(self, entity_id: str) -> Entity:
        return self._entities_by_id[entity_id]

    def fact(self, fact_id: str) -> Fact:
        return self._facts_by_id[fact_id]

    @cached_property
    def _entities_by_id(self) -> dict[str, Entity]:
        return {e.id: e for e in self.entities}

    @cached_property
    def _facts_by_id(self) -> dict[str, Fact]:
        return {f.id: f for f in self.facts}

"""What the conversation service says back: a reply of one kind, which never knows where it
will be shown. Adapters render each kind (Block Kit, embeds, terminal text); the JSON
contract of ``aibot ask`` is :meth:`Reply.contract`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum

from bot.answering import Answer
from bot.charts import ChartImage as ChartImage  # one definition, re-exported for the service's callers
from bot.language import Lang
from knowledge.models import FactBase


class ReplyKind(StrEnum):
    ANSWER = "answer"  # a fact (or a figure computed from facts) answers
    ABSTAIN = "abstain"  # no fact answers: "I don't know", with suggestions
    SMALLTALK = "smalltalk"  # greeting, thanks, goodbye, who I am, a fact of the day
    HELP = "help"  # how to use the bot, or what it knows (about)
    CHART = "chart"  # a chart of the amounts, or its text ranking when no chart can be drawn
    SLOW_DOWN = "slow_down"  # over the rate limit, said once
    IGNORE = "ignore"  # say nothing (still over the limit, already told)


#: The kinds that are the JSON contract's ``intent``; the other two never reach it.
INTENTS = frozenset({ReplyKind.ANSWER, ReplyKind.ABSTAIN, ReplyKind.SMALLTALK, ReplyKind.HELP, ReplyKind.CHART})


#: Draws the chart of a base's announced amounts in a language; None when it cannot
#: (:func:`bot.charts.make_chart` is one).
ChartMaker = Callable[[FactBase, Lang], Awaitable[ChartImage | None]]


@dataclass(frozen=True)
class SourceDocument:
    publisher: str
    title: str
    date: str  # as precise as the source gives it: "2025-01"


@dataclass(frozen=True)
class About:
    """What /about shows: the version, how much the bot knows, and from which documents."""

    version: str
    facts: int
    entities: int
    sources: tuple[SourceDocument, ...]


@dataclass(frozen=True)
class FactLine:
    """One statement with the line that names its source."""

    text: str
    source_line: str


@dataclass(frozen=True)
class FactList:
    """Every statement about one entity (``/facts about:``)."""

    title: str
    footer: str
    lines: tuple[FactLine, ...]


@dataclass(frozen=True)
class Reply:
    """One reply to one message. ``body`` is the main text; ``source_line`` and
    ``suggestions`` go under it; ``answer`` is the contract object of the JSON output."""

    kind: ReplyKind
    lang: Lang
    body: str = ""
    source_line: str | None = None
    suggestions: tuple[str, ...] = ()
    answer: Answer | None = None
    chart: ChartImage | None = None
    about: About | None = None
    facts: FactList | None = None
    #: the fact ids the reply gives, for adapters that link a platform message to it
    fact_ids: tuple[str, ...] = field(default=())

    @property
    def intent(self) -> str | None:
        return self.kind.value if self.kind in INTENTS else None

    @property
    def text(self) -> str:
        """Everything a person reads, as plain text (terminals, notifications)."""
        parts = [self.body]
        if self.source_line:
            parts.append(self.source_line)
        return "\n".join(p for p in parts if p)

    def contract(self) -> dict[str, object]:
        """The JSON object of ``aibot ask --json`` (DESIGN.md), with its ``intent``."""
        if self.answer is None or self.intent is None:
            raise ValueError(f"a {self.kind.value} reply has no JSON form")
        return {**self.answer.model_dump(mode="json"), "intent": self.intent}

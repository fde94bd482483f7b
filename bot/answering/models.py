"""What goes in and out of the engine: a platform-neutral question, answer and source."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, Field

from bot.language import Lang
from bot.tenants import CONSOLE


class Question(BaseModel):
    """What someone asked, and who and where, as plain ids that mean nothing to the engine."""

    text: str
    lang: Lang | None = None
    user_id: str | None = None
    channel_id: str | None = None
    platform: str | None = None
    tenant: str | None = None  # whose community asked (bot.tenants); None: the console


class SourceRef(BaseModel):
    publisher: str
    title: str
    date: str
    document: str | None = None
    url: str | None = None


class Answer(BaseModel):
    """The JSON contract of ``aibot ask --json`` (see DESIGN.md), plus two fields adapters
    use to lay the answer out (``body`` and ``source_line``), kept out of the JSON."""

    question: str
    matched: bool
    answer: str | None
    lang: Lang
    score: float = Field(ge=0, le=100)
    fact_ids: list[str] = Field(default_factory=list)
    sources: list[SourceRef] = Field(default_factory=list)
    suggestions: list[str] = Field(default_factory=list)
    body: str | None = Field(default=None, exclude=True)
    source_line: str | None = Field(default=None, exclude=True)
    #: names the base does not know that the question asked about (for the metrics, not the JSON)
    unknown_names: list[str] = Field(default_factory=list, exclude=True)


class UnansweredLog(Protocol):
    """Where questions the bot could not answer are kept, for admins to see what to add."""

    async def record(self, text: str, lang: Lang, score: float, when: datetime, *,
                     tenant: str = CONSOLE) -> None: ...

"""Per-conversation memory of the last answered topic, so follow-ups can be read with it.

A conversation is whatever key the adapter gives (a Slack thread, a Discord channel and
user, a console session). Memory is bounded twice: a topic expires after ``ttl`` seconds,
and at most ``capacity`` conversations are kept, the least recently used dropped first.
A topic belongs to the user it was answered for: another user in the same key gets nothing.

Replicas share topics through :mod:`bot.shared_state` as JSON (:func:`topic_to_json`), never
pickle: a value read from a shared store is data, validated, not code.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.language import Lang

#: Distinct entity sets and fact-id tuples shared between topics, at most.
MAX_SHARED = 4096
_Shared = TypeVar("_Shared", frozenset[str], tuple[str, ...])


@dataclass(frozen=True, slots=True)
class Topic:
    """The last thing answered in a conversation (slots: ten thousand of them are kept)."""

    user_id: str
    question: str  # as answered: a follow-up's rewritten form
    lang: Lang
    entities: frozenset[str]  # entity terms ("e:meta")
    year: int | None
    fact_ids: tuple[str, ...]
    at: float
    #: the question asked after this topic that no fact answered, and the names it asked
    #: about that the base does not know ("how much is Acme investing?", ("Acme",))
    abstained: str | None = None
    unknown: tuple[str, ...] = ()


class _SharedTopic(BaseModel):
    """A topic as replicas exchange it: versioned, and without ``at``, which is a reading of one
    process's monotonic clock (the shared store's own expiry says how old a topic is)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    v: Literal[1] = 1
    user_id: str
    question: str
    lang: Lang
    entities: tuple[str, ...]
    year: int | None
    fact_ids: tuple[str, ...]
    abstained: str | None = None
    unknown: tuple[str, ...] = ()


def topic_to_json(topic: Topic) -> bytes:
    """The topic as JSON for a shared store (entities sorted, so equal topics are equal bytes)."""
    return _SharedTopic(user_id=topic.user_id, question=topic.question, lang=topic.lang,
                        entities=tuple(sorted(topic.entities)), year=topic.year, fact_ids=topic.fact_ids,
                        abstained=topic.abstained, unknown=topic.unknown).model_dump_json().encode()


def topic_from_json(raw: str | bytes, *, at: float) -> Topic | None:
    """A topic read from a shared store, dated ``at`` on this process's clock; None when the
    value is not one this version reads (written by a newer version, or damaged)."""
    try:
        shared = _SharedTopic.model_validate_json(raw)
    except ValidationError:
        return None
    return Topic(user_id=shared.user_id, question=shared.question, lang=shared.lang,
                 entities=frozenset(shared.entities), year=shared.year, fact_ids=shared.fact_ids, at=at,
                 abstained=shared.abstained, unknown=shared.unknown)


class ConversationMemory:
    """Topics by conversation key, least recently used first; the clock is injectable."""

    def __init__(self, *, ttl: float, capacity: int, clock: Callable[[], float] = time.monotonic) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.ttl = ttl
        self.capacity = capacity
        self._clock = clock
        self._topics: OrderedDict[str, Topic] = OrderedDict()
        #: one copy of each entity set and fact-id tuple: thousands of topics name the same few
        self._shared: dict[frozenset[str] | tuple[str, ...], frozenset[str] | tuple[str, ...]] = {}

    def __len__(self) -> int:
        return len(self._topics)

    def now(self) -> float:
        return self._clock()

    def recall(self, key: str, user_id: str) -> Topic | None:
        """The live topic of ``key`` if it belongs to ``user_id``; an expired one is forgotten."""
        topic = self._topics.get(key)
        if topic is None:
            return None
        if self._clock() - topic.at > self.ttl:
            del self._topics[key]
            return None
        if topic.user_id != user_id:
            return None
        return topic

    def peek(self, key: str) -> Topic | None:
        """The live topic of ``key`` whoever it belongs to (a vote by another person on an answer)."""
        topic = self._topics.get(key)
        if topic is None or self._clock() - topic.at > self.ttl:
            return None
        return topic

    def remember(self, key: str, topic: Topic) -> None:
        entities, fact_ids = self._share(topic.entities), self._share(topic.fact_ids)
        if entities is not topic.entities or fact_ids is not topic.fact_ids:
            topic = replace(topic, entities=entities, fact_ids=fact_ids)
        self._topics[key] = topic
        self._topics.move_to_end(key)
        self._drop_stale()

    def forget(self, key: str) -> None:
        self._topics.pop(key, None)

    def link(self, new_key: str, key: str) -> None:
        """Let ``new_key`` continue ``key``'s topic (a reply to the bot's answer continues the
        conversation that answer was given in)."""
        topic = self._topics.get(key)
        if topic is not None:
            self.remember(new_key, topic)

    def _share(self, value: _Shared) -> _Shared:
        """The copy already held of an equal value, so a topic costs its own fields only."""
        if len(self._shared) >= MAX_SHARED:  # a base with very many entities: start afresh
            self._shared.clear()
        return self._shared.setdefault(value, value)  # type: ignore[return-value]

    def _drop_stale(self) -> None:
        while len(self._topics) > self.capacity:
            self._topics.popitem(last=False)
        now = self._clock()
        while self._topics:  # the oldest first: stop at the first one still live
            oldest = next(iter(self._topics.values()))
            if now - oldest.at <= self.ttl:
                break
            self._topics.popitem(last=False)

"""Retention and erasure: what people left in the store is deleted after a settable period,
and one person's rows can be removed on request (``aibot data forget``).

What the store holds about people, table by table (bot/store/tables.py):

- ``answer_votes``: who pressed 👍 / 👎 (user id), where (channel), on which answer, and the
  question. Deleted :attr:`Retention.votes` after the vote; ``forget --user`` deletes them.
- ``unanswered_counts``: questions the bot could not answer, counted per normalised wording,
  **without who asked**. Deleted :attr:`Retention.unanswered` after the last time anyone asked
  it (then the least asked beyond a cap); since no row names a person, ``forget --question``
  removes one by its words instead.
- ``subscriptions``: a channel's digest schedule, with the id of the admin who set it up
  (``created_by``). The schedule belongs to the channel, so ``forget --user`` keeps it and
  replaces the id with :data:`FORGOTTEN`; ``/digest off`` removes the schedule itself.
- ``question_counts``: numbers per day, platform, language and outcome; no text, no id.
- ``seen_events``: Slack event ids (or channel and timestamp), forgotten after the retry
  window (minutes); no user id.
- ``digest_claims``, ``shown_facts``: which digest went where, which facts a channel saw;
  nothing about a person.

Pruning runs once when ``aibot run`` starts and then every :data:`PRUNE_EVERY` (a task in its
TaskGroup, on the digest scheduler's injectable :class:`~bot.digest.scheduler.Clock`), and on
demand with ``aibot data prune``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.digest.scheduler import TRANSIENT_ERRORS, Clock, SystemClock

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.store import Store

_log = logging.getLogger(__name__)

#: How often the running bot prunes: the periods are counted in days, so an hour late is
#: immaterial, and each pass is two indexed DELETEs.
PRUNE_EVERY = timedelta(hours=1)
#: What a forgotten person's id becomes where the row itself is kept (a channel's digest schedule).
FORGOTTEN = "[forgotten]"
#: Platforms whose user ids the store holds (``aibot chat`` votes as "console").
PLATFORMS = ("slack", "discord", "console")


@dataclass(frozen=True)
class Retention:
    """How long rows about people are kept (the settings' AIBOT_*_RETENTION_DAYS)."""

    votes: timedelta
    unanswered: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> Retention:
        return cls(votes=timedelta(days=settings.vote_retention_days),
                   unanswered=timedelta(days=settings.unanswered_retention_days))


@dataclass(frozen=True)
class Pruned:
    """How many rows one pruning pass deleted."""

    votes: int = 0
    unanswered: int = 0

    @property
    def total(self) -> int:
        return self.votes + self.unanswered


@dataclass(frozen=True)
class Forgotten:
    """What ``forget`` did: rows deleted, and digest schedules kept with their creator's id removed."""

    votes: int = 0
    unanswered: int = 0
    subscriptions_anonymised: int = 0

    @property
    def total(self) -> int:
        return self.votes + self.unanswered + self.subscriptions_anonymised


async def prune(store: Store, retention: Retention, now: datetime) -> Pruned:
    """Delete the votes and unanswered questions older than their periods, as of ``now``."""
    votes = await store.prune_votes(now - retention.votes)
    unanswered = await store.prune_unanswered(now, retention=retention.unanswered)
    return Pruned(votes=votes, unanswered=unanswered)


async def prune_on_schedule(store: Store, retention: Retention, *, clock: Clock | None = None,
                            every: timedelta = PRUNE_EVERY) -> None:
    """Prune now, then every ``every``, until cancelled (a task in ``aibot run``).

    A database that is away for a moment costs one warning and the next pass tries again; any
    other error is logged with its traceback, and the bot keeps answering either way.
    """
    clock = clock or SystemClock()
    _log.info("retention: votes kept %d days, unanswered questions %d days after last asked",
              retention.votes.days, retention.unanswered.days)
    while True:
        try:
            pruned = await prune(store, retention, clock.now())
            if pruned.total:
                _log.info("retention: deleted %d vote(s) and %d unanswered question(s) past their period",
                          pruned.votes, pruned.unanswered)
        except TRANSIENT_ERRORS as exc:
            _log.warning("retention: pruning failed (%s: %s); trying again in %s", type(exc).__name__, exc, every)
        except Exception:
            _log.exception("retention: pruning failed; trying again in %s", every)
        await clock.sleep_until(clock.now() + every)


def user_id_from(text: str) -> str:
    """The id in a pasted mention (``<@U123>``, ``<@!123>``) or the id itself, stripped."""
    value = text.strip()
    if value.startswith("<@") and value.endswith(">"):
        value = value[2:-1].lstrip("!").split("|", 1)[0]
    return value.strip()

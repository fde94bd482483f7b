"""Compose a digest from the fact base: headline figures, what is new, the fact of the day.

Composing is pure: the channel's state (when it last got a digest, which facts it was
already told are new, which facts of the day it has seen) comes in, and a
:class:`DigestPlan` goes out with the digest and what to remember once it is posted.
Nothing is marked shown for a preview or for a post that failed.

- Headline figures: every fact with a structured amount, biggest first (who, amount,
  period, purpose), worded by :mod:`bot.computed`.
- New: facts whose ``added`` date is on or after the day of the channel's last digest
  (or of its subscription), minus those this channel was already told about; a channel
  is told about every fact that exists when it subscribes, so its first digest does not
  list the whole base as new.
- Chart: when the base has at least two amounts, the headline figures come with the chart
  (:mod:`bot.charts`) in the digest's language; the platform draws and attaches it when posting.
- Fact of the day: the next fact this channel has not seen, in an order of its own
  (a hash of channel and fact), until every fact has been shown; then a new round.
- "As of": a fact reported longer ago than the stale setting (``AIBOT_STALE_AFTER_MONTHS``)
  on the digest's date says when it was true, as a chat answer does: a digest dated today
  must not headline last year's figures as current.
- Report (a subscription that asks for it, for an admin channel): the admins' report of the
  last days (:func:`bot.feedback.report_lines`) in the digest's language, last. It is read
  from the store by the caller and handed in, so composing stays pure.
"""

from __future__ import annotations

import hashlib
import heapq
from dataclasses import dataclass
from datetime import date, datetime

from bot import messages
from bot.charts import MIN_AMOUNTS
from bot.computed import amount_text, period_text
from bot.digest.model import Digest, DigestChart, DigestItem
from bot.feedback import Report, report_lines
from bot.language import Lang
from knowledge.freshness import stale_since
from knowledge.models import Fact, FactBase

#: At most this many "new" facts in one digest; the rest come next time.
MAX_NEW = 8
#: Headline figures: the largest few; a base of thousands of amounts must still make one post.
MAX_HEADLINE = 5
ROTATION = "rotation"
ANNOUNCED = "new"


@dataclass(frozen=True)
class ChannelState:
    """What a channel has already had; empty for a preview outside any subscription."""

    since: datetime | None = None  # last digest, else the subscription's start
    announced: frozenset[str] = frozenset()
    rotation_seen: frozenset[str] = frozenset()
    seed: str = "preview"


@dataclass(frozen=True)
class DigestPlan:
    """A composed digest and what to remember about it once it is posted."""

    digest: Digest
    new_fact_ids: list[str]
    rotation_fact_id: str | None
    new_rotation: bool  # every fact had been shown: the rotation starts over with this one


class DigestComposer:
    """Builds digests from one fact base; cheap to call, holds no channel state."""

    def __init__(self, base: FactBase, *, stale_after_months: int | None = None) -> None:
        """``stale_after_months`` (the setting): older facts are dated "as of"; None dates none."""
        self.base = base
        self.stale_after_months = stale_after_months
        self._figures = heapq.nsmallest(MAX_HEADLINE, (f for f in base.facts if f.amount is not None),
                                        key=lambda f: -f.amount.bounds[1] if f.amount else 0.0)
        self._chart = sum(1 for f in base.facts if f.amount is not None) >= MIN_AMOUNTS

    def compose(self, lang: Lang, today: date, state: ChannelState = ChannelState(),
                report: Report | None = None) -> DigestPlan:
        headline = [self._figure_item(rank, fact, lang, today) for rank, fact in enumerate(self._figures, start=1)]
        new_facts = self._new_facts(state)
        rotation, new_round = self._fact_of_the_day(state)
        digest = Digest(
            lang=lang,
            title=messages.text("digest_title", lang, date=_long_date(today, lang)),
            headline=headline,
            new_facts=[self._statement_item(f, lang, today) for f in new_facts],
            fact_of_the_day=self._statement_item(rotation, lang, today) if rotation else None,
            chart=DigestChart(self.base, lang) if self._chart else None,
            report=[DigestItem("", line, "") for line in report_lines(report, lang)] if report else [],
        )
        return DigestPlan(digest, [f.id for f in new_facts], rotation.id if rotation else None, new_round)

    def known_fact_ids(self) -> list[str]:
        """Every fact now in the base: what a new subscriber counts as already announced."""
        return [f.id for f in self.base.facts]

    def _figure_item(self, rank: int, fact: Fact, lang: Lang, today: date) -> DigestItem:
        amount = fact.amount
        assert amount is not None
        line = messages.text(
            "ranking_line", lang, rank=rank, who=self.base.entity(amount.subject).name,
            amount=amount_text(amount, lang), period=period_text(amount, lang), purpose=amount.purpose.in_lang(lang))
        if self._stale(fact, today):
            line = messages.text("as_of_suffix", lang, text=line, when=messages.month_year(fact.reported, lang))
        return DigestItem(fact.id, line, _source_line(fact, lang))

    def _statement_item(self, fact: Fact, lang: Lang, today: date) -> DigestItem:
        text = fact.statement.in_lang(lang)
        if self._stale(fact, today):
            text = messages.text("as_of", lang, when=messages.month_year(fact.reported, lang), body=text)
        return DigestItem(fact.id, text, _source_line(fact, lang))

    def _stale(self, fact: Fact, today: date) -> bool:
        return self.stale_after_months is not None and stale_since(fact, self.stale_after_months) <= today

    def _new_facts(self, state: ChannelState) -> list[Fact]:
        if state.since is None:
            return []
        since = state.since.date()
        fresh = [f for f in self.base.facts if f.added >= since and f.id not in state.announced]
        fresh.sort(key=lambda f: (f.added, f.id))
        return fresh[:MAX_NEW]

    def _fact_of_the_day(self, state: ChannelState) -> tuple[Fact | None, bool]:
        if not self.base.facts:
            return None, False
        unseen = [f for f in self.base.facts if f.id not in state.rotation_seen]
        new_round = not unseen
        pool = unseen or list(self.base.facts)
        return min(pool, key=lambda f: hashlib.sha256(f"{state.seed}:{f.id}".encode()).hexdigest()), new_round


def render_text(digest: Digest) -> str:
    """The digest as plain text (command line, console, platforms' fallback text)."""
    lines = [digest.title]
    for key, items in digest.sections():
        lines.append("")
        lines.append(messages.text(key, digest.lang))
        bullet = "" if key == "digest_headline" else "- "  # headline lines carry their rank
        for item in items:
            lines.append(f"{bullet}{item.text}")
            if item.source_line:
                lines.append(f"  {item.source_line}")
    return "\n".join(lines)


def _source_line(fact: Fact, lang: Lang) -> str:
    source = fact.source
    return messages.text("source", lang, sources=f"{source.publisher}, {messages.month_year(source.date, lang)}")


def _long_date(day: date, lang: Lang) -> str:
    return messages.text("digest_date", lang, day=day.day, month=messages.MONTHS[lang][day.month - 1], year=day.year)

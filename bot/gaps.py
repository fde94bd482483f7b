"""Questions the bot could not answer, kept so admins see what to add to the fact base.

They live in the store (:class:`StoreUnansweredLog`, used by ``aibot run``). The one-shot
``aibot ask`` appends to a JSON Lines file instead (one object per line, so a crash loses at
most the line being written), which keeps it from opening a database for a single answer;
the store imports and deletes that file whenever it is opened by ``aibot run`` or
``aibot knowledge gaps``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from bot.language import Lang, fold
from bot.tenants import CONSOLE, tenant_or_console

if TYPE_CHECKING:
    from prometheus_client import Counter as PromCounter
    from prometheus_client import Gauge

    from bot.feedback import Vote
    from bot.metrics import Metrics
    from bot.settings import Settings
    from bot.store import Store, UnansweredRow

_log = logging.getLogger(__name__)

#: Two questions whose folded texts score this much (token_sort_ratio) are one gap.
SAME_GAP_SCORE = 88.0


@dataclass(frozen=True)
class Unanswered:
    text: str
    lang: Lang
    score: float
    when: datetime
    count: int = 1  # how often it was asked (the store counts per normalised question)
    tenant: str = CONSOLE  # whose community asked it (bot.tenants)


_NOT_WORD = re.compile(r"[\W_]+")


def gap_key(text: str) -> str:
    """The normalised form the store counts a question under: folded (case, accents),
    punctuation and spacing dropped, at most 200 characters; "" for a question of no words."""
    folded = fold(fold(text).casefold())  # twice: "℠" only decomposes into "SM" after the first casefold
    return " ".join(_NOT_WORD.sub(" ", folded).split())[:200]


@dataclass(frozen=True)
class Gap:
    """Near-identical unanswered questions grouped together, most asked first."""

    text: str
    count: int
    lang: Lang
    best_score: float
    last_asked: datetime
    variants: tuple[str, ...]
    tenants: tuple[str, ...] = ()  # whose communities asked it, most asks first (bot.tenants)


class JsonlUnansweredLog:
    """Appends each unanswered question to ``unanswered.jsonl``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    async def record(self, text: str, lang: Lang, score: float, when: datetime, *, tenant: str = CONSOLE) -> None:
        line = json.dumps({"text": text, "lang": lang, "score": score, "when": when.isoformat(),
                           "tenant": tenant_or_console(tenant)}, ensure_ascii=False)
        await asyncio.to_thread(self._append, line)

    def _append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")

    async def entries(self) -> list[Unanswered]:
        return await asyncio.to_thread(self._read)

    def _read(self) -> list[Unanswered]:
        if not self.path.exists():
            return []
        result = []
        for number, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), start=1):
            try:
                item = json.loads(line)
                result.append(Unanswered(item["text"], item["lang"], float(item["score"]),
                                         datetime.fromisoformat(item["when"]),
                                         tenant=tenant_or_console(str(item.get("tenant") or ""))))
            except (ValueError, KeyError, TypeError):
                _log.warning("%s:%d: skipping an unreadable line", self.path, number)
        return result


#: Pending writes kept for retry when the writer is not given a limit (AIBOT_STORE_QUEUE_LIMIT).
DEFAULT_QUEUE_LIMIT = 5000
#: Pending writes taken per statement, so one write stays well within the store's timeout.
BATCH = 500


class StoreUnansweredLog:
    """Unanswered questions, every question's outcome and votes that could not be stored at
    once, written to the store after the reply, off its path, and retried until they are.

    ``record`` and ``count_question`` only queue (never wait for the database); one writer
    task stores what is pending, each statement under the store's timeout. A write that fails
    (a stalled or locked database, an unwritable or lost SQLite file) is not dropped: its rows
    stay pending and are tried again with growing waits (tenacity), merged as they wait (one
    entry per day/tenant/platform/language/outcome count, per tenant and normalised question, per
    person's vote on a message; every entry keeps its tenant, bot.tenants), so an outage costs
    memory only in distinct entries. At most ``limit`` wait; beyond that new ones are dropped,
    counted in ``aibot_store_writes_dropped_total`` and said in one log line per outage. ``close``
    flushes what it can within a few seconds.
    """

    def __init__(self, store: Store, *, max_pending: int = DEFAULT_QUEUE_LIMIT,
                 metrics: Metrics | None = None) -> None:
        self.store = store
        self.limit = max_pending
        self.dropped = 0
        self._counts: dict[tuple[date, str, str, str, str], int] = {}  # (day, platform, lang, outcome, tenant)
        self._unanswered: dict[tuple[str, str], UnansweredRow] = {}  # (tenant, normalised question)
        self._votes: dict[tuple[str, str, str], tuple[Vote, datetime]] = {}
        self._wake = asyncio.Event()
        # Set while no write is on its way: close() waits for it instead of cancelling a statement
        # mid-way (on SQLite a cancelled statement goes on in its thread and keeps the lock).
        self._idle = asyncio.Event()
        self._idle.set()
        self._writer: asyncio.Task[None] | None = None
        self._failing = False  # an outage in progress: said once when it starts, once when it ends
        self._overflowing = False
        self._pending_gauge, self._dropped_counter = _queue_metrics(metrics)

    @property
    def pending(self) -> int:
        return len(self._counts) + len(self._unanswered) + len(self._votes)

    async def record(self, text: str, lang: Lang, score: float, when: datetime, *, tenant: str = CONSOLE) -> None:
        from bot.store import UnansweredRow

        key = gap_key(text)
        if key:
            owner = tenant_or_console(tenant)
            self._add_unanswered((owner, key), UnansweredRow(text, lang, score, when, tenant=owner))

    def count_question(self, day: date, platform: str, lang: Lang, outcome: str, tenant: str = CONSOLE) -> None:
        """Count one question's outcome on ``day`` (see :class:`bot.feedback.QuestionCounter`)."""
        key = (day, platform, lang, outcome, tenant_or_console(tenant))
        if key in self._counts or self._room("count"):
            self._counts[key] = self._counts.get(key, 0) + 1
            self._kick()

    async def record_vote(self, vote: Vote, now: datetime) -> None:
        """Store a vote now (the person is thanked only once it is committed); if the store
        fails, keep it for the writer and raise :class:`bot.feedback.VoteDeferred`."""
        from bot.feedback import VoteDeferred
        from bot.store import StoreError

        key = (vote.platform, vote.message_id, vote.user_id)
        try:
            await self.store.record_vote(vote, now)
        except StoreError as exc:
            if key in self._votes or self._room("vote"):
                self._votes[key] = (vote, now)  # the latest press wins, as in the store
                self._kick()
                raise VoteDeferred(str(exc)) from exc
            raise
        self._votes.pop(key, None)  # an older press still waiting must not overwrite this one

    def _add_unanswered(self, key: tuple[str, str], row: UnansweredRow) -> None:
        seen = self._unanswered.get(key)
        if seen is not None:
            self._unanswered[key] = replace(seen, count=seen.count + row.count, score=max(seen.score, row.score),
                                            asked_at=max(seen.asked_at, row.asked_at))
        elif self._room("unanswered"):
            self._unanswered[key] = row
        else:
            return
        self._kick()

    def _room(self, kind: str) -> bool:
        """Whether one more distinct entry fits; else it is dropped, counted, and said once."""
        if self.pending < self.limit:
            return True
        self.dropped += 1
        if self._dropped_counter is not None:
            self._dropped_counter.labels(kind).inc()
        if not self._overflowing:
            self._overflowing = True
            _log.warning("store writes: %d are waiting for the database, the limit (AIBOT_STORE_QUEUE_LIMIT); "
                         "new ones are dropped until it catches up (counted in aibot_store_writes_dropped_total)",
                         self.limit)
        return False

    def _kick(self) -> None:
        if self._pending_gauge is not None:
            self._pending_gauge.set(self.pending)
        self._wake.set()
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name="store-writer")

    async def _write(self) -> None:
        from tenacity import AsyncRetrying, retry_if_exception_type, wait_exponential_jitter

        from bot.store import StoreError

        while True:
            await self._wake.wait()
            self._wake.clear()
            async for attempt in AsyncRetrying(wait=wait_exponential_jitter(max=RETRY_MAX),
                                               retry=retry_if_exception_type(StoreError)):
                with attempt:
                    self._idle.clear()
                    try:
                        await self._flush()
                    finally:
                        self._idle.set()

    async def _flush(self) -> None:
        """Store everything pending, a batch at a time. A batch the database could not take
        (:class:`bot.store.StoreError`: down, stalled, locked, read-only, a lost file) goes back
        to wait; one it refused as such (a constraint) is logged and dropped, never retried
        for ever ahead of the rest."""
        from bot.feedback import QuestionCount
        from bot.store import StoreError

        try:
            while self._counts or self._unanswered or self._votes:
                if self._unanswered:
                    keys = list(self._unanswered)[:BATCH]
                    rows = [self._unanswered.pop(key) for key in keys]
                    try:
                        await self.store.add_unanswered(rows)
                    except (StoreError, asyncio.CancelledError):
                        for key, row in zip(keys, rows, strict=True):
                            self._requeue_unanswered(key, row)
                        raise
                    except Exception as exc:
                        _log.error("store writes: %d unanswered question(s) refused by the database, dropped: %s",
                                   len(rows), exc)
                if self._counts:
                    counted = list(self._counts.items())[:BATCH]
                    for day_key, _ in counted:
                        del self._counts[day_key]
                    try:
                        await self.store.add_question_counts(
                            [QuestionCount(day=d, platform=p, lang=lang, outcome=o, count=n,  # type: ignore[arg-type]
                                           tenant=t) for (d, p, lang, o, t), n in counted])
                    except (StoreError, asyncio.CancelledError):
                        for day_key, n in counted:
                            self._counts[day_key] = self._counts.get(day_key, 0) + n
                        raise
                    except Exception as exc:
                        _log.error("store writes: %d question count(s) refused by the database, dropped: %s",
                                   len(counted), exc)
                for voter in list(self._votes)[:BATCH]:
                    vote, when = self._votes[voter]
                    try:
                        await self.store.record_vote(vote, when)
                    except StoreError:
                        raise
                    except Exception as exc:
                        _log.error("store writes: a vote on message %s refused by the database, dropped: %s",
                                   vote.message_id, exc)
                    if self._votes.get(voter) == (vote, when):
                        del self._votes[voter]
        except StoreError as exc:
            if not self._failing:
                self._failing = True
                _log.warning("store writes: could not store %d waiting (%s); retrying until the database takes "
                             "them", self.pending, exc)
            raise
        finally:
            if self._pending_gauge is not None:
                self._pending_gauge.set(self.pending)
        if self._failing:
            _log.warning("store writes: the database takes writes again; everything waiting is stored")
        self._failing = self._overflowing = False

    def _requeue_unanswered(self, key: tuple[str, str], row: UnansweredRow) -> None:
        seen = self._unanswered.get(key)
        self._unanswered[key] = row if seen is None else replace(
            row, count=row.count + seen.count, score=max(row.score, seen.score),
            asked_at=max(row.asked_at, seen.asked_at))

    async def close(self, seconds: float = 3.0) -> None:
        """Store what is pending, waiting at most ``seconds``; then stop the writer."""
        from bot.store import StoreError

        deadline = asyncio.get_running_loop().time() + seconds  # one budget for all of it
        writer, self._writer = self._writer, None
        if writer is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout_at(deadline):
                    await self._idle.wait()  # the write on its way ends (or its call's deadline does)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        if not self.pending:
            return
        from tenacity import AsyncRetrying, retry_if_exception_type, wait_fixed

        try:
            async with asyncio.timeout_at(deadline):  # a statement cut short may hold a lock a moment: try again
                async for attempt in AsyncRetrying(wait=wait_fixed(CLOSE_RETRY), retry=retry_if_exception_type(
                        StoreError)):
                    with attempt:
                        await self._flush()
        except (TimeoutError, StoreError):
            _log.warning("store writes: %d not stored at shutdown (%d questions, %d counts, %d votes)",
                         self.pending, len(self._unanswered), len(self._counts), len(self._votes))

    async def entries(self, *, tenant: str | None = None) -> list[Unanswered]:
        """The stored unanswered questions of ``tenant`` (of every tenant without it)."""
        return [Unanswered(r.text, r.lang, r.score, r.asked_at, r.count, r.tenant)
                for r in await self.store.unanswered(tenant=tenant)]


#: The longest wait (seconds) between two tries of a failed write; they start at 1 s and double.
RETRY_MAX = 30.0
#: At shutdown, seconds between two tries of what is still pending, within close()'s budget.
CLOSE_RETRY = 0.2


def _queue_metrics(metrics: Metrics | None) -> tuple[Gauge | None, PromCounter | None]:
    """The queue's gauge and counter, in the bot's registry (none without metrics)."""
    if metrics is None:
        return None, None
    from prometheus_client import Counter as PromCounter
    from prometheus_client import Gauge

    pending = Gauge("aibot_store_writes_pending", "Writes (unanswered questions, question counts, votes) "
                    "waiting for the database.", registry=metrics.registry)
    dropped = PromCounter("aibot_store_writes_dropped", "Writes dropped because too many were waiting for the "
                      "database (AIBOT_STORE_QUEUE_LIMIT).", ["kind"], registry=metrics.registry)
    return pending, dropped


def jsonl_path(settings: Settings) -> Path:
    """Where ``aibot ask`` appends the questions it could not answer, until the store imports them."""
    return settings.data_dir / "unanswered.jsonl"


async def stored_entries(settings: Settings, *, tenant: str | None = None) -> list[Unanswered]:
    """Every unanswered question, after moving the ``aibot ask`` file into the store."""
    from bot.store import open_store

    async with open_store(settings) as store:
        await store.import_unanswered_jsonl(jsonl_path(settings))
        return await StoreUnansweredLog(store).entries(tenant=tenant)


def group_gaps(entries: list[Unanswered], limit: int = 20) -> list[Gap]:
    """Group near-identical questions (typos, case, accents) and rank groups by how often asked.

    Each entry is compared with one representative per group, in C (RapidFuzz's
    ``extractOne``); the store hands over its most asked few thousand, so this stays fast
    however many questions were ever asked.
    """
    groups: list[list[Unanswered]] = []
    keys: list[str] = []
    for entry in entries:
        key = fold(entry.text)
        found = process.extractOne(key, keys, scorer=fuzz.token_sort_ratio, score_cutoff=SAME_GAP_SCORE)
        if found is not None:
            groups[found[2]].append(entry)
        else:
            keys.append(key)
            groups.append([entry])
    gaps = []
    for group in groups:
        wording: Counter[str] = Counter()
        langs: Counter[Lang] = Counter()
        tenants: Counter[str] = Counter()
        for e in group:
            wording[e.text] += e.count
            langs[e.lang] += e.count
            tenants[e.tenant] += e.count
        ranked = wording.most_common()
        gaps.append(Gap(
            text=ranked[0][0], count=sum(e.count for e in group), lang=langs.most_common(1)[0][0],
            best_score=max(e.score for e in group), last_asked=max(e.when for e in group),
            variants=tuple(w for w, _ in ranked[1:]), tenants=tuple(t for t, _ in tenants.most_common()),
        ))
    gaps.sort(key=lambda g: (-g.count, -g.last_asked.timestamp()))
    return gaps[:limit]

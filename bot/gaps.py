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
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from bot.language import Lang, fold

if TYPE_CHECKING:
    from bot.feedback import QuestionCount
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


class JsonlUnansweredLog:
    """Appends each unanswered question to ``unanswered.jsonl``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    async def record(self, text: str, lang: Lang, score: float, when: datetime) -> None:
        line = json.dumps({"text": text, "lang": lang, "score": score, "when": when.isoformat()},
                          ensure_ascii=False)
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
                                         datetime.fromisoformat(item["when"])))
            except (ValueError, KeyError, TypeError):
                _log.warning("%s:%d: skipping an unreadable line", self.path, number)
        return result


class StoreUnansweredLog:
    """Unanswered questions, and the outcome of every question, in the store, written after the
    reply and off its path.

    ``record`` and ``count_question`` only queue (never wait for the database); one writer
    task stores the queue in batches, each under the store's timeout (the unanswered texts in
    one statement, the day's counts per platform, language and outcome in another). A stalled
    database therefore delays no reply; at most ``max_pending`` items wait, and beyond that
    new ones are dropped with a warning, so memory stays bounded too. ``close`` flushes what
    it can within a few seconds at shutdown.
    """

    def __init__(self, store: Store, *, max_pending: int = 2000) -> None:
        self.store = store
        self.dropped = 0
        self._queue: asyncio.Queue[UnansweredRow | QuestionCount] = asyncio.Queue(max_pending)
        self._writer: asyncio.Task[None] | None = None

    async def record(self, text: str, lang: Lang, score: float, when: datetime) -> None:
        from bot.store import UnansweredRow

        self._put(UnansweredRow(text, lang, score, when))

    def count_question(self, day: date, platform: str, lang: Lang, outcome: str) -> None:
        """Count one question's outcome on ``day`` (see :class:`bot.feedback.QuestionCounter`)."""
        from bot.feedback import QuestionCount

        self._put(QuestionCount(day=day, platform=platform, lang=lang, outcome=outcome))

    def _put(self, item: UnansweredRow | QuestionCount) -> None:
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            self.dropped += 1
            if self.dropped % 100 == 1:
                _log.warning("unanswered questions and question counts: %d not recorded, the database is "
                             "not keeping up", self.dropped)
            return
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name="unanswered-writer")

    async def _write(self) -> None:
        from bot.feedback import QuestionCount

        while True:
            batch = [await self._queue.get()]
            while not self._queue.empty() and len(batch) < 500:
                batch.append(self._queue.get_nowait())
            counts = [item for item in batch if isinstance(item, QuestionCount)]
            unanswered = [item for item in batch if not isinstance(item, QuestionCount)]
            try:
                if unanswered:
                    try:
                        await self.store.add_unanswered(unanswered)
                    except Exception as exc:  # the answers went out; only their record is lost
                        _log.warning("could not record %d unanswered question(s): %s", len(unanswered), exc)
                if counts:
                    try:
                        await self.store.add_question_counts(counts)
                    except Exception as exc:
                        _log.warning("could not count %d question(s): %s", len(counts), exc)
            finally:
                for _ in batch:
                    self._queue.task_done()

    async def close(self, seconds: float = 3.0) -> None:
        """Store what is queued, waiting at most ``seconds``; then stop the writer."""
        writer, self._writer = self._writer, None
        if writer is None:
            return
        try:
            async with asyncio.timeout(seconds):
                await self._queue.join()
        except TimeoutError:
            _log.warning("unanswered questions: %d not recorded at shutdown", self._queue.qsize())
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await writer

    async def entries(self) -> list[Unanswered]:
        return [Unanswered(r.text, r.lang, r.score, r.asked_at, r.count) for r in await self.store.unanswered()]


def jsonl_path(settings: Settings) -> Path:
    """Where ``aibot ask`` appends the questions it could not answer, until the store imports them."""
    return settings.data_dir / "unanswered.jsonl"


async def stored_entries(settings: Settings) -> list[Unanswered]:
    """Every unanswered question, after moving the ``aibot ask`` file into the store."""
    from bot.store import open_store

    async with open_store(settings) as store:
        await store.import_unanswered_jsonl(jsonl_path(settings))
        return await StoreUnansweredLog(store).entries()


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
        for e in group:
            wording[e.text] += e.count
            langs[e.lang] += e.count
        ranked = wording.most_common()
        gaps.append(Gap(
            text=ranked[0][0], count=sum(e.count for e in group), lang=langs.most_common(1)[0][0],
            best_score=max(e.score for e in group), last_asked=max(e.when for e in group),
            variants=tuple(w for w, _ in ranked[1:]),
        ))
    gaps.sort(key=lambda g: (-g.count, -g.last_asked.timestamp()))
    return gaps[:limit]

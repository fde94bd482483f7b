"""What stands before bolt on ``/slack/events``: verify, then parse, then remember.

slack-bolt's aiohttp adapter parses the body (``to_bolt_request``) before it checks the
signature, so a stranger's malformed body reached the parser and gave a 500 with a
traceback. Here the timestamp and the v0 signature are checked first, on the raw bytes;
only a genuine request is parsed, and a body that does not parse, or does not have the
shape Slack sends (:mod:`adapters.slack.shape`), is a 400. Each refusal is one short log
line that never holds the body. Before all that, the body must arrive whole within
AIBOT_HTTP_BODY_TIMEOUT and be at most :data:`MAX_BODY`; a client dropped for either, or
gone, is one line too (:class:`DroppedClients`, at most :data:`MAX_DROP_LINES` a minute).

Slack retries an event it thinks we missed (after about 0, 1 and 5 minutes).
:class:`RecentEvents` remembers every event id for the whole retry window whatever the
traffic (time decides what is forgotten, not a count); :class:`SharedEvents` also keeps
them in the store, so replicas sharing a PostgreSQL ``DATABASE_URL`` answer a retry once
between them; :class:`StoredEvents` writes them behind to a SQLite store (one process to a
file) and reads them back at start, so a retry after a restart is answered once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import time
import urllib.parse
from array import array
from bisect import bisect_left
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING, Any

from adapters.slack import shape

if TYPE_CHECKING:
    from bot.store import Store

_log = logging.getLogger(__name__)

#: Slack refuses requests signed more than five minutes ago; so do we (replays).
MAX_CLOCK_SKEW = 300
#: Slack retries for about five minutes; ten leave room for a slow retry and clock skew.
RETRY_WINDOW = 600.0
#: A safety net for memory only, far above any real traffic in one retry window.
MAX_REMEMBERED = 2_000_000
#: How long an event waits for the shared memory before it is answered without it (a stalled
#: database must not delay replies); the statement itself goes on under the store's timeout.
SHARED_CHECK_SECONDS = 1.5
#: Events waiting for the shared memory at most; beyond it they are answered on this replica's memory.
MAX_WAITING = 2_000
#: The largest body read (aiohttp's default too): Slack's payloads are a few KB; a larger declared
#: Content-Length is refused at once, before any of it is read.
MAX_BODY = 1024 * 1024
#: Connections the kernel may hold for the server to accept (aiohttp's default is 128): when slow
#: clients reconnect by the thousand, a full queue drops Slack's new connections too, which then
#: wait 1 then 3 s for their SYN to be sent again, past Slack's 3 s. Linux caps it at somaxconn.
LISTEN_BACKLOG = 2048
#: Dropped clients (too slow, too large, gone) logged one line each, at most this many a minute;
#: past it they are counted and summed up in one line at the end of the minute, so a sustained
#: attack costs a bounded log (aibot_http_clients_dropped_total counts every one).
MAX_DROP_LINES = 100
DROP_WINDOW = 60.0
#: Events acknowledged and not yet answered, at most; past it the next request waits for one to finish.
MAX_BACKLOG = 200
#: How long a request waits for room in the backlog before it is let in anyway (Slack wants the ack in 3 s).
ADMIT_WAIT = 2.0
#: Seen events wait at most this long to be written to a SQLite store, in one statement: a crash
#: (SIGKILL; SIGTERM writes them at once) forgets at most this much, and an event pays no write.
STORE_EVENTS_EVERY = 1.0
#: Answers still running when a drain's time is up get this long to end once cancelled.
CANCEL_WAIT = 0.5


@dataclass(frozen=True)
class Refusal:
    """Why a request gets no further: an HTTP status and a reason short enough to log."""

    status: int
    reason: str


def verify(body: bytes, headers: Mapping[str, str], secret: str, now: float) -> Refusal | None:
    """Slack's v0 signature over the raw bytes, and a fresh timestamp; None when genuine."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not timestamp or not signature:
        return Refusal(401, "unsigned")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return Refusal(401, "malformed timestamp")
    if abs(now - int(timestamp)) > MAX_CLOCK_SKEW:
        return Refusal(401, "stale timestamp")
    expected = "v0=" + hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body,
                                hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        return Refusal(401, "bad signature")
    return None


def parse_problem(body: bytes, content_type: str) -> Refusal | None:
    """None when bolt can read this (genuine) body: a JSON object, or a form whose
    ``payload`` (if any) is a JSON object, with the shape Slack sends (:mod:`adapters.slack.shape`)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return Refusal(400, "body is not UTF-8")
    if content_type.startswith("application/json") or text.lstrip().startswith("{"):
        envelope = _object(text)
        if envelope is None:
            return Refusal(400, "body is not a JSON object")
        return _shape_problem(envelope)
    try:
        form = urllib.parse.parse_qs(text, strict_parsing=bool(text), max_num_fields=200)
    except ValueError:
        return Refusal(400, "body is not a form")
    payloads = form.get("payload")
    if payloads is None:
        return None  # a slash command: every field of a form is a string
    payload = _object(payloads[0]) if len(payloads) == 1 else None
    if payload is None:
        return Refusal(400, "payload is not a JSON object")
    return _shape_problem(payload)


def check(body: bytes, headers: Mapping[str, str], secret: str, now: float | None = None) -> Refusal | None:
    """Verify first, then see that it parses: nothing of an unsigned body is ever read."""
    refusal = verify(body, headers, secret, time.time() if now is None else now)
    return refusal or parse_problem(body, headers.get("Content-Type", ""))


def _object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _shape_problem(payload: dict[str, Any]) -> Refusal | None:
    reason = shape.problem(payload)
    return Refusal(400, reason) if reason else None


class RecentEvents:
    """Event keys seen in the last ``window`` seconds; forgetting is by age only.

    Compact, since the window holds every event of ten minutes: a key is kept as its 64-bit
    hash (two different live keys sharing one is about a one in ten million million chance
    at two million keys), in slices of a sixtieth of the window. The newest slice is a set; an
    older one is a sorted array of 8 bytes a key, searched by bisection; a slice is
    forgotten whole once its newest key is older than the window. 20,000 events cost about
    0.4 MB this way, against 6 MB as strings in an ordered dict.
    """

    SLICES = 60
    #: The newest slice is sealed at this many keys too: a set costs ten times the array's bytes.
    OPEN_KEYS = 2048

    def __init__(self, window: float = RETRY_WINDOW, *, clock: Callable[[], float] = time.monotonic,
                 limit: int = MAX_REMEMBERED) -> None:
        self.window = window
        self.limit = limit
        self._clock = clock
        self._width = window / self.SLICES
        #: (first time, newest time, sorted hashes) of each sealed slice, oldest first
        self._sealed: deque[tuple[float, float, array[int]]] = deque()
        self._open: set[int] = set()
        self._opened_at = self._newest = float("-inf")
        self._count = 0  # keys in all the slices

    def __len__(self) -> int:
        return self._count

    def first_time(self, keys: list[str]) -> bool:
        """True unless one of ``keys`` was seen; check and record happen together, with no await between."""
        now = self._clock()
        self._forget(now)
        hashes = {hash(key) for key in keys}
        if any(self._holds(code) for code in hashes):
            return False
        if self._open and (now - self._opened_at >= self._width or len(self._open) >= self.OPEN_KEYS):
            self._seal()
        if not self._open:
            self._opened_at = now
        self._open |= hashes
        self._newest = now
        self._count += len(hashes)
        if self._count > self.limit:  # pragma: no cover - beyond any real traffic
            _log.warning("slack: over %d events in %.0f s; forgetting the oldest early", self.limit, self.window)
            while self._count > self.limit and self._sealed:
                self._count -= len(self._sealed.popleft()[2])
        return True

    def _seal(self) -> None:
        """The open set becomes a sorted array, merged into the previous one if that began in the
        same slice of time: at most about :data:`SLICES` arrays to search, whatever the traffic."""
        opened, codes = self._opened_at, sorted(self._open)
        if self._sealed and self._newest - self._sealed[-1][0] < self._width:
            opened, _, earlier = self._sealed.pop()
            codes = sorted(chain(earlier, codes))
        self._sealed.append((opened, self._newest, array("q", codes)))
        self._open = set()

    def _holds(self, code: int) -> bool:
        if code in self._open:
            return True
        for _, _, codes in self._sealed:
            at = bisect_left(codes, code)
            if at < len(codes) and codes[at] == code:
                return True
        return False

    def _forget(self, now: float) -> None:
        while self._sealed and now - self._sealed[0][1] > self.window:
            self._count -= len(self._sealed.popleft()[2])
        if self._open and now - self._newest > self.window:
            self._count -= len(self._open)
            self._open = set()


class SharedEvents:
    """:class:`RecentEvents` in front of the store's table, for replicas sharing one database.

    The memory answers repeats within this process at once; keys new here are claimed in
    the store, where only one replica's INSERT wins. Concurrent checks go out together, one
    statement per batch on one connection, so a burst of events never queues for the pool.
    A store that does not answer within :data:`SHARED_CHECK_SECONDS` is skipped: a rare
    double answer beats a bot that hangs.
    """

    def __init__(self, store: Store, local: RecentEvents | None = None, *,
                 patience: float = SHARED_CHECK_SECONDS, on_unchecked: Callable[[], None] | None = None) -> None:
        self.store = store
        self.local = local or RecentEvents()
        self.patience = patience
        self.unchecked = 0  # events answered without the shared memory's word
        self._on_unchecked = on_unchecked  # counts them in the metrics
        self._pending: list[tuple[list[str], asyncio.Future[bool]]] = []
        self._sender: asyncio.Task[None] | None = None

    async def first_time(self, keys: list[str]) -> bool:
        if not self.local.first_time(keys):
            return False
        if len(self._pending) >= MAX_WAITING:  # the database is far behind: do not queue without end
            self._unchecked()
            return True
        answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append((keys, answer))
        if self._sender is None or self._sender.done():
            self._sender = asyncio.create_task(self._send(), name="slack-shared-events")
        try:
            # The statement itself runs under the store's own timeout and is never cut short
            # here (cutting a connection being opened only makes the next one slower still).
            return await asyncio.wait_for(asyncio.shield(answer), self.patience)
        except TimeoutError:
            answer.cancel()  # answered without it: the batch's outcome no longer concerns this event
            self._unchecked()
            if self.unchecked % 100 == 1:
                _log.warning("slack: shared event memory slow; %d event(s) so far checked on this replica only",
                             self.unchecked)
            return True

    def _unchecked(self) -> None:
        self.unchecked += 1
        if self._on_unchecked is not None:
            self._on_unchecked()

    async def _send(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                won = await self.store.first_deliveries([key for keys, _ in batch for key in keys],
                                                        window=self.local.window)
            except Exception as exc:  # the store is sick: answer, and say so once per batch
                _log.warning("slack: shared event memory unavailable (%s); %d event(s) checked on this replica "
                             "only", type(exc).__name__, len(batch))
                won = None
            for keys, answer in batch:
                if answer.done():
                    continue
                if won is None:
                    self._unchecked()
                answer.set_result(won is None or all(key[:200] in won for key in keys))


class StoredEvents:
    """:class:`RecentEvents` written behind to the store and read back at start (SQLite).

    A SQLite file serves one process, so this process's memory decides alone and an event
    never waits for the disk: seen keys are written in one statement a second
    (:data:`STORE_EVENTS_EVERY`), and all at once on :meth:`flush` (a drain, a stop). A
    process starting on the file first remembers the keys of the last retry window
    (:meth:`load`), so Slack's retry of an event answered before the restart is not
    answered again.
    """

    def __init__(self, store: Store, local: RecentEvents | None = None, *, every: float = STORE_EVENTS_EVERY) -> None:
        self.store = store
        self.local = local or RecentEvents()
        self.every = every
        self._pending: list[str] = []
        self._writer: asyncio.Task[None] | None = None
        self._sleeping = False  # the writer waits for its second; once writing, it is never cut short

    async def load(self) -> int:
        """Remember what the store saw in the last window; a store that fails is logged, never fatal."""
        try:
            keys = await self.store.recent_events(window=self.local.window)
        except Exception as exc:
            _log.warning("slack: seen events could not be read from the store (%s); a retry of an event "
                         "answered before this start may be answered again", type(exc).__name__)
            return 0
        if keys:
            self.local.first_time(keys)
        return len(keys)

    def first_time(self, keys: list[str]) -> bool:
        if not self.local.first_time(keys):
            return False
        self._pending.extend(keys)
        if self._writer is None or self._writer.done():
            self._sleeping = True
            self._writer = asyncio.create_task(self._write_soon(), name="slack-stored-events")
        return True

    async def _write_soon(self) -> None:
        await asyncio.sleep(self.every)
        self._sleeping = False
        await self._write()

    async def _write(self) -> None:
        batch, self._pending = self._pending, []
        if not batch:
            return
        try:
            await self.store.first_deliveries(batch, window=self.local.window)
        except Exception as exc:  # the memory still has them: only a restart would forget them
            _log.warning("slack: %d seen event(s) not stored (%s); kept in memory only", len(batch),
                         type(exc).__name__)

    async def flush(self) -> None:
        """Write what is pending now (SIGTERM, a stop), and wait for a write already under way."""
        writer, self._writer = self._writer, None
        if writer is not None and not writer.done() and writer is not asyncio.current_task():
            if self._sleeping:
                writer.cancel()
            else:
                await asyncio.wait([writer])
        await self._write()


class DroppedClients:
    """One short line per dropped client, up to :data:`MAX_DROP_LINES` a window; then a count.

    A client that is too slow, sends too much or goes away is the internet's normal noise,
    and 3,000 of them at once are an attack: either way the log gets a line each, never a
    traceback, and never more than ``limit`` lines plus one summary a window.
    """

    def __init__(self, limit: int = MAX_DROP_LINES, window: float = DROP_WINDOW, *,
                 clock: Callable[[], float] = time.monotonic, on_drop: Callable[[str], None] | None = None) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._on_drop = on_drop
        self._started = float("-inf")
        self._logged = 0
        self.unlogged = 0  # dropped in this window past the limit
        self._summary: asyncio.TimerHandle | None = None

    def note(self, reason: str, level: int, message: str, *args: object) -> None:
        """Count one dropped client under ``reason`` (a fixed word) and log it if within the limit."""
        if self._on_drop is not None:
            self._on_drop(reason)
        now = self._clock()
        if now - self._started >= self.window:
            self._summarise()
            self._started, self._logged = now, 0
        if self._logged < self.limit:
            self._logged += 1
            _log.log(level, message, *args)
            return
        self.unlogged += 1
        if self._summary is None:
            with contextlib.suppress(RuntimeError):  # no running loop: summed up at the next drop instead
                self._summary = asyncio.get_running_loop().call_later(
                    max(0.0, self._started + self.window - now), self._summarise)

    def _summarise(self) -> None:
        if self._summary is not None:
            self._summary.cancel()
            self._summary = None
        if self.unlogged:
            _log.warning("slack: %d more client(s) dropped in the last %.0f s (slow, too large or gone); "
                         "not logged one by one", self.unlogged, self.window)
            self.unlogged = 0


class Backlog:
    """Events acknowledged and not yet answered, kept to :data:`MAX_BACKLOG`.

    bolt acknowledges an event before answering it, so a flood is acked as fast as it
    arrives while answers queue behind the CPU, or behind a slow database: each waiting
    event holds its parsed request, and a soak saw thousands parked at once and RSS jump
    by 40 MB that the allocator never gave back. Past the limit, the next request waits
    for an answer to finish before bolt sees it, at most ``patience`` seconds (inside
    Slack's 3 s ack, so a retry is never provoked), then goes in anyway.
    """

    def __init__(self, limit: int = MAX_BACKLOG, *, patience: float = ADMIT_WAIT) -> None:
        self.limit = limit
        self.patience = patience
        self.answering = 0
        self.waited = 0  # requests that had to wait for room
        self._room = asyncio.Event()
        self._room.set()

    async def admit(self) -> None:
        """Return when there is room, or after ``patience`` seconds whatever the backlog."""
        if self.answering < self.limit:
            return
        self.waited += 1
        deadline = time.monotonic() + self.patience
        while self.answering >= self.limit and (left := deadline - time.monotonic()) > 0:
            try:
                await asyncio.wait_for(self._room.wait(), left)
            except TimeoutError:
                return

    @contextlib.contextmanager
    def answer(self) -> Iterator[None]:
        """Around the answering of one event."""
        self.answering += 1
        if self.answering >= self.limit:
            self._room.clear()
        try:
            yield
        finally:
            self.answering -= 1
            if self.answering < self.limit:
                self._room.set()


class InFlight:
    """Work acknowledged to Slack and not finished yet: what a drain waits for on SIGTERM.

    Slack never sends an acknowledged event again, so an answer dropped at shutdown is lost
    for good; each listener runs inside :meth:`track`, and :meth:`drain` waits for them, then
    cancels (and counts) whatever is left when its time is up.
    """

    def __init__(self) -> None:
        self._tasks: dict[asyncio.Task[Any], int] = {}
        self._idle = asyncio.Event()
        self._idle.set()

    def __len__(self) -> int:
        return sum(self._tasks.values())

    @contextlib.contextmanager
    def track(self) -> Iterator[None]:
        """Around one piece of work (the ack of a request, or the answer to it) in the current task."""
        task = asyncio.current_task()
        assert task is not None, "InFlight.track() runs inside a task"
        self._tasks[task] = self._tasks.get(task, 0) + 1
        self._idle.clear()
        try:
            yield
        finally:
            left = self._tasks[task] - 1
            if left:
                self._tasks[task] = left
            else:
                del self._tasks[task]
            if not self._tasks:
                self._idle.set()

    async def drain(self, seconds: float) -> int:
        """Wait up to ``seconds`` for the work in flight; cancel what is left and return its count.

        A request whose ack is being sent may start its answer in a task of its own right after:
        that task's first step is already scheduled when the ack's work ends, so it registers
        before this wakes up (asyncio runs callbacks in the order they were scheduled)."""
        try:
            async with asyncio.timeout(seconds):
                while self._tasks:
                    await self._idle.wait()
                    await asyncio.sleep(0)  # an answer whose ack just went out registers now
            return 0
        except TimeoutError:
            pass
        left = [task for task in self._tasks if task is not asyncio.current_task()]
        for task in left:
            task.cancel()
        if left:
            await asyncio.wait(left, timeout=CANCEL_WAIT)
        return len(left)

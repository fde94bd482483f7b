"""What replicas share between two messages: conversation topics and per-user rate limits.

Without ``REDIS_URL`` each process keeps its own (:class:`LocalState`), as one process always
has. With it (:class:`RedisState`), a conversation's topic and a user's question window live in
Redis, so a follow-up that reaches another replica is read with its topic, and one user's
questions spread over replicas are counted as one. The process's own
:class:`~bot.conversation.context.ConversationMemory` and :class:`~bot.ratelimit.RateLimiter`
stay underneath: the service reads topics from that memory while it answers, and when Redis is
slow or gone (every call bounded by ``AIBOT_REDIS_TIMEOUT``) answers go on from it. Redis is
then left alone, pinged in the background every ``AIBOT_REDIS_RETRY_SECONDS`` until it answers,
with one log line when it goes and one when it comes back, and a counter of what was decided
locally meanwhile (``aibot_shared_state_fallbacks_total``). A topic answered meanwhile is newer
than Redis's copy: it wins when its conversation goes on, and is published then.

Keys, each under ``AIBOT_REDIS_PREFIX``:

=====================  ===============================================================
``topic:<key>``        a conversation's topic as JSON, expiring with the conversation TTL
``topics``             sorted set of topic keys by expiry: the cap on conversations
``rate:<user>``        a user's question times and "told once" flag, gone after a quiet window
``rates``              sorted set of rate keys by last sight: the cap on users
=====================  ===============================================================

Each write and its cap run as one Lua script: one round trip, atomic across replicas, on
Redis's own clock (``TIME``), which every replica reads alike. The scripts delete the keys a
cap evicts, so they need a single Redis (not Redis Cluster), as Heroku's and most hosts' are.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from urllib.parse import urlsplit

from bot.conversation.context import ConversationMemory, Topic, topic_from_json, topic_to_json
from bot.ratelimit import RateLimiter, Verdict

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from bot.metrics import Metrics
    from bot.settings import Settings

_log = logging.getLogger(__name__)
_T = TypeVar("_T")

#: Users whose "slow down" waits for its seconds at once; a bound, in case a reply is never composed.
_MAX_PENDING_RETRY_AFTER = 1000

#: KEYS: topic key, index. ARGV: topic JSON, milliseconds left to live, conversation cap.
_SAVE_TOPIC = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
redis.call('ZADD', KEYS[2], now + ttl, KEYS[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[3])
if excess > 0 then
  local evicted = redis.call('ZPOPMIN', KEYS[2], excess)
  for i = 1, #evicted, 2 do redis.call('DEL', evicted[i]) end
end
local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[2], math.max(now + ttl, tonumber(last[2])))
return 1
"""

#: KEYS: the user's rate key, index. ARGV: questions per window, window in ms, user cap.
#: Returns the verdict and the milliseconds until the oldest question in the window leaves it:
#: the same rule as bot.ratelimit.RateLimiter.check, on Redis's clock.
_CHECK_RATE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local count, window, cap = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local raw = redis.call('GET', KEYS[1])
local state = {t = {}, w = 0}
if raw then state = cjson.decode(raw) end
local times = {}
for _, at in ipairs(state.t or {}) do
  if now - at < window then table.insert(times, at) end
end
local verdict
if #times < count then
  table.insert(times, now)
  state.w = 0
  verdict = 'allow'
elseif state.w == 1 then
  verdict = 'drop'
else
  state.w = 1
  verdict = 'warn'
end
local encoded = '{"w":' .. state.w .. ',"t":[' .. table.concat(times, ',') .. ']}'
redis.call('SET', KEYS[1], encoded, 'PX', window)
redis.call('ZADD', KEYS[2], now, KEYS[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
local excess = redis.call('ZCARD', KEYS[2]) - cap
if excess > 0 then
  local evicted = redis.call('ZPOPMIN', KEYS[2], excess)
  for i = 1, #evicted, 2 do
    if evicted[i] ~= KEYS[1] then redis.call('DEL', evicted[i]) end
  end
  redis.call('ZADD', KEYS[2], now, KEYS[1])
end
redis.call('PEXPIRE', KEYS[2], window)
local wait = 0
if #times > 0 then wait = window - (now - times[1]) end
return {verdict, wait}
"""


class SharedState(Protocol):
    """Where the conversation service keeps what outlives one message (see the module's docstring).

    ``load_topic`` brings a conversation's topic into the process's memory before a message is
    answered and returns it as loaded; ``save_topic`` publishes the topic the answer left, unless
    it is still the one loaded. Neither raises, and neither waits longer than the timeout."""

    async def check_rate(self, user_id: str) -> Verdict: ...

    def retry_after(self, user_id: str) -> int: ...

    async def load_topic(self, key: str) -> Topic | None: ...

    async def save_topic(self, key: str, loaded: Topic | None) -> None: ...

    def link(self, new_key: str, key: str) -> None: ...


class LocalState:
    """Everything in this process: one process, or no ``REDIS_URL``."""

    def __init__(self, memory: ConversationMemory, limiter: RateLimiter | None) -> None:
        self.memory = memory
        self.limiter = limiter

    async def check_rate(self, user_id: str) -> Verdict:
        return self.limiter.check(user_id) if self.limiter is not None else Verdict.ALLOW

    def retry_after(self, user_id: str) -> int:
        return self.limiter.retry_after(user_id) if self.limiter is not None else 0

    async def load_topic(self, key: str) -> Topic | None:
        return self.memory.peek(key)

    async def save_topic(self, key: str, loaded: Topic | None) -> None:
        return None  # the memory is the state

    def link(self, new_key: str, key: str) -> None:
        self.memory.link(new_key, key)


class RedisUnavailable(Exception):
    """Redis did not answer in time, refused, or is being left alone after doing so."""


class RedisLink:
    """One Redis client and whether it is answering: every call is bounded by ``timeout``; after a
    failure no call waits on Redis until a background ping every ``retry_seconds`` gets through."""

    def __init__(self, client: Redis, *, prefix: str, timeout: float, retry_seconds: float,
                 where: str = "redis", metrics: Metrics | None = None) -> None:
        self.client = client
        self.prefix = prefix
        self.timeout = timeout
        self.retry_seconds = retry_seconds
        self.where = where  # host:port, for the log (never the password)
        self.metrics = metrics
        self.down_since: float | None = None
        self._said_refused = False
        self._probe: asyncio.Task[None] | None = None
        self._writes: set[asyncio.Task[None]] = set()
        self.save_topic = client.register_script(_SAVE_TOPIC)
        self.check_rate = client.register_script(_CHECK_RATE)

    @property
    def up(self) -> bool:
        return self.down_since is None

    async def call(self, operation: Callable[[Redis], Awaitable[_T]]) -> _T:
        """``operation``'s result, or :class:`RedisUnavailable` within ``timeout`` at most."""
        if self.down_since is not None:
            raise RedisUnavailable("left alone until a ping gets through")
        try:
            async with asyncio.timeout(self.timeout):
                return await operation(self.client)
        except _redis_errors()[0] as exc:  # Redis answers but refuses: out of memory, a read-only replica
            self._refused(exc)
            raise RedisUnavailable(str(exc)) from exc
        except (TimeoutError, OSError, _redis_errors()[1]) as exc:
            self._went_away(exc)
            raise RedisUnavailable(str(exc) or type(exc).__name__) from exc

    def fell_back(self, kind: str) -> None:
        """Count one decision made from this process's state alone (``kind``: rate_limit, conversation)."""
        if self.metrics is not None:
            self.metrics.shared_state_fallback(kind)

    def write_soon(self, operation: Callable[[Redis], Awaitable[object]], kind: str) -> None:
        """Run a write without waiting for it (from code that cannot await); counted if it fails."""

        async def write() -> None:
            try:
                await self.call(operation)
            except RedisUnavailable:
                self.fell_back(kind)

        task = asyncio.get_running_loop().create_task(write())
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    async def ping(self) -> bool:
        """Whether Redis answers now (at start-up: said once in the log when it does not)."""
        try:
            await self.call(lambda client: client.ping())
        except RedisUnavailable:
            return False
        return True

    def _refused(self, exc: BaseException) -> None:
        """Said once: the counter shows whether it goes on (pinging would not tell, Redis answers)."""
        if not self._said_refused:
            self._said_refused = True
            _log.warning("Redis at %s refused a command (%s): conversation context and rate limits are this "
                         "replica's own while it does", self.where, str(exc)[:200])

    def _went_away(self, exc: BaseException) -> None:
        if self.down_since is not None:
            return
        self.down_since = time.monotonic()
        _log.warning("Redis at %s did not answer (%s): conversation context and rate limits are this "
                     "replica's own until it does", self.where, type(exc).__name__)
        self._probe = asyncio.get_running_loop().create_task(self._wait_for_redis(), name="redis-probe")

    async def _wait_for_redis(self) -> None:
        """Ping every ``retry_seconds`` until Redis answers, then share again."""
        while True:
            await asyncio.sleep(self.retry_seconds)
            try:
                async with asyncio.timeout(self.timeout):
                    await self.client.ping()
            except (TimeoutError, OSError, _redis_errors()[1]):
                continue
            down_for = time.monotonic() - (self.down_since or time.monotonic())
            self.down_since = None
            _log.info("Redis at %s answers again after %.1f s: conversation context and rate limits are "
                      "shared again", self.where, down_for)
            return

    async def aclose(self) -> None:
        """Let pending writes finish (each is bounded by the timeout), stop pinging, close the client."""
        if self._writes:
            await asyncio.wait(set(self._writes), timeout=self.timeout * 2)
        if self._probe is not None:
            self._probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe
        await self.client.aclose()


class RedisState:
    """Topics and rate limits in Redis, the process's own state underneath (module docstring)."""

    def __init__(self, memory: ConversationMemory, limiter: RateLimiter | None, link: RedisLink) -> None:
        self.memory = memory
        self.limiter = limiter
        self.redis = link
        self._retry_after: dict[str, int] = {}
        #: conversations whose topic here is newer than Redis's (written while it was away), oldest first
        self._unsaved: OrderedDict[str, None] = OrderedDict()

    def _topic_key(self, key: str) -> str:
        return f"{self.redis.prefix}topic:{key}"

    async def check_rate(self, user_id: str) -> Verdict:
        """The verdict of the user's window across replicas; this replica's own when Redis is away
        (which also counts every question, so it has the user's recent history to go on)."""
        if self.limiter is None:
            return Verdict.ALLOW
        limiter, prefix = self.limiter, self.redis.prefix
        local = limiter.check(user_id)
        args = (limiter.count, max(1, round(limiter.seconds * 1000)), limiter.max_users)
        try:
            verdict, wait_ms = await self.redis.call(
                lambda client: self.redis.check_rate(keys=[f"{prefix}rate:{user_id}", f"{prefix}rates"], args=args,
                                                     client=client))
        except RedisUnavailable:
            self.redis.fell_back("rate_limit")
            return local
        shared = Verdict(verdict.decode() if isinstance(verdict, bytes) else str(verdict))
        if shared is Verdict.WARN:  # its reply says when to ask again
            if len(self._retry_after) >= _MAX_PENDING_RETRY_AFTER:
                self._retry_after.clear()
            self._retry_after[user_id] = max(1, (int(wait_ms) + 999) // 1000)
        return shared

    def retry_after(self, user_id: str) -> int:
        shared = self._retry_after.pop(user_id, None)
        if shared is not None:
            return shared
        return self.limiter.retry_after(user_id) if self.limiter is not None else 0

    async def load_topic(self, key: str) -> Topic | None:
        """The shared topic of ``key``, put in the memory; this replica's own when Redis has none
        (expired) or cannot be asked, or when this replica's is newer (answered while Redis was
        away: then None, so that :meth:`save_topic` publishes it)."""
        local = self.memory.peek(key)
        if key in self._unsaved:
            return None
        name = self._topic_key(key)

        async def read(client: Redis) -> list[Any]:
            async with client.pipeline(transaction=False) as pipe:
                pipe.get(name)
                pipe.pttl(name)
                result: list[Any] = await pipe.execute()
                return result

        try:
            raw, left_ms = await self.redis.call(read)
        except RedisUnavailable:
            self.redis.fell_back("conversation")
            return local
        if raw is None:
            return local
        age = self.memory.ttl - (left_ms / 1000 if left_ms > 0 else self.memory.ttl)
        topic = topic_from_json(raw, at=self.memory.now() - max(0.0, age))
        if topic is None:
            _log.warning("the shared topic of a conversation is not one this version reads; it is ignored")
            return local
        self.memory.remember(key, topic)
        return self.memory.peek(key)

    async def save_topic(self, key: str, loaded: Topic | None) -> None:
        """Publish the topic the answer left in the memory, with what is left of its TTL."""
        topic = self.memory.peek(key)
        if topic is None or topic is loaded:
            return
        operation = self._save(key, topic)
        if operation is None:
            return
        try:
            await self.redis.call(operation)
        except RedisUnavailable:
            self.redis.fell_back("conversation")
            self._unsaved[key] = None
            self._unsaved.move_to_end(key)
            while len(self._unsaved) > self.memory.capacity:
                self._unsaved.popitem(last=False)
        else:
            self._unsaved.pop(key, None)

    def link(self, new_key: str, key: str) -> None:
        """The answer's own key continues ``key`` here at once, and in Redis when it answers."""
        self.memory.link(new_key, key)
        topic = self.memory.peek(new_key)
        operation = self._save(new_key, topic) if topic is not None else None
        if operation is not None:
            self.redis.write_soon(operation, "conversation")

    def _save(self, key: str, topic: Topic) -> Callable[[Redis], Awaitable[object]] | None:
        left_ms = round((self.memory.ttl - (self.memory.now() - topic.at)) * 1000)
        if left_ms <= 0:
            return None
        keys = [self._topic_key(key), f"{self.redis.prefix}topics"]
        args = (topic_to_json(topic), left_ms, self.memory.capacity)

        def save(client: Redis) -> Awaitable[object]:
            return self.redis.save_topic(keys=keys, args=args, client=client)

        return save


def shared_state(memory: ConversationMemory, limiter: RateLimiter | None, link: RedisLink | None) -> SharedState:
    """The one place the state is chosen: in Redis when there is a link to it, else local."""
    return RedisState(memory, limiter, link) if link is not None else LocalState(memory, limiter)


def redis_location(url: str) -> str:
    """host:port of a Redis URL, for logs: never its user or password."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return parts.path or "unix socket"
    return f"{parts.hostname or 'localhost'}:{parts.port or 6379}"


@contextlib.asynccontextmanager
async def open_redis(settings: Settings, *, metrics: Metrics | None = None) -> AsyncIterator[RedisLink | None]:
    """A link to ``REDIS_URL``, closed on exit; None without one. Redis not answering at start
    is said once and waited for in the background: the bot answers meanwhile."""
    if settings.redis_url is None:
        yield None
        return
    from redis.asyncio import Redis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    url = settings.redis_url.get_secret_value()
    timeout = settings.redis_timeout
    # One immediate retry: a pooled connection Redis closed (a restart) fails once, then a new one
    # is opened, inside the same timeout. Any longer wait is the link's to decide, not the client's.
    client = Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 1))
    link = RedisLink(client, prefix=settings.redis_prefix, timeout=timeout,
                     retry_seconds=settings.redis_retry_seconds, where=redis_location(url), metrics=metrics)
    if await link.ping():
        _log.info("conversation context and rate limits shared in Redis at %s", link.where)
    try:
        yield link
    finally:
        await link.aclose()


def _redis_errors() -> tuple[type[Exception], type[Exception]]:
    """redis-py's (ResponseError, RedisError), imported when first needed: ``aibot ask`` never is."""
    from redis.exceptions import RedisError, ResponseError

    return ResponseError, RedisError

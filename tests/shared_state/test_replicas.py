"""Issue 25, item 3: two replicas (two conversation services, each with its own Redis client and
its own memory) sharing one real Redis. A follow-up whose first turn went to one replica is read
with it by the other; one user's questions over both are limited as one; Redis cut or stalled
mid-run costs each answer at most its timeout, and sharing comes back by itself.

Each test has keys of its own (``redis_prefix``), deleted afterwards; without a Redis at
127.0.0.1:6379 these tests are skipped with that reason.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest

from bot.answering import AnswerEngine
from bot.conversation import ConversationService, Message, Reply, ReplyKind
from bot.metrics import Metrics
from bot.settings import load_settings
from bot.shared_state import LocalState, RedisLink, RedisState, open_redis
from tests.shared_state.conftest import REDIS_URL
from tests.shared_state.proxy import RedisProxy
from tests.waiting import until

THREAD = "slack:C0CHANNEL:1700000000.000100"
DM = "slack:D0DIRECT"


@dataclass
class Replica:
    service: ConversationService
    link: RedisLink | None
    metrics: Metrics


@contextlib.asynccontextmanager
async def replicas(engine: AnswerEngine, prefix: str | None, *, count: int = 2, url: str = REDIS_URL,
                   **overrides: object) -> AsyncIterator[list[Replica]]:
    """``count`` services as ``aibot run`` builds them, on one Redis (none when ``prefix`` is None)."""
    shared = {"redis_url": url, "redis_prefix": prefix} if prefix is not None else {}
    settings = load_settings(**shared, **overrides)
    async with contextlib.AsyncExitStack() as stack:
        built = []
        for _ in range(count):
            metrics = Metrics()
            link = await stack.enter_async_context(open_redis(settings, metrics=metrics))
            service = ConversationService.from_settings(engine, settings, metrics=metrics, chart_maker=None,
                                                        redis=link)
            built.append(Replica(service, link, metrics))
        yield built


async def ask(replica: Replica, text: str, key: str, user: str = "U1") -> Reply:
    return await replica.service.handle(Message(text=text, conversation=key, user_id=user, platform="slack"))


async def wait_until(condition: Callable[[], bool], what: str) -> None:
    """Until ``condition`` holds (the sentinel), five seconds at most."""
    await until(condition, within=5, what=what)


# -- follow-ups over two replicas -------------------------------------------------------------

@pytest.mark.parametrize("key", [THREAD, DM], ids=["thread", "dm"])
async def test_a_follow_up_on_the_other_replica_is_read_with_the_first_turn(
        engine: AnswerEngine, redis_prefix: str, key: str) -> None:
    async with replicas(engine, redis_prefix) as (a, b):
        first = await ask(a, "How much is Meta investing in AI?", key)
        assert first.kind is ReplyKind.ANSWER and "Meta" in first.text
        follow_up = await ask(b, "bigger than Microsoft's?", key)
        assert "Microsoft plans more" in follow_up.text, follow_up.text
        source = await ask(a, "where is that from?", key)
        assert "That comes from AFP" in source.text, source.text


@pytest.mark.parametrize("key", [THREAD, DM], ids=["thread", "dm"])
async def test_without_redis_the_other_replica_reads_the_follow_up_alone(engine: AnswerEngine, key: str) -> None:
    """The control: what the shared test would see if Redis were not used."""
    async with replicas(engine, None) as (a, b):
        assert isinstance(a.service.shared, LocalState) and a.link is None
        await ask(a, "How much is Meta investing in AI?", key)
        follow_up = await ask(b, "bigger than Microsoft's?", key)
        assert "plans more" not in follow_up.text


async def test_tell_me_more_alternating_replicas_never_repeats_a_fact(engine: AnswerEngine, redis_prefix: str) -> None:
    """Each replica reads the topic the other left, not the older copy in its own memory."""
    async with replicas(engine, redis_prefix, rate_limit_count=100) as (a, b):
        given = list((await ask(a, "How much is Meta investing in AI?", THREAD)).fact_ids)
        about_meta = [f.id for f in engine.base.facts if "meta" in f.entities]
        for turn in range(len(about_meta) - 1):
            reply = await ask((b, a)[turn % 2], "tell me more", THREAD)
            assert reply.kind is ReplyKind.ANSWER and reply.fact_ids[0] not in given, reply.text
            given += reply.fact_ids
        assert sorted(given) == sorted(about_meta)


async def test_a_topic_is_the_askers_own_on_every_replica(engine: AnswerEngine, redis_prefix: str) -> None:
    async with replicas(engine, redis_prefix) as (a, b):
        await ask(a, "How much is Meta investing in AI?", THREAD, user="U1")
        other = await ask(b, "where is that from?", THREAD, user="U2")
        assert "haven't answered anything" in other.text
        own = await ask(b, "where is that from?", THREAD, user="U1")
        assert "That comes from AFP" in own.text


async def test_a_reply_to_the_answer_continues_its_conversation_on_the_other_replica(
        engine: AnswerEngine, redis_prefix: str) -> None:
    """Discord links the answer's message to the conversation (a reply to it continues it)."""
    async with replicas(engine, redis_prefix) as (a, b):
        await ask(a, "How much is Meta investing in AI?", "discord:1:2")
        a.service.link("discord:answer:99", "discord:1:2")
        assert a.link is not None
        await wait_until(lambda: not a.link._writes, "the writes behind sent")  # type: ignore[union-attr]
        follow_up = await ask(b, "bigger than Microsoft's?", "discord:answer:99")
        assert "Microsoft plans more" in follow_up.text


# -- rate limits over two replicas ------------------------------------------------------------

async def test_one_users_questions_over_both_replicas_are_limited_as_one(
        engine: AnswerEngine, redis_prefix: str) -> None:
    async with replicas(engine, redis_prefix, rate_limit_count=3, rate_limit_seconds=60) as (a, b):
        replies = [await ask(r, "What is Stargate?", DM, user="U1") for r in (a, b, a, b, a)]
        assert [r.kind for r in replies] == [ReplyKind.ANSWER] * 3 + [ReplyKind.SLOW_DOWN, ReplyKind.IGNORE]
        assert re.search(r"wait (59|60) seconds", replies[3].text), replies[3].text
        assert (await ask(b, "What is Stargate?", DM, user="U2")).kind is ReplyKind.ANSWER
        assert b.metrics.value("aibot_rate_limited_total", platform="slack", verdict="warn") == 1
        assert a.metrics.value("aibot_rate_limited_total", platform="slack", verdict="drop") == 1


async def test_without_redis_each_replica_counts_its_own(engine: AnswerEngine) -> None:
    """The control: a user gets the limit once per replica."""
    async with replicas(engine, None, rate_limit_count=3, rate_limit_seconds=60) as (a, b):
        replies = [await ask(r, "What is Stargate?", DM, user="U1") for r in (a, b, a, b, a)]
        assert [r.kind for r in replies] == [ReplyKind.ANSWER] * 5


async def test_the_shared_limit_keeps_the_local_rules_and_cap(redis_prefix: str) -> None:
    """Warned once then dropped, the seconds to wait, a window that empties, at most max_users."""
    from bot.conversation import ConversationMemory
    from bot.ratelimit import RateLimiter, Verdict

    settings = load_settings(redis_url=REDIS_URL, redis_prefix=redis_prefix)
    async with open_redis(settings) as link:
        assert link is not None
        state = RedisState(ConversationMemory(ttl=600, capacity=10), RateLimiter(2, 1.5, max_users=3), link)
        verdicts = [await state.check_rate("spammer") for _ in range(4)]
        assert verdicts == [Verdict.ALLOW, Verdict.ALLOW, Verdict.WARN, Verdict.DROP]
        assert state.retry_after("spammer") in (1, 2)
        assert 0 < await link.client.pttl(f"{redis_prefix}rate:spammer") <= 1500
        for n in range(5):
            assert await state.check_rate(f"U{n}") is Verdict.ALLOW
        assert await link.client.zcard(f"{redis_prefix}rates") == 3
        assert len(await link.client.keys(f"{redis_prefix}rate:*")) == 3
        assert await link.client.exists(f"{redis_prefix}rate:U4")  # the latest is kept, the oldest go
        async def emptied() -> bool:  # the window empties
            return not await link.client.exists(f"{redis_prefix}rate:spammer")

        await until(emptied, within=3, what="the spammer's rate window emptied", every=0.05)
        assert await state.check_rate("spammer") is Verdict.ALLOW


# -- what is stored: JSON, the same TTL and cap -------------------------------------------------

async def test_topics_are_json_with_the_conversation_ttl_and_cap(engine: AnswerEngine, redis_prefix: str) -> None:
    async with replicas(engine, redis_prefix, count=1, conversation_limit=3, conversation_ttl_seconds=120) as (a,):
        for n in range(5):
            await ask(a, "What is Stargate?", f"slack:D{n}")
        assert a.link is not None
        client = a.link.client
        keys = sorted(await client.keys(f"{redis_prefix}topic:*"))
        assert keys == [f"{redis_prefix}topic:slack:D{n}".encode() for n in (2, 3, 4)]
        raw = await client.get(keys[-1])
        stored = json.loads(raw)
        assert stored["user_id"] == "U1" and stored["question"] == "What is Stargate?" and stored["v"] == 1
        assert 110_000 < await client.pttl(keys[-1]) <= 120_000
        assert await client.zcard(f"{redis_prefix}topics") == 3


async def test_a_value_that_is_not_a_topic_is_ignored_not_run(
        engine: AnswerEngine, redis_prefix: str, caplog: pytest.LogCaptureFixture) -> None:
    """A pickle planted in Redis is never unpickled: the follow-up is read alone."""
    async with replicas(engine, redis_prefix) as (a, b):
        assert a.link is not None
        await a.link.client.set(f"{redis_prefix}topic:{DM}", b"cos\nsystem\n(S'echo pwned'\ntR.", px=60_000)
        with caplog.at_level(logging.WARNING, logger="bot.shared_state"):
            reply = await ask(b, "where is that from?", DM)
        assert "haven't answered anything" in reply.text
        assert any("not one this version reads" in r.getMessage() for r in caplog.records)


async def test_a_command_redis_refuses_falls_back_without_leaving_redis(
        engine: AnswerEngine, redis_prefix: str, caplog: pytest.LogCaptureFixture) -> None:
    """Redis answering with an error (here a key of the wrong type; out of memory is the same)."""
    async with replicas(engine, redis_prefix, count=1, rate_limit_count=100) as (a,):
        assert a.link is not None
        await a.link.client.set(f"{redis_prefix}rates", b"not a sorted set")
        with caplog.at_level(logging.WARNING, logger="bot.shared_state"):
            replies = [await ask(a, "What is Stargate?", DM) for _ in range(3)]
        assert all(r.kind is ReplyKind.ANSWER for r in replies)
        assert a.link.up
        assert len([r for r in caplog.records if "refused a command" in r.getMessage()]) == 1
        assert a.metrics.value("aibot_shared_state_fallbacks_total", kind="rate_limit") == 3


# -- Redis cut or stalled mid-run --------------------------------------------------------------

@pytest.mark.parametrize("failure", ["cut", "stall"])
async def test_redis_lost_mid_run_costs_answers_under_a_second_and_sharing_comes_back(
        engine: AnswerEngine, redis_prefix: str, failure: str, caplog: pytest.LogCaptureFixture) -> None:
    proxy = RedisProxy()
    await proxy.start()
    caplog.set_level(logging.INFO, logger="bot.shared_state")
    try:
        async with replicas(engine, redis_prefix, url=proxy.url, redis_timeout=0.25, redis_retry_seconds=0.2,
                            rate_limit_count=100) as (a, b):
            await ask(a, "How much is Meta investing in AI?", "slack:C1:1.1")
            assert "plans more" in (await ask(b, "bigger than Microsoft's?", "slack:C1:1.1")).text
            await ask(a, "How much is Meta investing in AI?", "slack:C1:4.1")  # shared, then replaced below
            if failure == "cut":
                await proxy.cut()
            else:
                proxy.stall()
            slowest = 0.0
            for n in range(20):
                started = time.perf_counter()
                reply = await ask((a, b)[n % 2], "How much is Meta investing in AI?", f"slack:C1:2.{n}", user=f"U{n}")
                slowest = max(slowest, time.perf_counter() - started)
                assert reply.kind is ReplyKind.ANSWER
            assert slowest < 1.0, slowest
            # a follow-up on the replica that answered the first turn is still read with it
            assert "plans more" in (await ask(a, "bigger than Microsoft's?", "slack:C1:2.0", user="U0")).text
            await ask(a, "What is Stargate?", "slack:C1:4.1")  # newer here than in Redis
            went = [r for r in caplog.records if "did not answer" in r.getMessage()]
            assert len(went) == 2, [r.getMessage() for r in went]  # one line per replica, not per message
            for replica in (a, b):
                assert replica.metrics.value("aibot_shared_state_fallbacks_total", kind="conversation") >= 10
                assert replica.metrics.value("aibot_shared_state_fallbacks_total", kind="rate_limit") >= 10
            await proxy.restore()
            await wait_until(lambda: a.link is not None and a.link.up and b.link is not None and b.link.up,
                             "both replicas back on Redis")
            assert len([r for r in caplog.records if "answers again" in r.getMessage()]) == 2
            await ask(a, "How much is Meta investing in AI?", "slack:C1:3.1")
            assert "plans more" in (await ask(b, "bigger than Microsoft's?", "slack:C1:3.1")).text
            # what A answered while Redis was away wins over Redis's older topic, and is shared from then on
            assert "Donald Trump presented" in (await ask(a, "who presented it?", "slack:C1:4.1")).text
            assert "Donald Trump presented" in (await ask(b, "who presented it?", "slack:C1:4.1")).text
            assert len([r for r in caplog.records if "did not answer" in r.getMessage()]) == 2
    finally:
        await proxy.close()


async def test_redis_away_at_start_is_said_once_and_waited_for(
        engine: AnswerEngine, redis_prefix: str, caplog: pytest.LogCaptureFixture) -> None:
    """Start-up does not wait for Redis; the URL's password is never logged."""
    proxy = RedisProxy()
    await proxy.start()
    await proxy.cut()
    caplog.set_level(logging.INFO, logger="bot.shared_state")
    url = proxy.url.replace("redis://", "redis://:hunter2-secret@")
    try:
        started = time.perf_counter()
        async with replicas(engine, redis_prefix, count=1, url=url, redis_timeout=0.25,
                            redis_retry_seconds=0.2) as (a,):
            reply = await ask(a, "What is Stargate?", DM)
            assert reply.kind is ReplyKind.ANSWER and time.perf_counter() - started < 1.0
            assert a.link is not None and not a.link.up
        assert len([r for r in caplog.records if "did not answer" in r.getMessage()]) == 1
        assert all("hunter2" not in r.getMessage() for r in caplog.records)
        assert any(f"127.0.0.1:{proxy.port}" in r.getMessage() for r in caplog.records)
    finally:
        await proxy.close()

"""Issue 14, item 6: a stalled or dropped PostgreSQL (through a proxy on 127.0.0.1) stalls
neither a reply, nor the store's callers, nor shutdown; a post's bookkeeping survives a drop."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import sys
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.answering import AnswerEngine, Question
from bot.conversation import ConversationService, Message, ReplyKind
from bot.digest.compose import DigestComposer
from bot.digest.model import Digest
from bot.gaps import StoreUnansweredLog
from bot.store import Store, StoreTimeout
from knowledge.models import FactBase
from tests.clocks import JumpClock
from tests.digest.conftest import FakePoster, _private_schema
from tests.digest.test_scheduler import MONDAY_7Z, NINE_PARIS, make_scheduler, subscribe
from tests.localhost import free_port, scratch_database
from tests.robust.netfault import FaultyProxy
from tests.slack.conftest import fake  # noqa: F401 - the fixture
from tests.slack.fake_slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack, event_callback, mention
from tests.slack.helpers import send_event
from tests.slack.test_process import wait_for_health

UNANSWERABLE = "Who won the 1998 football world cup?"


@dataclasses.dataclass
class Sick:
    proxy: FaultyProxy
    schema: str

    def open(self, seconds: float = 1.0) -> AsyncIterator[Store]:
        return Store.open(self.proxy.url(), schema=self.schema, seconds=seconds)  # type: ignore[return-value]


@pytest.fixture
async def sick() -> AsyncIterator[Sick]:
    async with _private_schema() as database:
        proxy = await FaultyProxy().start()
        try:
            yield Sick(proxy, database.schema or "")
        finally:
            await proxy.stop()


async def test_an_unanswerable_question_is_answered_at_once_with_the_database_stalled(
    sick: Sick, fact_base: FactBase,
) -> None:
    async with sick.open() as store:
        unanswered = StoreUnansweredLog(store)
        engine = AnswerEngine(fact_base, unanswered=unanswered)
        sick.proxy.stall()
        answer = await asyncio.wait_for(engine.answer(Question(text=UNANSWERABLE)), 0.5)
        assert not answer.matched and answer.answer
        started = time.monotonic()
        await unanswered.close(seconds=1.5)  # bounded, though the record cannot be written
        assert time.monotonic() - started < 3
        sick.proxy.drop()


async def test_a_question_is_answered_at_once_and_counted_later_with_the_database_stalled(
    sick: Sick, engine: AnswerEngine,
) -> None:
    async with sick.open() as store:
        questions = StoreUnansweredLog(store)
        service = ConversationService(engine, questions=questions)
        sick.proxy.stall()
        asked = Message("How much is Meta investing in AI?", "slack:C1", "U1", platform="slack")
        reply = await asyncio.wait_for(service.handle(asked), 0.5)
        assert reply.kind is ReplyKind.ANSWER
        started = time.monotonic()
        await questions.close(seconds=1.5)  # bounded, though the count cannot be written
        assert time.monotonic() - started < 3
        sick.proxy.drop()


async def test_every_store_call_gives_up_within_its_timeout(sick: Sick) -> None:
    async with sick.open(seconds=1.0) as store:
        sick.proxy.stall()
        started = time.monotonic()
        with pytest.raises(StoreTimeout):
            await store.subscriptions()
        assert time.monotonic() - started < 6  # the timeout, then the pool giving up on the connection
        sick.proxy.drop()


class DroppingPoster(FakePoster):
    """Posts, and the database connection drops while it does (refusing a few reconnects)."""

    proxy: FaultyProxy | None = None

    async def post_digest(self, workspace_id: str | None, channel_id: str, digest: Digest) -> None:
        await super().post_digest(workspace_id, channel_id, digest)
        assert self.proxy is not None
        self.proxy.drop(refuse=3)


async def test_a_digest_posted_while_the_connection_drops_is_recorded_posted(
    sick: Sick, fact_base: FactBase,
) -> None:
    clock = JumpClock(MONDAY_7Z)
    composer = DigestComposer(fact_base)
    async with sick.open(seconds=2.0) as store:
        await subscribe(store, composer, clock, "daily 09:00 Europe/Paris")
        poster = DroppingPoster("slack", clock)
        poster.proxy = sick.proxy
        clock.set(NINE_PARIS)
        assert await make_scheduler(store, composer, clock, poster).run_once() == 1
        subscription = (await store.subscriptions())[0]
        claims = await store.claims(subscription.id)
        assert len(poster.posts) == 1
        assert [c.status for c in claims] == ["posted"]
        assert subscription.last_posted_at == NINE_PARIS


@pytest.fixture
async def own_database() -> AsyncIterator[str]:
    """A database of the test's own on the local server (``aibot run`` takes a URL, not a schema)."""
    async with scratch_database("aibot_stall") as name:
        yield name


async def test_sigterm_ends_aibot_run_within_10_s_with_the_database_stalled(
    sick: Sick, fake: FakeSlack, own_database: str,  # noqa: F811
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env |= {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake.api_url,
            "DATABASE_URL": sick.proxy.url(own_database),
            "AIBOT_DATABASE_TIMEOUT": "2"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "slack", "--http", "--port", str(port),
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        async with aiohttp.ClientSession() as http:
            await wait_for_health(http, port, process)
            sick.proxy.stall()
            started = time.monotonic()
            status, _ = await send_event(http, port, event_callback(mention(UNANSWERABLE, channel="C0STALL")))
            assert status == 200
            await fake.wait_until(lambda: len(fake.posts()) == 1, within=5.0)
            assert time.monotonic() - started < 5
        stopping = time.monotonic()
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 15)
        assert time.monotonic() - stopping < 10
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        sick.proxy.drop()
    log = (await process.stderr.read()).decode() if process.stderr else ""
    assert process.returncode == 0, log[-3000:]


async def test_the_shared_slack_event_memory_answers_without_a_stalled_database(sick: Sick) -> None:
    from adapters.slack.guard import SharedEvents
    from bot.metrics import Metrics

    metrics = Metrics()
    async with sick.open(seconds=2.0) as store:
        shared = SharedEvents(store, patience=0.3, on_unchecked=lambda: metrics.event_unshared("slack"))
        assert await shared.first_time(["EvWARM", "C1:1"])  # through the database
        assert not await shared.first_time(["EvWARM"])
        sick.proxy.stall()
        started = time.monotonic()
        assert await shared.first_time(["EvSTALLED", "C1:2"])  # answered on this replica's memory
        assert not await shared.first_time(["EvSTALLED"])  # and that memory still holds it
        assert time.monotonic() - started < 1.5 and shared.unchecked == 1
        assert metrics.value("aibot_events_unshared_total", platform="slack") == 1  # what an operator sees
        sick.proxy.drop()

"""Issue 14, items 2-4: what a stranger's broken request gets, what it costs in log, and
Slack's retries answered once whatever the traffic, also across replicas."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import event as sa_event

from adapters.slack import guard
from bot.platforms import Services
from bot.store import Store
from tests.digest.conftest import Database, _private_schema
from tests.slack.conftest import slack_settings
from tests.slack.fake_slack import SIGNING_SECRET, FakeSlack, direct_message, event_callback, mention
from tests.slack.helpers import send_event
from tests.waiting import until

EVENTS = "/slack/events"


async def post(http: aiohttp.ClientSession, port: int, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    async with http.post(f"http://127.0.0.1:{port}{EVENTS}", data=body, headers=headers) as resp:
        return resp.status, await resp.text()


def signed(body: bytes, content_type: str = "application/json") -> dict[str, str]:
    """Slack's v0 signature over the raw bytes, which need not be UTF-8."""
    timestamp = str(int(time.time()))
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": guard_signature(body, timestamp)}


MALFORMED: list[tuple[bytes, str]] = [
    (b"{not json", "application/json"), (b"null", "application/json"), (b"[1, 2]", "application/json"),
    (b"\"just a string\"", "application/json"), (b"payload=notjson", "application/x-www-form-urlencoded"),
    (b"payload=null", "application/x-www-form-urlencoded"), (b"payload=%5B%5D", "application/x-www-form-urlencoded"),
    (b"\xff\xfe\x00", "application/json"), (b"[" * 100_000, "application/json"),
]


@pytest.mark.parametrize(("body", "content_type"), MALFORMED)
async def test_malformed_bodies_get_4xx_never_500_signed_or_not(
    start_bot: Callable[..., Any], http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture,
    body: bytes, content_type: str,
) -> None:
    caplog.set_level(logging.INFO)
    bot = await start_bot()
    status, _ = await post(http, bot.bound_port, body, {"Content-Type": content_type})
    assert status == 401
    status, _ = await post(http, bot.bound_port, body, signed(body, content_type))
    assert status == 400
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("timestamp", ["soon", "", "1e9", "-1", "٣٣٣", "9" * 40])
async def test_a_non_numeric_timestamp_is_a_401(
    start_bot: Callable[..., Any], http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture, timestamp: str,
) -> None:
    bot = await start_bot()
    body = b'{"type": "event_callback"}'
    headers = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": timestamp,
               "X-Slack-Signature": "v0=" + "0" * 64}
    status, _ = await post(http, bot.bound_port, body, headers)
    assert status == 401
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_rejected_request_costs_one_short_log_line_without_its_body(
    start_bot: Callable[..., Any], http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    bot = await start_bot()
    caplog.clear()
    marker = "SECRET-BODY-MARKER"
    body = (marker + "x" * 900_000).encode()
    for _ in range(5):
        status, _ = await post(http, bot.bound_port, body, {"Content-Type": "application/json"})
        assert status == 401
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert marker not in logged
    assert len(caplog.records) <= 5 and len(logged) < 5 * 1024


def test_a_retry_after_six_thousand_other_events_is_still_recognised() -> None:
    """The old memory held 10,000 keys (two per event) and so forgot after 5,000 events."""
    now = [0.0]
    recent = guard.RecentEvents(clock=lambda: now[0])
    assert recent.first_time(["Ev0", "C1:0"])
    for n in range(1, 20_001):
        now[0] = n * 0.01  # 20,000 events in 200 s, well inside the retry window
        assert recent.first_time([f"Ev{n}", f"C1:{n}"])
    assert not recent.first_time(["Ev0"])
    now[0] = 200 + guard.RETRY_WINDOW + 1
    assert recent.first_time(["Ev0"])  # long after the window: forgotten, memory given back
    assert len(recent) == 1


def test_twenty_thousand_events_in_the_retry_memory_cost_under_a_megabyte() -> None:
    """Ten minutes of every event are kept: as hashes in arrays, not key strings in a dict (5.7 MB)."""
    import tracemalloc

    now = [0.0]
    recent = guard.RecentEvents(clock=lambda: now[0])
    keys = [[f"EvSOAK{n:08d}", f"C{n % 50:04d}:{1_700_000_000 + n}.000100"] for n in range(20_000)]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n, pair in enumerate(keys):
            now[0] = n * 0.0025  # 400 events a second
            assert recent.first_time(pair)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert held < 1_000_000
    assert not any(recent.first_time([pair[0]]) for pair in keys[::97])  # all still remembered
    assert not any(recent.first_time([pair[1]]) for pair in keys[::89])


@settings(max_examples=500, deadline=None)
@given(body=st.binary(max_size=300), timestamp=st.text(max_size=14), signature=st.text(max_size=70),
       content_type=st.sampled_from(["application/json", "application/x-www-form-urlencoded", "", "text/plain"]))
def test_check_never_raises_and_never_accepts_an_unsigned_body(
    body: bytes, timestamp: str, signature: str, content_type: str,
) -> None:
    headers = {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature, "Content-Type": content_type}
    refusal = guard.check(body, headers, SIGNING_SECRET)
    assert refusal is not None and refusal.status == 401


@settings(max_examples=500, deadline=None)
@given(body=st.binary(max_size=300) | st.from_regex(r"payload=[\[\]{}\"a-z0-9%:,]*", fullmatch=True).map(str.encode),
       content_type=st.sampled_from(["application/json", "application/x-www-form-urlencoded", ""]))
def test_a_signed_body_is_either_refused_as_400_or_readable(body: bytes, content_type: str) -> None:
    headers = signed(body, content_type)
    refusal = guard.check(body, headers, SIGNING_SECRET)
    assert refusal is None or refusal.status == 400


def guard_signature(body: bytes, timestamp: str) -> str:
    return "v0=" + hmac.new(SIGNING_SECRET.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()


@pytest.fixture
async def shared_store() -> AsyncIterator[tuple[Database, Store]]:
    async with _private_schema() as database, database.open() as store:
        yield database, store


async def test_two_replicas_sharing_postgresql_answer_a_retry_once(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession, engine: Any,
    shared_store: tuple[Database, Store],
) -> None:
    database, store = shared_store
    replicas = []
    for _ in range(2):
        settings_ = slack_settings(fake, database_url=database.url)
        replicas.append(await start_bot(services=Services(settings=settings_, engine=engine, store=store)))
    payload = event_callback(mention("What is Stargate?"))
    assert (await send_event(http, replicas[0].bound_port, payload))[0] == 200
    await fake.wait_until(lambda: len(fake.posts()) == 1)
    assert (await send_event(http, replicas[1].bound_port, payload, retry=1))[0] == 200  # via the balancer
    # a later question, to the second replica, shows the retry had its chance to be answered
    assert (await send_event(http, replicas[1].bound_port, event_callback(direct_message("What is Stargate?"))))[0] == 200
    await fake.wait_until(lambda: len(fake.posts()) == 2)
    assert [p["channel"] for p in fake.posts()] == ["C0GENERAL", "D0DIRECT1"]


async def test_replicas_claim_each_event_once_under_concurrency_one_statement_a_batch(
    shared_store: tuple[Database, Store],
) -> None:
    """Two replicas (stores of their own) get the same 300 events at once, with the event loop
    kept busy as answering keeps it: each event is answered by exactly one of them, none is
    left to a replica's own memory, and the claims never go back to the pool (no ping, no
    BEGIN/COMMIT per batch: one autocommitted INSERT on a connection of their own)."""
    database, _ = shared_store
    async with database.open() as one, database.open() as two:
        checkouts = [0]
        statements: list[str] = []

        def checked_out(*_: Any) -> None:
            checkouts[0] += 1

        def executed(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            statements.append(statement)

        for store in (one, two):
            sa_event.listen(store.engine.sync_engine, "checkout", checked_out)
            sa_event.listen(store.engine.sync_engine, "before_cursor_execute", executed)
        replicas = [guard.SharedEvents(one), guard.SharedEvents(two)]
        busy = asyncio.Event()

        async def answering() -> None:  # 20 ms of CPU per turn of the loop, as answers take it
            while not busy.is_set():
                until = time.perf_counter() + 0.02
                while time.perf_counter() < until:
                    pass
                await asyncio.sleep(0)

        async def delivered(n: int, replica: guard.SharedEvents) -> bool:
            await asyncio.sleep(n * 0.002)  # arriving over 0.6 s, as requests do: many batches
            return await replica.first_time([f"EvLOAD{n}", f"C1:{n}.0001"])

        hog = asyncio.create_task(answering())
        try:
            outcomes = await asyncio.gather(*(delivered(n, replica) for n in range(300) for replica in replicas))
        finally:
            busy.set()
            await hog
    per_event = [outcomes[2 * n] + outcomes[2 * n + 1] for n in range(300)]
    assert per_event == [1] * 300
    assert [replica.unchecked for replica in replicas] == [0, 0]
    assert checkouts[0] == 2  # one connection each, kept for every batch
    assert statements and all(s.startswith(("INSERT INTO seen_events", "DELETE FROM seen_events"))
                              for s in statements)
    assert 2 < sum(s.startswith("INSERT") for s in statements) < 600  # several batches, not one per event


async def test_the_claims_connection_is_replaced_after_a_failure(shared_store: tuple[Database, Store]) -> None:
    """A claim whose connection broke is dropped, and the next claim opens a fresh one."""
    _, store = shared_store
    assert await store.first_deliveries(["EvBEFORE"], window=600) == {"EvBEFORE"}
    claims = store._claims
    assert claims is not None
    await claims.invalidate()  # as a server restart leaves it
    with pytest.raises(Exception):  # noqa: B017 - whichever error the dead connection gives
        await store.first_deliveries(["EvDURING"], window=600)
    assert store._claims is None
    assert await store.first_deliveries(["EvAFTER", "EvBEFORE"], window=600) == {"EvAFTER"}


async def test_the_backlog_holds_a_flood_at_the_door_until_an_answer_finishes() -> None:
    backlog = guard.Backlog(2, patience=5.0)
    await asyncio.wait_for(backlog.admit(), 0.1)  # room: at once
    first, second = backlog.answer(), backlog.answer()
    first.__enter__()
    second.__enter__()
    waiting = asyncio.create_task(backlog.admit())
    for _ in range(100):  # the sentinel: the request has reached the door and found it full
        if backlog.waited:
            break
        await asyncio.sleep(0)
    assert backlog.waited == 1
    assert not waiting.done()  # full: the next request waits
    first.__exit__(None, None, None)
    await asyncio.wait_for(waiting, 1.0)  # one answer finished: it goes in
    second.__exit__(None, None, None)
    assert backlog.answering == 0


async def test_the_backlog_never_holds_a_request_past_its_patience() -> None:
    """Slack wants the ack within 3 s: a backlog that does not move lets the request in anyway."""
    backlog = guard.Backlog(1, patience=0.2)
    with backlog.answer():
        started = time.monotonic()
        await asyncio.wait_for(backlog.admit(), 2.0)
        assert 0.15 < time.monotonic() - started < 1.5


async def test_a_full_backlog_holds_the_next_ack_and_every_answer_leaves_it(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession,
) -> None:
    """Through the real HTTP path: while the backlog is full the next event's ack waits for
    room (here, its patience); an answered event leaves the backlog, so the next goes at once."""
    bot = await start_bot()
    bot.backlog = guard.Backlog(1, patience=0.5)

    async def answered(count: int) -> None:
        await fake.wait_until(lambda: len(fake.posts()) == count)
        # the answer leaves the backlog just after its post
        await until(lambda: bot.backlog.answering == 0, within=3, what="the backlog empty")

    with bot.backlog.answer():  # an answer in progress fills it
        started = time.monotonic()
        status, _ = await send_event(http, bot.bound_port, event_callback(mention("What is Stargate?", ts="1.1")))
        held = time.monotonic() - started
    assert status == 200 and held >= 0.4 and bot.backlog.waited == 1
    await answered(1)
    started = time.monotonic()
    status, _ = await send_event(http, bot.bound_port, event_callback(mention("What is Stargate?", ts="1.2")))
    assert status == 200 and time.monotonic() - started < 0.4
    await answered(2)
    assert bot.backlog.answering == 0 and bot.backlog.waited == 1

"""The scheduler on real SQLite and real PostgreSQL, with a fake clock and a recording poster.

Each test drives virtual time: ``JumpClock`` jumps to every wake-up (``run_once`` passes,
retry backoff), ``ManualClock`` holds the real ``run`` loop until the test moves it.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.digest.compose import DigestComposer
from bot.digest.model import CommandContext, PostError
from bot.digest.scheduler import DigestScheduler
from bot.digest.service import DigestService
from bot.store import Store
from knowledge.models import FactBase
from tests.clocks import JumpClock, ManualClock
from tests.digest.conftest import Database, FakePoster
from tests.waiting import until

PARIS = ZoneInfo("Europe/Paris")
MONDAY_7Z = datetime(2025, 3, 3, 7, 0, tzinfo=UTC)  # 08:00 in Paris; the 09:00 digest runs at 08:00Z
NINE_PARIS = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)


def ctx(channel: str = "C1", platform: str = "slack") -> CommandContext:
    return CommandContext(platform=platform, workspace_id="T1", channel_id=channel, user_id="U1", is_admin=True,
                          lang="en")


async def subscribe(store: Store, composer: DigestComposer, clock: JumpClock | ManualClock, words: str,
                    channel: str = "C1") -> None:
    reply = await DigestService(store, composer, clock=clock).handle_command(ctx(channel), words.split())
    assert reply.ok, reply.text


def make_scheduler(store: Store, composer: DigestComposer, clock: JumpClock | ManualClock, *posters: FakePoster,
                   max_failures: int = 3, grace_hours: float = 6, owner: str | None = None,
                   poll: timedelta = timedelta(seconds=60)) -> DigestScheduler:
    return DigestScheduler(store, composer, {p.name: p for p in posters}, clock=clock,
                           grace=timedelta(hours=grace_hours), max_failures=max_failures, owner=owner, poll=poll)


@pytest.fixture
def composer(fact_base: FactBase) -> DigestComposer:
    return DigestComposer(fact_base)


async def test_a_due_run_is_posted_once_even_after_a_restart(database: Database, composer: DigestComposer) -> None:
    clock = JumpClock(MONDAY_7Z)
    poster = FakePoster("slack", clock)
    async with database.open() as store:
        await subscribe(store, composer, clock, "daily 09:00 Europe/Paris fr")
        clock.set(NINE_PARIS)
        assert await make_scheduler(store, composer, clock, poster).run_once() == 1
        assert await make_scheduler(store, composer, clock, poster).run_once() == 0  # a second pass
    async with database.open() as store:  # the process restarts
        clock.set(NINE_PARIS + timedelta(minutes=3))
        assert await make_scheduler(store, composer, clock, poster).run_once() == 0
        assert poster.channels() == ["C1"]
        assert poster.posts[0].digest.lang == "fr" and poster.posts[0].at == NINE_PARIS
        clock.set(NINE_PARIS + timedelta(days=1))
        assert await make_scheduler(store, composer, clock, poster).run_once() == 1
    assert len(poster.posts) == 2


async def test_two_processes_on_one_database_post_each_run_once(database: Database, composer: DigestComposer) -> None:
    clock = JumpClock(MONDAY_7Z)
    channels = [f"C{n}" for n in range(8)]
    async with database.open() as setup:
        for name in channels:
            await subscribe(setup, composer, clock, "daily 09:00 Europe/Paris", channel=name)
    clock.set(NINE_PARIS)
    first, second = FakePoster("slack", clock), FakePoster("slack", clock)
    async with database.open() as store_a, database.open() as store_b:  # two engines, two connection pools
        a = make_scheduler(store_a, composer, clock, first, owner="dyno-1")
        b = make_scheduler(store_b, composer, clock, second, owner="dyno-2")
        for _ in range(3):
            await asyncio.gather(a.run_once(), b.run_once())
    posted = first.channels() + second.channels()
    assert sorted(posted) == sorted(channels)  # every channel once, no channel twice


async def test_a_crash_between_claim_and_post_does_not_post_again(database: Database, composer: DigestComposer) -> None:
    clock = JumpClock(MONDAY_7Z)
    stuck = FakePoster("slack", clock, block=asyncio.Event())  # never released: the process dies mid-post
    async with database.open() as store:
        await subscribe(store, composer, clock, "daily 09:00 Europe/Paris")
        clock.set(NINE_PARIS)
        crashed = asyncio.create_task(make_scheduler(store, composer, clock, stuck).run_once())
        await until(lambda: stuck.attempts == ["C1"], within=5, what="a post attempted to C1")
        crashed.cancel()
        with pytest.raises(asyncio.CancelledError):
            await crashed
    fresh = FakePoster("slack", clock)
    async with database.open() as store:  # restarted, same minute
        assert await make_scheduler(store, composer, clock, fresh).run_once() == 0
        subscription = await store.subscription_for("slack", "T1", "C1")
        assert subscription is not None
        assert [c.status for c in await store.claims(subscription.id)] == ["claimed"]  # at most once: not posted
        clock.set(NINE_PARIS + timedelta(days=1))
        assert await make_scheduler(store, composer, clock, fresh).run_once() == 1
    assert stuck.posts == [] and fresh.channels() == ["C1"]


async def test_a_slow_post_is_not_posted_twice(database: Database, composer: DigestComposer) -> None:
    clock = JumpClock(MONDAY_7Z)
    slow = FakePoster("slack", clock, block=asyncio.Event())
    other = FakePoster("slack", clock)
    async with database.open() as store:
        await subscribe(store, composer, clock, "daily 09:00 Europe/Paris")
        clock.set(NINE_PARIS)
        pending = asyncio.create_task(make_scheduler(store, composer, clock, slow).run_once())
        await until(lambda: slow.attempts == ["C1"], within=5, what="a post attempted to C1")
        clock.set(NINE_PARIS + timedelta(minutes=2))
        assert await make_scheduler(store, composer, clock, other).run_once() == 0
        assert slow.block is not None
        slow.block.set()
        await asyncio.wait_for(pending, 5)
    assert slow.channels() == ["C1"] and other.posts == []


async def test_a_run_missed_while_down_is_posted_once_within_the_grace_window(
    database: Database, composer: DigestComposer,
) -> None:
    clock = JumpClock(MONDAY_7Z)
    poster = FakePoster("slack", clock)
    async with database.open() as store:
        await subscribe(store, composer, clock, "daily 09:00 Europe/Paris")
        clock.set(NINE_PARIS + timedelta(days=2, hours=3))  # down for two days, back 3 h after Wednesday's run
        scheduler = make_scheduler(store, composer, clock, poster, grace_hours=6)
        assert await scheduler.run_once() == 1
        assert await scheduler.run_once() == 0
        subscription = await store.subscription_for("slack", "T1", "C1")
        assert subscription is not None
        assert [(c.period_key, c.status) for c in await store.claims(subscription.id)] == [
            ("2025-03-05T08:00Z", "posted")]  # only the latest missed run, once


async def test_a_run_missed_beyond_the_grace_window_is_skipped(database: Database, composer: DigestComposer) -> None:
    clock = JumpClock(MONDAY_7Z)
    poster = FakePoster("slack", clock)
    async with database.open() as store:
        await subscribe(store, composer, clock, "daily 09:00 Europe/Paris")
        clock.set(NINE_PARIS + timedelta(hours=7))
        scheduler = make_scheduler(store, composer, clock, poster, grace_hours=6)
        assert await scheduler.run_once() == 0
        subscription = await store.subscription_for("slack", "T1", "C1")
        assert subscription is not None
        assert [(c.period_key, c.status) for c in await store.claims(subscription.id)] == [
            ("2025-03-03T08:00Z", "skipped")]
        clock.set(NINE_PARIS + timedelta(days=1))
        assert await scheduler.run_once() == 1
    assert poster.channels() == ["C1"]


@pytest.mark.parametrize(("start", "days"), [
    (datetime(2025, 3, 27, 12, tzinfo=UTC), 6),  # across the last Sunday of March (30th)
    (datetime(2025, 10, 23, 12, tzinfo=UTC), 6),  # across the last Sunday of October (26th)
])
async def test_europe_paris_fires_once_a_day_at_the_right_local_hour_across_dst(
    database: Database, composer: DigestComposer, start: datetime, days: int,
) -> None:
    clock = JumpClock(start)
    poster = FakePoster("slack", clock)
    async with database.open() as store:
        await subscribe(store, composer, clock, "daily 09:00 Europe/Paris", channel="nine")
        await subscribe(store, composer, clock, "daily 02:30 Europe/Paris", channel="night")
        scheduler = make_scheduler(store, composer, clock, poster, poll=timedelta(days=1))
        while (wake := await scheduler.next_wake()) < start + timedelta(days=days):
            clock.set(wake)
            await scheduler.run_once()
    nine = [p.at.astimezone(PARIS) for p in poster.posts if p.channel_id == "nine"]
    night = [p.at.astimezone(PARIS) for p in poster.posts if p.channel_id == "night"]
    assert [t.strftime("%H:%M") for t in nine] == ["09:00"] * days
    assert len({t.date() for t in nine}) == days  # one a day, no day twice
    assert len({t.date() for t in night}) == len(night) == days
    change = next(t for t in night if t.date() in (date(2025, 3, 30), date(2025, 10, 26)))
    if change.month == 3:
        assert change.strftime("%H:%M %Z") == "03:00 CEST"  # 02:30 does not exist that night
    else:
        assert change.strftime("%H:%M %Z") == "02:30 CEST"  # the first of the two 02:30s


async def test_a_deleted_channel_is_disabled_after_n_failures_and_others_keep_posting(
    database: Database, composer: DigestComposer,
) -> None:
    clock = JumpClock(MONDAY_7Z)
    poster = FakePoster("slack", clock, always_fail={"gone": PostError("channel_not_found", permanent=True)})
    async with database.open() as store:
        await subscribe(store, composer, clock, "daily 09:00 Europe/Paris", channel="gone")
        await subscribe(store, composer, clock, "daily 09:00 Europe/Paris", channel="ok")
        clock.set(NINE_PARIS)
        scheduler = make_scheduler(store, composer, clock, poster, max_failures=3)
        await scheduler.run_once()
        assert poster.attempts.count("gone") == 3  # tried, then retried with backoff
        retries = [s - NINE_PARIS for s in clock.sleeps]
        assert retries == [timedelta(seconds=30), timedelta(seconds=90)]  # 30 s, then 60 s more
        gone = await store.subscription_for("slack", "T1", "gone")
        assert gone is not None and not gone.enabled and gone.failures == 3
        assert gone.last_failure_reason == "channel_not_found"
        assert [c.status for c in await store.claims(gone.id)] == ["failed"]
        clock.set(NINE_PARIS + timedelta(days=1))
        await scheduler.run_once()
    assert poster.channels() == ["ok", "ok"]
    assert poster.attempts.count("gone") == 3  # a disabled subscription is left alone


async def test_transient_errors_are_retried_and_do_not_count(database: Database, composer: DigestComposer) -> None:
    clock = JumpClock(MONDAY_7Z)
    poster = FakePoster("slack", clock, failures={"C1": [PostError("ratelimited", permanent=False), TimeoutError()]})
    async with database.open() as store:
        await subscribe(store, composer, clock, "daily 09:00 Europe/Paris")
        clock.set(NINE_PARIS)
        await make_scheduler(store, composer, clock, poster, max_failures=1).run_once()
        subscription = await store.subscription_for("slack", "T1", "C1")
    assert poster.attempts == ["C1", "C1", "C1"] and poster.channels() == ["C1"]
    assert subscription is not None and subscription.enabled and subscription.failures == 0
    assert subscription.last_posted_at == NINE_PARIS + timedelta(seconds=90)


async def test_an_unexpected_error_is_counted_not_retried(database: Database, composer: DigestComposer) -> None:
    clock = JumpClock(MONDAY_7Z)
    poster = FakePoster("slack", clock, failures={"C1": [ValueError("bad block")]})
    async with database.open() as store:
        await subscribe(store, composer, clock, "daily 09:00 Europe/Paris")
        clock.set(NINE_PARIS)
        scheduler = make_scheduler(store, composer, clock, poster)
        await scheduler.run_once()
        subscription = await store.subscription_for("slack", "T1", "C1")
        assert subscription is not None and subscription.failures == 1 and subscription.enabled
        assert poster.attempts == ["C1"] and poster.posts == []
        clock.set(NINE_PARIS + timedelta(days=1))
        await scheduler.run_once()
    assert poster.channels() == ["C1"]


async def test_subscriptions_of_a_platform_not_running_here_are_left_for_another_process(
    database: Database, composer: DigestComposer,
) -> None:
    clock = JumpClock(MONDAY_7Z)
    discord = FakePoster("discord", clock)
    async with database.open() as store:
        await subscribe(store, composer, clock, "daily 09:00 Europe/Paris")  # a Slack channel
        clock.set(NINE_PARIS)
        assert await make_scheduler(store, composer, clock, discord).run_once() == 0
        subscription = await store.subscription_for("slack", "T1", "C1")
        assert subscription is not None and await store.claims(subscription.id) == []


async def test_the_fact_of_the_day_does_not_repeat_until_every_fact_was_shown(
    database: Database, composer: DigestComposer, fact_base: FactBase,
) -> None:
    clock = JumpClock(MONDAY_7Z)
    poster = FakePoster("slack", clock)
    total = len(fact_base.facts)
    async with database.open() as store:
        await subscribe(store, composer, clock, "daily 09:00 Europe/Paris")
        scheduler = make_scheduler(store, composer, clock, poster)
        for day in range(total + 1):
            clock.set(NINE_PARIS + timedelta(days=day))
            assert await scheduler.run_once() == 1
    shown = [p.digest.fact_of_the_day.fact_id for p in poster.posts if p.digest.fact_of_the_day]
    assert len(shown) == total + 1
    assert len(set(shown[:total])) == total  # a full round without a repeat
    assert all(not p.digest.new_facts for p in poster.posts)  # nothing was added since subscribing
    assert [i.fact_id for i in poster.posts[0].digest.headline] == [
        "stargate-project", "microsoft-2025-data-centers", "meta-2025-ai-investment"]


async def test_facts_added_since_the_last_digest_are_announced_once(
    database: Database, composer: DigestComposer, fact_base: FactBase,
) -> None:
    clock = JumpClock(MONDAY_7Z)
    poster = FakePoster("slack", clock)
    template = fact_base.fact("microsoft-2025-data-centers")
    added = dataclasses.replace(template, id="microsoft-2025-new-figure", added=date(2025, 3, 3))
    grown = DigestComposer(fact_base.model_copy(update={"facts": [*fact_base.facts, added]}))
    async with database.open() as store:
        await subscribe(store, composer, clock, "daily 09:00 Europe/Paris")
        clock.set(NINE_PARIS)
        await make_scheduler(store, composer, clock, poster).run_once()  # before the new fact
        for day in (1, 2):  # the fact base was updated in between
            clock.set(NINE_PARIS + timedelta(days=day))
            await make_scheduler(store, grown, clock, poster).run_once()
    assert [[i.fact_id for i in p.digest.new_facts] for p in poster.posts] == [[], ["microsoft-2025-new-figure"], []]


async def test_the_run_loop_posts_when_the_clock_reaches_the_run_and_stops_cleanly(
    database: Database, composer: DigestComposer,
) -> None:
    clock = ManualClock(NINE_PARIS - timedelta(minutes=1))
    poster = FakePoster("slack", clock)
    async with database.open() as store:
        await subscribe(store, composer, clock, "daily 09:00 Europe/Paris")
        loop = asyncio.create_task(make_scheduler(store, composer, clock, poster).run())
        await until(lambda: clock.waiting_until is not None, within=5, what="the scheduler asleep")
        assert clock.waiting_until == NINE_PARIS  # it sleeps exactly until the run
        assert poster.posts == []
        await clock.move_to(NINE_PARIS)
        await asyncio.wait_for(poster.posted.wait(), 5)
        await until(lambda: clock.waiting_until == NINE_PARIS + timedelta(seconds=60), within=5,
                    what=lambda: f"the scheduler asleep until 09:01, not {clock.waiting_until}")
        loop.cancel()
        with pytest.raises(asyncio.CancelledError):
            await loop
    assert [p.at for p in poster.posts] == [NINE_PARIS]


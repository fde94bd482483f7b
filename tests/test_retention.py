"""Issue 22, item 5: votes and unanswered questions are pruned after settable periods (at start
and hourly in the running bot, on an injected clock), and one person's rows, or one question,
can be removed on request (``aibot data forget``). Real SQLite and real PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.feedback import Vote
from bot.retention import FORGOTTEN, Forgotten, Pruned, Retention, prune, prune_on_schedule, user_id_from
from bot.settings import SettingsError, load_settings
from bot.store import NewSubscription, Store, UnansweredRow
from bot.store.database import UNANSWERED_RETENTION, make_engine
from bot.store.tables import metadata
from tests.clocks import ManualClock
from tests.digest import conftest as digest_fixtures
from tests.digest.conftest import PG_DSN
from tests.localhost import free_port, scratch_database

# the store on SQLite and on PostgreSQL (a private schema), as the digest tests have it
database = digest_fixtures.database
store = digest_fixtures.store

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
RETENTION = Retention(votes=timedelta(days=90), unanswered=timedelta(days=30))


def vote(user: str, message: str, *, platform: str = "slack", question: str | None = "What is Microsoft's data "
         "center budget?", channel: str = "C1") -> Vote:
    return Vote(platform=platform, user_id=user, message_id=message, fact_ids=("msft-dc",), lang="en", up=False,
                question=question, channel_id=channel)


def channel(name: str, created_by: str, platform: str = "slack") -> NewSubscription:
    return NewSubscription(platform=platform, workspace_id="T1", channel_id=name, schedule_kind="daily",
                           schedule_time="09:00", tz="UTC", lang="en", created_by=created_by)


async def voters(store: Store) -> list[tuple[str, str, str]]:
    return sorted((v.platform, v.user_id, v.message_id) for v in await store.votes())


# -- the settings ------------------------------------------------------------------------------


def test_the_documented_defaults_and_a_period_of_zero_refused() -> None:
    settings = load_settings(_env_file=None)
    assert (settings.vote_retention_days, settings.unanswered_retention_days) == (90, 30)
    assert Retention.from_settings(settings) == RETENTION
    assert RETENTION.unanswered == UNANSWERED_RETENTION  # a store opened without the settings prunes alike
    with pytest.raises(SettingsError, match=r"^setting AIBOT_VOTE_RETENTION_DAYS is invalid: "):
        load_settings(vote_retention_days=0)


def test_a_pasted_mention_is_read_as_its_id() -> None:
    assert [user_id_from(v) for v in ("U0123ABCD", " <@U0123ABCD> ", "<@!1234>", "<@U1|ada>")] == [
        "U0123ABCD", "U0123ABCD", "1234", "U1"]


# -- pruning -----------------------------------------------------------------------------------


async def test_pruning_deletes_what_is_past_its_period_and_nothing_else(store: Store) -> None:
    await store.record_vote(vote("U1", "m-old"), NOW - timedelta(days=90, seconds=1))
    await store.record_vote(vote("U1", "m-kept"), NOW - timedelta(days=89))
    await store.add_unanswered([UnansweredRow("How much is Intel spending?", "en", 1.0, NOW - timedelta(days=31)),
                                UnansweredRow("What about Cerebras?", "en", 1.0, NOW - timedelta(days=29)),
                                # first asked long ago, asked again yesterday: still a gap people have
                                UnansweredRow("And Graphcore?", "en", 1.0, NOW - timedelta(days=200)),
                                UnansweredRow("and graphcore", "en", 1.0, NOW - timedelta(days=1))])
    assert await prune(store, RETENTION, NOW) == Pruned(votes=1, unanswered=1)
    assert await voters(store) == [("slack", "U1", "m-kept")]
    assert sorted(q.text for q in await store.unanswered()) == ["And Graphcore?", "What about Cerebras?"]
    assert await prune(store, RETENTION, NOW) == Pruned()  # nothing left to prune


class WatchedClock(ManualClock):
    """A manual clock that reports each time the pruner goes to sleep: the sentinel that its pass is over."""

    def __init__(self, start: datetime) -> None:
        super().__init__(start)
        self.asleep: asyncio.Queue[datetime] = asyncio.Queue()

    async def sleep_until(self, when: datetime) -> None:
        self.asleep.put_nowait(when)
        await super().sleep_until(when)

    async def next_sleep(self) -> datetime:
        return await asyncio.wait_for(self.asleep.get(), 10)


async def test_the_bot_prunes_at_start_and_again_each_hour_on_its_clock(store: Store) -> None:
    clock = WatchedClock(NOW)
    await store.record_vote(vote("U1", "m-91-days"), NOW - timedelta(days=91))
    await store.record_vote(vote("U1", "m-89-days"), NOW - timedelta(days=89, hours=23, minutes=30))
    task = asyncio.create_task(prune_on_schedule(store, RETENTION, clock=clock))
    try:
        assert await clock.next_sleep() == NOW + timedelta(hours=1)  # the first pass, at start
        assert await voters(store) == [("slack", "U1", "m-89-days")]
        await clock.move_to(NOW + timedelta(hours=1))  # the 89-day vote is now 90 days and a half hour old
        assert await clock.next_sleep() == NOW + timedelta(hours=2)
        assert await voters(store) == []
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_a_database_away_costs_one_warning_and_the_next_pass_tries_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    refused = Store(make_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/test", timeout=2.0),
                    timeout=2.0)
    clock = WatchedClock(NOW)
    caplog.set_level(logging.WARNING, logger="bot.retention")
    task = asyncio.create_task(prune_on_schedule(refused, RETENTION, clock=clock))
    try:
        assert await clock.next_sleep() == NOW + timedelta(hours=1)
        await clock.move_to(NOW + timedelta(hours=1))
        assert await clock.next_sleep() == NOW + timedelta(hours=2)
        assert not task.done()
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await refused.engine.dispose()
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.retention"]
    assert len(lines) == 2 and all(line.startswith("retention: pruning failed (StoreUnavailable: ") for line in lines)
    assert not any(r.exc_info for r in caplog.records if r.name == "bot.retention")  # one line, no traceback


# -- forgetting a person -----------------------------------------------------------------------


#: Every column that may hold who someone is, and what ``forget_user`` does with it. A new column
#: named like one (…_by, user…) fails the test below until it is handled and listed here.
PERSONAL = {("answer_votes", "user_id"): "deleted", ("subscriptions", "created_by"): "anonymised"}
NOT_A_PERSON = {("digest_claims", "claimed_by")}  # host:pid:task of the process that claimed a digest


def test_every_column_naming_a_person_is_handled_by_forget() -> None:
    named = {(table.name, column.name) for table in metadata.tables.values() for column in table.columns
             if column.name.endswith("_by") or "user" in column.name or "author" in column.name}
    assert named == set(PERSONAL) | NOT_A_PERSON


async def test_forgetting_a_user_deletes_their_votes_everywhere_and_keeps_channels_schedules(store: Store) -> None:
    await store.record_vote(vote("U1", "m1"), NOW)
    await store.record_vote(vote("U1", "m2", channel="C2"), NOW)
    await store.record_vote(vote("U1", "d1", platform="discord"), NOW)  # the same id on another platform
    await store.record_vote(vote("U2", "m1"), NOW)
    await store.subscribe(channel("C1", "U1"), NOW)
    await store.subscribe(channel("C2", "U2"), NOW)
    await store.add_unanswered([UnansweredRow("How much is Intel spending?", "en", 1.0, NOW)])

    assert await store.forget_user("U1", "discord") == Forgotten(votes=1)  # only that platform's
    assert await voters(store) == [("slack", "U1", "m1"), ("slack", "U1", "m2"), ("slack", "U2", "m1")]

    assert await store.forget_user("U1") == Forgotten(votes=2, subscriptions_anonymised=1)
    assert await voters(store) == [("slack", "U2", "m1")]
    assert [(s.channel_id, s.created_by, s.enabled) for s in await store.subscriptions()] == [
        ("C1", FORGOTTEN, True), ("C2", "U2", True)]  # the channel's digest goes on
    assert [q.text for q in await store.unanswered()] == ["How much is Intel spending?"]  # nobody's
    assert await store.forget_user("U1") == Forgotten()  # again: nothing left
    async with store.engine.connect() as connection:  # no row anywhere still names U1
        for table in metadata.tables.values():
            for column in table.columns:
                if (table.name, column.name) in PERSONAL:
                    found = await connection.execute(select(func.count()).where(column == "U1"))
                    assert found.scalar_one() == 0, f"{table.name}.{column.name}"


async def test_forgetting_a_question_deletes_it_in_any_wording_and_the_votes_on_it(store: Store) -> None:
    mine = "My name is Ada Lovelace, how much is Intel spending?"
    await store.add_unanswered([UnansweredRow(mine, "en", 1.0, NOW), UnansweredRow("What about Cerebras?", "en",
                                                                                   1.0, NOW)])
    await store.record_vote(vote("U1", "m1", question="my name is ADA LOVELACE how much is Intel spending"), NOW)
    await store.record_vote(vote("U2", "m1"), NOW)
    await store.record_vote(vote("U3", "m3", question=None), NOW)
    assert await store.forget_question("  my name is Ada Lovelace — how much is Intel spending ? ") == Forgotten(
        votes=1, unanswered=1)
    assert [q.text for q in await store.unanswered()] == ["What about Cerebras?"]
    assert await voters(store) == [("slack", "U2", "m1"), ("slack", "U3", "m3")]
    assert await store.forget_question("?!") == Forgotten()  # no words: nothing matches


# -- the command line --------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
async def store_env(request: pytest.FixtureRequest, private_data_dir: Path) -> AsyncIterator[dict[str, str]]:
    """The environment of an ``aibot data`` run: a SQLite file in the data directory, or a
    PostgreSQL database of its own (the command takes a URL, not a schema)."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    if request.param == "sqlite":
        yield env
        return
    async with scratch_database() as name:
        yield env | {"DATABASE_URL": PG_DSN.rsplit("/", 1)[0] + f"/{name}"}


@contextlib.asynccontextmanager
async def opened(env: dict[str, str]) -> AsyncIterator[Store]:
    """The store ``aibot data`` will open with ``env``, opened here to seed it or check it."""
    from bot.store import open_store

    async with open_store(load_settings(database_url=env.get("DATABASE_URL"))) as store:
        yield store


async def aibot(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "bot", *args], capture_output=True,
                                   text=True, timeout=120, env=env)


async def test_data_forget_user_prints_what_it_deleted(store_env: dict[str, str]) -> None:
    async with opened(store_env) as store:
        await store.record_vote(vote("U1", "m1"), NOW)
        await store.record_vote(vote("U1", "d1", platform="discord"), NOW)
        await store.record_vote(vote("U2", "m1"), NOW)
        await store.subscribe(channel("C1", "U1"), NOW)
    run = await aibot(store_env, "data", "forget", "--user", "<@U1>")
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[:3] == [
        "Forgot user U1 on every platform:",
        "  votes deleted: 2 (answer_votes)",
        "  digest schedules they set up: 1 kept for their channel, their id removed (subscriptions.created_by)"]
    assert "aibot data forget --question TEXT" in run.stdout
    async with opened(store_env) as store:
        assert await voters(store) == [("slack", "U2", "m1")]
        assert [s.created_by for s in await store.subscriptions()] == [FORGOTTEN]
    again = await aibot(store_env, "data", "forget", "--user", "U2", "--platform", "discord")
    assert again.returncode == 0 and "Forgot user U2 on discord:\n  votes deleted: 0" in again.stdout


def leave_in_ask_file(data_dir: Path, text: str, when: datetime) -> None:
    """A line as ``aibot ask`` appends it for an unanswered question, until the store imports it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    line = {"text": text, "lang": "en", "score": 0, "when": when.isoformat()}
    (data_dir / "unanswered.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")


async def test_data_forget_question_finds_the_lines_aibot_ask_left_too(
    store_env: dict[str, str], private_data_dir: Path,
) -> None:
    now = datetime.now(UTC)
    async with opened(store_env) as store:
        await store.add_unanswered([UnansweredRow("What about Cerebras?", "en", 1.0, now)])
    leave_in_ask_file(private_data_dir, "Call me on 555-0100: how much is Intel spending?", now)
    run = await aibot(store_env, "data", "forget", "--question", "call me on 555 0100 how much is intel spending")
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [
        "Forgot the question 'call me on 555 0100 how much is intel spending':",
        "  unanswered questions deleted: 1 (unanswered_counts)",
        "  votes on an answer to it deleted: 0 (answer_votes)"]
    async with opened(store_env) as store:
        assert [q.text for q in await store.unanswered()] == ["What about Cerebras?"]


async def test_data_prune_applies_the_periods_of_the_settings_now(store_env: dict[str, str]) -> None:
    now = datetime.now(UTC)
    async with opened(store_env) as store:
        await store.record_vote(vote("U1", "m-old"), now - timedelta(days=11))
        await store.record_vote(vote("U1", "m-new"), now - timedelta(days=9))
        await store.add_unanswered([UnansweredRow("How much is Intel spending?", "en", 1.0, now - timedelta(days=6)),
                                    UnansweredRow("What about Cerebras?", "en", 1.0, now - timedelta(days=4))])
    env = store_env | {"AIBOT_VOTE_RETENTION_DAYS": "10", "AIBOT_UNANSWERED_RETENTION_DAYS": "5"}
    run = await aibot(env, "data", "prune")
    assert run.returncode == 0, run.stderr
    assert run.stdout == ("Deleted 1 vote older than 10 days (AIBOT_VOTE_RETENTION_DAYS) and 1 unanswered question "
                          "not asked for 5 days (AIBOT_UNANSWERED_RETENTION_DAYS).\n")
    async with opened(store_env) as store:
        assert await voters(store) == [("slack", "U1", "m-new")]
        assert [q.text for q in await store.unanswered()] == ["What about Cerebras?"]


@pytest.mark.parametrize(("args", "error"), [
    (["forget"], "give --user ID or --question TEXT (one of them)"),
    (["forget", "--user", "U1", "--question", "x"], "give --user ID or --question TEXT (one of them)"),
    (["forget", "--question", "x", "--platform", "slack"], "--platform goes with --user"),
    (["forget", "--user", "U1 U2"], "Invalid value for --user: expected one user id of at most 64 characters"),
    (["forget", "--user", "<@>"], "Invalid value for --user: expected one user id"),
    (["forget", "--user", "U1", "--platform", "teams"], "Invalid value for '--platform': 'teams' is not one of"),
    (["forget", "--question", "  "], "Invalid value for --question: the question is empty"),
])
def test_bad_input_is_one_line_and_status_2(args: list[str], error: str) -> None:
    run = subprocess.run([sys.executable, "-m", "bot", "data", *args], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and error in run.stderr and "Traceback" not in run.stderr

"""Every question counted per day (the report's answered share): the store on SQLite and on
PostgreSQL, the writer that stores the counts after the reply, the conversation service with
an injected clock, and the migration from the schema before the counts."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text

from bot.answering import AnswerEngine
from bot.conversation import ConversationService, Message
from bot.feedback import QuestionCount, read_feedback, weekly_report
from bot.gaps import StoreUnansweredLog
from bot.ratelimit import RateLimiter
from bot.store import NewSubscription, Store
from bot.store.database import MIGRATIONS, QUESTION_COUNT_RETENTION, make_engine
from tests.digest import conftest as digest_fixtures
from tests.digest.conftest import Database

# the store on SQLite and on PostgreSQL (a private schema), as the digest tests have it
database = digest_fixtures.database
store = digest_fixtures.store

DAY = date(2026, 11, 30)


def count(day: date, outcome: str, n: int = 1, *, platform: str = "slack", lang: str = "en") -> QuestionCount:
    return QuestionCount(day=day, platform=platform, lang=lang, outcome=outcome, count=n)  # type: ignore[arg-type]


# -- the store ---------------------------------------------------------------------------------


async def test_counts_add_up_per_day_platform_language_and_outcome(store: Store) -> None:
    assert await store.add_question_counts([count(DAY, "answered"), count(DAY, "answered"),
                                            count(DAY, "unanswered", lang="fr")]) == 3
    assert await store.add_question_counts([count(DAY, "answered", 5), count(DAY - timedelta(days=1), "chart")]) == 6
    rows = await store.question_counts()
    assert [(r.day, r.lang, r.outcome, r.count) for r in rows] == [
        (DAY - timedelta(days=1), "en", "chart", 1), (DAY, "en", "answered", 7), (DAY, "fr", "unanswered", 1)]
    assert [r.outcome for r in await store.question_counts(since=DAY, until=DAY)] == ["answered", "unanswered"]
    assert await store.add_question_counts([]) == 0


async def test_concurrent_writers_lose_no_count(store: Store) -> None:
    await asyncio.gather(*(store.add_question_counts([count(DAY, "answered", n)]) for n in range(1, 11)))
    [row] = await store.question_counts()
    assert row.count == 55
    # batches of several rows, in opposite orders: they take their row locks in one order
    outcomes = ["answered", "unanswered", "smalltalk", "help", "chart"]
    batches = [[count(DAY, o) for o in (outcomes if n % 2 else outcomes[::-1])] for n in range(12)]
    await asyncio.gather(*(store.add_question_counts(batch) for batch in batches))
    assert {r.outcome: r.count for r in await store.question_counts()} == {
        "answered": 67, "unanswered": 12, "smalltalk": 12, "help": 12, "chart": 12}


async def test_counts_older_than_the_retention_are_deleted_on_a_new_day(store: Store) -> None:
    old = DAY - QUESTION_COUNT_RETENTION - timedelta(days=1)
    kept = DAY - QUESTION_COUNT_RETENTION
    await store.add_question_counts([count(old, "answered"), count(kept, "answered")])
    assert len(await store.question_counts()) == 2  # the newest day then was `kept`: nothing older than a year
    await store.add_question_counts([count(DAY, "help")])  # a new day: one delete of what is too old
    assert [r.day for r in await store.question_counts()] == [kept, DAY]


# -- the writer, after the reply ------------------------------------------------------------------


async def test_the_writer_stores_counts_and_unanswered_questions_together(store: Store) -> None:
    log = StoreUnansweredLog(store)
    when = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    await log.record("What is Nvidia's revenue?", "en", 10.0, when)
    for outcome in ("unanswered", "answered", "answered", "smalltalk"):
        log.count_question(DAY, "discord", "en", outcome)
    await log.close()
    assert {(r.outcome, r.count) for r in await store.question_counts()} == {
        ("answered", 2), ("unanswered", 1), ("smalltalk", 1)}
    assert [e.text for e in await log.entries()] == ["What is Nvidia's revenue?"]


async def test_a_full_queue_drops_counts_instead_of_growing(store: Store) -> None:
    log = StoreUnansweredLog(store, max_pending=3)
    for n in range(5):  # the writer has not run yet: the queue holds three distinct days
        log.count_question(DAY - timedelta(days=n), "slack", "en", "answered")
    for _ in range(4):  # a count already waiting grows in place: nothing more to hold
        log.count_question(DAY, "slack", "en", "answered")
    assert log.dropped == 2
    await log.close()
    assert sorted(row.count for row in await store.question_counts()) == [1, 1, 5]


# -- the conversation service, with an injected clock ----------------------------------------------


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def test_the_service_counts_each_question_on_its_utc_day(store: Store, engine: AnswerEngine) -> None:
    log = StoreUnansweredLog(store)
    clock = Clock(datetime(2026, 11, 29, 23, 30, tzinfo=UTC))
    ticks = iter(range(1000))
    limiter = RateLimiter(3, 60.0, lambda: float(next(ticks)) / 1000)
    service = ConversationService(engine, questions=log, now=clock, limiter=limiter)

    def ask(words: str, user: str = "U1", platform: str = "slack") -> Message:
        return Message(text=words, conversation=f"{platform}:{user}", user_id=user, platform=platform)

    await service.handle(ask("How much is Meta investing in AI?"))
    await service.handle(ask("Who won the 1998 football world cup?"))
    clock.now = datetime(2026, 11, 30, 0, 30, tzinfo=UTC)  # past midnight UTC: the next day
    await service.handle(ask("Combien Microsoft investit-il dans l'IA ?", user="U2", platform="discord"))
    await service.handle(ask("hello", user="U2", platform="discord"))
    await service.handle(ask("How much is Meta investing in AI?"))
    await service.handle(ask("How much is Meta investing in AI?"))  # over the limit: not counted
    await log.close()
    rows = {(r.day.isoformat(), r.platform, r.lang, r.outcome): r.count for r in await store.question_counts()}
    assert rows == {
        ("2026-11-29", "slack", "en", "answered"): 1, ("2026-11-29", "slack", "en", "unanswered"): 1,
        ("2026-11-30", "discord", "fr", "answered"): 1, ("2026-11-30", "discord", "en", "smalltalk"): 1,
        ("2026-11-30", "slack", "en", "answered"): 1,
    }
    until = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    since = until - timedelta(days=7)
    report = weekly_report(await read_feedback(store, since=since, until=until), since=since, until=until)
    assert (report.questions_asked, report.questions.answered, report.answered_share) == (4, 3, 0.75)
    assert report.by_lang["fr"].share == 1.0 and report.by_platform["slack"].asked == 3
    assert report.other_messages == {"smalltalk": 1}
    one_day = weekly_report(await read_feedback(store, since=until - timedelta(days=1), until=until),
                            since=until - timedelta(days=1), until=until)
    assert one_day.questions_asked == 2  # --days 1 is today only


# -- the migration from the schema before the counts ------------------------------------------------


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _upgrade_to(connection: Connection, revision: str) -> None:
    command.upgrade(_config(connection), revision)


def _downgrade_to(connection: Connection, revision: str) -> None:
    command.downgrade(_config(connection), revision)


async def test_upgrading_from_0004_keeps_subscriptions_claims_and_shown_facts(
    database: Database,
) -> None:
    engine = make_engine(database.url, schema=database.schema)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade_to, "0004")
            await connection.execute(text(
                "INSERT INTO subscriptions (id, platform, workspace_id, channel_id, schedule_kind, schedule_time, tz, "
                "lang, created_by, created_at, updated_at, enabled, failures) VALUES (7, 'slack', 'T1', 'C1', "
                "'daily', '09:00', 'UTC', 'fr', 'U1', :now, :now, true, 0)"), {"now": datetime(2026, 1, 1, tzinfo=UTC)})
            await connection.execute(text(
                "INSERT INTO digest_claims (subscription_id, period_key, claimed_at, claimed_by, status) "
                "VALUES (7, '2026-01-02T09:00Z', :now, 'me', 'posted')"), {"now": datetime(2026, 1, 2, tzinfo=UTC)})
            await connection.execute(text(
                "INSERT INTO shown_facts (subscription_id, kind, fact_id, shown_at) VALUES (7, 'new', 'meta', :now)"),
                {"now": datetime(2026, 1, 2, tzinfo=UTC)})
    finally:
        await engine.dispose()
    async with database.open() as opened:
        [subscription] = await opened.subscriptions()
        assert subscription.id == 7 and subscription.include_report is False
        assert [c.period_key for c in await opened.claims(7)] == ["2026-01-02T09:00Z"]
        assert await opened.shown(7, "new") == {"meta"}
        changed = await opened.set_report("slack", "T1", "C1", True)
        assert changed is not None and changed.include_report and changed.updated_at == subscription.updated_at


async def test_0005_downgrades_and_upgrades_again_keeping_the_subscription(database: Database) -> None:
    async with database.open() as opened:
        await opened.subscribe(NewSubscription(platform="slack", workspace_id="T1", channel_id="C1",
                                               schedule_kind="daily", schedule_time="09:00", tz="UTC", lang="en",
                                               created_by="U1", include_report=True), datetime(2026, 1, 1, tzinfo=UTC))
        await opened.add_question_counts([count(DAY, "answered")])
        async with opened.engine.begin() as connection:
            await connection.run_sync(_downgrade_to, "0004")
        async with opened.engine.connect() as connection:
            columns = (await connection.execute(text("SELECT * FROM subscriptions"))).keys()
        assert "include_report" not in columns
    async with database.open() as again:  # back to head: the subscription is there, the report off
        [subscription] = await again.subscriptions()
        assert subscription.channel_id == "C1" and not subscription.include_report
        assert await again.question_counts() == []

"""Tenant-scoped data in the store (real SQLite and PostgreSQL): every row from people carries
its tenant, one tenant's reads never show another's, migration 0006 moves older rows to
``legacy``, and ``aibot knowledge report / gaps`` show every tenant or one with ``--tenant``."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text

from bot.digest.compose import DigestComposer
from bot.digest.scheduler import plan_for
from bot.feedback import QuestionCount, Vote, read_feedback, weekly_report
from bot.gaps import JsonlUnansweredLog, StoreUnansweredLog
from bot.store import NewSubscription, Store, UnansweredRow
from bot.store.database import MIGRATIONS, make_engine
from bot.tenants import CONSOLE, LEGACY
from knowledge.models import FactBase
from tests.digest import conftest as digest_fixtures
from tests.digest.conftest import Database
from tests.test_feedback import aibot

database = digest_fixtures.database
store = digest_fixtures.store

NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
SLACK_TEAM, GUILD = "T0TEAMA01", "200000000000000001"


async def fill_two_tenants(store: Store) -> None:
    """The same wording asked in both tenants, plus one question, votes and counts of each."""
    log = StoreUnansweredLog(store)
    await log.record("Who won the 1998 football world cup?", "en", 10.0, NOW - timedelta(hours=2), tenant=SLACK_TEAM)
    await log.record("Who won the 1998 football world cup?", "en", 12.0, NOW - timedelta(hours=1), tenant=GUILD)
    await log.record("Who won the 1998 football world cup ?", "en", 12.0, NOW - timedelta(hours=1), tenant=GUILD)
    await log.record("What is the capital of Australia?", "en", 5.0, NOW - timedelta(hours=1), tenant=SLACK_TEAM)
    await log.record("Qui a peint la Joconde ?", "fr", 5.0, NOW - timedelta(hours=1), tenant=GUILD)
    for _ in range(3):
        log.count_question(TODAY, "slack", "en", "answered", SLACK_TEAM)
    log.count_question(TODAY, "discord", "fr", "unanswered", GUILD)
    await log.close()
    await store.record_vote(Vote(platform="slack", user_id="U1", message_id="1.1", fact_ids=("meta",), lang="en",
                                 up=False, question="How much is Meta investing?", tenant=SLACK_TEAM), NOW)
    await store.record_vote(Vote(platform="discord", user_id="7", message_id="55", fact_ids=("stargate",), lang="fr",
                                 up=True, tenant=GUILD), NOW)


async def test_each_tenant_reads_only_its_own_rows(store: Store) -> None:
    await fill_two_tenants(store)
    slack = await read_feedback(store, since=NOW - timedelta(days=7), until=NOW, tenant=SLACK_TEAM)
    assert sorted((u.text, u.count, u.tenant) for u in slack.unanswered) == [
        ("What is the capital of Australia?", 1, SLACK_TEAM), ("Who won the 1998 football world cup?", 1, SLACK_TEAM)]
    assert [(v.message_id, v.tenant) for v in slack.votes] == [("1.1", SLACK_TEAM)] and (slack.up, slack.down) == (0, 1)
    assert [(c.platform, c.count, c.tenant) for c in slack.questions] == [("slack", 3, SLACK_TEAM)]

    guild = await read_feedback(store, since=NOW - timedelta(days=7), until=NOW, tenant=GUILD)
    assert sorted((u.text, u.count) for u in guild.unanswered) == [("Qui a peint la Joconde ?", 1),
                                                                   ("Who won the 1998 football world cup?", 2)]
    assert [v.message_id for v in guild.votes] == ["55"] and (guild.up, guild.down) == (1, 0)
    report = weekly_report(guild, since=NOW - timedelta(days=7), until=NOW)
    assert (report.questions.asked, report.questions.answered, report.votes_up, report.votes_down) == (1, 0, 1, 0)
    assert report.top_unanswered[0].text == "Who won the 1998 football world cup?"
    assert "Australia" not in json.dumps(report.as_json()) and report.as_json()["tenant"] == GUILD
    assert "by_tenant" not in report.as_json()

    nobody = await read_feedback(store, since=NOW - timedelta(days=7), until=NOW, tenant="T0NOBODY")
    assert (nobody.unanswered, nobody.votes, nobody.questions, nobody.up, nobody.down) == ([], [], [], 0, 0)

    everyone = await read_feedback(store, since=NOW - timedelta(days=7), until=NOW)
    assert len(everyone.unanswered) == 4 and len(everyone.votes) == 2
    whole = weekly_report(everyone, since=NOW - timedelta(days=7), until=NOW)
    assert whole.tenant is None and {name: t.asked for name, t in whole.by_tenant.items()} == {GUILD: 1, SLACK_TEAM: 3}
    [cup] = [g for g in whole.top_unanswered if "1998" in g.text]
    assert cup.count == 3 and cup.tenants == (GUILD, SLACK_TEAM)  # grouped across tenants, most asks first
    assert whole.unanswered_questions == 3 and whole.unanswered_asks == 5  # the cup once, asked in two tenants


async def test_the_write_queue_holds_each_tenants_entries_apart_within_its_bound(store: Store) -> None:
    log = StoreUnansweredLog(store, max_pending=3)
    for tenant in (SLACK_TEAM, GUILD, "T0THIRD03", "T0FOURTH4"):  # the writer has not run yet: three fit
        await log.record("Who won the 1998 football world cup?", "en", 1.0, NOW, tenant=tenant)
    await log.record("Who won the 1998 football world cup?", "en", 1.0, NOW, tenant=SLACK_TEAM)  # grows in place
    assert log.dropped == 1
    await log.close()
    assert sorted((r.tenant, r.count) for r in await store.unanswered()) == [(GUILD, 1), (SLACK_TEAM, 2),
                                                                              ("T0THIRD03", 1)]


async def test_pruning_keeps_the_most_asked_across_tenants(store: Store) -> None:
    await store.add_unanswered([UnansweredRow(f"question number {n}", "en", 1.0, NOW, count=n, tenant=tenant)
                                for n in range(1, 7) for tenant in (SLACK_TEAM, GUILD)])
    assert await store.prune_unanswered(NOW, keep=4) == 8  # one (tenant, question) row at a time
    assert sorted((r.tenant, r.count) for r in await store.unanswered()) == [
        (GUILD, 5), (GUILD, 6), (SLACK_TEAM, 5), (SLACK_TEAM, 6)]


async def test_a_digest_report_reads_its_subscriptions_tenant_only(store: Store, fact_base: FactBase) -> None:
    await fill_two_tenants(store)
    composer = DigestComposer(fact_base)
    for tenant, channel, platform in ((SLACK_TEAM, "C0ADMIN", "slack"), (GUILD, "300", "discord")):
        await store.subscribe(NewSubscription(platform=platform, workspace_id=tenant, channel_id=channel,
                                              schedule_kind="daily", schedule_time="09:00", tz="UTC", lang="en",
                                              created_by="admin", include_report=True), NOW - timedelta(days=1))
    slack_sub = await store.subscription_for("slack", SLACK_TEAM, "C0ADMIN")
    guild_sub = await store.subscription_for("discord", GUILD, "300")
    assert slack_sub is not None and guild_sub is not None
    assert (slack_sub.tenant, guild_sub.tenant) == (SLACK_TEAM, GUILD)
    slack_report = " ".join(i.text for i in (await plan_for(store, composer, slack_sub, NOW)).digest.report)
    guild_report = " ".join(i.text for i in (await plan_for(store, composer, guild_sub, NOW)).digest.report)
    assert "3 question(s) asked, 3 answered" in slack_report and "1 question(s) asked, 0 answered" in guild_report
    assert "Votes: 0 👍 and 1 👎" in slack_report and "Votes: 1 👍 and 0 👎" in guild_report
    assert "1998" in guild_report and "(2 time(s))" in guild_report  # the guild's top gap, its own count
    assert "(2 time(s))" not in slack_report and "(3 time(s))" not in slack_report


async def test_an_org_wide_slack_subscription_reads_the_orgs_tenant(store: Store) -> None:
    """A Slack app installed on an Enterprise Grid org: the channel's team posts, the org's data is reported."""
    subscription = await store.subscribe(NewSubscription(
        platform="slack", workspace_id="T0TEAMA01", channel_id="C1", schedule_kind="daily", schedule_time="09:00",
        tz="UTC", lang="en", created_by="U1", tenant="E0ORG0001"), NOW)
    assert (subscription.workspace_id, subscription.tenant) == ("T0TEAMA01", "E0ORG0001")


async def test_aibot_asks_file_is_the_consoles(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "unanswered.jsonl"
    await JsonlUnansweredLog(path).record("Who won the 1998 football world cup?", "en", 3.0, NOW)
    with path.open("a", encoding="utf-8") as older:  # a line written before tenants: the console's too
        older.write(json.dumps({"text": "What is the capital of Australia?", "lang": "en", "score": 1.0,
                                "when": NOW.isoformat()}) + "\n")
    assert await store.import_unanswered_jsonl(path) == 2
    assert {r.tenant for r in await store.unanswered()} == {CONSOLE}
    assert await store.unanswered(tenant=SLACK_TEAM) == []


# -- migration 0006 ------------------------------------------------------------------------------


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _upgrade_to(connection: Connection, revision: str) -> None:
    command.upgrade(_config(connection), revision)


def _downgrade_to(connection: Connection, revision: str) -> None:
    command.downgrade(_config(connection), revision)


async def test_upgrading_to_0006_moves_older_rows_to_legacy_and_subscriptions_to_their_workspace(
    database: Database,
) -> None:
    engine = make_engine(database.url, schema=database.schema)
    then = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade_to, "0005")
            for sub_id, platform, workspace, channel in ((1, "slack", "T1", "C1"), (2, "discord", "2000", "3000"),
                                                         (3, "discord", "", "3900")):
                await connection.execute(text(
                    "INSERT INTO subscriptions (id, platform, workspace_id, channel_id, schedule_kind, schedule_time, "
                    "tz, lang, created_by, created_at, updated_at, enabled, failures, include_report) VALUES (:id, "
                    ":platform, :workspace, :channel, 'daily', '09:00', 'UTC', 'en', 'U1', :now, :now, true, 0, "
                    "true)"), {"id": sub_id, "platform": platform, "workspace": workspace, "channel": channel,
                               "now": then})
            await connection.execute(text(
                "INSERT INTO digest_claims (subscription_id, period_key, claimed_at, claimed_by, status) "
                "VALUES (1, '2026-12-01T09:00Z', :now, 'me', 'posted')"), {"now": then})
            await connection.execute(text(
                "INSERT INTO unanswered_counts (key, text, lang, count, best_score, first_asked, last_asked) VALUES "
                "('who won the 1998 football world cup', 'Who won the 1998 football world cup?', 'en', 4, 9.0, "
                ":now, :now)"), {"now": then})
            await connection.execute(text(
                "INSERT INTO question_counts (day, platform, lang, outcome, count) VALUES "
                "(:day, 'slack', 'en', 'answered', 7)"), {"day": then.date()})
            await connection.execute(text(
                "INSERT INTO answer_votes (platform, message_id, user_id, fact_ids, lang, up, voted_at) VALUES "
                "('slack', '1.1', 'U1', 'meta', 'en', false, :now)"), {"now": then})
    finally:
        await engine.dispose()

    async with database.open() as opened:  # to head: 0006 runs
        assert {s.id: s.tenant for s in await opened.subscriptions()} == {1: "T1", 2: "2000", 3: LEGACY}
        assert [c.period_key for c in await opened.claims(1)] == ["2026-12-01T09:00Z"]  # nothing cascaded away
        assert [(r.text, r.count, r.tenant) for r in await opened.unanswered()] == [
            ("Who won the 1998 football world cup?", 4, LEGACY)]
        assert await opened.unanswered(tenant="T1") == []  # no platform admin sees rows of unknown origin
        assert [(c.count, c.tenant) for c in await opened.question_counts()] == [(7, LEGACY)]
        assert [v.tenant for v in await opened.votes()] == [LEGACY]
        assert await opened.vote_counts(tenant="T1") == (0, 0) and await opened.vote_counts(tenant=LEGACY) == (0, 1)
        # the new primary keys: the same question and the same day, counted apart per tenant
        await opened.add_unanswered([UnansweredRow("Who won the 1998 football world cup?", "en", 1.0, NOW,
                                                   tenant="T1")])
        await opened.add_question_counts([QuestionCount(then.date(), "slack", "en", "answered", 2, tenant="T1")])
        assert sorted((r.tenant, r.count) for r in await opened.unanswered()) == [("T1", 1), (LEGACY, 4)]
        assert sorted((c.tenant, c.count) for c in await opened.question_counts()) == [("T1", 2), (LEGACY, 7)]

        async with opened.engine.begin() as connection:  # back to 0005: the tenants' rows are added together
            await connection.run_sync(_downgrade_to, "0005")
        async with opened.engine.connect() as connection:
            counted = (await connection.execute(text("SELECT count FROM unanswered_counts"))).scalars().all()
            days = (await connection.execute(text("SELECT count FROM question_counts"))).scalars().all()
        assert (counted, days) == ([5], [9])

    async with database.open() as again:  # and up again
        assert [(r.count, r.tenant) for r in await again.unanswered()] == [(5, LEGACY)]
        assert {s.id: s.tenant for s in await again.subscriptions()} == {1: "T1", 2: "2000", 3: LEGACY}


# -- the command line: every tenant, or one ------------------------------------------------------


def test_the_command_line_shows_every_tenant_or_one(private_data_dir: Path) -> None:
    async def fill() -> None:
        async with Store.open(f"sqlite+aiosqlite:///{private_data_dir / 'aibot.sqlite3'}") as opened:
            now = datetime.now(UTC)
            log = StoreUnansweredLog(opened)
            await log.record("Who won the 1998 football world cup?", "en", 10.0, now, tenant=SLACK_TEAM)
            await log.record("What is the capital of Australia?", "en", 10.0, now, tenant=GUILD)
            await log.record("What is the capital of Australia?", "en", 10.0, now, tenant=GUILD)
            log.count_question(now.date(), "slack", "en", "unanswered", SLACK_TEAM)
            log.count_question(now.date(), "discord", "en", "unanswered", GUILD)
            log.count_question(now.date(), "discord", "en", "answered", GUILD)
            await log.close()

    asyncio.run(fill())
    everyone = json.loads(aibot("knowledge", "report", "--json").stdout)
    assert everyone["tenant"] is None and everyone["questions_asked"] == 3
    assert everyone["by_tenant"] == {GUILD: {"asked": 2, "answered": 1, "answered_share": 0.5},
                                     SLACK_TEAM: {"asked": 1, "answered": 0, "answered_share": 0.0}}
    slack = json.loads(aibot("knowledge", "report", "--json", "--tenant", SLACK_TEAM).stdout)
    assert slack["tenant"] == SLACK_TEAM and slack["questions_asked"] == 1 and "by_tenant" not in slack
    assert [g["text"] for g in slack["top_unanswered"]] == ["Who won the 1998 football world cup?"]
    text = aibot("knowledge", "report", "--tenant", GUILD).stdout
    assert ", tenant 200000000000000001" in text.splitlines()[0] and "Australia" in text and "1998" not in text
    assert "by tenant: 200000000000000001 2 asked" in aibot("knowledge", "report").stdout

    gaps = json.loads(aibot("knowledge", "gaps", "--json").stdout)
    assert [(g["text"], g["tenants"]) for g in gaps] == [("What is the capital of Australia?", [GUILD]),
                                                          ("Who won the 1998 football world cup?", [SLACK_TEAM])]
    assert f"(lang en, best score 10, tenants {GUILD})" in aibot("knowledge", "gaps").stdout
    one = aibot("knowledge", "gaps", "--tenant", SLACK_TEAM).stdout
    assert "1998" in one and "Australia" not in one and "tenants" not in one
    assert "No unanswered questions recorded for tenant T0NOBODY." in aibot("knowledge", "gaps", "--tenant",
                                                                             "T0NOBODY").stdout
    refused = aibot("knowledge", "gaps", "--tenant", "two words")
    assert refused.returncode == 2 and "expected one tenant id" in refused.stderr


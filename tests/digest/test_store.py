"""The store on real SQLite and real PostgreSQL: migrations keep rows, claims are won once."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from bot.gaps import StoreUnansweredLog, group_gaps
from bot.store import NewSubscription, Store, UnansweredRow
from tests.digest.conftest import Database

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def channel(name: str = "C1", **changes: object) -> NewSubscription:
    values: dict[str, object] = dict(platform="slack", workspace_id="T1", channel_id=name, schedule_kind="daily",
                                     schedule_time="09:00", tz="Europe/Paris", lang="fr", created_by="U1")
    values.update(changes)
    return NewSubscription(**values)  # type: ignore[arg-type]


async def test_reopening_migrates_to_head_and_keeps_rows(database: Database) -> None:
    async with database.open() as store:
        first = await store.subscribe(channel(), NOW)
        await store.add_unanswered([UnansweredRow("Combien IBM investit-il ?", "fr", 12.0, NOW)])
        assert await store.claim(first.id, "2025-03-02T08:00Z", NOW, "a")
    async with database.open() as store:  # a restart: migrating again is a no-op, nothing is lost
        async with store.engine.connect() as connection:
            version = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
        assert version == "0006"
        again = await store.subscription_for("slack", "T1", "C1")
        assert again is not None and again.id == first.id and again.tz == "Europe/Paris"
        assert again.created_at == NOW and again.created_at.tzinfo is not None
        assert [q.text for q in await store.unanswered()] == ["Combien IBM investit-il ?"]
        assert not await store.claim(first.id, "2025-03-02T08:00Z", NOW, "b")


async def test_a_period_is_claimed_by_exactly_one_of_many_concurrent_callers(store: Store) -> None:
    subscription = await store.subscribe(channel(), NOW)
    results = await asyncio.gather(*(store.claim(subscription.id, "2025-03-02T08:00Z", NOW, f"worker-{n}")
                                     for n in range(12)))
    assert results.count(True) == 1
    claims = await store.claims(subscription.id)
    assert len(claims) == 1 and claims[0].status == "claimed"
    assert claims[0].claimed_by == f"worker-{results.index(True)}"


async def test_subscribing_again_replaces_the_schedule_and_re_enables(store: Store) -> None:
    first = await store.subscribe(channel(), NOW)
    for _ in range(3):
        await store.record_failure(first.id, "channel_not_found", NOW, max_failures=3)
    assert not (await store.subscription(first.id)).enabled  # type: ignore[union-attr]
    later = NOW + timedelta(days=1)
    second = await store.subscribe(channel(schedule_kind="cron", schedule_time=None, cron="0 9 * * 1-5",
                                           tz="UTC", lang="en"), later)
    assert second.id == first.id and second.enabled and second.failures == 0
    assert (second.schedule_kind, second.cron, second.tz, second.lang) == ("cron", "0 9 * * 1-5", "UTC", "en")
    assert second.created_at == NOW and second.updated_at == later
    assert len(await store.subscriptions()) == 1


async def test_failures_disable_at_the_limit_and_keep_the_reason(store: Store) -> None:
    subscription = await store.subscribe(channel(), NOW)
    transient = await store.record_failure(subscription.id, "timeout", NOW, max_failures=2, counts=False)
    assert transient.failures == 0 and transient.enabled and transient.last_failure_reason == "timeout"
    once = await store.record_failure(subscription.id, "channel_not_found", NOW, max_failures=2)
    assert once.enabled and once.failures == 1
    twice = await store.record_failure(subscription.id, "channel_not_found", NOW, max_failures=2)
    assert not twice.enabled and twice.failures == 2 and twice.last_failure_reason == "channel_not_found"
    assert await store.subscriptions(enabled_only=True) == []


async def test_posting_resets_failures_and_records_the_time(store: Store) -> None:
    subscription = await store.subscribe(channel(), NOW)
    await store.record_failure(subscription.id, "boom", NOW, max_failures=5)
    assert await store.claim(subscription.id, "k", NOW, "me")
    await store.finish_claim(subscription.id, "k", NOW + timedelta(minutes=1), posted=True)
    after = await store.subscription(subscription.id)
    assert after is not None and after.failures == 0 and after.last_posted_at == NOW + timedelta(minutes=1)
    assert [(c.status, c.posted_at) for c in await store.claims(subscription.id)] == [
        ("posted", NOW + timedelta(minutes=1))]


async def test_unsubscribe_removes_claims_and_shown_facts(store: Store) -> None:
    subscription = await store.subscribe(channel(), NOW)
    await store.claim(subscription.id, "k", NOW, "me")
    await store.mark_shown(subscription.id, "rotation", ["a", "b"], NOW)
    assert await store.unsubscribe("slack", "T1", "C1")
    assert not await store.unsubscribe("slack", "T1", "C1")
    assert await store.subscription_for("slack", "T1", "C1") is None
    assert await store.claims(subscription.id) == []
    again = await store.subscribe(channel(), NOW)
    assert await store.shown(again.id, "rotation") == set()


async def test_shown_facts_restart_a_rotation(store: Store) -> None:
    subscription = await store.subscribe(channel(), NOW)
    await store.mark_shown(subscription.id, "rotation", ["a", "b"], NOW)
    await store.mark_shown(subscription.id, "rotation", ["b"], NOW)  # harmless repeat
    await store.mark_shown(subscription.id, "new", ["x"], NOW)
    assert await store.shown(subscription.id, "rotation") == {"a", "b"}
    await store.mark_shown(subscription.id, "rotation", ["c"], NOW, restart=True)
    assert await store.shown(subscription.id, "rotation") == {"c"}
    assert await store.shown(subscription.id, "new") == {"x"}


async def test_a_new_subscriber_to_a_large_base_marks_every_fact_in_one_go(store: Store) -> None:
    subscription = await store.subscribe(channel(), NOW)
    ids = [f"fact-{number:06d}" for number in range(20_000)]
    await store.mark_shown(subscription.id, "announced", ids + ids[:10], NOW)  # repeats are harmless
    await store.mark_shown(subscription.id, "announced", [*ids[5:15], "one-more"], NOW)
    assert await store.shown(subscription.id, "announced") == {*ids, "one-more"}
    await store.mark_shown(subscription.id, "announced", [], NOW)


async def test_workspace_less_channels_are_distinct_from_workspace_channels(store: Store) -> None:
    await store.subscribe(channel(platform="discord", workspace_id=None, channel_id="42"), NOW)
    await store.subscribe(channel(platform="discord", workspace_id="G1", channel_id="42"), NOW)
    rows = await store.subscriptions()
    assert [(r.workspace_id, r.channel_id) for r in rows] == [(None, "42"), ("G1", "42")]


async def test_unanswered_questions_move_from_the_ask_file_into_the_store(store: Store, tmp_path: Path) -> None:
    inbox = tmp_path / "unanswered.jsonl"
    now = datetime.now(UTC)  # within the retention window
    lines = [{"text": "How much is Intel investing in AI?", "lang": "en", "score": 0, "when": now.isoformat()},
             {"text": "how much is intel investing in ai", "lang": "en", "score": 3,
              "when": (now + timedelta(seconds=5)).isoformat()}]
    inbox.write_text("\n".join(json.dumps(line) for line in lines) + "\nnot json\n", encoding="utf-8")
    # a crash after the rename but before the delete leaves the renamed file behind: importing again is harmless
    (tmp_path / "unanswered.jsonl.importing").write_text(json.dumps(lines[0]) + "\n", encoding="utf-8")
    assert await store.import_unanswered_jsonl(inbox) == 2
    assert not inbox.exists() and not (tmp_path / "unanswered.jsonl.importing").exists()
    assert await store.import_unanswered_jsonl(inbox) == 0
    log = StoreUnansweredLog(store)
    await log.record("What is Nvidia's revenue?", "en", 10.0, now + timedelta(minutes=1))
    await log.close()  # written after the reply, off its path: closing flushes it
    entries = await log.entries()  # one row per normalised question, with its count, most asked first
    assert [(e.text, e.count) for e in entries] == [("How much is Intel investing in AI?", 2),
                                                    ("What is Nvidia's revenue?", 1)]
    gaps = group_gaps(entries)
    assert gaps[0].count == 2 and "Intel" in gaps[0].text


async def test_the_migrations_build_exactly_the_tables_the_code_describes(store: Store) -> None:
    """A model change without its migration fails here, on both databases."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from bot.store.tables import metadata

    def differences(connection: object) -> list[object]:
        context = MigrationContext.configure(connection)  # type: ignore[arg-type]
        return list(compare_metadata(context, metadata))

    async with store.engine.connect() as connection:
        assert await connection.run_sync(differences) == []

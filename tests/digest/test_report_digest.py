"""The admins' report in a digest: composed by the core in the digest's language, switched on
per subscription by an admin, posted once per run by the scheduler (real SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.digest.compose import DigestComposer, render_text
from bot.digest.model import CommandContext
from bot.digest.service import DigestService
from bot.feedback import Feedback, QuestionCount, Vote, weekly_report
from bot.store import Store, UnansweredRow
from knowledge.models import FactBase
from tests.clocks import JumpClock
from tests.digest.conftest import Database, FakePoster
from tests.digest.test_scheduler import MONDAY_7Z, NINE_PARIS, make_scheduler

UNTIL = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)


def ctx(*, admin: bool = True, lang: str = "en", channel: str = "C1") -> CommandContext:
    return CommandContext(platform="slack", workspace_id="T1", channel_id=channel, user_id="U42", is_admin=admin,
                          lang=lang)  # type: ignore[arg-type]


@pytest.fixture
def composer(fact_base: FactBase) -> DigestComposer:
    return DigestComposer(fact_base)


def counts(day: date) -> list[QuestionCount]:
    """A day's counts in the workspace T1 (the tenant of ``ctx``'s subscriptions)."""
    return [QuestionCount(day, "slack", "en", "answered", 6, "T1"), QuestionCount(day, "slack", "en", "unanswered", 2, "T1"),
            QuestionCount(day, "discord", "fr", "answered", 1, "T1"),
            QuestionCount(day, "discord", "fr", "unanswered", 1, "T1"), QuestionCount(day, "slack", "en", "smalltalk", 9, "T1")]


async def fill(store: Store, until: datetime) -> None:
    await store.add_question_counts(counts(until.date() - timedelta(days=1)))
    await store.add_unanswered([UnansweredRow("What is Nvidia's <!channel> revenue?", "en", 10.0,
                                              until - timedelta(hours=5), tenant="T1")] * 3)
    await store.record_vote(Vote(platform="slack", user_id="U1", message_id="1.1", fact_ids=("stargate",),
                                 lang="en", up=False, question="Stargate?", tenant="T1"), until - timedelta(days=2))


def test_the_report_section_comes_last_in_the_digests_language(composer: DigestComposer) -> None:
    feedback = Feedback(unanswered=[], votes=[], up=4, down=1, questions=counts(UNTIL.date()))
    report = weekly_report(feedback, since=UNTIL - timedelta(days=7), until=UNTIL)
    english = composer.compose("en", UNTIL.date(), report=report).digest
    assert english.sections()[-1][0] == "digest_report"
    assert [item.text for item in english.report] == [
        "Last 7 days: 10 question(s) asked, 7 answered (70%).",
        "In English: 8 asked, 75% answered.", "In French: 2 asked, 50% answered.",
        "Votes: 4 👍 and 1 👎 on 0 answer(s)."]
    assert all(item.source_line == "" for item in english.report)
    french = render_text(composer.compose("fr", UNTIL.date(), report=report).digest)
    assert "Pour les administrateurs : le bilan du bot\n- 7 derniers jours : 10 question(s) posée(s), " \
           "7 avec une réponse (70 %).\n- En anglais : 8 posée(s), 75 % avec une réponse." in french
    assert "digest_report" not in [key for key, _ in composer.compose("en", UNTIL.date()).digest.sections()]


async def test_only_an_admin_switches_the_report_and_only_on_a_subscribed_channel(
    store: Store, composer: DigestComposer,
) -> None:
    service = DigestService(store, composer, clock=JumpClock(MONDAY_7Z))
    refused = await service.handle_command(ctx(admin=False), ["report", "on"])
    assert not refused.ok and refused.text.startswith("Only people who can manage")
    none = await service.handle_command(ctx(lang="fr"), ["rapport", "oui"])
    assert not none.ok and none.text.startswith("Ce salon n'a pas encore de résumé")
    assert (await service.handle_command(ctx(), ["weekly", "mon", "09:00", "Europe/Paris", "fr"])).ok
    bad = await service.handle_command(ctx(), ["report", "maybe"])
    assert not bad.ok and "report maybe" in bad.text
    on = await service.handle_command(ctx(), ["report", "on"])
    assert on.ok and "admin channel" in on.text
    subscription = await store.subscription_for("slack", "T1", "C1")
    assert subscription is not None and subscription.include_report
    assert (await service.handle_command(ctx(admin=False), ["show"])).text.endswith("ends with the admins' report.")
    # subscribing again keeps the report; `report off` takes it out
    assert (await service.handle_command(ctx(), ["daily", "08:00"])).ok
    assert (await store.subscription_for("slack", "T1", "C1")).include_report  # type: ignore[union-attr]
    assert (await service.handle_command(ctx(), ["report", "off"])).ok
    assert not (await store.subscription_for("slack", "T1", "C1")).include_report  # type: ignore[union-attr]
    assert (await service.handle_command(ctx(channel="C2"), ["daily", "08:00", "UTC", "en", "report"])).ok
    assert (await store.subscription_for("slack", "T1", "C2")).include_report  # type: ignore[union-attr]


async def test_the_scheduled_digest_carries_the_report_once_and_only_where_asked(
    database: Database, composer: DigestComposer,
) -> None:
    clock = JumpClock(MONDAY_7Z)
    poster = FakePoster("slack", clock)
    async with database.open() as store:
        service = DigestService(store, composer, clock=clock)
        for channel in ("CADMIN", "CPUBLIC"):
            assert (await service.handle_command(ctx(channel=channel), "daily 09:00 Europe/Paris fr".split())).ok
        assert (await service.handle_command(ctx(channel="CADMIN"), ["report", "on"])).ok
        await fill(store, NINE_PARIS)
        preview = await service.preview("en", ctx=ctx(channel="CADMIN"))
        assert preview.report and preview.lang == "fr"
        clock.set(NINE_PARIS)
        assert await make_scheduler(store, composer, clock, poster).run_once() == 2
        assert await make_scheduler(store, composer, clock, poster).run_once() == 0  # the same run: not again
        posts = {p.channel_id: p.digest for p in poster.posts}
        assert len(poster.posts) == 2 and posts["CPUBLIC"].report == []
        lines = [item.text for item in posts["CADMIN"].report]
        assert lines[0] == "7 derniers jours : 10 question(s) posée(s), 7 avec une réponse (70 %)."
        assert "Votes : 0 👍 et 1 👎 sur 1 réponse(s)." in lines
        assert "La plus posée sans réponse : « What is Nvidia's <!channel> revenue? » (3 fois)." in lines
        assert "Réponse la moins appréciée : stargate (1 👎)." in lines

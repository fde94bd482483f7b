"""Digest commands as the adapters call them: subscribe, show, off, preview, and clear errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.digest.compose import DigestComposer
from bot.digest.model import CommandContext
from bot.digest.service import DigestService, safe_echo
from bot.store import Store
from knowledge.models import FactBase
from tests.clocks import JumpClock

NOW = datetime(2025, 3, 3, 7, 0, tzinfo=UTC)


def ctx(*, admin: bool = True, lang: str = "en", channel: str = "C1") -> CommandContext:
    return CommandContext(platform="slack", workspace_id="T1", channel_id=channel, user_id="U42", is_admin=admin,
                          lang=lang)  # type: ignore[arg-type]


@pytest.fixture
def service(store: Store, fact_base: FactBase) -> DigestService:
    return DigestService(store, DigestComposer(fact_base), clock=JumpClock(NOW))


async def test_daily_subscription_in_french_then_show_then_off(service: DigestService, store: Store) -> None:
    reply = await service.handle_command(ctx(lang="fr"), ["daily", "09:00", "Europe/Paris", "fr"])
    assert reply.ok and "tous les jours à 09:00 (Europe/Paris)" in reply.text and "français" in reply.text
    assert "2025-03-03 09:00 CET" in reply.text  # the next run, in the channel's zone
    row = await store.subscription_for("slack", "T1", "C1")
    assert row is not None and (row.schedule_kind, row.schedule_time, row.tz, row.lang, row.created_by) == (
        "daily", "09:00", "Europe/Paris", "fr", "U42")
    shown = await service.handle_command(ctx(admin=False), ["show"])
    assert shown.ok and "every day at 09:00 (Europe/Paris), in French" in shown.text and "never" in shown.text
    off = await service.handle_command(ctx(), ["off"])
    assert off.ok and await store.subscription_for("slack", "T1", "C1") is None
    assert "no digest" in (await service.handle_command(ctx(), ["show"])).text


async def test_weekly_and_cron_forms(service: DigestService, store: Store) -> None:
    weekly = await service.handle_command(ctx(), ["weekly", "mon", "08:30", "UTC"])
    assert weekly.ok and "every Monday at 08:30 (UTC)" in weekly.text
    for args in (['"0', "9", "*", "*", '1-5"', "Europe/Paris", "en"],  # split on spaces, quotes kept
                 ["0 9 * * 1-5", "Europe/Paris", "en"],  # one item (the adapter honoured the quotes)
                 ["0", "9", "*", "*", "1-5", "Europe/Paris", "en"],  # bare words
                 ["“0 9 * * 1-5”", "Europe/Paris"]):  # typographic quotes
        reply = await service.handle_command(ctx(channel="C2"), ["cron", *args])
        assert reply.ok, reply.text
        row = await store.subscription_for("slack", "T1", "C2")
        assert row is not None and row.cron == "0 9 * * 1-5" and row.tz == "Europe/Paris"


@pytest.mark.parametrize(("args", "shows"), [
    (["daily", "25:00"], "HH:MM"),
    (["daily", "09:00", "Europe/Pariss"], "IANA"),
    (["weekly", "someday", "08:30"], "mon, tue"),
    (["cron", "0 9 * *"], "five fields"),
    (["cron", "* * * * *"], "once an hour"),
    (["daily"], "HH:MM"),
    (["daily", "09:00", "UTC", "fr", "extra"], "did not understand"),
    (["fortnightly"], "did not understand"),
])
async def test_bad_input_gets_a_clear_error_with_the_accepted_forms(
    service: DigestService, args: list[str], shows: str,
) -> None:
    reply = await service.handle_command(ctx(), args)
    assert not reply.ok and shows in reply.text
    assert "daily HH:MM" in reply.text and "weekly DAY HH:MM" in reply.text and "cron" in reply.text


async def test_errors_are_in_the_askers_language(service: DigestService) -> None:
    reply = await service.handle_command(ctx(lang="fr"), ["daily", "9 heures"])
    assert not reply.ok and "n'est pas une heure" in reply.text and "par exemple" in reply.text


async def test_only_admins_change_a_subscription(service: DigestService, store: Store) -> None:
    for args in (["daily", "09:00"], ["off"], ["cron", "0 9 * * *"]):
        reply = await service.handle_command(ctx(admin=False), args)
        assert not reply.ok and "manage this channel" in reply.text
    assert await store.subscriptions() == []
    assert (await service.handle_command(ctx(admin=False), ["preview"])).ok


async def test_mass_mentions_are_never_echoed(service: DigestService) -> None:
    for bad in ("@everyone", "<!channel>", "@here", "<@&123>", "<!subteam^S1>"):
        reply = await service.handle_command(ctx(), ["daily", "09:00", bad])
        assert not reply.ok
        for mention in ("@everyone", "@here", "<!", "<@", "@&"):
            assert mention not in reply.text, (bad, reply.text)
    assert safe_echo("x" * 100).endswith("…") and len(safe_echo("x" * 100)) == 61


async def test_preview_posts_nothing_and_uses_up_nothing(service: DigestService, store: Store) -> None:
    await service.handle_command(ctx(), ["daily", "09:00", "Europe/Paris", "fr"])
    first = await service.handle_command(ctx(), ["preview"])
    second = await service.handle_command(ctx(), ["preview"])
    assert first.digest is not None and second.digest is not None
    assert first.digest.lang == "fr"  # the channel's language, which is what will be posted
    assert first.digest.fact_of_the_day == second.digest.fact_of_the_day
    row = await store.subscription_for("slack", "T1", "C1")
    assert row is not None and await store.claims(row.id) == [] and await store.shown(row.id, "rotation") == set()
    assert "Stargate" in first.text and "Source : AFP, janvier 2025" in first.text
    plain = await service.preview("en")
    assert plain.lang == "en" and plain.headline[0].fact_id == "stargate-project"


async def test_help_and_empty_show_the_usage(service: DigestService) -> None:
    for args in ([], ["help"], ["aide"]):
        reply = await service.handle_command(ctx(), args)
        assert reply.ok and "daily HH:MM" in reply.text


def test_a_large_base_still_makes_one_postable_digest(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Thousands of amounts: the headline keeps the largest few, and the Slack message keeps
    every section within Slack's limits (50 blocks, a fallback text of sane length)."""
    from adapters.slack.render import BLOCK_LIMIT, digest_message
    from bot.bench.synthetic import write_base
    from bot.digest.compose import MAX_HEADLINE
    from knowledge.loader import load_fact_base

    data = tmp_path_factory.mktemp("large-digest")
    write_base(data, facts=2000, questions=10, seed=3)
    base = load_fact_base(data)
    amounts = sorted((f.amount.bounds[1] for f in base.facts if f.amount), reverse=True)
    assert len(amounts) > 100
    plan = DigestComposer(base).compose("en", NOW.date())
    assert len(plan.digest.headline) == MAX_HEADLINE
    headline = [base.fact(item.fact_id).amount for item in plan.digest.headline]
    assert [a.bounds[1] for a in headline if a] == amounts[:MAX_HEADLINE]
    assert plan.digest.fact_of_the_day is not None
    message = digest_message(plan.digest)
    assert len(message["blocks"]) <= BLOCK_LIMIT and len(message["text"]) < 4000
    assert any(plan.digest.fact_of_the_day.text in str(block) for block in message["blocks"])

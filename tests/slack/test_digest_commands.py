"""``/aibot digest ...`` through the real adapter into the real digest service and store (SQLite)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from bot.platforms import Services
from bot.runtime import open_services
from tests.clocks import JumpClock
from tests.slack.conftest import slack_settings
from tests.slack.fake_slack import FakeSlack, all_strings, event_callback, mention, slash_command
from tests.slack.helpers import BROADCAST, send_event, send_form
from tests.waiting import until


@pytest.fixture
async def services(fake: FakeSlack) -> AsyncIterator[Services]:
    async with open_services(slack_settings(fake, slack_admin_user_ids="ULISTED01")) as opened:
        if getattr(opened, "digests", None) is None:
            pytest.skip("open_services provides no digest service in this tree")
        yield opened


async def command(fake: FakeSlack, http: aiohttp.ClientSession, port: int, text: str, user: str,
                  channel: str = "C0DIGEST") -> dict[str, Any]:
    name = f"r{len(fake.responses)}"
    status, _ = await send_form(http, port, slash_command(text, fake.response_url(name), user=user, channel=channel))
    assert status == 200
    await fake.wait_until(lambda: any(n == name for n, _ in fake.responses))
    return next(body for n, body in fake.responses if n == name)


async def test_digest_commands_reach_the_service_with_who_may_change_them(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession, services: Services,
) -> None:
    fake.admins.add("UADMIN001")
    fake.locales["UFRENCH01"] = "fr-FR"
    bot = await start_bot(services=services)
    port = bot.bound_port

    refused = await command(fake, http, port, "digest daily 09:00 Europe/Paris fr", user="UASKER001")
    assert refused["text"].startswith("Only people who can manage this channel")
    listed = await command(fake, http, port, "digest daily 09:00 Europe/Paris fr", user="ULISTED01")
    assert listed["text"].startswith("Done:") and "09:00" in listed["text"]
    workspace_admin = await command(fake, http, port, "digest weekly mon 08:30 UTC", user="UADMIN001",
                                    channel="C0WEEKLY")
    assert workspace_admin["text"].startswith("Done:")

    shown = await command(fake, http, port, "digest show", user="UASKER001")
    assert shown["text"].startswith("This channel gets the digest") and shown["response_type"] == "ephemeral"
    french = await command(fake, http, port, "digest show", user="UFRENCH01")
    assert french["text"].startswith("Ce salon reçoit le résumé")

    preview = await command(fake, http, port, "digest preview", user="UASKER001")
    kinds = [b["type"] for b in preview["blocks"]]
    assert "header" in kinds
    assert any("Chiffres clés" in s for s in all_strings(preview["blocks"]))  # the channel's digest is in French
    assert "Stargate" in preview["text"]

    bad = await command(fake, http, port, "digest daily 25:00 <!channel> @here", user="ULISTED01")
    assert bad["text"] and not [s for s in all_strings(bad) if BROADCAST.search(s)]
    assert [c.params["user"] for c in fake.method_calls("users.info")].count("UADMIN001") == 1


async def test_scheduled_digest_is_posted_through_slack_and_a_lost_channel_counts_as_a_failure(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession, services: Services,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bot = await start_bot(services=services)
    done = await command(fake, http, bot.bound_port, "digest daily 09:00 Europe/Paris fr", user="ULISTED01")
    assert done["text"].startswith("Done:")
    assert services.digests is not None
    nine_paris = (datetime.now(UTC) + timedelta(days=1)).astimezone(ZoneInfo("Europe/Paris")).replace(
        hour=9, minute=1, second=0, microsecond=0)
    scheduler = services.digests.scheduler({"slack": bot}, clock=JumpClock(nine_paris))
    assert await scheduler.run_once() == 1
    [posted] = [p for p in fake.posts() if p["channel"] == "C0DIGEST"]
    assert posted["blocks"][0]["type"] == "header"
    assert "Chiffres clés" in posted["text"] and "Stargate" in posted["text"]
    assert not [s for s in all_strings(posted) if BROADCAST.search(s)]

    fake.fail_next("chat.postMessage", "channel_not_found")
    next_day = JumpClock(nine_paris + timedelta(days=1))
    assert await services.digests.scheduler({"slack": bot}, clock=next_day).run_once() == 1
    # The refusal counts toward disabling (a permanent error); the scheduler's retry then gets through.
    assert "post failed (channel_not_found, 1/5)" in caplog.text
    assert len([p for p in fake.posts() if p["channel"] == "C0DIGEST"]) == 3


async def test_an_admin_channels_digest_ends_with_the_report_of_the_questions_asked_on_slack(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession, services: Services,
) -> None:
    bot = await start_bot(services=services)
    port = bot.bound_port
    for question in ("How much is Meta investing in AI?", "Who won the 1998 football world cup? @here"):
        status, _ = await send_event(http, port, event_callback(mention(question, channel="C0GENERAL")))
        assert status == 200
    await fake.wait_until(lambda: len(fake.posts()) == 2)
    store = services.store
    assert store is not None

    async def both_counted() -> bool:  # the counts are written after the replies, by the background writer
        return sum(c.count for c in await store.question_counts()) == 2

    await until(both_counted, within=5, what="two questions counted")
    assert {(c.platform, c.outcome) for c in await store.question_counts()} == {
        ("slack", "answered"), ("slack", "unanswered")}

    assert (await command(fake, http, port, "digest daily 09:00 Europe/Paris fr", user="ULISTED01",
                          channel="C0ADMIN"))["text"].startswith("Done:")
    refused = await command(fake, http, port, "digest report on", user="UASKER001", channel="C0ADMIN")
    assert refused["text"].startswith("Only people who can manage this channel")
    switched = await command(fake, http, port, "digest report on", user="ULISTED01", channel="C0ADMIN")
    assert switched["text"].startswith("Done: this channel's digest now ends with the admins' report")
    assert services.digests is not None
    nine_paris = (datetime.now(UTC) + timedelta(days=1)).astimezone(ZoneInfo("Europe/Paris")).replace(
        hour=9, minute=1, second=0, microsecond=0)
    scheduler = services.digests.scheduler({"slack": bot}, clock=JumpClock(nine_paris))
    assert await scheduler.run_once() == 1
    assert await scheduler.run_once() == 0  # the same run is posted once
    [posted] = [p for p in fake.posts() if p["channel"] == "C0ADMIN"]
    assert "Pour les administrateurs : le bilan du bot" in posted["text"]
    assert "7 derniers jours : 2 question(s) posée(s), 1 avec une réponse (50 %)." in posted["text"]
    assert "La plus posée sans réponse : « Who won the 1998 football world cup?" in posted["text"]
    assert any("En anglais : 2 posée(s), 50 % avec une réponse." in s for s in all_strings(posted["blocks"]))
    assert not [s for s in all_strings(posted) if BROADCAST.search(s)]

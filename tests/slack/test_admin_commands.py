"""``/aibot digest ...`` from a DM, from a member who is not an admin, and from an admin: the real
Slack adapter over HTTP against the fake Slack, the real digest service and store (SQLite)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from bot import messages
from bot.digest.model import Digest, DigestItem
from bot.feedback import QuestionCount
from bot.platforms import Services
from bot.runtime import open_services
from bot.store import UnansweredRow
from tests.slack.conftest import slack_settings
from tests.slack.fake_slack import TEAM_ID, FakeSlack, slash_command
from tests.slack.helpers import send_form

#: an unanswered question someone asked in a channel: the admins' report quotes it
SECRET = "How much did Initech put into quantum AI?"
ADMIN_CHANNEL = "C0ADMINS1"
DM = "D0DIRECT1"


@pytest.fixture
async def services(fake: FakeSlack) -> AsyncIterator[Services]:
    async with open_services(slack_settings(fake)) as opened:
        assert opened.digests is not None and opened.store is not None
        now = datetime.now(UTC)
        await opened.store.add_unanswered([UnansweredRow(SECRET, "en", 10.0, now - timedelta(hours=5), tenant=TEAM_ID)])
        await opened.store.add_question_counts([QuestionCount(now.date() - timedelta(days=1), "slack", "en",
                                                              "unanswered", 1)])
        yield opened


async def command(fake: FakeSlack, http: aiohttp.ClientSession, port: int, text: str, *, user: str,
                  channel: str = ADMIN_CHANNEL) -> dict[str, Any]:
    name = f"r{len(fake.responses)}"
    direct = channel.startswith("D")
    form = slash_command(text, fake.response_url(name), user=user, channel=channel,
                         channel_name="directmessage" if direct else "admins")
    status, _ = await send_form(http, port, form)
    assert status == 200
    await fake.wait_until(lambda: any(n == name for n, _ in fake.responses))
    return next(body for n, body in fake.responses if n == name)


async def test_digest_commands_in_a_dm_are_refused_even_to_an_admin_and_show_no_report(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession, services: Services,
) -> None:
    bot = await start_bot(services=services)
    port = bot.bound_port
    assert (await command(fake, http, port, "digest daily 09:00 UTC report", user="UADMIN001"))["text"].startswith(
        "Done:")
    assert SECRET in json.dumps(await command(fake, http, port, "digest preview", user="UADMIN001"))

    fake.locales["UFRENCH01"] = "fr-FR"
    for words, user, lang in [("digest daily 09:00 UTC report", "UADMIN001", "en"),
                              ("digest report on", "UADMIN001", "en"), ("digest preview", "UADMIN001", "en"),
                              ("digest show", "UADMIN001", "en"), ("digest off", "UADMIN001", "en"),
                              ("résumé aperçu", "UFRENCH01", "fr"), ("digest preview", "UASKER001", "en")]:
        refused = await command(fake, http, port, words, user=user, channel=DM)
        assert refused["text"] == messages.text("digest_not_in_dm", lang), words  # type: ignore[arg-type]
        assert refused["response_type"] == "ephemeral" and SECRET not in json.dumps(refused), words
    assert await services.store.subscription_for("slack", TEAM_ID, DM) is None  # type: ignore[union-attr]
    helped = await command(fake, http, port, "digest help", user="UASKER001", channel=DM)
    assert helped["text"].startswith("Digest commands:")


async def test_a_member_who_is_not_an_admin_cannot_change_the_digest_and_previews_it_without_the_report(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession, services: Services,
) -> None:
    bot = await start_bot(services=services)
    port = bot.bound_port
    assert (await command(fake, http, port, "digest daily 09:00 UTC report", user="UADMIN001"))["text"].startswith(
        "Done:")
    for words in ("digest daily 10:00 UTC", "digest report off", "digest off"):
        refused = await command(fake, http, port, words, user="UASKER001")
        assert refused["text"] == messages.text("digest_not_admin", "en"), words
    preview = await command(fake, http, port, "digest preview", user="UASKER001")
    assert "Headline figures" in json.dumps(preview) and SECRET not in json.dumps(preview)
    assert "For admins" not in json.dumps(preview)
    kept = await services.store.subscription_for("slack", TEAM_ID, ADMIN_CHANNEL)  # type: ignore[union-attr]
    assert kept is not None and kept.include_report and kept.schedule_time == "09:00"
    admin = await command(fake, http, port, "digest preview", user="UADMIN001")
    assert SECRET in json.dumps(admin) and "For admins: how the bot did" in json.dumps(admin)


async def test_a_digest_for_a_dm_is_posted_without_the_report(
    fake: FakeSlack, start_bot: Callable[..., Any], services: Services,
) -> None:
    """A DM subscribed with the report while that was allowed: its digests go out without it."""
    bot = await start_bot(services=services)
    digest = Digest(lang="en", title="AI investment digest",
                    headline=[DigestItem("f1", "Meta: 60 to 65 billion dollars in 2025", "AFP, January 2025")],
                    report=[DigestItem("", f'Asked without an answer: "{SECRET}" (1 time(s)).', "")])
    await bot.post_digest(TEAM_ID, ADMIN_CHANNEL, digest)
    await bot.post_digest(TEAM_ID, DM, digest)
    posts = {call.params["channel"]: json.dumps(call.params) for call in fake.method_calls("chat.postMessage")}
    assert SECRET in posts[ADMIN_CHANNEL]
    assert "Meta: 60 to 65 billion" in posts[DM] and SECRET not in posts[DM] and "For admins" not in posts[DM]

"""A Discord admin channel's digest with the admins' report: the real client against the fake
Discord, the real digest service, scheduler and store (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.digest.compose import DigestComposer
from bot.digest.model import CommandContext
from bot.digest.service import DigestService
from bot.feedback import QuestionCount
from bot.store import Store
from knowledge.models import FactBase
from tests.clocks import JumpClock
from tests.digest import conftest as digest_fixtures
from tests.digest.test_scheduler import MONDAY_7Z, NINE_PARIS
from tests.discord.conftest import StartBot
from tests.discord.fake import CHANNEL_ID, OTHER_CHANNEL_ID, FakeDiscord

# the store on SQLite and on PostgreSQL (a private schema), as the digest tests have it
database = digest_fixtures.database
store = digest_fixtures.store


def admin_in(channel: int) -> CommandContext:
    return CommandContext(platform="discord", workspace_id="1", channel_id=str(channel), user_id="7", is_admin=True,
                          lang="en")


async def test_the_report_is_posted_once_in_the_admin_channels_embed_only(
    fake: FakeDiscord, start_bot: StartBot, fact_base: FactBase, store: Store,
) -> None:
    platform = await start_bot()
    composer = DigestComposer(fact_base)
    clock = JumpClock(MONDAY_7Z)
    service = DigestService(store, composer, clock=clock)
    for channel in (CHANNEL_ID, OTHER_CHANNEL_ID):
        assert (await service.handle_command(admin_in(channel), "daily 09:00 Europe/Paris en".split())).ok
    assert (await service.handle_command(admin_in(CHANNEL_ID), ["report", "on"])).ok
    day = NINE_PARIS.date() - timedelta(days=1)
    await store.add_question_counts([QuestionCount(day, "discord", "en", "answered", 3, tenant="1"),  # admin_in's guild
                                     QuestionCount(day, "discord", "en", "unanswered", 1, tenant="1")])
    clock.set(NINE_PARIS)
    scheduler = service.scheduler({"discord": platform}, clock=clock)
    assert await scheduler.run_once() == 2
    assert await scheduler.run_once() == 0
    [admin] = fake.channel_posts(CHANNEL_ID)
    [public] = fake.channel_posts(OTHER_CHANNEL_ID)
    description: Any = admin.body["embeds"][0]["description"]
    assert description.endswith("**For admins: how the bot did**\n• Last 7 days: 4 question(s) asked, 3 answered "
                                "(75%).\n• In English: 4 asked, 75% answered.\n• Votes: 0 👍 and 0 👎 on 0 answer(s).")
    assert "For admins" not in public.body["embeds"][0]["description"]
    assert admin.body["allowed_mentions"]["parse"] == []

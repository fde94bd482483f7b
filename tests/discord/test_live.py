"""The real discord.py client against the fake Discord: chat, slash commands, buttons."""

from __future__ import annotations

from tests.discord.conftest import StartBot
from tests.discord.fake import CHANNEL_ID, FakeDiscord


async def test_mention_about_meta_gets_one_reply_naming_60_to_65_billion(fake: FakeDiscord, start_bot: StartBot) -> None:
    await start_bot()
    asked = await fake.say("how much is Meta investing in AI?", mention_bot=True)
    posts = await fake.wait_for(lambda: fake.channel_posts(CHANNEL_ID))
    print(posts)

"""Two Discord servers, one bot: each server's admins see only their server's questions, in the
digest preview and in the posted digest's report. The real client against the fake Discord,
the real services of ``aibot run`` (``open_services``) on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.platforms import Services
from bot.runtime import open_services
from bot.settings import load_settings
from bot.store import Store
from tests.clocks import JumpClock
from tests.digest import conftest as digest_fixtures
from tests.digest.conftest import PG_DSN, Database
from tests.discord.conftest import StartBot
from tests.discord.fake import CHANNEL_ID, DM_CHANNEL_ID, GUILD_ID, OTHER_GUILD_ID, FakeDiscord
from tests.waiting import until

database = digest_fixtures.database

OTHER_CHANNEL = OTHER_GUILD_ID + 1  # the fake's one channel in the second server
MANAGE_GUILD = str(1 << 5)
#: What each server asks; neither has an answer in the fact base, so both are gaps.
ASKED_IN_A = "Who won the 1998 football world cup?"
ASKED_IN_B = "What is the capital of Australia?"
ASKED_IN_DM = "Who painted the Mona Lisa?"


def url_of(database: Database) -> str | None:
    """DATABASE_URL for the test's store: None for SQLite (the data directory), else its private schema."""
    if database.schema is None:
        return None
    return f"{PG_DSN}?search_path={database.schema}"


@pytest.fixture
async def services(fake: FakeDiscord, database: Database) -> AsyncIterator[Services]:
    settings = load_settings(discord_token="t", discord_api_url=fake.api_url, discord_gateway_url=fake.gateway_url,
                             database_url=url_of(database), rate_limit_count=100)
    async with open_services(settings) as opened:
        yield opened


async def ask(fake: FakeDiscord, text: str, **where: Any) -> None:
    """A mention in a server channel (or a DM), then the bot's reply in that channel."""
    channel = DM_CHANNEL_ID if where.get("dm") else where.get("channel_id", CHANNEL_ID)
    before = len(fake.channel_posts(channel))
    await fake.say(text, mention_bot=not where.get("dm"), **where)
    await fake.wait_for(lambda: len(fake.channel_posts(channel)) > before)


async def written(store: Store, questions: int) -> None:
    """Wait for the background writer (counts are stored after the replies, off their path)."""
    async def counted() -> int:
        return sum(c.count for c in await store.question_counts())

    seen: list[int] = []

    async def all_counted() -> bool:
        seen.append(await counted())
        return seen[-1] >= questions

    await until(all_counted, within=4, what=lambda: f"{seen[-1]} of {questions} questions counted")


async def digest_command(fake: FakeDiscord, sub: str, options: list[dict[str, Any]], *, guild_id: int,
                         channel_id: int) -> dict[str, Any]:
    interaction = await fake.slash("digest", [{"name": sub, "type": 1, "options": options}],
                                   permissions=MANAGE_GUILD, guild_id=guild_id, channel_id=channel_id)
    [callback] = await fake.wait_for(lambda: fake.callbacks(interaction))
    data: dict[str, Any] = callback.body["data"]
    return data


async def test_each_servers_admins_see_only_their_servers_questions(
    fake: FakeDiscord, start_bot: StartBot, services: Services,
) -> None:
    platform = await start_bot(services=services)
    await ask(fake, ASKED_IN_A)
    await ask(fake, ASKED_IN_B, guild_id=OTHER_GUILD_ID, channel_id=OTHER_CHANNEL)
    await ask(fake, ASKED_IN_B, guild_id=OTHER_GUILD_ID, channel_id=OTHER_CHANNEL)  # B's gap is the most asked
    await ask(fake, "How much is Meta investing in AI?", guild_id=OTHER_GUILD_ID, channel_id=OTHER_CHANNEL)
    await ask(fake, ASKED_IN_DM, dm=True)
    store = services.store
    assert store is not None
    await written(store, 5)
    assert {c.tenant: c.count for c in await store.question_counts() if c.outcome == "unanswered"} == {
        str(GUILD_ID): 1, str(OTHER_GUILD_ID): 2, "discord-dm": 1}

    previews = {}
    for guild, channel in ((GUILD_ID, CHANNEL_ID), (OTHER_GUILD_ID, OTHER_CHANNEL)):
        subscribe = [{"name": "schedule", "type": 3, "value": "daily 09:00"},
                     {"name": "zone", "type": 3, "value": "Europe/Paris"}]
        assert "Done" in (await digest_command(fake, "subscribe", subscribe, guild_id=guild,
                                               channel_id=channel))["content"]
        assert "Done" in (await digest_command(fake, "report", [{"name": "include", "type": 3, "value": "on"}],
                                               guild_id=guild, channel_id=channel))["content"]
        shown = await digest_command(fake, "preview", [], guild_id=guild, channel_id=channel)
        previews[guild] = shown["embeds"][0]["description"]
    in_a, in_b = previews[GUILD_ID], previews[OTHER_GUILD_ID]
    assert "For admins" in in_a and "For admins" in in_b
    assert "1 question(s) asked, 0 answered" in in_a and ASKED_IN_A in in_a
    assert ASKED_IN_B not in in_a and ASKED_IN_DM not in in_a
    assert "3 question(s) asked, 1 answered" in in_b and ASKED_IN_B in in_b and "(2 time(s))" in in_b
    assert ASKED_IN_A not in in_b and ASKED_IN_DM not in in_b

    assert services.digests is not None  # the posted digests too: one per server, each with its own report
    nine_paris = (datetime.now(UTC) + timedelta(days=1)).astimezone(ZoneInfo("Europe/Paris")).replace(
        hour=9, minute=1, second=0, microsecond=0)
    assert await services.digests.scheduler({"discord": platform}, clock=JumpClock(nine_paris)).run_once() == 2
    posted_a = fake.channel_posts(CHANNEL_ID)[-1].body["embeds"][0]["description"]
    posted_b = fake.channel_posts(OTHER_CHANNEL)[-1].body["embeds"][0]["description"]
    assert ASKED_IN_A in posted_a and ASKED_IN_B not in posted_a
    assert ASKED_IN_B in posted_b and ASKED_IN_A not in posted_b


async def test_a_vote_is_stored_under_its_server(fake: FakeDiscord, start_bot: StartBot, services: Services) -> None:
    await start_bot(services=services)
    await ask(fake, "How much is Meta investing in AI?", guild_id=OTHER_GUILD_ID, channel_id=OTHER_CHANNEL)
    answer = fake.channel_posts(OTHER_CHANNEL)[-1]
    message = fake.messages[max(fake.messages)]
    assert answer.body["components"], "the answer carries the vote buttons"
    custom_id = next(c["custom_id"] for row in message["components"] for c in row["components"]
                     if c["custom_id"].startswith("aibot:vote:d:"))
    pressed = await fake.press(message, custom_id, guild_id=OTHER_GUILD_ID, channel_id=OTHER_CHANNEL)
    await fake.wait_for(lambda: fake.callbacks(pressed) or fake.calls("POST", rf"/webhooks/\d+/token-{pressed}"))
    store = services.store
    assert store is not None
    votes = await until(store.votes, within=2, what="the vote stored (written behind the reply)")
    assert [(v.tenant, v.up) for v in votes] == [(str(OTHER_GUILD_ID), False)]
    assert await store.vote_counts(tenant=str(GUILD_ID)) == (0, 0)

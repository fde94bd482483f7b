"""Follow-ups through the real bolt app and the fake Slack: a thread and a DM channel are
conversations, and one user's topic never answers another user's follow-up."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp

from tests.slack.fake_slack import FakeSlack, direct_message, event_callback, mention
from tests.slack.helpers import send_event


async def ask(fake: FakeSlack, http: aiohttp.ClientSession, port: int, event: dict[str, Any]) -> dict[str, Any]:
    """Send one event and return the bot's reply to it (the next post)."""
    before = len(fake.posts())
    status, _ = await send_event(http, port, event_callback(event))
    assert status == 200
    await fake.wait_until(lambda: len(fake.posts()) > before)
    post: dict[str, Any] = fake.posts()[before]
    return post


async def test_a_mention_then_a_mention_in_its_thread_is_read_with_the_first(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession,
) -> None:
    bot = await start_bot()
    first = mention("How much is Meta investing in AI?", ts="1700000001.000100")
    reply = await ask(fake, http, bot.bound_port, first)
    assert "60 to 65 billion" in reply["text"] and reply["thread_ts"] == first["ts"]
    follow = mention("and Microsoft?", ts="1700000002.000100") | {"thread_ts": first["ts"]}
    reply = await ask(fake, http, bot.bound_port, follow)
    assert reply["thread_ts"] == first["ts"]
    assert "Microsoft plans to spend 80 billion" in reply["text"]
    source = await ask(fake, http, bot.bound_port,
                       mention("where is that from?", ts="1700000003.000100") | {"thread_ts": first["ts"]})
    assert "That comes from AFP" in source["text"] and "80 milliards" in source["text"]


async def test_a_dm_pair_is_one_conversation_in_french(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession,
) -> None:
    bot = await start_bot()
    first = await ask(fake, http, bot.bound_port, direct_message("Combien Meta investit-il dans l'IA ?"))
    assert "60 à 65 milliards" in first["text"]
    second = await ask(fake, http, bot.bound_port, direct_message("et l'an dernier ?"))
    assert "Cela situe 2024 autour de 40 à 43 milliards" in second["text"]


async def test_another_user_in_the_thread_does_not_get_the_first_users_topic(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession,
) -> None:
    bot = await start_bot()
    first = mention("How much is Meta investing in AI?", user="UALICE001", ts="1700000011.000100")
    assert "60 to 65 billion" in (await ask(fake, http, bot.bound_port, first))["text"]
    theirs = mention("bigger than Microsoft's?", user="UBOB00001", ts="1700000012.000100") | {"thread_ts": first["ts"]}
    reply = await ask(fake, http, bot.bound_port, theirs)
    assert "Meta" not in reply["text"].split("\n")[0] and "plans more" not in reply["text"]
    hers = mention("bigger than Microsoft's?", user="UALICE001", ts="1700000013.000100") | {"thread_ts": first["ts"]}
    assert "Microsoft plans more" in (await ask(fake, http, bot.bound_port, hers))["text"]


async def test_small_talk_in_a_dm_is_not_i_dont_know(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession,
) -> None:
    bot = await start_bot()
    for text in ("hi", "merci bien", "surprise me"):
        reply = await ask(fake, http, bot.bound_port, direct_message(text))
        assert "know" not in reply["text"].split("\n")[0] and "sais pas" not in reply["text"], text

"""Follow-ups through the real discord.py client and the fake Discord: a reply to the bot's
answer, a channel follow-up by the same user, and another user who gets no one else's topic."""

from __future__ import annotations

from typing import Any

from tests.discord.conftest import StartBot
from tests.discord.fake import BOT_ID, FakeDiscord, user


def text_of(body: dict[str, Any]) -> str:
    return "\n".join([body.get("content") or ""] + [e.get("description", "") for e in body.get("embeds") or []])


async def answer_to(fake: FakeDiscord, asked: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The bot's stored reply to ``asked`` and its text, once it has been posted."""
    def find() -> dict[str, Any] | None:
        for post in fake.channel_posts(int(asked["channel_id"])):
            if (post.body.get("message_reference") or {}).get("message_id") == int(asked["id"]):
                mine = [m for m in fake.messages.values() if m["author"]["id"] == str(BOT_ID)
                        and text_of(m) == text_of(post.body)]
                return mine[-1] if mine else None
        return None

    message = await fake.wait_for(find)
    return message, text_of(message)


async def test_a_reply_to_the_bots_answer_is_read_with_that_answers_topic(
    fake: FakeDiscord, start_bot: StartBot,
) -> None:
    await start_bot()
    first = await fake.say("How much is Meta investing in AI?", mention_bot=True)
    answer, shown = await answer_to(fake, first)
    assert "60 to 65 billion" in shown
    # meanwhile the same user asks about something else in the channel
    other = await fake.say("What is Stargate?", mention_bot=True)
    assert "500 billion" in (await answer_to(fake, other))[1]
    # a reply to the first answer, without mentioning or pinging the bot, continues the first topic
    follow = await fake.say("bigger than Microsoft's?", reply_to=answer)
    second, shown = await answer_to(fake, follow)
    assert "Microsoft plans more" in shown and "Meta" in shown
    # and a reply to that answer continues the chain
    third = await fake.say("where is that from?", reply_to=second)
    assert "That comes from AFP" in (await answer_to(fake, third))[1]


async def test_a_channel_follow_up_by_the_same_user_in_french(fake: FakeDiscord, start_bot: StartBot) -> None:
    await start_bot()
    first = await fake.say("Combien Meta investit-il dans l'IA ?", mention_bot=True)
    assert "60 à 65 milliards" in (await answer_to(fake, first))[1]
    follow = await fake.say("et l'an dernier ?", mention_bot=True)
    assert "Cela situe 2024 autour de 40 à 43 milliards" in (await answer_to(fake, follow))[1]


async def test_another_user_does_not_get_the_first_users_topic(fake: FakeDiscord, start_bot: StartBot) -> None:
    await start_bot()
    alice, bob = user(4000, name="alice"), user(4001, name="bob")
    first = await fake.say("How much is Meta investing in AI?", mention_bot=True, author=alice)
    answer, _ = await answer_to(fake, first)
    in_channel = await fake.say("bigger than Microsoft's?", mention_bot=True, author=bob)
    assert "plans more" not in (await answer_to(fake, in_channel))[1]
    replying = await fake.say("bigger than Microsoft's?", reply_to=answer, author=bob)
    assert "plans more" not in (await answer_to(fake, replying))[1]
    hers = await fake.say("bigger than Microsoft's?", mention_bot=True, author=alice)
    assert "Microsoft plans more" in (await answer_to(fake, hers))[1]


async def test_small_talk_is_answered_kindly_in_both_languages(fake: FakeDiscord, start_bot: StartBot) -> None:
    await start_bot()
    for text, expected in (("hiya", "Hello!"), ("bonsoir", "Bonjour !"), ("cheers", "welcome"), ("à plus", "Au revoir")):
        asked = await fake.say(text, mention_bot=True)
        assert expected in (await answer_to(fake, asked))[1], text

"""👍 / 👎 under answers on Discord: the real discord.py client against the fake Discord,
votes in a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from bot.answering import AnswerEngine
from bot.platforms import Services
from bot.settings import load_settings
from bot.store import Store
from tests.digest import conftest as digest_fixtures
from tests.discord.conftest import StartBot
from tests.discord.fake import FakeDiscord, user

# the store on SQLite and on PostgreSQL (a private schema), as the digest tests have it
database = digest_fixtures.database
store = digest_fixtures.store

META_EN = "how much is Meta investing in AI?"
META_FR = "Combien Meta investit-il dans l'IA ?"
BOT_AUTHOR = "1000"


def buttons(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for row in body.get("components") or [] for c in row.get("components", [])]


def vote_ids(body: dict[str, Any]) -> dict[str, str]:
    """The answer's vote buttons: "u"/"d" -> custom_id."""
    return {b["custom_id"].split(":")[2]: b["custom_id"] for b in buttons(body)
            if b.get("custom_id", "").startswith("aibot:vote:")}


def services(fake: FakeDiscord, engine: AnswerEngine, store: Store) -> Services:
    settings = load_settings(discord_token="fake-token", discord_api_url=fake.api_url,
                             discord_gateway_url=fake.gateway_url)
    return Services(settings=settings, engine=engine, store=store)


async def chat_answer(fake: FakeDiscord, question: str) -> dict[str, Any]:
    """Ask in the channel; the bot's answer message as the fake stored it."""
    before = {m for m, message in fake.messages.items() if message["author"]["id"] == BOT_AUTHOR}
    await fake.say(question, mention_bot=True)
    return await fake.wait_for(lambda: next((message for m, message in fake.messages.items()
                                             if message["author"]["id"] == BOT_AUTHOR and m not in before), None))


async def vote(fake: FakeDiscord, message: dict[str, Any], custom_id: str, voter: int) -> dict[str, Any]:
    """Press a vote button; the ephemeral acknowledgement's data."""
    press = await fake.press(message, custom_id, author=user(voter, name=f"voter{voter}"))
    [callback] = await fake.wait_for(lambda: fake.callbacks(press))
    assert callback.body["type"] == 4
    data: dict[str, Any] = callback.body["data"]
    assert data["flags"] & 64, "the acknowledgement is for the voter alone"
    return data


async def test_a_second_press_replaces_the_first_and_each_user_has_one_vote(
    fake: FakeDiscord, start_bot: StartBot, engine: AnswerEngine, store: Store,
) -> None:
    await start_bot(services=services(fake, engine, store))
    answer = await chat_answer(fake, META_EN)
    ids = vote_ids(answer)
    assert set(ids) == {"u", "d"} and all(len(i) <= 100 for i in ids.values())

    assert "reviewed" in (await vote(fake, answer, ids["d"], 4001))["content"]
    [first] = await store.votes()
    assert first.up is False and first.user_id == "4001" and first.message_id == answer["id"]
    assert "glad" in (await vote(fake, answer, ids["u"], 4001))["content"]
    [changed] = await store.votes()  # one vote by this user on this answer, now up
    assert changed.up is True and changed.platform == "discord" and changed.lang == "en"
    assert changed.question == META_EN  # recovered from the conversation the answer was given in
    assert changed.fact_ids == first.fact_ids and changed.fact_ids

    await vote(fake, answer, ids["d"], 4002)
    assert {v.user_id: v.up for v in await store.votes()} == {"4001": True, "4002": False}
    assert await store.vote_counts() == (1, 1)


async def test_french_answers_are_acknowledged_in_french(
    fake: FakeDiscord, start_bot: StartBot, engine: AnswerEngine, store: Store,
) -> None:
    await start_bot(services=services(fake, engine, store))
    answer = await chat_answer(fake, META_FR)
    labels = [b["label"] for b in buttons(answer) if b["custom_id"].startswith("aibot:vote:")]
    assert labels == ["Utile", "Pas utile"]
    assert (await vote(fake, answer, vote_ids(answer)["u"], 4001))["content"].startswith("Merci")
    [stored] = await store.votes()
    assert stored.lang == "fr" and stored.question == META_FR


async def test_buttons_still_count_after_a_restart(
    fake: FakeDiscord, start_bot: StartBot, engine: AnswerEngine, store: Store,
) -> None:
    first = await start_bot(services=services(fake, engine, store))
    answer = await chat_answer(fake, META_EN)
    await vote(fake, answer, vote_ids(answer)["d"], 4001)
    task: asyncio.Task[None] = first.task  # type: ignore[attr-defined]
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await fake.wait_for(lambda: not fake.sessions)
    await start_bot(services=services(fake, engine, store))  # a new process: no view, no memory
    assert "glad" in (await vote(fake, answer, vote_ids(answer)["u"], 4001))["content"]
    [kept] = await store.votes()
    assert kept.up is True and kept.question == META_EN  # the question stored with the first press is kept


async def test_only_answers_get_vote_buttons(fake: FakeDiscord, start_bot: StartBot) -> None:
    await start_bot()
    for said in ("hello", "How much did Apple spend on tulips?", "help"):
        assert not vote_ids(await chat_answer(fake, said)), said
    assert vote_ids(await chat_answer(fake, META_EN))  # the sentinel: an answer has them


async def test_slash_ask_answers_have_vote_buttons_and_record_the_question(
    fake: FakeDiscord, start_bot: StartBot, engine: AnswerEngine, store: Store,
) -> None:
    await start_bot(services=services(fake, engine, store))
    interaction = await fake.slash("ask", [{"name": "question", "type": 3, "value": META_EN}])
    [callback] = await fake.wait_for(lambda: fake.callbacks(interaction))
    message = fake.messages[fake.originals[f"token-{interaction}"]]
    ids = vote_ids(callback.body["data"])
    assert set(ids) == {"u", "d"}
    await vote(fake, message, ids["d"], 4003)
    [stored] = await store.votes()
    assert stored.up is False and stored.question == META_EN and stored.message_id == message["id"]

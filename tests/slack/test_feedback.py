"""👍 / 👎 under answers on Slack: the real slack-bolt app against the fake Slack, votes in a
real store (SQLite and PostgreSQL)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import aiohttp

from bot.answering import AnswerEngine
from bot.platforms import Services
from bot.store import Store
from tests.digest import conftest as digest_fixtures
from tests.slack.conftest import slack_settings
from tests.slack.fake_slack import FakeSlack, button_press, event_callback, mention
from tests.slack.helpers import send_action, send_event

QUESTION = "What is Microsoft's data center budget?"
ANSWER_TS = "1700000123.000200"

# the store on SQLite and on PostgreSQL (a private schema), as the digest tests have it
database = digest_fixtures.database
store = digest_fixtures.store


def vote_buttons(post: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The answer's vote buttons by action id."""
    blocks = [b for b in post["blocks"] if b.get("block_id") == "aibot_votes"]
    return {e["action_id"]: e for b in blocks for e in b["elements"]}


def press(button: dict[str, Any], response_url: str, user: str) -> dict[str, Any]:
    """A block_actions payload as Slack sends it for a press on the answer message ANSWER_TS."""
    payload = button_press(button["value"], response_url, user=user, action_id=button["action_id"])
    payload = copy.deepcopy(payload)
    payload["container"]["message_ts"] = payload["message"]["ts"] = ANSWER_TS
    payload["actions"][0]["block_id"] = "aibot_votes"
    return payload


async def ask(fake: FakeSlack, bot: Any, http: aiohttp.ClientSession, question: str) -> dict[str, Any]:
    before = len(fake.posts())
    await send_event(http, bot.bound_port, event_callback(mention(question)))
    await fake.wait_until(lambda: len(fake.posts()) > before)
    return fake.posts()[-1]


async def test_a_second_press_replaces_the_first_and_each_user_has_one_vote(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession, engine: AnswerEngine,
    store: Store,
) -> None:
    bot = await start_bot(services=Services(settings=slack_settings(fake), engine=engine, store=store))
    answer = await ask(fake, bot, http, QUESTION)
    buttons = vote_buttons(answer)
    assert set(buttons) == {"aibot_vote_up", "aibot_vote_down"}

    status, _ = await send_action(http, bot.bound_port, press(buttons["aibot_vote_down"], fake.response_url("v1"),
                                                              "UVOTER001"))
    assert status == 200
    await fake.wait_until(lambda: len(fake.responses) == 1)
    name, ack = fake.responses[0]
    assert name == "v1" and ack["response_type"] == "ephemeral" and ack["replace_original"] is False
    assert "reviewed" in ack["text"]
    [first] = await store.votes()
    assert first.up is False and first.user_id == "UVOTER001" and first.message_id == ANSWER_TS

    await send_action(http, bot.bound_port, press(buttons["aibot_vote_up"], fake.response_url("v2"), "UVOTER001"))
    await fake.wait_until(lambda: len(fake.responses) == 2)
    assert "glad" in fake.responses[1][1]["text"]
    [changed] = await store.votes()  # still one vote by this user on this answer, now up
    assert changed.up is True and changed.question == QUESTION and changed.platform == "slack"
    assert changed.fact_ids and changed.lang == "en"

    await send_action(http, bot.bound_port, press(buttons["aibot_vote_down"], fake.response_url("v3"), "UOTHER002"))
    await fake.wait_until(lambda: len(fake.responses) == 3)
    votes = {v.user_id: v.up for v in await store.votes()}
    assert votes == {"UVOTER001": True, "UOTHER002": False}
    assert await store.vote_counts() == (1, 1)


async def test_french_answers_are_acknowledged_in_french(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession, engine: AnswerEngine,
    store: Store,
) -> None:
    bot = await start_bot(services=Services(settings=slack_settings(fake), engine=engine, store=store))
    answer = await ask(fake, bot, http, "Combien Meta investit-il dans l'IA ?")
    buttons = vote_buttons(answer)
    assert buttons["aibot_vote_up"]["text"]["text"] == "👍 Utile"
    await send_action(http, bot.bound_port, press(buttons["aibot_vote_up"], fake.response_url("fr"), "UVOTER001"))
    await fake.wait_until(lambda: len(fake.responses) == 1)
    assert fake.responses[0][1]["text"].startswith("Merci")
    [vote] = await store.votes()
    assert vote.lang == "fr" and vote.question == "Combien Meta investit-il dans l'IA ?"


async def test_small_talk_and_abstentions_get_no_vote_buttons(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession,
) -> None:
    bot = await start_bot()
    for said in ("hello", "How much did Apple spend on tulips?", "help"):
        assert not vote_buttons(await ask(fake, bot, http, said)), said
    assert vote_buttons(await ask(fake, bot, http, QUESTION))  # the sentinel: an answer has them


async def test_without_a_store_the_press_is_acknowledged_honestly(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession,
) -> None:
    bot = await start_bot()
    buttons = vote_buttons(await ask(fake, bot, http, QUESTION))
    await send_action(http, bot.bound_port, press(buttons["aibot_vote_up"], fake.response_url("x"), "UVOTER001"))
    await fake.wait_until(lambda: len(fake.responses) == 1)
    assert "could not record" in fake.responses[0][1]["text"]

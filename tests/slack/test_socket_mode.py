"""The real bolt AsyncApp over Socket Mode (slack_sdk's aiohttp client) against the fake's websocket."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tests.slack.fake_slack import (
    APP_TOKEN,
    FakeSlack,
    all_strings,
    button_press,
    direct_message,
    event_callback,
    mention,
    slash_command,
)
from tests.slack.helpers import BROADCAST, acked, push_envelope

QUESTION = "What is Microsoft's data center budget?"


async def test_connects_with_the_app_token(fake: FakeSlack, start_bot: Callable[..., Any]) -> None:
    await start_bot(http=False)
    opened = fake.method_calls("apps.connections.open")
    assert len(opened) == 1 and opened[0].token == APP_TOKEN


async def test_mention_gets_one_threaded_reply_within_3s_and_a_retry_gets_none(
    fake: FakeSlack, start_bot: Callable[..., Any],
) -> None:
    await start_bot(http=False)
    event = mention(QUESTION, channel="C0SOCKET")
    payload = event_callback(event)
    started = time.monotonic()
    envelope = await push_envelope(fake, "events_api", payload)
    await acked(fake, envelope)
    await fake.wait_until(lambda: len(fake.posts()) == 1, within=3.0)
    assert time.monotonic() - started < 3.0
    reply = fake.posts()[0]
    assert reply["channel"] == "C0SOCKET" and reply["thread_ts"] == event["ts"]
    assert "80 billion" in reply["text"]

    retry = await push_envelope(fake, "events_api", payload, retry_attempt=1)
    await acked(fake, retry)  # acknowledged, so Slack stops retrying
    # a later question, answered: by then the retry had every chance to produce a reply
    later = await push_envelope(fake, "events_api",
                                event_callback(direct_message("What is Stargate?", channel="D0SENTINEL")))
    await acked(fake, later)
    await fake.wait_until(lambda: any(p["channel"] == "D0SENTINEL" for p in fake.posts()))
    assert [p["channel"] for p in fake.posts()] == ["C0SOCKET", "D0SENTINEL"]
    assert [p.get("thread_ts") for p in fake.posts()].count(event["ts"]) == 1


async def test_slash_command_acked_at_once_and_never_broadcasts(
    fake: FakeSlack, start_bot: Callable[..., Any],
) -> None:
    await start_bot(http=False)
    for index, text in enumerate(["@channel hi", "<!channel> <!here> <!subteam^S0TEAM|@ai-team> hi"]):
        started = time.monotonic()
        envelope = await push_envelope(fake, "slash_commands", slash_command(text, fake.response_url(f"c{index}")))
        ack = await acked(fake, envelope)
        assert time.monotonic() - started < 3.0
        assert not ack.get("payload")  # an empty ack; the answer goes to response_url
    await fake.wait_until(lambda: len(fake.responses) == 2)
    for _, response in fake.responses:
        assert response["text"]
        assert not [s for s in all_strings(response) if BROADCAST.search(s)]


async def test_french_question_gets_french_answer(fake: FakeSlack, start_bot: Callable[..., Any]) -> None:
    await start_bot(http=False)
    event = mention("Combien Microsoft va-t-il dépenser dans les centres de données ?")
    await push_envelope(fake, "events_api", event_callback(event))
    await fake.wait_until(lambda: len(fake.posts()) == 1)
    assert "80 milliards de dollars" in fake.posts()[0]["text"]


async def test_button_answers_in_place(fake: FakeSlack, start_bot: Callable[..., Any]) -> None:
    await start_bot(http=False)
    envelope = await push_envelope(fake, "interactive", button_press(QUESTION, fake.response_url("b")))
    await acked(fake, envelope)
    await fake.wait_until(lambda: len(fake.responses) == 1)
    _, response = fake.responses[0]
    assert response["replace_original"] is True and "80 billion" in response["text"]

"""The real bolt AsyncApp over HTTP (aiohttp, /slack/events) against the fake Slack."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest

from adapters.slack import SlackPlatformFactory
from bot.answering import AnswerEngine
from bot.digest.model import Digest, DigestItem, PostError
from bot.platforms import RunOptions, Services
from bot.settings import SettingsError
from tests.slack.conftest import slack_settings
from tests.slack.fake_slack import (
    BOT_USER_ID,
    FakeSlack,
    all_strings,
    button_press,
    direct_message,
    event_callback,
    mention,
    slash_command,
)
from tests.slack.helpers import BROADCAST, send_action, send_event, send_form

QUESTION = "What is Microsoft's data center budget?"


def thread_posts(fake: FakeSlack, ts: str) -> list[dict[str, Any]]:
    return [p for p in fake.posts() if p.get("thread_ts") == ts]


async def test_mention_gets_one_threaded_reply_within_3s_and_a_retry_gets_none(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession,
) -> None:
    bot = await start_bot()
    event = mention(QUESTION, channel="C0GENERAL")
    payload = event_callback(event)
    started = time.monotonic()
    status, _ = await send_event(http, bot.bound_port, payload)
    assert status == 200
    await fake.wait_until(lambda: len(fake.posts()) == 1, within=3.0)
    elapsed = time.monotonic() - started
    reply = fake.posts()[0]
    assert elapsed < 3.0
    assert reply["channel"] == "C0GENERAL" and reply["thread_ts"] == event["ts"]
    assert "80 billion" in reply["text"]
    assert any(b["type"] == "context" and "AFP" in b["elements"][0]["text"] for b in reply["blocks"])

    status, _ = await send_event(http, bot.bound_port, payload, retry=1)
    assert status == 200  # acknowledged, so Slack stops retrying
    status, _ = await send_event(http, bot.bound_port, payload, retry=2)
    assert status == 200
    # A later question is answered, so the retries had every chance to produce a reply.
    assert await _channels_once_the_sentinel_is_answered(fake, http, bot.bound_port) == ["C0GENERAL", "D0SENTINEL"]
    assert len(thread_posts(fake, event["ts"])) == 1


async def test_retry_of_an_event_never_seen_is_answered(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession,
) -> None:
    """Slack retries when the first delivery failed; if it never reached us, the retry is the question."""
    bot = await start_bot()
    event = mention(QUESTION)
    await send_event(http, bot.bound_port, event_callback(event), retry=1)
    await fake.wait_until(lambda: len(thread_posts(fake, event["ts"])) == 1)


async def test_bad_signature_gets_401_and_no_reply(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession,
) -> None:
    bot = await start_bot()
    status, _ = await send_event(http, bot.bound_port, event_callback(mention(QUESTION)), secret="not-the-secret")
    assert status == 401
    status, _ = await send_form(http, bot.bound_port, slash_command(QUESTION, fake.response_url("x")),
                                secret="not-the-secret")
    assert status == 401
    await _only_the_sentinel_is_answered(fake, http, bot.bound_port)
    assert fake.responses == []


async def test_stale_timestamp_rejected(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession,
) -> None:
    """A correctly signed request from more than five minutes ago is a replay."""
    bot = await start_bot()
    stale = int(time.time()) - 10 * 60
    status, _ = await send_event(http, bot.bound_port, event_callback(mention(QUESTION)), timestamp=stale)
    assert status == 401
    await _only_the_sentinel_is_answered(fake, http, bot.bound_port)


@pytest.mark.parametrize("text", [
    "@channel hi", "<!channel> hi", "<!here> <!everyone> what is <!subteam^S0TEAM|@ai-team>?",
    "@here how much does @everyone spend? <!channel>",
])
async def test_slash_command_never_sends_back_a_broadcast(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession, text: str,
) -> None:
    bot = await start_bot()
    started = time.monotonic()
    status, body = await send_form(http, bot.bound_port, slash_command(text, fake.response_url("cmd")))
    assert status == 200 and body == ""  # acked at once, empty
    assert time.monotonic() - started < 3.0
    await fake.wait_until(lambda: len(fake.responses) == 1)
    _, response = fake.responses[0]
    assert response["text"]
    assert not [s for s in all_strings(response) if BROADCAST.search(s)]


async def test_mention_with_broadcasts_is_answered_without_them(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession,
) -> None:
    bot = await start_bot()
    await send_event(http, bot.bound_port, event_callback(mention("<!channel> @here who is Intel <!everyone>?")))
    await fake.wait_until(lambda: len(fake.posts()) == 1)
    assert not [s for s in all_strings(fake.posts()[0]) if BROADCAST.search(s)]


async def test_french_question_gets_french_answer(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession,
) -> None:
    bot = await start_bot()
    event = mention("Combien Microsoft va-t-il dépenser dans les centres de données ?")
    await send_event(http, bot.bound_port, event_callback(event))
    await fake.wait_until(lambda: len(fake.posts()) == 1)
    reply = fake.posts()[0]
    assert "80 milliards de dollars" in reply["text"]
    assert "Source : AFP, janvier 2025" in reply["text"]
    await send_form(http, bot.bound_port, slash_command("Combien Meta investit-il dans l'IA en 2025 ?",
                                                        fake.response_url("fr")))
    await fake.wait_until(lambda: len(fake.responses) == 1)
    assert "milliards" in fake.responses[0][1]["text"]


async def test_direct_message_answered_in_the_dm(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession,
) -> None:
    bot = await start_bot()
    await send_event(http, bot.bound_port, event_callback(direct_message("What is Stargate?", channel="D0DM")))
    await fake.wait_until(lambda: len(fake.posts()) == 1)
    reply = fake.posts()[0]
    assert reply["channel"] == "D0DM" and reply.get("thread_ts") is None
    assert "Stargate" in reply["text"]


async def test_bots_and_itself_are_ignored(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession,
) -> None:
    bot = await start_bot()
    other_bot = direct_message("What is Stargate?") | {"subtype": "bot_message", "bot_id": "B0OTHER"}
    own = direct_message("What is Stargate?", user=BOT_USER_ID) | {"bot_id": "BAIBOT001"}
    bot_mention = mention(QUESTION) | {"bot_id": "B0OTHER"}
    for event in (other_bot, own, bot_mention):
        status, _ = await send_event(http, bot.bound_port, event_callback(event))
        assert status == 200
    await _only_the_sentinel_is_answered(fake, http, bot.bound_port)


async def test_help_and_about(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession, engine: Any,
) -> None:
    bot = await start_bot()
    await send_form(http, bot.bound_port, slash_command("help", fake.response_url("help")))
    await send_form(http, bot.bound_port, slash_command("about", fake.response_url("about")))
    await fake.wait_until(lambda: len(fake.responses) == 2)
    got = dict(fake.responses)
    assert got["help"]["response_type"] == "ephemeral"
    assert "Examples" in got["help"]["text"] and "Combien" in got["help"]["text"]
    assert f"{len(engine.base.facts)} facts" in got["about"]["text"] and "AFP" in got["about"]["text"]


async def test_unsure_answer_buttons_and_pressing_one_answers_in_place(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession,
) -> None:
    bot = await start_bot()
    await send_event(http, bot.bound_port, event_callback(mention("What about the budget?")))
    await fake.wait_until(lambda: len(fake.posts()) == 1)
    actions = [b for b in fake.posts()[0]["blocks"] if b["type"] == "actions"]
    buttons = actions[0]["elements"]
    choice = next(b for b in buttons if "Microsoft" in b["value"])
    started = time.monotonic()
    status, _ = await send_action(http, bot.bound_port, button_press(choice["value"], fake.response_url("btn"),
                                                                    action_id=choice["action_id"]))
    assert status == 200 and time.monotonic() - started < 3.0
    await fake.wait_until(lambda: len(fake.responses) == 1)
    _, response = fake.responses[0]
    assert response["replace_original"] is True
    assert "80 billion" in response["text"] and choice["value"] in response["text"]


async def test_rate_limit_says_slow_down_once(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession,
) -> None:
    bot = await start_bot(rate_limit_count=2, rate_limit_seconds=30)
    for _ in range(6):
        await send_event(http, bot.bound_port, event_callback(direct_message("What is Stargate?", user="USPAMMER1")))
    await fake.wait_until(lambda: len(fake.posts()) == 3)
    # someone else's later question, answered: by then the spammer's dropped ones would have been too
    channels = await _channels_once_the_sentinel_is_answered(fake, http, bot.bound_port)
    assert channels == ["D0DIRECT1"] * 3 + ["D0SENTINEL"]
    texts = [p["text"] for p in fake.posts()]
    assert sum("slow" in t or "wait" in t for t in texts) == 1
    assert sum("Stargate" in t for t in texts) == 3


async def test_slack_errors_are_logged_by_code_and_the_app_keeps_running(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture,
) -> None:
    bot = await start_bot()
    caplog.set_level(logging.INFO, logger="adapters.slack")
    for code in ("not_in_channel", "channel_not_found", "invalid_auth"):
        fake.fail_next("chat.postMessage", code)
        await send_event(http, bot.bound_port, event_callback(mention(QUESTION)))
        logged = f"could not post to C0GENERAL: {code}"
        await fake.wait_until(lambda: len(fake.posts()) >= 1 and logged in caplog.text)  # noqa: B023
        fake.calls.clear()
    for code in ("not_in_channel", "channel_not_found", "invalid_auth"):
        assert re.search(rf"could not post to \S+: {code}; reply dropped", caplog.text)
    assert any(r.levelno == logging.ERROR and "invalid_auth" in r.getMessage() for r in caplog.records)

    # ratelimited: wait as long as Retry-After says, then deliver.
    fake.fail_next("chat.postMessage", "ratelimited", status=429, headers={"Retry-After": "1"})
    started = time.monotonic()
    await send_event(http, bot.bound_port, event_callback(mention(QUESTION)))
    await fake.wait_until(lambda: len(fake.posts()) == 2, within=4.0)
    assert time.monotonic() - started >= 1.0
    assert "ratelimited; retrying in 1 s" in caplog.text


async def test_digest_posting_classifies_errors(fake: FakeSlack, start_bot: Callable[..., Any]) -> None:
    bot = await start_bot()
    item = DigestItem("stargate", "Stargate: up to 500 billion dollars over 4 years", "AFP, January 2025")
    digest = Digest(lang="en", title="AI investment digest", headline=[item])
    await bot.post_digest("T0FAKE001", "C0DIGEST", digest)
    posted = fake.posts()[-1]
    assert posted["channel"] == "C0DIGEST" and posted["blocks"][0]["type"] == "header"
    for code, permanent in [("channel_not_found", True), ("not_in_channel", True), ("is_archived", True),
                            ("invalid_auth", False)]:
        fake.fail_next("chat.postMessage", code)
        with pytest.raises(PostError) as caught:
            await bot.post_digest("T0FAKE001", "C0DIGEST", digest)
        assert (caught.value.reason, caught.value.permanent) == (code, permanent)
    for _ in range(4):
        fake.fail_next("chat.postMessage", "ratelimited", status=429, headers={"Retry-After": "0"})
    with pytest.raises(PostError) as caught:
        await bot.post_digest("T0FAKE001", "C0DIGEST", digest)
    assert (caught.value.reason, caught.value.permanent) == ("ratelimited", False)


async def test_platform_object_posts_digests_through_the_running_app(
    fake: FakeSlack, start_bot: Callable[..., Any],
) -> None:
    factory = SlackPlatformFactory()
    digest = Digest(lang="fr", title="Résumé", new_facts=[DigestItem("x", "Meta : 60 à 65 milliards", "AFP")])
    with pytest.raises(PostError) as caught:
        await factory.post_digest(None, "C1", digest)
    assert caught.value.permanent is False
    factory.running = await start_bot()
    await factory.post_digest(None, "C1", digest)
    assert "Nouveau depuis le dernier résumé" in fake.posts()[-1]["text"]


async def test_digest_command_without_a_digest_service_says_so(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession,
) -> None:
    bot = await start_bot()
    if getattr(bot.services, "digests", None) is not None:
        pytest.skip("a digest service is wired in")
    await send_form(http, bot.bound_port, slash_command("digest show", fake.response_url("d")))
    await fake.wait_until(lambda: len(fake.responses) == 1)
    assert fake.responses[0][1]["text"] == "Digests are not available on this installation."


async def test_url_verification_answers_the_challenge_only_when_signed(
    start_bot: Callable[..., Any], http: aiohttp.ClientSession,
) -> None:
    bot = await start_bot()
    challenge = {"token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                 "type": "url_verification"}
    status, body = await send_event(http, bot.bound_port, challenge)
    assert status == 200 and challenge["challenge"] in body
    status, _ = await send_event(http, bot.bound_port, challenge, secret="wrong")
    assert status == 401


async def test_other_events_are_acknowledged_and_ignored(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession,
) -> None:
    bot = await start_bot()
    reaction = {"type": "reaction_added", "user": "UASKER001", "reaction": "thumbsup",
                "item": {"type": "message", "channel": "C0GENERAL", "ts": "1.1"}, "event_ts": "1.2"}
    channel_message = direct_message("What is Stargate?", channel="C0GENERAL") | {"channel_type": "channel"}
    for event in (reaction, channel_message):
        status, _ = await send_event(http, bot.bound_port, event_callback(event))
        assert status == 200
    await _only_the_sentinel_is_answered(fake, http, bot.bound_port)


async def test_one_message_raising_two_events_is_answered_once(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession,
) -> None:
    """A mention inside a DM arrives as message.im and as app_mention, with different event ids."""
    bot = await start_bot()
    dm = direct_message(f"<@{BOT_USER_ID}> What is Stargate?", channel="D0BOTH")
    as_mention = dm | {"type": "app_mention"}
    await send_event(http, bot.bound_port, event_callback(dm))
    await send_event(http, bot.bound_port, event_callback(as_mention))
    await fake.wait_until(lambda: len(fake.posts()) == 1)
    assert await _channels_once_the_sentinel_is_answered(fake, http, bot.bound_port) == ["D0BOTH", "D0SENTINEL"]


async def test_invalid_token_ends_the_run_with_one_line_naming_the_setting(
    fake: FakeSlack, engine: AnswerEngine,
) -> None:
    """A wrong token used to leave an app that served /healthz "ok" and answered nothing."""
    services = Services(settings=slack_settings(fake, slack_bot_token="xoxb-revoked-token"), engine=engine)
    bot = SlackPlatformFactory().create(services, RunOptions(http=True, host="127.0.0.1", port=0))
    with pytest.raises(SettingsError) as refused:
        await asyncio.wait_for(bot.run(), 10)
    assert str(refused.value).startswith("setting SLACK_BOT_TOKEN was refused by Slack (invalid_auth)")
    assert "xoxb-revoked-token" not in str(refused.value)
    assert bot.bound_port is None and fake.posts() == []


async def _channels_once_the_sentinel_is_answered(fake: FakeSlack, http: aiohttp.ClientSession,
                                                   port: int) -> list[str]:
    """What was sent before had its chance to be answered: a question sent after it, by someone
    else in a DM of its own, is answered; then the channel of every post so far (a sentinel
    instead of a fixed sleep)."""
    await send_event(http, port, event_callback(direct_message("What is Stargate?", user="USENTINEL",
                                                               channel="D0SENTINEL")))
    await fake.wait_until(lambda: any(post["channel"] == "D0SENTINEL" for post in fake.posts()))
    return [post["channel"] for post in fake.posts()]


async def _only_the_sentinel_is_answered(fake: FakeSlack, http: aiohttp.ClientSession, port: int) -> None:
    """Nothing sent before is answered: the sentinel's reply is the only post."""
    assert await _channels_once_the_sentinel_is_answered(fake, http, port) == ["D0SENTINEL"]

"""A new admin's rough edges on Slack: a DM with a file, the start-up log, missing-token messages."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from adapters.slack import SlackPlatformFactory, translate
from bot.answering import AnswerEngine
from bot.platforms import RunOptions, Services
from bot.settings import SettingsError, load_settings
from tests.slack.fake_slack import BOT_TOKEN, FakeSlack, direct_message, event_callback
from tests.slack.helpers import send_event

PAYLOADS = Path(__file__).parent / "payloads"


def _file_share_dm(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads((PAYLOADS / "message_im_file_share.json").read_text(encoding="utf-8"))
    payload["event"] |= changes
    return payload


def test_a_dm_with_a_file_is_a_question_and_its_text_the_question() -> None:
    event = _file_share_dm()["event"]
    assert translate.is_plain_dm(event)
    assert translate.event_message(event).text == "What is Stargate?"


def test_other_dm_subtypes_are_still_not_questions() -> None:
    for subtype in ("message_changed", "message_deleted", "channel_join", "bot_message"):
        assert not translate.is_plain_dm(_file_share_dm(subtype=subtype)["event"])
    assert not translate.is_plain_dm(_file_share_dm(bot_id="B0OTHER")["event"])


async def test_a_dm_with_a_file_attached_is_answered_from_its_text(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession,
) -> None:
    bot = await start_bot()
    status, _ = await send_event(http, bot.bound_port, _file_share_dm())
    assert status == 200
    await fake.wait_until(lambda: len(fake.posts()) == 1)
    reply = fake.posts()[0]
    assert reply["channel"] == "D024BE91L" and reply.get("thread_ts") is None
    assert "Stargate" in reply["text"]


async def test_a_file_without_text_is_not_answered(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession,
) -> None:
    """Nothing to answer: the file alone gets no reply (the next question's answer is the only post)."""
    bot = await start_bot()
    await send_event(http, bot.bound_port, _file_share_dm(text="", blocks=[]))
    await send_event(http, bot.bound_port, event_callback(direct_message("What is Meta's plan?", channel="D0DM")))
    await fake.wait_until(lambda: len(fake.posts()) >= 1)
    await fake.wait_until(lambda: any(p["channel"] == "D0DM" for p in fake.posts()))
    assert [p["channel"] for p in fake.posts()] == ["D0DM"], fake.posts()[0]["text"]


@pytest.mark.parametrize("http_mode", [True, False])
async def test_start_logs_no_token_will_be_unused_line(
    fake: FakeSlack, start_bot: Callable[..., Any], monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture, http_mode: bool,
) -> None:
    """In production the token comes from the environment, where bolt also looks for it."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    caplog.set_level(logging.DEBUG)
    bot = await start_bot(http=http_mode)
    assert bot.client.token == BOT_TOKEN and bot.app.client is bot.client
    assert bot.client.base_url == fake.api_url if fake.api_url.endswith("/") else fake.api_url + "/"
    assert not [r for r in caplog.records if "will be unused" in r.getMessage()]


BOTH_MODES = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET")


@pytest.mark.parametrize("settings", [
    {},
    {"slack_signing_secret": "0123456789abcdef"},
    {"slack_app_token": "xapp-1-A0-1-abc"},
    {"slack_bot_token": "xoxb-1-2-abc"},
], ids=["nothing", "secret only", "app token only", "bot token only"])
def test_a_missing_slack_token_names_the_variables_of_both_modes(
    settings: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    with pytest.raises(SettingsError) as caught:
        SlackPlatformFactory().check(load_settings(**settings))
    assert all(name in str(caught.value) for name in BOTH_MODES), caught.value


def test_http_without_a_signing_secret_names_socket_modes_variables(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, engine: AnswerEngine,
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(slack_bot_token="xoxb-1-2-abc", slack_app_token="xapp-1-A0-1-abc")
    services = Services(settings=settings, engine=engine)
    with pytest.raises(SettingsError) as caught:
        SlackPlatformFactory().create(services, RunOptions(http=True))
    assert all(name in str(caught.value) for name in BOTH_MODES), caught.value

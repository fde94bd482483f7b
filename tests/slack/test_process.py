"""``aibot run`` as a real separate process, and its start-up checks."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from typing import Any

import aiohttp
import pytest
from click.testing import CliRunner

from adapters.slack import SlackPlatformFactory
from bot.cli import main
from bot.settings import SettingsError, load_settings
from tests.localhost import free_port
from tests.slack.fake_slack import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, FakeSlack, event_callback, mention
from tests.slack.helpers import acked, push_envelope, send_event
from tests.waiting import until


async def wait_for_health(session: aiohttp.ClientSession, port: int, process: asyncio.subprocess.Process) -> None:
    """Until Slack serves the port: /healthz answers from the first second, so /readyz must no
    longer say that Slack is not connected or the store not open (it may still be sick, on purpose)."""

    async def serving() -> bool:
        if process.returncode is not None:
            raise AssertionError(f"aibot run exited with {process.returncode}")
        try:
            async with session.get(f"http://127.0.0.1:{port}/readyz") as resp:
                text = await resp.text()
            # Slack connected and the store opened (before that, events get the start-up 503)
            return "slack: not connected" not in text and "store: not open yet" not in text
        except aiohttp.ClientConnectionError:
            return False

    await until(serving, within=20, what="aibot run listening", every=0.1)


async def test_aibot_run_slack_http_in_a_separate_process(fake: FakeSlack, http: aiohttp.ClientSession) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env |= {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake.api_url,
            "AIBOT_LOG_LEVEL": "INFO"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "slack", "--http", "--port", str(port),
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        await wait_for_health(http, port, process)
        event = mention("What is Microsoft's data center budget?", channel="C0PROCESS")
        started = time.monotonic()
        status, _ = await send_event(http, port, event_callback(event))
        assert status == 200
        await fake.wait_until(lambda: len(fake.posts()) == 1, within=3.0)
        assert time.monotonic() - started < 3.0
        reply = fake.posts()[0]
        assert reply["thread_ts"] == event["ts"] and "80 billion" in reply["text"]
        status, _ = await send_event(http, port, event_callback(event) | {"event_id": "EvBADSIG"}, secret="wrong")
        assert status == 401
    finally:
        log = await _stopped(process)
    assert process.returncode == 0, log
    assert "listening on http://127.0.0.1" in log
    assert BOT_TOKEN not in log and SIGNING_SECRET not in log


async def test_aibot_run_in_socket_mode_in_a_separate_process(fake: FakeSlack) -> None:
    """SLACK_APP_TOKEN set and no --http: the process dials the fake's websocket and answers there."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env |= {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": APP_TOKEN, "SLACK_API_URL": fake.api_url}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        await fake.socket_connected(within=20)
        event = mention("What is Microsoft's data center budget?", channel="C0SOCKPROC")
        envelope = await push_envelope(fake, "events_api", event_callback(event))
        await acked(fake, envelope)
        await fake.wait_until(lambda: len(fake.posts()) == 1, within=3.0)
        assert fake.posts()[0]["thread_ts"] == event["ts"] and "80 billion" in fake.posts()[0]["text"]
    finally:
        log = await _stopped(process)
    assert process.returncode == 0, log
    assert BOT_TOKEN not in log and APP_TOKEN not in log


def test_aibot_run_with_no_platform_points_to_chat() -> None:
    result = CliRunner().invoke(main, ["run"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "no chat platform is configured" in lines[0] and "aibot chat" in lines[0]


@pytest.mark.parametrize(("env", "named"), [
    ({"SLACK_SIGNING_SECRET": SIGNING_SECRET}, "SLACK_BOT_TOKEN"),
    ({"SLACK_BOT_TOKEN": "not-a-token", "SLACK_SIGNING_SECRET": SIGNING_SECRET}, "SLACK_BOT_TOKEN"),
    ({"SLACK_BOT_TOKEN": BOT_TOKEN}, "SLACK_SIGNING_SECRET"),
    ({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": "xoxb-wrong-kind"}, "SLACK_APP_TOKEN"),
    ({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": "short"}, "SLACK_SIGNING_SECRET"),
    ({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": "localhost:1"},
     "SLACK_API_URL"),
])
def test_bad_slack_settings_stop_start_up_with_one_line(
    env: dict[str, str], named: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(main, ["run", "slack"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and named in lines[0], result.output
    for secret in env.values():
        if secret.startswith(("xoxb-1111", "xapp-")) or secret == SIGNING_SECRET:
            assert secret not in result.output


def test_is_configured_and_socket_mode_needs_no_signing_secret() -> None:
    factory = SlackPlatformFactory()
    assert not factory.is_configured(load_settings())
    settings: Any = load_settings(slack_bot_token=BOT_TOKEN, slack_app_token=APP_TOKEN)
    assert factory.is_configured(settings)
    factory.check(settings)  # Socket Mode: no signing secret needed
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET"):
        from bot.platforms import RunOptions, Services

        factory.create(Services(settings=settings, engine=None), RunOptions(http=True))  # type: ignore[arg-type]


async def _stopped(process: asyncio.subprocess.Process) -> str:
    """Stop the bot as Heroku does (SIGTERM) and return its log."""
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    _, stderr = await asyncio.wait_for(process.communicate(), 10)
    return stderr.decode()

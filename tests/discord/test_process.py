"""The command line as an operator runs it: separate processes talking to the fake Discord."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
from pathlib import Path

import pytest

from tests.discord.fake import CHANNEL_ID, FakeDiscord

TOKEN = "process-test-token-which-must-never-be-logged"


def _aibot() -> str:
    found = shutil.which("aibot", path=str(Path(sys.executable).parent)) or shutil.which("aibot")
    assert found, "the aibot console script is installed (pip install -e '.[dev]')"
    return found


def _env(fake: FakeDiscord, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
    env.update(DISCORD_TOKEN=TOKEN, DISCORD_API_URL=fake.api_url, DISCORD_GATEWAY_URL=fake.gateway_url,
               AIBOT_LOG_LEVEL="DEBUG", **extra)
    return env


@pytest.mark.parametrize("command", [["run", "discord"], ["run"]], ids=["run-discord", "run-every-configured"])
async def test_aibot_run_discord_in_its_own_process_answers_a_mention(fake: FakeDiscord, command: list[str]) -> None:
    process = await asyncio.create_subprocess_exec(
        _aibot(), *command, env=_env(fake),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        await fake.wait_for(lambda: fake.sessions, within=30)
        assert fake.identifies[0]["token"] == TOKEN
        await fake.say("how much is Meta investing in AI?", mention_bot=True)
        [reply] = await fake.wait_for(lambda: fake.channel_posts(CHANNEL_ID), within=10)
        assert "60 to 65 billion" in reply.body["embeds"][0]["description"]
        assert reply.body["allowed_mentions"]["parse"] == []
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 20)
    log = stderr.decode()
    assert process.returncode == 0, log[-2000:]
    assert TOKEN not in log
    assert "starting discord" in log


async def test_aibot_discord_sync_registers_the_commands_in_one_server(fake: FakeDiscord) -> None:
    process = await asyncio.create_subprocess_exec(
        _aibot(), "discord", "sync", "--guild", "2000", env=_env(fake),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr.decode()[-2000:]
    [put] = fake.calls("PUT", "/applications/1000/guilds/2000/commands")
    commands = {c["name"]: c for c in put.body}
    assert set(commands) == {"ask", "facts", "about", "help", "digest", "chart", "reload"}
    assert commands["ask"]["options"][0]["autocomplete"] is True
    assert commands["ask"]["description_localizations"]["fr"].startswith("Poser une question")
    assert not fake.sessions and not fake.identifies, "syncing never opens the gateway"
    assert "registered 7 commands in server 2000" in stdout.decode()
    assert TOKEN not in stderr.decode()


async def test_aibot_run_discord_without_a_token_names_the_setting(fake: FakeDiscord) -> None:
    env = _env(fake)
    del env["DISCORD_TOKEN"]
    process = await asyncio.create_subprocess_exec(
        _aibot(), "run", "discord", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    assert "DISCORD_TOKEN" in stderr.decode().strip().splitlines()[-1]


async def test_refused_message_content_intent_ends_the_run_with_one_line() -> None:
    refusing = FakeDiscord(refuse_message_content=True)
    await refusing.start()
    try:
        process = await asyncio.create_subprocess_exec(
            _aibot(), "run", "discord", env=_env(refusing),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    finally:
        await refusing.stop()
    log = stderr.decode()
    assert process.returncode == 2, log[-2000:]
    assert "Traceback" not in log and "ExceptionGroup" not in log
    last = log.strip().splitlines()[-1]
    assert last.startswith("aibot: ") and "4014" in last and "DISCORD_MESSAGE_CONTENT=false" in last
    assert TOKEN not in log

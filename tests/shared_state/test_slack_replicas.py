"""Issue 25, item 3, end to end: two ``aibot run slack --http`` processes (two replicas, each with
its own data directory) against the fake Slack and one real Redis (``REDIS_URL``), Slack's events
spread over both as a load balancer would."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

from tests.localhost import free_port
from tests.shared_state.conftest import REDIS_URL
from tests.slack.conftest import fake, http  # noqa: F401 - fixtures
from tests.slack.fake_slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack, direct_message, event_callback, mention
from tests.slack.helpers import send_event
from tests.waiting import until


async def wait_until_ready(http: aiohttp.ClientSession, port: int,  # noqa: F811
                           process: asyncio.subprocess.Process) -> None:
    """Until /readyz answers 200: Slack serves the port, the store and the fact base are loaded."""
    statuses: list[int] = []

    async def ready() -> bool:
        assert process.returncode is None, f"aibot run exited with {process.returncode}"
        try:
            async with http.get(f"http://127.0.0.1:{port}/readyz") as resp:
                statuses.append(resp.status)
        except aiohttp.ClientConnectionError:
            return False
        return statuses[-1] == 200

    async with asyncio.timeout(30 + 5):  # a request that hangs cannot outlast the wait by much
        await until(ready, within=30, what=lambda: f"/readyz 200; it stayed {statuses[-1:]}", every=0.1)


@contextlib.asynccontextmanager
async def replica(fake: FakeSlack, http: aiohttp.ClientSession, data_dir: Path, prefix: str,  # noqa: F811
                  **env_overrides: str) -> AsyncIterator[int]:
    """One ``aibot run slack --http`` process sharing Redis; yields its port, SIGTERMed after."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "AIBOT_", "REDIS_"))}
    env |= {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake.api_url,
            "AIBOT_DATA_DIR": str(data_dir), "AIBOT_WATCH_KNOWLEDGE": "false", "REDIS_URL": REDIS_URL,
            "AIBOT_REDIS_PREFIX": prefix, "AIBOT_LOG_LEVEL": "INFO", **env_overrides}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "slack", "--http", "--port", str(port),
        env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    log = ""
    try:
        await wait_until_ready(http, port, process)
        yield port
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 15)
        log = stderr.decode()
    assert "shared in Redis at 127.0.0.1:6379" in log, log


def in_thread(text: str, *, channel: str, thread_ts: str, user: str = "UASKER001") -> dict[str, Any]:
    event = mention(text, channel=channel, user=user)
    return event | {"thread_ts": thread_ts}


async def test_two_slack_processes_share_follow_ups_and_the_rate_limit(
        fake: FakeSlack, http: aiohttp.ClientSession, redis_prefix: str, tmp_path: Path) -> None:  # noqa: F811
    async with (replica(fake, http, tmp_path / "a", redis_prefix, AIBOT_RATE_LIMIT_COUNT="3") as a,
                replica(fake, http, tmp_path / "b", redis_prefix, AIBOT_RATE_LIMIT_COUNT="3") as b):

        async def reply_to(port: int, event: dict[str, Any]) -> dict[str, Any]:
            before = len(fake.posts())
            status, _ = await send_event(http, port, event_callback(event))
            assert status == 200
            await fake.wait_until(lambda: len(fake.posts()) > before, within=5.0)
            return fake.posts()[before]

        # a thread: the question through replica A, the follow-up in its thread through B
        question = mention("How much is Meta investing in AI?", channel="C0REPLICA")
        first = await reply_to(a, question)
        assert first["thread_ts"] == question["ts"] and "Meta" in first["text"]
        follow_up = await reply_to(b, in_thread("bigger than Microsoft's?", channel="C0REPLICA",
                                                thread_ts=question["ts"]))
        assert follow_up["thread_ts"] == question["ts"] and "Microsoft plans more" in follow_up["text"]

        # a DM: the same, the other way round
        await reply_to(b, direct_message("How much is Meta investing in AI?", user="UASKER002", channel="D0DM2"))
        dm_follow_up = await reply_to(a, direct_message("where is that from?", user="UASKER002", channel="D0DM2"))
        assert "That comes from AFP" in dm_follow_up["text"], dm_follow_up["text"]

        # one user's questions over both replicas: three answered, then told once to slow down, then silence
        texts = []
        for port in (a, b, a, b):
            texts.append((await reply_to(port, direct_message("What is Stargate?", user="UASKER003",
                                                               channel="D0DM3")))["text"])
            if "slow" in texts[-1] or "faster" in texts[-1]:
                break
        assert len(texts) == 4 and "faster than I can keep up" in texts[3], texts
        started = time.monotonic()
        status, _ = await send_event(http, b, event_callback(direct_message("What is Stargate?", user="UASKER003",
                                                                           channel="D0DM3")))
        assert status == 200
        sentinel = await reply_to(b, direct_message("What is Stargate?", user="UASKER004", channel="D0DM4"))
        assert sentinel["channel"] == "D0DM4"
        assert [p["channel"] for p in fake.posts()].count("D0DM3") == 4  # the fifth, before it, was dropped
        assert time.monotonic() - started < 5

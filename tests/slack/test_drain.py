"""SIGTERM on a real ``aibot run slack --http``: a clean drain, and seen events kept across a restart.

Slack never sends an acknowledged event again, so an answer dropped at shutdown is lost
for good. Here Slack answers ``chat.postMessage`` with 429 and Retry-After, so every
answer is still waiting when SIGTERM arrives: each must be posted or counted in the
drain's log line, ``/readyz`` and new events must get 503 at once, and the process must be
gone within 10 s.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.localhost import free_port
from tests.slack.fake_slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack, event_callback, mention
from tests.slack.helpers import send_event
from tests.waiting import until

QUESTION = "What is Microsoft's data center budget?"
EVENTS = 10
#: What SIGTERM to exit may take at most (docker stop's wait before SIGKILL).
EXIT_WITHIN = 10.0
DROPPED = re.compile(r"drain: (\d+) answer\(s\) in flight not finished within")


class Bot:
    """One ``aibot run slack --http`` process on a data folder of its own."""

    def __init__(self, process: asyncio.subprocess.Process, port: int) -> None:
        self.process = process
        self.port = port

    @classmethod
    async def start(cls, fake: FakeSlack, data_dir: Path, **env: str) -> Bot:
        port = free_port()
        environment = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "AIBOT_"))}
        environment |= {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                        "SLACK_API_URL": fake.api_url, "AIBOT_DATA_DIR": str(data_dir),
                        "AIBOT_WATCH_KNOWLEDGE": "false", "AIBOT_RATE_LIMIT_COUNT": "1000",
                        "AIBOT_LOG_LEVEL": "INFO"} | env
        environment.pop("DATABASE_URL", None)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "slack", "--http", "--port", str(port),
            env=environment, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        return cls(process, port)

    async def ready(self, http: aiohttp.ClientSession) -> None:
        """Until /readyz answers 200: Slack connected, the store open."""
        async def serving() -> bool:
            if self.process.returncode is not None:
                raise AssertionError(f"aibot run exited with {self.process.returncode}: {await self.log()}")
            try:
                async with http.get(f"http://127.0.0.1:{self.port}/readyz") as response:
                    return response.status == 200
            except aiohttp.ClientConnectionError:
                return False

        await until(serving, within=30, what="aibot run ready (/readyz 200)", every=0.1)

    async def stopped(self) -> tuple[float, str]:
        """Seconds from the SIGTERM already sent to the exit, and the log."""
        started = time.monotonic()
        _, stderr = await asyncio.wait_for(self.process.communicate(), EXIT_WITHIN + 5)
        return time.monotonic() - started, stderr.decode()

    async def log(self) -> str:
        assert self.process.stderr is not None
        return (await self.process.stderr.read()).decode()

    def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()


@pytest.fixture
async def bots() -> AsyncIterator[list[Bot]]:
    started: list[Bot] = []
    yield started
    for bot in started:
        bot.kill()
        await bot.process.wait()


def _ask_all(http: aiohttp.ClientSession, port: int, prefix: str) -> list[asyncio.Task[tuple[int, str]]]:
    return [asyncio.ensure_future(send_event(http, port, event_callback(mention(QUESTION, channel=f"{prefix}{n:02d}",
                                                                               user=f"UDRAIN{n:03d}"))))
            for n in range(EVENTS)]


async def test_sigterm_waits_for_answers_held_by_a_rate_limit(
    fake: FakeSlack, http: aiohttp.ClientSession, tmp_path: Path, bots: list[Bot],
) -> None:
    """The issue's case: 10 events acknowledged, chat.postMessage answering 429 with Retry-After 3 s.
    Before the drain, SIGTERM dropped all 10 without a word; now all 10 are posted, within 10 s."""
    bot = await Bot.start(fake, tmp_path)
    bots.append(bot)
    await bot.ready(http)
    for _ in range(EVENTS):
        fake.fail_next("chat.postMessage", "ratelimited", status=429, headers={"Retry-After": "3"})
    statuses = [status for status, _ in await asyncio.gather(*_ask_all(http, bot.port, "C0WAIT"))]
    assert statuses == [200] * EVENTS
    await fake.wait_until(lambda: len(fake.posts()) == EVENTS, within=10)  # every answer now waits 3 s
    bot.process.send_signal(signal.SIGTERM)
    await _refuses_new_work(http, bot.port)
    took, log = await bot.stopped()
    assert took < EXIT_WITHIN, log
    assert bot.process.returncode == 0, log
    answered = {post["channel"] for post in fake.posts()[EVENTS:]}  # the posts Slack accepted
    assert answered == {f"C0WAIT{n:02d}" for n in range(EVENTS)}, log
    assert "drain: every answer in flight finished" in log and not DROPPED.search(log)
    assert not any(post["channel"] == "C0LATE" for post in fake.posts())  # the event refused during the drain


async def test_what_cannot_finish_within_the_drain_is_counted_in_the_log(
    fake: FakeSlack, http: aiohttp.ClientSession, tmp_path: Path, bots: list[Bot],
) -> None:
    """Half the answers wait 1 s, half 30 s, with a 2 s drain: each is posted or counted, none is lost
    without a word, and the process still exits well within 10 s."""
    bot = await Bot.start(fake, tmp_path, AIBOT_DRAIN_TIMEOUT="2")
    bots.append(bot)
    await bot.ready(http)
    for n in range(EVENTS):
        wait = "1" if n < EVENTS // 2 else "30"
        fake.fail_next("chat.postMessage", "ratelimited", status=429, headers={"Retry-After": wait})
    statuses = [status for status, _ in await asyncio.gather(*_ask_all(http, bot.port, "C0HALF"))]
    assert statuses == [200] * EVENTS
    await fake.wait_until(lambda: len(fake.posts()) == EVENTS, within=10)
    bot.process.send_signal(signal.SIGTERM)
    await _refuses_new_work(http, bot.port)
    took, log = await bot.stopped()
    assert took < EXIT_WITHIN - 3, log  # 2 s of drain, then closing
    assert bot.process.returncode == 0, log
    answered = len(fake.posts()) - EVENTS
    counted = DROPPED.search(log)
    assert counted is not None, log
    assert answered + int(counted.group(1)) == EVENTS, log
    assert answered == EVENTS // 2, log


async def test_a_retry_after_a_restart_on_the_same_sqlite_file_is_answered_once(
    fake: FakeSlack, http: aiohttp.ClientSession, tmp_path: Path, bots: list[Bot],
) -> None:
    """Seen events live in the SQLite store too, not only in the memory of the process that answered."""
    first = await Bot.start(fake, tmp_path)
    bots.append(first)
    await first.ready(http)
    payload = event_callback(mention(QUESTION, channel="C0RESTART"), event_id="EvRESTART001")
    assert (await send_event(http, first.port, payload))[0] == 200
    await fake.wait_until(lambda: len(fake.posts()) == 1, within=5)
    first.process.send_signal(signal.SIGTERM)
    _, log = await first.stopped()
    assert first.process.returncode == 0, log

    second = await Bot.start(fake, tmp_path)
    bots.append(second)
    await second.ready(http)
    assert (await send_event(http, second.port, payload, retry=1))[0] == 200  # Slack's retry, acked
    sentinel = event_callback(mention(QUESTION, channel="C0SENTINEL"))
    assert (await send_event(http, second.port, sentinel))[0] == 200
    await fake.wait_until(lambda: any(post["channel"] == "C0SENTINEL" for post in fake.posts()), within=5)
    assert [post["channel"] for post in fake.posts()] == ["C0RESTART", "C0SENTINEL"]
    second.process.send_signal(signal.SIGTERM)
    _, log = await second.stopped()
    assert "already handled" in log


async def _refuses_new_work(http: aiohttp.ClientSession, port: int) -> None:
    """Right after SIGTERM: not ready, and a new event is refused with a 503 for Slack to retry elsewhere."""
    seen: list[tuple[int, str]] = []

    async def not_ready() -> bool:
        async with http.get(f"http://127.0.0.1:{port}/readyz") as response:
            seen.append((response.status, await response.text()))
        return seen[-1][0] == 503

    # the signal reaches the process's loop within a few milliseconds
    await until(not_ready, within=1.0, what=lambda: f"/readyz 503 after SIGTERM; still {seen[-1][0]} {seen[-1][1]!r}")
    body = seen[-1][1]
    assert "draining" in body
    status, _ = await send_event(http, port, event_callback(mention(QUESTION, channel="C0LATE")))
    assert status == 503

"""Every Slack Web API call of a running bot goes through one HTTP session with keep-alive."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import aiohttp
import pytest

from adapters.slack import SlackPlatformFactory
from bot.answering import AnswerEngine
from bot.platforms import RunOptions, Services
from tests.slack.conftest import slack_settings
from tests.slack.counting_fake import CountingFakeSlack
from tests.slack.fake_slack import event_callback, mention
from tests.slack.helpers import send_event

REPLIES = 40


@pytest.fixture
async def counting() -> AsyncIterator[CountingFakeSlack]:
    slack = CountingFakeSlack()
    await slack.start()
    try:
        yield slack
    finally:
        await slack.stop()


async def test_replies_reuse_the_connections_of_one_session(
    counting: CountingFakeSlack, engine: AnswerEngine, http: aiohttp.ClientSession,
) -> None:
    """Without a shared session slack_sdk opens one per call: 40 replies (and the calls
    around them) opened 51 connections."""
    settings = slack_settings(counting)
    bot = SlackPlatformFactory().create(Services(settings=settings, engine=engine),
                                        RunOptions(http=True, host="127.0.0.1", port=0))
    task = asyncio.create_task(bot.run())
    try:
        await asyncio.wait_for(bot.ready.wait(), 5)
        assert bot.bound_port is not None
        for start in range(0, REPLIES, 10):  # ten at a time: the pool opens a few, then reuses them
            await asyncio.gather(*(send_event(http, bot.bound_port, event_callback(
                mention("What is Microsoft's data center budget?", channel=f"C0SESS{n:03d}")))
                for n in range(start, start + 10)))
            await counting.wait_until(lambda start=start: len(counting.posts()) == start + 10)  # type: ignore[misc]
        assert bot.client.session is not None and not bot.client.session.closed
        session = bot.client.session
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert counting.connections <= 11, counting.connections  # auth.test's, then at most ten at once
    assert session.closed  # closed with the platform
    assert bot.client.session is None

"""Fixtures: a fake Slack, and the real Slack adapter running against it in either mode."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest

from adapters.slack import SlackPlatformFactory
from adapters.slack.app import SlackPlatform
from bot.answering import AnswerEngine
from bot.platforms import RunOptions, Services
from bot.settings import Settings, load_settings
from tests.slack.fake_slack import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, FakeSlack


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    slack = await FakeSlack(admins={"UADMIN001"}).start()
    try:
        yield slack
    finally:
        await slack.stop()


def slack_settings(fake: FakeSlack, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_bot_token": BOT_TOKEN, "slack_signing_secret": SIGNING_SECRET, "slack_api_url": fake.api_url,
        "rate_limit_count": 100, "rate_limit_seconds": 30.0,
    }
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture
async def start_bot(fake: FakeSlack, engine: AnswerEngine) -> AsyncIterator[Callable[..., Any]]:
    """start_bot(http=True, **settings) -> a running SlackPlatform; stopped after the test."""
    tasks: list[asyncio.Task[None]] = []

    async def start(*, http: bool = True, services: Services | None = None, **overrides: Any) -> SlackPlatform:
        if not http:
            overrides.setdefault("slack_app_token", APP_TOKEN)
        services = services or Services(settings=slack_settings(fake, **overrides), engine=engine)
        factory = SlackPlatformFactory()
        factory.check(services.settings)
        bot = factory.create(services, RunOptions(http=http, host="127.0.0.1", port=0))
        tasks.append(asyncio.create_task(bot.run()))
        await asyncio.wait_for(bot.ready.wait(), 5)
        if not http:
            await fake.socket_connected()
        return bot

    yield start
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session

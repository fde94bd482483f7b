"""Fixtures: a fake Discord per test, and the real discord.py client running against it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import discord
import pytest
from discord.gateway import DiscordWebSocket

from adapters.discord.client import DiscordPlatform
from bot.answering import AnswerEngine
from bot.platforms import Services
from bot.settings import load_settings
from tests.discord.fake import FakeDiscord

StartBot = Callable[..., Awaitable[DiscordPlatform]]


@pytest.fixture(autouse=True)
def restore_endpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    """configure_endpoints sets discord.py class attributes; put them back after each test."""
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", DiscordWebSocket.DEFAULT_GATEWAY)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def start_bot(fake: FakeDiscord, engine: AnswerEngine) -> AsyncIterator[StartBot]:
    """Start a DiscordPlatform on the fake; ``wait_ready=False`` for runs expected to fail."""
    tasks: list[asyncio.Task[None]] = []

    async def start(*, services: Services | None = None, wait_ready: bool = True,
                    platform_options: dict[str, Any] | None = None, **settings: Any) -> DiscordPlatform:
        values: dict[str, Any] = {"discord_token": "fake-token", "discord_api_url": fake.api_url,
                                  "discord_gateway_url": fake.gateway_url, **settings}
        chosen = services or Services(settings=load_settings(**values), engine=engine)
        options = {"guild_ready_timeout": 0.05, **(platform_options or {})}
        platform = DiscordPlatform(chosen, **options)
        task = asyncio.create_task(platform.run())
        tasks.append(task)
        platform.task = task  # type: ignore[attr-defined]
        if wait_ready:
            await asyncio.wait_for(platform.client.wait_until_ready(), 5)
        return platform

    yield start
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task

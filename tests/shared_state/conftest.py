"""Fixtures for state shared by replicas: the real Redis at 127.0.0.1:6379, a key prefix of each
test's own (its keys deleted afterwards), and settings that point at it. When no Redis answers,
the tests that need one are skipped with that reason."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest

REDIS_URL = os.environ.get("AIBOT_TEST_REDIS", "redis://127.0.0.1:6379/0")


async def _reachable() -> str | None:
    """Why Redis cannot be used, or None when it answers."""
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        await client.ping()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        await client.aclose()
    return None


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A key prefix no other test uses; every key under it is deleted afterwards."""
    from redis.asyncio import Redis

    reason = await _reachable()
    if reason is not None:
        pytest.skip(f"no Redis at {REDIS_URL} ({reason})")
    prefix = f"aibot-test:{uuid.uuid4().hex[:12]}:"
    yield prefix
    client = Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*", count=500)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()

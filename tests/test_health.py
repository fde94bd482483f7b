"""The small HTTP server behind /healthz, /readyz and /metrics when no platform serves HTTP."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from bot.health import Health
from bot.metrics import Metrics


@pytest.fixture
async def served() -> AsyncIterator[tuple[Health, int]]:
    health = Health(timeout=0.5, metrics=Metrics())
    bound: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(health.serve("127.0.0.1", 0, bound=bound))
    port = await asyncio.wait_for(bound, 5)
    yield health, port
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _raw(port: int, request: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    reply = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    return reply


async def test_routes_statuses_and_a_platform_turning_ready(served: tuple[Health, int]) -> None:
    health, port = served
    health.expect("discord")
    assert (await _raw(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")).startswith(b"HTTP/1.1 200 OK\r\n")
    reply = await _raw(port, b"GET /readyz HTTP/1.1\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 503 Service Unavailable\r\n") and reply.endswith(b"\r\n\r\ndiscord: not connected\n")

    async def up() -> bool:
        return True

    health.connected("discord", up)
    assert (await _raw(port, b"GET /readyz?verbose=1 HTTP/1.1\r\n\r\n")).endswith(b"\r\n\r\nready\n")
    metrics = await _raw(port, b"GET /metrics HTTP/1.1\r\n\r\n")
    assert b"Content-Type: text/plain; version=" in metrics and b"# TYPE aibot_questions_total counter" in metrics
    assert (await _raw(port, b"GET /nothing HTTP/1.1\r\n\r\n")).startswith(b"HTTP/1.1 404 ")
    assert (await _raw(port, b"POST /readyz HTTP/1.1\r\n\r\n")).startswith(b"HTTP/1.1 405 ")
    head = await _raw(port, b"HEAD /healthz HTTP/1.1\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ") and head.endswith(b"\r\n\r\n")


async def test_junk_and_silent_clients_are_closed_and_the_server_goes_on(served: tuple[Health, int]) -> None:
    _, port = served
    assert await _raw(port, b"garbage\r\n\r\n") == b""
    _, silent = await asyncio.open_connection("127.0.0.1", port)  # says nothing; must not block others
    assert (await _raw(port, b"GET /healthz HTTP/1.1\r\n\r\n")).endswith(b"ok\n")
    silent.close()


async def test_a_probe_that_raises_means_not_ready() -> None:
    health = Health(timeout=0.5)

    async def broken() -> bool:
        raise RuntimeError("boom")

    health.connected("slack", broken)
    assert await health.problems() == {"slack": "probe failed (RuntimeError)"}

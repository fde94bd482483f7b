"""The small HTTP server behind /healthz, /readyz and /metrics when no platform serves HTTP."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from bot.health import Health
from bot.metrics import Metrics

TOKEN = "a-metrics-token"


@pytest.fixture
async def served() -> AsyncIterator[tuple[Health, int]]:
    health = Health(timeout=0.5, metrics=Metrics(), metrics_token=TOKEN)
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
    metrics = await _raw(port, b"GET /metrics HTTP/1.1\r\nAuthorization: Bearer " + TOKEN.encode() + b"\r\n\r\n")
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


async def test_metrics_need_the_bearer_token_on_the_health_port(served: tuple[Health, int]) -> None:
    _, port = served
    for header in (b"", b"Authorization: Bearer nope\r\n", b"authorization: " + TOKEN.encode() + b"\r\n"):
        reply = await _raw(port, b"GET /metrics HTTP/1.1\r\n" + header + b"\r\n")
        assert reply.startswith(b"HTTP/1.1 401 ") and b"WWW-Authenticate: Bearer" in reply
        assert b"aibot_" not in reply
    for header in (b"authorization:  Bearer " + TOKEN.encode() + b" ", b"Authorization: bearer " + TOKEN.encode()):
        reply = await _raw(port, b"GET /metrics HTTP/1.1\r\n" + header + b"\r\n\r\n")
        assert reply.startswith(b"HTTP/1.1 200 ")  # the scheme's case and spaces around do not matter


async def _serve(health: Health, *, metrics_port: bool) -> tuple[asyncio.Task[None], int]:
    bound: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(health.serve("127.0.0.1", 0, bound=bound, metrics_port=metrics_port))
    return task, await asyncio.wait_for(bound, 5)


async def test_without_a_token_metrics_are_served_only_on_the_metrics_port() -> None:
    health = Health(timeout=0.5, metrics=Metrics())
    public, public_port = await _serve(health, metrics_port=False)
    private, private_port = await _serve(health, metrics_port=True)
    try:
        assert (await _raw(public_port, b"GET /metrics HTTP/1.1\r\n\r\n")).startswith(b"HTTP/1.1 404 ")
        assert (await _raw(public_port, b"GET /healthz HTTP/1.1\r\n\r\n")).startswith(b"HTTP/1.1 200 ")
        reply = await _raw(private_port, b"GET /metrics HTTP/1.1\r\n\r\n")
        assert reply.startswith(b"HTTP/1.1 200 ") and b"aibot_questions_total" in reply
        assert (await _raw(private_port, b"GET /readyz HTTP/1.1\r\n\r\n")).startswith(b"HTTP/1.1 404 ")
    finally:
        for task in (public, private):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def test_a_token_set_is_asked_on_the_metrics_port_too() -> None:
    health = Health(timeout=0.5, metrics=Metrics(), metrics_token=TOKEN)
    task, port = await _serve(health, metrics_port=True)
    try:
        assert (await _raw(port, b"GET /metrics HTTP/1.1\r\n\r\n")).startswith(b"HTTP/1.1 401 ")
        reply = await _raw(port, b"GET /metrics HTTP/1.1\r\nAuthorization: Bearer " + TOKEN.encode() + b"\r\n\r\n")
        assert reply.startswith(b"HTTP/1.1 200 ")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_the_header_timeout_closes_a_silent_client() -> None:
    health = Health(timeout=0.5, header_timeout=0.3)
    task, port = await _serve(health, metrics_port=False)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /healthz HTTP/1.1\r\n")  # and never the blank line
        assert await asyncio.wait_for(reader.read(), 3) == b""
        writer.close()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

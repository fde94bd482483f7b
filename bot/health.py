"""``/healthz``, ``/readyz`` and ``/metrics``: what a platform's health check and Prometheus read.

- ``/healthz`` (liveness): the process answers HTTP. Always ``200 ok`` while it runs.
- ``/readyz`` (readiness): ``200`` only when every configured platform is connected and
  authenticated and the store answers ``SELECT 1`` within ``AIBOT_READY_TIMEOUT``;
  otherwise ``503`` with one line per part saying what is wrong.
- ``/metrics``: the Prometheus text format (:mod:`bot.metrics`).

Slack in HTTP mode serves these on its own server (one port, as a PaaS gives); Socket Mode
and Discord have no HTTP server, so ``AIBOT_HEALTH_PORT`` starts a small one for them.
Each platform registers a *probe* when it starts: an async function that says whether it
is connected now, so a dropped connection turns readiness off without anyone noticing it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from bot.metrics import Metrics
    from bot.store import Store

_log = logging.getLogger(__name__)

Probe = Callable[[], Awaitable[bool]]


async def _not_started() -> bool:
    return False


class Health:
    """Readiness of every part the bot needs, and the HTTP routes that report it."""

    def __init__(self, *, timeout: float, metrics: Metrics | None = None) -> None:
        self.timeout = timeout
        self.metrics = metrics
        self._platforms: dict[str, Probe] = {}
        self._store: Store | None = None

    def expect(self, platform: str) -> None:
        """A platform that must connect before the bot is ready; not ready until it reports."""
        self._platforms.setdefault(platform, _not_started)

    def connected(self, platform: str, probe: Probe) -> None:
        """The platform is up; ``probe`` says, each time it is asked, whether it still is."""
        self._platforms[platform] = probe

    def disconnected(self, platform: str) -> None:
        self._platforms[platform] = _not_started

    def watch_store(self, store: Store) -> None:
        self._store = store

    async def problems(self) -> dict[str, str]:
        """What keeps the bot from being ready, by part; empty when it is ready."""
        problems: dict[str, str] = {}
        for name, probe in sorted(self._platforms.items()):
            try:
                up = await asyncio.wait_for(probe(), self.timeout)
            except Exception as exc:  # a probe that fails says "not ready", never crashes the check
                problems[name] = f"probe failed ({type(exc).__name__})"
                continue
            if not up:
                problems[name] = "not connected"
        if self._store is not None:
            reason = await self._store_problem(self._store)
            if reason:
                problems["store"] = reason
        return problems

    async def _store_problem(self, store: Store) -> str | None:
        from sqlalchemy import text

        async def ping() -> None:
            async with store.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))

        try:
            await asyncio.wait_for(ping(), self.timeout)
        except TimeoutError:
            return f"no answer within {self.timeout:g} s"
        except Exception as exc:
            return f"unreachable ({type(exc).__name__})"
        return None

    # --- HTTP ---------------------------------------------------------------------------

    def add_routes(self, application: web.Application) -> None:
        application.router.add_get("/healthz", self._healthz)
        application.router.add_get("/readyz", self._readyz)
        application.router.add_get("/metrics", self._metrics)

    async def _healthz(self, _: web.Request) -> web.StreamResponse:
        return web.Response(text="ok\n")

    async def _readyz(self, _: web.Request) -> web.StreamResponse:
        problems = await self.problems()
        if not problems:
            return web.Response(text="ready\n")
        lines = "".join(f"{part}: {reason}\n" for part, reason in problems.items())
        return web.Response(status=503, text=lines)

    async def _metrics(self, _: web.Request) -> web.StreamResponse:
        if self.metrics is None:
            return web.Response(status=404, text="metrics are off\n")
        from prometheus_client import CONTENT_TYPE_LATEST

        response = web.Response(body=self.metrics.exposition())
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response

    async def serve(self, host: str, port: int, *, bound: asyncio.Future[int] | None = None) -> None:
        """Serve the three routes on their own port until cancelled (Socket Mode, Discord)."""
        application = web.Application()
        self.add_routes(application)
        runner = web.AppRunner(application, access_log=None)
        await runner.setup()
        try:
            site = web.TCPSite(runner, host, port)
            try:
                await site.start()
            except OSError as exc:
                from bot.settings import SettingsError

                raise SettingsError(f"setting AIBOT_HEALTH_PORT: cannot listen on {host}:{port} "
                                    f"({exc.strerror or exc})") from None
            actual = int(runner.addresses[0][1])
            _log.info("health checks on http://%s:%d/readyz, metrics on /metrics", host, actual)
            if bound is not None and not bound.done():
                bound.set_result(actual)
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

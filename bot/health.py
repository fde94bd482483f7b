"""``/healthz``, ``/readyz`` and ``/metrics``: what a platform's health check and Prometheus read.

- ``/healthz`` (liveness): the process answers HTTP. Always ``200 ok`` while it runs.
- ``/readyz`` (readiness): ``200`` only when every configured platform is connected and
  authenticated and the store answers ``SELECT 1`` within ``AIBOT_READY_TIMEOUT``;
  otherwise ``503`` with one line per part saying what is wrong.
- ``/metrics``: the Prometheus text format (:mod:`bot.metrics`), on the public port(s) only
  for ``Authorization: Bearer $AIBOT_METRICS_TOKEN`` (401 otherwise; 404 when no token is
  set), and on ``AIBOT_METRICS_PORT`` (loopback by default) without one unless it is set.

Slack in HTTP mode serves these on its own server (one port, as a PaaS gives); Socket Mode
and Discord have no HTTP server, so ``AIBOT_HEALTH_PORT`` starts a small one for them.
Each platform registers a *probe* when it starts: an async function that says whether it
is connected now, so a dropped connection turns readiness off without anyone noticing it.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.metrics import Metrics
    from bot.store import Store

_log = logging.getLogger(__name__)

Probe = Callable[[], Awaitable[bool]]
TEXT = "text/plain; charset=utf-8"
#: A client gets this long to send its request line and headers (AIBOT_HTTP_HEADER_TIMEOUT when run).
REQUEST_TIMEOUT = 5.0


@dataclass(frozen=True)
class HttpReply:
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


async def _not_started() -> bool:
    return False


class Health:
    """Readiness of every part the bot needs, and the HTTP routes that report it."""

    def __init__(self, *, timeout: float, metrics: Metrics | None = None, metrics_token: str | None = None,
                 header_timeout: float = REQUEST_TIMEOUT) -> None:
        self.timeout = timeout
        self.metrics = metrics
        self.metrics_token = metrics_token
        self.header_timeout = header_timeout
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

    async def respond(self, path: str, *, authorization: str | None = None, metrics_port: bool = False) -> HttpReply:
        """What GET ``path`` answers; adapters with their own HTTP server route to this.

        ``authorization`` is the request's header; ``metrics_port`` says the request came to
        AIBOT_METRICS_PORT, which serves /metrics alone, without a token unless one is set.
        """
        if path == "/metrics" or metrics_port:
            return self._metrics(path, authorization, metrics_port=metrics_port)
        if path == "/healthz":
            return HttpReply(200, TEXT, b"ok\n")
        if path == "/readyz":
            problems = await self.problems()
            if not problems:
                return HttpReply(200, TEXT, b"ready\n")
            lines = "".join(f"{part}: {reason}\n" for part, reason in problems.items())
            return HttpReply(503, TEXT, lines.encode())
        return HttpReply(404, TEXT, b"not found\n")

    def _metrics(self, path: str, authorization: str | None, *, metrics_port: bool) -> HttpReply:
        """What people ask shapes the counts: never served to anyone on a public port."""
        if path != "/metrics" or self.metrics is None or (self.metrics_token is None and not metrics_port):
            return HttpReply(404, TEXT, b"not found\n")
        if self.metrics_token is not None:
            scheme, _, credentials = (authorization or "").strip().partition(" ")
            given = credentials.strip().encode("utf-8", "replace")
            if scheme.lower() != "bearer" or not hmac.compare_digest(self.metrics_token.encode(), given):
                return HttpReply(401, TEXT, b"unauthorized\n", {"WWW-Authenticate": 'Bearer realm="metrics"'})
        from prometheus_client import CONTENT_TYPE_LATEST

        return HttpReply(200, CONTENT_TYPE_LATEST, self.metrics.exposition())

    async def serve(self, host: str, port: int, *, bound: asyncio.Future[int] | None = None,
                    metrics_port: bool = False) -> None:
        """Serve the three routes on their own port until cancelled (Socket Mode, Discord);
        with ``metrics_port``, /metrics alone (AIBOT_METRICS_PORT).

        A few lines of HTTP/1.1 on asyncio streams: one GET per connection, then close, which
        is all a health checker or Prometheus asks; bot/ stays free of a web framework.
        """
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await self._handle(reader, writer, metrics_port=metrics_port)

        try:
            server = await asyncio.start_server(handle, host, port)
        except OSError as exc:
            from bot.settings import SettingsError

            setting = "AIBOT_METRICS_PORT" if metrics_port else "AIBOT_HEALTH_PORT"
            raise SettingsError(f"setting {setting}: cannot listen on {host}:{port} "
                                f"({exc.strerror or exc})") from None
        actual = int(server.sockets[0].getsockname()[1])
        if metrics_port:
            _log.info("metrics on http://%s:%d/metrics", host, actual)
        else:
            _log.info("health checks on http://%s:%d/readyz%s", host, actual,
                      ", metrics on /metrics with the token" if self.metrics_token else "")
        if bound is not None and not bound.done():
            bound.set_result(actual)
        async with server:
            await server.serve_forever()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *,
                      metrics_port: bool = False) -> None:
        try:
            request = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), self.header_timeout)
            line, *fields = request.decode("latin-1").split("\r\n")
            method, target, _ = line.split(" ", 2)
            if method not in ("GET", "HEAD"):
                reply = HttpReply(405, TEXT, b"method not allowed\n")
            else:
                authorization = next((value.strip() for name, _, value in (f.partition(":") for f in fields)
                                      if name.strip().lower() == "authorization"), None)
                reply = await self.respond(target.split("?", 1)[0], authorization=authorization,
                                           metrics_port=metrics_port)
            extra = "".join(f"{name}: {value}\r\n" for name, value in reply.headers.items())
            head = (f"HTTP/1.1 {reply.status} {HTTPStatus(reply.status).phrase}\r\n"
                    f"Content-Type: {reply.content_type}\r\nContent-Length: {len(reply.body)}\r\n"
                    f"{extra}Connection: close\r\n\r\n")
            writer.write(head.encode("latin-1") + (b"" if method == "HEAD" else reply.body))
            await writer.drain()
        except (TimeoutError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass  # a client that sends no request, or not HTTP: just close
        finally:
            writer.close()

"""``/healthz``, ``/readyz`` and ``/metrics``: what a platform's health check and Prometheus read.

- ``/healthz`` (liveness): the process answers HTTP. Always ``200 ok`` while it runs.
- ``/readyz`` (readiness): ``503 shutdown: draining`` from SIGTERM on; else ``200`` only
  when every configured platform is connected and
  authenticated, the store is open (``store: not open yet`` while start-up waits for it),
  answers ``SELECT 1`` within ``AIBOT_READY_TIMEOUT`` and can write (its last write did not
  fail, its SQLite file is still the one it opened); otherwise ``503`` with one line per
  part saying what is wrong.
- ``/metrics``: the Prometheus text format (:mod:`bot.metrics`), on the public port(s) only
  for ``Authorization: Bearer $AIBOT_METRICS_TOKEN`` (401 otherwise; 404 when no token is
  set), and on ``AIBOT_METRICS_PORT`` (loopback by default) without one unless it is set.

``aibot run`` starts :class:`HealthServer` before anything that may retry, so the routes
answer from the first second in every mode; Slack in HTTP mode then takes its socket over
and serves them on its own server (one port, as a PaaS gives); Socket Mode and Discord have
no HTTP server, so the small one goes on serving ``AIBOT_HEALTH_PORT`` for them.
Each platform registers a *probe* when it starts: an async function that says whether it
is connected now, so a dropped connection turns readiness off without anyone noticing it.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import socket
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


NOT_ALLOWED = HttpReply(405, TEXT, b"method not allowed\n")
#: What the health server answers anything but a GET with while a platform will take its port
#: (a Slack event sent before the bot serves): 503, which Slack retries.
STARTING = HttpReply(503, TEXT, b"starting\n")


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
        self._store_expected = False
        self._draining = False

    def expect(self, platform: str) -> None:
        """A platform that must connect before the bot is ready; not ready until it reports."""
        self._platforms.setdefault(platform, _not_started)

    def connected(self, platform: str, probe: Probe) -> None:
        """The platform is up; ``probe`` says, each time it is asked, whether it still is."""
        self._platforms[platform] = probe

    def disconnected(self, platform: str) -> None:
        self._platforms[platform] = _not_started

    def expect_store(self) -> None:
        """The store must open before the bot is ready (start-up may be waiting for the database)."""
        self._store_expected = True

    def watch_store(self, store: Store) -> None:
        self._store = store

    def drain(self) -> None:
        """SIGTERM: not ready from now on, so a load balancer stops sending work here."""
        self._draining = True

    async def problems(self) -> dict[str, str]:
        """What keeps the bot from being ready, by part; empty when it is ready."""
        if self._draining:  # answered at once: nothing else matters to a process that is stopping
            return {"shutdown": "draining"}
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
        elif self._store_expected:
            problems["store"] = "not open yet"
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
        return store.write_problem()  # answering SELECT 1 is not storing: a lost file, a failed write

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
                      metrics_port: bool = False, other: HttpReply = NOT_ALLOWED) -> None:
        try:
            request = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), self.header_timeout)
            line, *fields = request.decode("latin-1").split("\r\n")
            method, target, _ = line.split(" ", 2)
            if method not in ("GET", "HEAD"):
                reply = other
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


class HealthServer:
    """The three routes on their own listening socket, from the first second of ``aibot run``.

    Started before anything that may retry (a platform's log-in, the database), so a host that
    checks the port in time sees ``/healthz`` 200 and ``/readyz`` 503 while start-up waits. A
    platform that serves the same port itself (Slack over HTTP) takes the socket (:meth:`take`):
    this server stops accepting and the platform accepts on the same socket, so the port never
    refuses a connection in between.
    """

    def __init__(self, health: Health, sock: socket.socket, *, host: str, requested: int) -> None:
        self.health = health
        self.host = host
        self.requested = requested  # the port asked for (0: any), which a platform may serve too
        self._sock = sock
        self._server: asyncio.Server | None = None
        self.taken = False
        #: Anything but a GET: 503 while start-up may still hand the port to Slack (which
        #: retries a 503), 405 once this server is known to serve alone (:meth:`alone`).
        self.other = STARTING

    @classmethod
    async def start(cls, health: Health, host: str, port: int, *, setting: str) -> HealthServer:
        """Listen on ``host:port``; a port in use is one line naming ``setting``."""
        from bot.settings import SettingsError

        try:
            family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0][0]
            sock = socket.create_server((host, port), family=family)
        except OSError as exc:
            raise SettingsError(f"setting {setting}: cannot listen on {host}:{port} ({exc.strerror or exc})") from None
        sock.setblocking(False)
        served = cls(health, sock, host=host, requested=port)

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await health._handle(reader, writer, other=served.other)

        # The server gets a duplicate: closing it on take() leaves this socket listening.
        served._server = await asyncio.start_server(handle, sock=sock.dup())
        return served

    @property
    def port(self) -> int:
        return int(self._sock.getsockname()[1])

    def alone(self) -> None:
        """No platform takes this port: the health routes are all it serves."""
        self.other = NOT_ALLOWED

    def take(self) -> socket.socket:
        """Stop serving here and hand over the listening socket (connections waiting in its
        queue are accepted by the new owner)."""
        if self._server is not None:
            self._server.close()
        self.taken = True
        return self._sock

    def close(self) -> None:
        if self._server is not None:
            self._server.close()
        if not self.taken:
            self._sock.close()

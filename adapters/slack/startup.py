"""Checking Slack's tokens at start, and keeping the answer fresh for ``/readyz``.

``auth.test`` checks the bot token; in Socket Mode ``apps.connections.open`` checks the
app-level token (the only call that accepts it). A refusal (:data:`REFUSED`) ends the
run with one line naming the setting; a network failure or a Slack outage is retried
for ``AIBOT_START_TIMEOUT`` seconds (:func:`bot.startup.retry_until`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.platforms import Services
from bot.settings import Settings, SettingsError
from bot.startup import retry_until

#: Slack's answers that mean the token itself is wrong: retrying cannot help.
REFUSED = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired",
                     "not_allowed_token_type"})
#: Slack's answers that mean "not now": retried like a network failure.
BUSY = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"})

BOT_TOKEN_HELP = "copy the Bot User OAuth Token (xoxb-...) from the app's OAuth & Permissions page"
APP_TOKEN_HELP = "create an app-level token with the connections:write scope under the app's Basic Information"
#: How long /readyz trusts the last successful auth.test.
AUTH_FRESH_FOR = 60.0


def _transient(exc: BaseException) -> str | None:
    if isinstance(exc, SlackApiError):
        code = str(exc.response.get("error") or "")
        status = int(getattr(exc.response, "status_code", 200) or 200)
        if code in BUSY or status >= 500:
            return code or f"HTTP {status}"
        return None
    if isinstance(exc, aiohttp.ClientError | TimeoutError | OSError):
        return type(exc).__name__
    return None


def _refusal(exc: SlackApiError, setting: str, help_text: str) -> SettingsError:
    code = str(exc.response.get("error") or "unknown_error")
    if code in REFUSED:
        return SettingsError(f"setting {setting} was refused by Slack ({code}): {help_text}")
    return SettingsError(f"Slack refused to start with {setting} ({code})")


async def check_tokens(client: AsyncWebClient, settings: Settings, *, app_token: str | None,
                       api_url: str) -> dict[str, Any]:
    """auth.test (and apps.connections.open with ``app_token``); returns auth.test's answer."""
    hint = f"check the network, or SLACK_API_URL ({api_url})"
    try:
        identity = await retry_until(client.auth_test, what=f"Slack at {api_url}", transient=_transient,
                                     give_up_after=settings.start_timeout, hint=hint)
    except SlackApiError as exc:
        raise _refusal(exc, "SLACK_BOT_TOKEN", BOT_TOKEN_HELP) from None
    if app_token:
        async def open_connection() -> object:
            return await client.apps_connections_open(app_token=app_token)

        await with_app_token(open_connection, settings, api_url)
    return dict(identity.data) if isinstance(identity.data, dict) else {}


async def with_app_token(attempt: Callable[[], Awaitable[object]], settings: Settings, api_url: str) -> None:
    """Run ``attempt`` (a call made with the app-level token), retried and explained as above."""
    try:
        await retry_until(attempt, what=f"Slack at {api_url}", transient=_transient,
                          give_up_after=settings.start_timeout, hint=f"check the network, or SLACK_API_URL ({api_url})")
    except SlackApiError as exc:
        raise _refusal(exc, "SLACK_APP_TOKEN", APP_TOKEN_HELP) from None


class AuthCheck:
    """Whether the bot token still works, asked of Slack at most once per ``fresh_for`` seconds.

    /readyz is polled every few seconds; one auth.test a minute is enough to notice a
    revoked token without adding load.
    """

    def __init__(self, client: AsyncWebClient, *, fresh_for: float = AUTH_FRESH_FOR,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.fresh_for = fresh_for
        self._clock = clock
        self._checked_at: float | None = None
        self._ok = False
        self._lock = asyncio.Lock()

    def passed(self) -> None:
        """A successful auth.test made elsewhere (at start) counts as the latest check."""
        self._checked_at, self._ok = self._clock(), True

    def failed(self) -> None:
        """Slack refused the token on some call: not ready until a check passes again."""
        self._checked_at, self._ok = self._clock(), False

    async def ok(self) -> bool:
        async with self._lock:
            now = self._clock()
            if self._checked_at is not None and now - self._checked_at < self.fresh_for:
                return self._ok
            try:
                await self.client.auth_test()
                self._ok = True
            except SlackApiError as exc:
                self._ok = str(exc.response.get("error") or "") not in REFUSED and self._ok
            except (aiohttp.ClientError, TimeoutError, OSError):
                self._ok = False
            self._checked_at = now
            return self._ok


def watch_socket(handler: AsyncSocketModeHandler, platform: str, services: Services, auth: AuthCheck) -> None:
    """Tell /readyz how to see that the Socket Mode link is up, and count its reconnects.

    Slack greets every new websocket with a ``hello``; each one after the first is a reconnect.
    """
    client = handler.client
    hellos = 0

    async def on_message(message: aiohttp.WSMessage) -> None:
        nonlocal hellos
        if message.type == aiohttp.WSMsgType.TEXT and '"hello"' in str(message.data):
            hellos += 1
            if hellos > 1 and services.metrics is not None:
                services.metrics.reconnected(platform)

    async def connected() -> bool:
        return bool(await client.is_connected()) and await auth.ok()

    client.on_message_listeners.append(on_message)
    if services.health is not None:
        services.health.connected(platform, connected)

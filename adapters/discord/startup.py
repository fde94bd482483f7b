"""Starting the Discord connection: one line for a refused token, a bounded wait for a network.

discord.py on its own retries an unreachable gateway for ever (a traceback every 5 s),
lets a network failure at login escape as a long exception group, and raises a bare
``ConnectionClosed`` for the gateway's refusals. Here:

- REST login: a 401 is :class:`SettingsError` naming DISCORD_TOKEN; a network failure or
  a 5xx is retried for ``AIBOT_START_TIMEOUT`` seconds (:func:`bot.startup.retry_until`).
- The gateway: the first READY must come within ``AIBOT_START_TIMEOUT``, else one line;
  its refusals (4004 bad token, 4010/4011 shards, 4013 intents) become one line that names
  the setting to fix.
- discord.py's reconnect messages keep their line but lose the traceback
  (:class:`ShortReconnectLogs`): a dropped connection is news, not a bug.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import aiohttp
import discord
from discord.gateway import DiscordWebSocket
from discord.http import HTTPClient

from bot.settings import Settings, SettingsError
from bot.startup import PlatformUnreachable, retry_until
from knowledge.errors import AibotError

#: Gateway close codes that mean the configuration is wrong, with the one line to print.
GATEWAY_REFUSALS = {
    4004: "setting DISCORD_TOKEN was refused by the Discord gateway (4004 authentication failed): "
          "reset the bot token under Bot in the developer portal and set it again",
    4010: "setting DISCORD_SHARD_IDS was refused by the Discord gateway (4010 invalid shard)",
    4011: "setting DISCORD_SHARD_COUNT is needed: the Discord gateway says this bot must be sharded (4011)",
    4013: "the Discord gateway refused the bot's intents (4013 invalid intents)",
}


def _transient(exc: BaseException) -> str | None:
    if isinstance(exc, discord.HTTPException):
        return f"HTTP {exc.status}" if exc.status >= 500 or exc.status == 429 else None
    if isinstance(exc, aiohttp.ClientError | TimeoutError | OSError):
        return type(exc).__name__
    return None


async def login(log_in: Callable[[], Awaitable[object]], settings: Settings, http: HTTPClient) -> None:
    """Log in over REST (``log_in``, through ``http``), retrying what may pass; a refused
    token is one line."""
    where = settings.discord_api_url or "discord.com"
    tries = 0

    async def attempt() -> None:
        # discord.py opens a new HTTP session at each login: close the one a failed try left
        # open (asyncio logs "Unclosed client session" when it is collected), and let the next
        # try make a fresh connector, as closing that session closed the shared one.
        nonlocal tries
        if tries:
            await http.close()
            http.connector = discord.utils.MISSING
        tries += 1
        await log_in()

    try:
        await retry_until(attempt, what=f"Discord at {where}", transient=_transient,
                          give_up_after=settings.start_timeout,
                          hint="check the network, or DISCORD_API_URL")
    except discord.LoginFailure:
        raise SettingsError("setting DISCORD_TOKEN was refused by Discord (401 Unauthorized)") from None


def gateway_refusal(exc: discord.ConnectionClosed) -> AibotError:
    line = GATEWAY_REFUSALS.get(exc.code)
    if line is not None:
        return SettingsError(line)
    return PlatformUnreachable(f"the Discord gateway closed the connection (code {exc.code}): {exc.reason}")


async def connect_until_ready(client: discord.AutoShardedClient, settings: Settings,
                              on_ready: Callable[[], None]) -> None:
    """Connect and serve; the first READY must arrive within AIBOT_START_TIMEOUT seconds."""
    connect = asyncio.ensure_future(client.connect(reconnect=True))
    ready = asyncio.ensure_future(client.wait_until_ready())
    try:
        done, _ = await asyncio.wait({connect, ready}, timeout=settings.start_timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
        if connect in done:
            await connect  # it ended (closed, or raised) before the bot was ever ready
            return
        if not done:
            url = settings.discord_gateway_url or str(DiscordWebSocket.DEFAULT_GATEWAY)
            raise PlatformUnreachable(f"could not connect to the Discord gateway at {url} within "
                                      f"{settings.start_timeout:.0f} s; check the network, or DISCORD_GATEWAY_URL")
        on_ready()
        await connect
    except discord.ConnectionClosed as exc:
        raise gateway_refusal(exc) from None
    finally:
        for task in (connect, ready):
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.gather(connect, ready, return_exceptions=True)


class ShortReconnectLogs(logging.Filter):
    """discord.py's "Failed to connect ... Retrying" and "Attempting a reconnect" with the
    error's one-line summary instead of its traceback."""

    MESSAGES = ("Failed to connect for shard_id", "Attempting a reconnect")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.msg, str) and record.msg.startswith(self.MESSAGES):
            error = record.exc_info[1]
            if error is not None:
                record.msg = record.msg + f" ({type(error).__name__}: {error})".replace("%", "%%")
            record.exc_info = None
            record.exc_text = None
        return True


def shorten_reconnect_logs() -> None:
    """Once per process, on the two loggers discord.py writes those messages to."""
    for name in ("discord.shard", "discord.client"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, ShortReconnectLogs) for f in logger.filters):
            logger.addFilter(ShortReconnectLogs())

"""Start-up against a platform that may be briefly unreachable: retry, but not for ever.

A bad token is an operator's mistake and ends the run at once with one line naming the
setting (the adapters raise :class:`bot.settings.SettingsError`). A network failure may
pass (the platform restarts, DNS is slow after boot), so it is retried with doubling
waits; after ``AIBOT_START_TIMEOUT`` seconds the run ends with one line too, so a process
manager restarts it or an operator looks, instead of a bot that looks alive and is not.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from knowledge.errors import AibotError

_log = logging.getLogger(__name__)

T = TypeVar("T")

FIRST_WAIT = 1.0
MAX_WAIT = 15.0


class PlatformUnreachable(AibotError):
    """A platform could not be reached for the whole start-up window."""


async def retry_until(
    attempt: Callable[[], Awaitable[T]],
    *,
    what: str,
    transient: Callable[[BaseException], str | None],
    give_up_after: float,
    hint: str,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """``attempt()`` until it succeeds; ``transient(exc)`` names a retryable failure (else None:
    the error propagates). Past ``give_up_after`` seconds, :class:`PlatformUnreachable`."""
    started = clock()
    wait = FIRST_WAIT
    tries = 0
    while True:
        tries += 1
        try:
            return await attempt()
        except Exception as exc:
            reason = transient(exc)
            if reason is None:
                raise
        elapsed = clock() - started
        if elapsed + wait > give_up_after:
            raise PlatformUnreachable(f"could not reach {what} for {elapsed:.0f} s ({tries} tries, last: {reason}); "
                                      f"{hint}") from None
        if tries == 1:
            _log.warning("cannot reach %s (%s); retrying for up to %.0f s", what, reason, give_up_after)
        else:
            _log.debug("cannot reach %s (%s); retry %d in %.0f s", what, reason, tries, wait)
        await sleep(wait)
        wait = min(wait * 2, MAX_WAIT)

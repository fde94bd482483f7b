"""Start-up against a platform or a database that may be briefly unreachable: retry, not for ever.

A bad token or a malformed setting is an operator's mistake and ends the run at once with
one line naming the setting (:class:`bot.settings.SettingsError`, exit status 2). A network
failure may pass (the platform restarts, the database is still booting, DNS is slow after
boot), so it is retried with growing, jittered waits (tenacity) for one window,
``AIBOT_START_TIMEOUT`` seconds; the warning states that window once and the last try is
made at its end, so the run gives up when it said it would. It then ends with one line and
:data:`EXIT_UNREACHABLE`, which a process manager restarts, instead of a bot that looks
alive and is not.

    AibotError
    └── Unreachable            what the bot needs did not answer in time: exit status 75
        └── PlatformUnreachable
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from knowledge.errors import AibotError

if TYPE_CHECKING:
    from tenacity import RetryCallState

_log = logging.getLogger(__name__)

T = TypeVar("T")

#: The longest wait between two tries: a service back up is noticed within this. The first
#: wait is 1 s (tenacity's default ``initial``, which newer releases deprecate setting) and
#: each later one doubles.
MAX_WAIT = 15.0
#: Up to this many seconds of random wait added, so replicas restarted together spread out.
JITTER = 1.0
#: A configuration error (a setting missing, malformed or refused): restarting cannot help.
EXIT_CONFIGURATION = 2
#: A service was unreachable for the whole window (EX_TEMPFAIL in sysexits.h): restart later.
EXIT_UNREACHABLE = 75


class Unreachable(AibotError):
    """A service the bot needs (a platform, the database) did not answer for the whole start-up
    window; worth trying again later, so it ends the command with :data:`EXIT_UNREACHABLE`."""

    exit_status = EXIT_UNREACHABLE


class PlatformUnreachable(Unreachable):
    """A platform could not be reached for the whole start-up window."""


def exit_status(error: AibotError) -> int:
    """The command's exit status for one of our errors: 75 for "try later", else 2."""
    return EXIT_UNREACHABLE if isinstance(error, Unreachable) else EXIT_CONFIGURATION


async def retry_until(
    attempt: Callable[[], Awaitable[T]],
    *,
    what: str,
    transient: Callable[[BaseException], str | None],
    give_up_after: float,
    hint: str,
    give_up_with: Callable[[str], AibotError] = PlatformUnreachable,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """``attempt()`` until it succeeds; ``transient(exc)`` names a retryable failure (else None:
    the error propagates at once). The last try is made ``give_up_after`` seconds after the
    first; if it fails too, ``give_up_with(line)`` (:class:`PlatformUnreachable`) is raised."""
    from tenacity import AsyncRetrying, RetryError, retry_if_exception, stop_after_delay, wait_exponential_jitter

    growing = wait_exponential_jitter(max=MAX_WAIT, jitter=JITTER)

    def wait(state: RetryCallState) -> float:
        """Never past the window: the last wait ends at its end, so the last try is made then."""
        left = give_up_after - (state.seconds_since_start or 0.0)
        return max(0.0, min(growing(state), left))

    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        reason = transient(error) if error is not None else None
        if state.attempt_number == 1:
            _log.warning("cannot reach %s (%s); retrying for up to %g s", what, reason, give_up_after)
        else:
            _log.debug("cannot reach %s (%s); try %d failed", what, reason, state.attempt_number)

    retrying = AsyncRetrying(
        stop=stop_after_delay(give_up_after), wait=wait, sleep=sleep, before_sleep=before_sleep,
        retry=retry_if_exception(lambda exc: transient(exc) is not None),
    )
    try:
        return await retrying(attempt)
    except RetryError as gave_up:
        last = gave_up.last_attempt
        error = last.exception()
        reason = transient(error) if error is not None else "no answer"
        raise give_up_with(f"could not reach {what} within {give_up_after:g} s ({last.attempt_number} tries, "
                           f"last: {reason}); {hint}") from None

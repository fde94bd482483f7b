"""The one place a test waits for something to happen: it polls, so the sleep lives here.

A test never sleeps to show that nothing happened (it waits for a later sentinel instead);
what it waits *for* (a reply, a log line, /readyz turning 200, a scheduler going to sleep)
is checked here every :data:`POLL` seconds until it holds, or fails after ``within`` seconds
saying what it waited for.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, overload

T = TypeVar("T")

#: How often a condition is checked: far below any wait a test allows (seconds), and still
#: leaves the event loop to the code under test between two checks.
POLL = 0.01


@overload
async def until(condition: Callable[[], Awaitable[T]], *, within: float, what: str | Callable[[], str],
                every: float = POLL) -> T: ...


@overload
async def until(condition: Callable[[], T], *, within: float, what: str | Callable[[], str],
                every: float = POLL) -> T: ...


async def until(condition: Callable[[], Any], *, within: float, what: str | Callable[[], str],
                every: float = POLL) -> Any:
    """Check ``condition()`` (awaited when it is a coroutine) until it is truthy and return it;
    after ``within`` seconds fail with ``what`` (a callable is asked then, for the state at the end).

    An assertion raised by the condition (a process that died while waited on) ends the wait at
    once. ``every`` is for a condition that costs something to check, such as an HTTP request.
    """
    deadline = time.monotonic() + within
    while True:
        result = condition()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if time.monotonic() >= deadline:
            said = what() if callable(what) else what
            raise AssertionError(f"not within {within:g} s: {said}")
        await asyncio.sleep(every)

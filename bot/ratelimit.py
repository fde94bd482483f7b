"""Per-user limits on questions, shared by every adapter.

A user over the limit is told to slow down once; further questions in the same window
are dropped silently, so a spammer cannot make the bot spam back.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum


class Verdict(Enum):
    ALLOW = "allow"
    WARN = "warn"  # over the limit: say "slow down" this once
    DROP = "drop"  # still over the limit, already warned: say nothing


@dataclass
class _Window:
    times: deque[float] = field(default_factory=deque)
    warned: bool = False


class RateLimiter:
    """At most ``count`` questions per ``seconds`` per user; the clock is injectable for tests."""

    def __init__(self, count: int, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.count = count
        self.seconds = seconds
        self._clock = clock
        self._windows: dict[str, _Window] = {}

    def check(self, user_id: str) -> Verdict:
        now = self._clock()
        window = self._windows.setdefault(user_id, _Window())
        while window.times and now - window.times[0] >= self.seconds:
            window.times.popleft()
        if len(window.times) < self.count:
            window.times.append(now)
            window.warned = False
            return Verdict.ALLOW
        if window.warned:
            return Verdict.DROP
        window.warned = True
        return Verdict.WARN

    def retry_after(self, user_id: str) -> int:
        """Whole seconds until this user may ask again."""
        window = self._windows.get(user_id)
        if not window or not window.times:
            return 0
        return max(1, int(self.seconds - (self._clock() - window.times[0]) + 0.999))

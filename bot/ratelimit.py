"""Per-user limits on questions, shared by every adapter.

A user over the limit is told to slow down once; further questions in the same window
are dropped silently, so a spammer cannot make the bot spam back.

Memory is bounded: a user whose window has emptied is forgotten (nothing about them
matters any more), and at most ``max_users`` are tracked, the least recently seen
forgotten first, so thirty thousand one-off askers cost nothing once their window passes.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

#: Users tracked at once; beyond it the least recently seen is forgotten (a few hundred bytes each).
DEFAULT_MAX_USERS = 50_000


class Verdict(Enum):
    ALLOW = "allow"
    WARN = "warn"  # over the limit: say "slow down" this once
    DROP = "drop"  # still over the limit, already warned: say nothing


@dataclass(slots=True)
class _Window:
    times: list[float] = field(default_factory=list)  # at most ``count`` entries: a list is a fifth of a deque
    warned: bool = False
    last_seen: float = 0.0


class RateLimiter:
    """At most ``count`` questions per ``seconds`` per user; the clock is injectable for tests."""

    def __init__(self, count: int, seconds: float, clock: Callable[[], float] = time.monotonic,
                 *, max_users: int = DEFAULT_MAX_USERS) -> None:
        self.count = count
        self.seconds = seconds
        self.max_users = max(1, max_users)
        self._clock = clock
        self._windows: OrderedDict[str, _Window] = OrderedDict()  # least recently seen first

    def __len__(self) -> int:
        """How many users are tracked now."""
        return len(self._windows)

    def check(self, user_id: str) -> Verdict:
        now = self._clock()
        self._forget_idle(now)
        window = self._windows.pop(user_id, None) or _Window()
        self._windows[user_id] = window  # to the most recently seen end
        window.last_seen = now
        expired = 0
        while expired < len(window.times) and now - window.times[expired] >= self.seconds:
            expired += 1
        del window.times[:expired]
        while len(self._windows) > self.max_users:
            self._windows.popitem(last=False)
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

    def _forget_idle(self, now: float) -> None:
        """Drop users not seen for a whole window: all their times have expired, so a fresh
        window says the same. Users are in order of last sight, so this stops at the first kept."""
        while self._windows:
            oldest = next(iter(self._windows.values()))
            if now - oldest.last_seen < self.seconds:
                break
            self._windows.popitem(last=False)

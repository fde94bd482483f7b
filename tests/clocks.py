"""Injected clocks for the digest scheduler: tests never wait for a wall-clock time."""

from __future__ import annotations

import asyncio
from datetime import datetime


class JumpClock:
    """Virtual time for ``run_once`` tests: sleeping jumps straight to the wake-up time."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self.sleeps: list[datetime] = []

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when

    async def sleep_until(self, when: datetime) -> None:
        self.sleeps.append(when)
        self._now = max(self._now, when)
        await asyncio.sleep(0)


class ManualClock:
    """Virtual time for the ``run`` loop: sleepers wait until the test moves the clock."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._moved = asyncio.Condition()
        self.waiting_until: datetime | None = None

    def now(self) -> datetime:
        return self._now

    async def sleep_until(self, when: datetime) -> None:
        async with self._moved:
            self.waiting_until = when
            await self._moved.wait_for(lambda: self._now >= when)

    async def move_to(self, when: datetime) -> None:
        async with self._moved:
            self._now = when
            self._moved.notify_all()

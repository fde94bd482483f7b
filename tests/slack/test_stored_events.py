"""Seen Slack events on a SQLite store: decided in memory, written behind, read back at start."""

from __future__ import annotations

from pathlib import Path

from adapters.slack.guard import RecentEvents, StoredEvents
from bot.store import Store
from tests.waiting import until


async def test_events_seen_before_a_restart_are_remembered_after_it(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'aibot.sqlite3'}"
    async with Store.open(url) as store:
        before = StoredEvents(store, every=60.0)  # the timer never fires here: the flush writes
        assert before.first_time(["EvBEFORE1", "C1:1.0"])
        assert not before.first_time(["EvBEFORE1"])  # this process's memory, without the disk
        await before.flush()
    async with Store.open(url) as store:
        after = StoredEvents(store, RecentEvents())
        assert await after.load() == 2
        assert not after.first_time(["EvBEFORE1"])
        assert not after.first_time(["C1:1.0"])
        assert after.first_time(["EvNEW0001"])


async def test_seen_events_are_written_within_a_second_without_a_flush(tmp_path: Path) -> None:
    """A crash (no SIGTERM, so no flush) forgets at most the last write's worth."""
    async with Store.open(f"sqlite+aiosqlite:///{tmp_path / 'aibot.sqlite3'}") as store:
        stored = StoredEvents(store, every=0.05)
        assert stored.first_time(["EvTIMED01"])
        async def written() -> bool:
            return "EvTIMED01" in await store.recent_events(window=600)

        await until(written, within=2.0, what="EvTIMED01 written without a flush")


async def test_a_store_that_cannot_be_read_is_not_fatal(tmp_path: Path) -> None:
    async with Store.open(f"sqlite+aiosqlite:///{tmp_path / 'aibot.sqlite3'}") as store:
        stored = StoredEvents(store)
        await store.engine.dispose()
        (tmp_path / "aibot.sqlite3").unlink()  # the file is gone under the bot
        assert await stored.load() == 0
        assert stored.first_time(["EvAFTER01"])

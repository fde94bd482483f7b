"""Issue 22, item 5: ``aibot run`` prunes votes and unanswered questions past their periods as
it starts (the task keeps running hourly: tests/test_retention.py drives it on a fake clock)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.feedback import Vote
from bot.platforms import RunOptions
from bot.runtime import run_platforms
from bot.settings import load_settings
from bot.store import Store, UnansweredRow
from tests.slack.fake_slack import APP_TOKEN, BOT_TOKEN, FakeSlack

PRUNED = "retention: deleted 1 vote(s) and 1 unanswered question(s) past their period"


class LogLines(logging.Handler):
    """Log lines as they are written, to wait for one (the sentinel) instead of sleeping."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: asyncio.Queue[str] = asyncio.Queue()

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.put_nowait(record.getMessage())

    async def wait_for(self, line: str, within: float = 30.0) -> None:
        async with asyncio.timeout(within):
            while await self.lines.get() != line:
                pass


def vote(message: str) -> Vote:
    return Vote(platform="slack", user_id="U1", message_id=message, fact_ids=("msft-dc",), lang="en", up=True,
                question="What is Microsoft's data center budget?", channel_id="C1")


async def test_aibot_run_prunes_at_start_with_the_periods_of_its_settings(
    fake: FakeSlack, private_data_dir: Path,
) -> None:
    now = datetime.now(UTC)
    url = f"sqlite+aiosqlite:///{private_data_dir / 'aibot.sqlite3'}"
    async with Store.open(url) as store:  # what an earlier run left
        await store.record_vote(vote("m-old"), now - timedelta(days=8))
        await store.record_vote(vote("m-new"), now - timedelta(days=6))
        await store.add_unanswered([UnansweredRow("How much is Intel spending?", "en", 1.0, now - timedelta(days=4)),
                                    UnansweredRow("What about Cerebras?", "en", 1.0, now - timedelta(days=2))])
    settings = load_settings(slack_bot_token=BOT_TOKEN, slack_app_token=APP_TOKEN, slack_api_url=fake.api_url,
                             vote_retention_days=7, unanswered_retention_days=3, watch_knowledge=False)
    lines = LogLines()
    logger = logging.getLogger("bot.retention")
    logger.addHandler(lines)
    level = logger.level
    logger.setLevel(logging.INFO)
    running = asyncio.create_task(run_platforms(settings, ["slack"], RunOptions()))
    try:
        await lines.wait_for(PRUNED)
        assert not running.done()
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        logger.removeHandler(lines)
        logger.setLevel(level)
    async with Store.open(url) as store:
        assert [v.message_id for v in await store.votes()] == ["m-new"]
        assert [q.text for q in await store.unanswered()] == ["What about Cerebras?"]


@pytest.fixture(autouse=True)
def _no_dot_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A `.env` in the working directory must not change the periods under test."""
    monkeypatch.chdir(tmp_path)

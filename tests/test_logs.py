"""Log lines: one JSON object each when asked, and never a token in either format."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.logs import configure_logging
from bot.settings import load_settings

SLACK_TOKEN = "xoxb-123456-abcdefSECRET"
DISCORD_TOKEN = "MTA5ODc2NTQzMjEwOTg3NjU0.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789AB"
DB_PASSWORD = "hunter2-very-secret"


@pytest.fixture
def root_without_handlers() -> Iterator[None]:
    """configure_logging leaves a configured root alone (pytest configures one): clear it for the test."""
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    for handler in saved:
        root.removeHandler(handler)
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved:
        root.addHandler(handler)
    root.setLevel(level)


def _log_some(logger: logging.Logger) -> None:
    logger.info("answered", extra={"platform": "slack", "channel_id": "C1", "user_id": "U1", "outcome": "answered"})
    logger.warning("a token in a message: %s and %s", SLACK_TOKEN, DISCORD_TOKEN)
    try:
        raise RuntimeError(f"connect failed for postgresql://bot:{DB_PASSWORD}@db/aibot\nsecond line")
    except RuntimeError:
        logger.exception("with a traceback")


@pytest.mark.usefixtures("root_without_handlers")
def test_json_lines_parse_one_by_one_and_hold_no_secret() -> None:
    stream = io.StringIO()
    settings = load_settings(log_format="json", slack_bot_token=SLACK_TOKEN,
                             database_url=f"postgres://bot:{DB_PASSWORD}@db.example/aibot")
    configure_logging(settings, stream)
    _log_some(logging.getLogger("tests.logs"))
    text = stream.getvalue()
    records = [json.loads(line) for line in text.splitlines()]
    assert len(records) == 3
    assert records[0] | {"timestamp": "T"} == {
        "timestamp": "T", "level": "INFO", "logger": "tests.logs", "message": "answered",
        "platform": "slack", "channel_id": "C1", "user_id": "U1", "outcome": "answered"}
    assert records[0]["timestamp"].endswith("Z")
    assert "RuntimeError" in records[2]["exception"]
    for secret in (SLACK_TOKEN, DISCORD_TOKEN, DB_PASSWORD):
        assert secret not in text


@pytest.mark.usefixtures("root_without_handlers")
def test_text_lines_hold_no_secret_either_and_configuring_twice_does_not_double_lines() -> None:
    stream = io.StringIO()
    settings = load_settings(slack_bot_token=SLACK_TOKEN)
    configure_logging(settings, stream)
    configure_logging(settings, stream)
    _log_some(logging.getLogger("tests.logs"))
    text = stream.getvalue()
    assert text.count("answered") == 1
    assert "[redacted]" in text
    for secret in (SLACK_TOKEN, DISCORD_TOKEN):
        assert secret not in text


@pytest.mark.usefixtures("root_without_handlers")
async def test_ids_set_while_handling_an_event_stay_with_that_event() -> None:
    import asyncio

    from bot.logs import log_ids

    stream = io.StringIO()
    configure_logging(load_settings(log_format="json"), stream)
    logger = logging.getLogger("tests.logs")

    async def handle(channel: str) -> None:
        log_ids(platform="slack", channel_id=channel, user_id="U1")
        await asyncio.sleep(0)
        logger.warning("posting failed")

    await asyncio.gather(handle("C1"), handle("C2"))
    logger.warning("outside any event")
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert sorted(r.get("channel_id", "-") for r in records) == ["-", "C1", "C2"]
    assert "platform" not in records[-1]

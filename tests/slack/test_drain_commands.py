"""While a drain runs: events are refused for Slack to retry elsewhere, commands are still answered."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import aiohttp

from tests.slack.fake_slack import FakeSlack, event_callback, mention, slash_command
from tests.slack.helpers import send_event, send_form


async def test_a_drain_refuses_events_and_still_answers_commands(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession,
) -> None:
    """Slack retries a refused event, but never a slash command: a 503 would lose it."""
    bot = await start_bot()
    fake.fail_next("chat.postMessage", "ratelimited", status=429, headers={"Retry-After": "1"})
    status, _ = await send_event(http, bot.bound_port, event_callback(mention("What is Microsoft's data center "
                                                                              "budget?", channel="C0HELD")))
    assert status == 200
    await fake.wait_until(lambda: len(fake.posts()) == 1)  # refused once: the answer waits 1 s
    drain = asyncio.create_task(bot.drain(5.0))
    await asyncio.sleep(0)  # the drain has begun: new events are refused from here on
    status, _ = await send_event(http, bot.bound_port, event_callback(mention("Hello", channel="C0LATE")))
    assert status == 503
    status, _ = await send_form(http, bot.bound_port, slash_command("help", fake.response_url("drain")))
    assert status == 200
    await fake.wait_until(lambda: any(name == "drain" for name, _ in fake.responses))
    assert await asyncio.wait_for(drain, 5.0) == 0  # the held answer finished within the drain
    assert [post["channel"] for post in fake.posts()] == ["C0HELD", "C0HELD"]  # refused, then posted

"""Mention -> threaded reply latency against the fake Slack, over HTTP and Socket Mode.

Not a test (pytest does not collect it): ``AIBOT_DATA_DIR=$(mktemp -d) python -m tests.slack.latency [N]``.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time

import aiohttp

from adapters.slack import SlackPlatformFactory
from bot.cli.common import build_engine
from bot.platforms import RunOptions, Services
from bot.settings import load_settings
from tests.slack.fake_slack import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, FakeSlack, event_callback, mention
from tests.slack.helpers import push_envelope, send_event


async def measure(http_mode: bool, count: int) -> list[float]:
    fake = await FakeSlack().start()
    settings = load_settings(slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
                             slack_api_url=fake.api_url, slack_app_token=None if http_mode else APP_TOKEN,
                             rate_limit_count=count + 1)
    bot = SlackPlatformFactory().create(Services(settings=settings, engine=build_engine(settings)),
                                        RunOptions(http=http_mode, port=0))
    task = asyncio.create_task(bot.run())
    await bot.ready.wait()
    if not http_mode:
        await fake.socket_connected()
    times: list[float] = []
    async with aiohttp.ClientSession() as session:
        for done in range(1, count + 1):
            payload = event_callback(mention("What is Microsoft's data center budget?"))
            started = time.perf_counter()
            if http_mode:
                assert bot.bound_port is not None
                await send_event(session, bot.bound_port, payload)
            else:
                await push_envelope(fake, "events_api", payload)
            await fake.wait_until(lambda done=done: len(fake.posts()) == done)  # type: ignore[misc]
            times.append((time.perf_counter() - started) * 1000)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await fake.stop()
    return sorted(times)


async def main(count: int) -> None:
    for http_mode in (True, False):
        times = await measure(http_mode, count)
        print(f"{'HTTP' if http_mode else 'Socket Mode'}: n={count} median={statistics.median(times):.1f} ms "
              f"p95={times[max(0, int(count * 0.95) - 1)]:.1f} ms max={times[-1]:.1f} ms")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 50))

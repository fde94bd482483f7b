"""Not a test: time `aibot run discord` against the fake Discord (start-up, mention -> reply).

    python -m tests.discord.measure_latency
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time

from tests.discord.fake import FakeDiscord, user


async def main(mentions: int = 20) -> None:
    fake = FakeDiscord()
    await fake.start()
    with tempfile.TemporaryDirectory() as data:
        env = dict(os.environ, DISCORD_TOKEN="token", DISCORD_API_URL=fake.api_url,
                   DISCORD_GATEWAY_URL=fake.gateway_url, AIBOT_DATA_DIR=data)
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec("aibot", "run", "discord", env=env,
                                                       stderr=asyncio.subprocess.DEVNULL)
        await fake.wait_for(lambda: fake.sessions, within=30)
        connected = time.perf_counter() - started
        latencies = []
        for i in range(mentions):
            before = len(fake.channel_posts())
            sent = time.perf_counter()
            await fake.say("how much is Meta investing in AI?", mention_bot=True, author=user(5000 + i))
            await fake.wait_for(lambda n=before: len(fake.channel_posts()) > n, within=10)  # type: ignore[misc]
            latencies.append(time.perf_counter() - sent)
        process.terminate()
        await process.wait()
    await fake.stop()
    latencies.sort()
    print(f"start -> gateway session {connected:.2f} s; mention -> reply p50 {latencies[len(latencies) // 2] * 1000:.1f} ms, "
          f"max {latencies[-1] * 1000:.1f} ms ({mentions} mentions, distinct users)")


if __name__ == "__main__":
    asyncio.run(main())

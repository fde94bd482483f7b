#!/usr/bin/env python3
"""What sharing state in Redis costs one replica (issue 25, item 3): time per message and
memory, with and without ``REDIS_URL``, on 127.0.0.1.

``--users`` distinct users each ask one question in a conversation of their own, then every
tenth asks a follow-up, through one :class:`ConversationService` built as ``aibot run`` builds
it. Printed: the median and 99th percentile time per message, the process's resident memory
growth and, with Redis, the bytes Redis holds for it (its keys, under a prefix of their
own, deleted at the end).

    python benchmarks/shared_state.py --mode local [--users 20000]
    python benchmarks/shared_state.py --mode redis [--users 20000] [--redis redis://127.0.0.1:6379/0]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.answering import AnswerEngine  # noqa: E402
from bot.conversation import ConversationService, Message  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from bot.shared_state import open_redis  # noqa: E402
from knowledge.loader import DEFAULT_DATA_DIR, load_fact_base  # noqa: E402


async def run(mode: str, users: int, redis_url: str) -> None:
    engine = AnswerEngine(load_fact_base(DEFAULT_DATA_DIR))
    prefix = f"aibot-bench:{uuid.uuid4().hex[:8]}:"
    overrides: dict[str, object] = {"redis_url": redis_url, "redis_prefix": prefix} if mode == "redis" else {}
    settings = load_settings(rate_limit_count=100, **overrides)
    async with open_redis(settings) as link:
        service = ConversationService.from_settings(engine, settings, chart_maker=None, redis=link)
        before_redis = await _redis_bytes(link, prefix)
        await service.handle(Message(text="What is Stargate?", conversation="warm", user_id="warm"))
        rss_before = _rss()
        timings = []
        for n in range(users):
            for text in ("How much is Meta investing in AI?", "bigger than Microsoft's?")[: 2 if n % 10 == 0 else 1]:
                started = time.perf_counter()
                await service.handle(Message(text=text, conversation=f"slack:D{n}", user_id=f"U{n}", platform="slack"))
                timings.append(time.perf_counter() - started)
        rss_after = _rss()
        after_redis = await _redis_bytes(link, prefix)
        timings.sort()
        print(f"mode={mode} users={users} messages={len(timings)}")
        print(f"  per message: p50 {statistics.median(timings) * 1000:.2f} ms, "
              f"p99 {timings[int(len(timings) * 0.99)] * 1000:.2f} ms")
        print(f"  RSS growth: {(rss_after - rss_before) / 1e6:.1f} MB "
              f"(conversations kept here: {len(service.memory)})")
        if link is not None:
            keys = [key async for key in link.client.scan_iter(match=f"{prefix}*", count=1000)]
            print(f"  Redis: {len(keys)} keys, {(after_redis - before_redis) / 1e6:.1f} MB (used_memory growth)")
            for start in range(0, len(keys), 1000):
                await link.client.delete(*keys[start:start + 1000])


def _rss() -> int:
    """Resident bytes now (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


async def _redis_bytes(link: object, prefix: str) -> int:
    client = getattr(link, "client", None)
    if client is None:
        return 0
    info = await client.info("memory")
    return int(info["used_memory"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["local", "redis"], required=True)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    asyncio.run(run(args.mode, args.users, args.redis))


if __name__ == "__main__":
    main()

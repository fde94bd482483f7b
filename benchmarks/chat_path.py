#!/usr/bin/env python3
"""The chat path: a mention to its threaded reply, aibot against a bare slack-bolt app (issue 25).

Both run as separate processes on 127.0.0.1 against one fake Slack (the test suite's,
tests/slack/fake_slack.py, in this process): ``aibot run slack --http`` on a SQLite file
of its own, and a bare slack-bolt ``AsyncApp`` whose ``app_mention`` listener says a fixed
line in the thread (bolt's defaults, nothing else: the floor of what a bolt app can do).
Signed mentions go to both interleaved in one run (mention i to aibot when i is even, to
the bare app when odd) from ``--concurrency`` clients, so both see the same machine and
the same load; the time is from sending the mention to the fake receiving its
``chat.postMessage``. Also measured: each process's CPU time per reply (steadier than
latency on a shared machine), and the TCP connections each process opened to the fake
Slack for its replies, per 1,000 replies. Bounded: ``--mentions`` per app and a deadline.

    python benchmarks/chat_path.py [--mentions 500] [--concurrency 20] [--deadline 300]
    python benchmarks/chat_path.py --profile /tmp/aibot.prof   # aibot under cProfile (slower), then:
    python -c "import pstats; pstats.Stats('/tmp/aibot.prof').sort_stats('cumulative').print_stats(40)"
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import platform
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.localhost import free_port  # noqa: E402
from tests.slack.fake_slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack, event_callback, mention  # noqa: E402
from tests.slack.helpers import send_event  # noqa: E402

QUESTION = "What is Microsoft's data center budget?"
WARM_UP = 40  # mentions per app before timing: imports, the first connections, bolt's auth.test
BARE_REPLY = "Microsoft plans to spend about $80 billion on AI data centers."


class TimingFakeSlack(FakeSlack):
    """The fake Slack, telling when each channel's reply arrives and over which connection."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting: dict[str, asyncio.Future[float]] = {}
        self.peers: dict[str, set[tuple[str, int]]] = {"aibot": set(), "bare": set()}
        self.replies: dict[str, int] = {"aibot": 0, "bare": 0}

    async def _api(self, request: web.Request) -> web.StreamResponse:
        arrived = time.perf_counter()
        response = await super()._api(request)
        call = self.calls[-1]
        if call.method == "chat.postMessage":
            channel = str(call.params.get("channel"))
            who = "aibot" if channel.startswith("CA") else "bare"
            peer = request.transport.get_extra_info("peername") if request.transport is not None else None
            if peer is not None:
                self.peers[who].add((str(peer[0]), int(peer[1])))
            self.replies[who] += 1
            waiter = self.waiting.pop(channel, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(arrived)
        self.calls.clear()  # a long run must not keep every call
        return response


def bare_app(port: int, api_url: str) -> None:
    """The baseline, run as its own process: bolt's documented minimal app, answering every mention."""
    import logging

    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    logging.basicConfig(level=logging.WARNING)
    app = AsyncApp(client=AsyncWebClient(token=BOT_TOKEN, base_url=api_url), signing_secret=SIGNING_SECRET)

    @app.event("app_mention")
    async def on_mention(event: dict[str, str], say: object) -> None:
        await say(text=BARE_REPLY, thread_ts=event["ts"])  # type: ignore[operator]

    app.start(port=port, path="/slack/events", host="127.0.0.1")


async def wait_ready(session: aiohttp.ClientSession, port: int, path: str, ok: set[int], within: float = 60) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with contextlib.suppress(aiohttp.ClientError):
            async with session.get(f"http://127.0.0.1:{port}{path}") as response:
                if response.status in ok:
                    return
        await asyncio.sleep(0.2)
    raise SystemExit(f"nothing ready on port {port} within {within:.0f} s")


@contextlib.asynccontextmanager
async def processes(fake: FakeSlack, data_dir: Path, profile: Path | None = None,
                    ) -> AsyncIterator[tuple[int, int, int, int]]:
    """aibot and the bare app, started and ready; stopped (SIGTERM) at the end."""
    aibot_port, bare_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "AIBOT_", "DATABASE_"))}
    env |= {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake.api_url,
            "AIBOT_DATA_DIR": str(data_dir), "AIBOT_WATCH_KNOWLEDGE": "false", "AIBOT_RATE_LIMIT_COUNT": "1000000",
            "AIBOT_LOG_LEVEL": "WARNING"}
    profiler = ["-m", "cProfile", "-o", str(profile)] if profile is not None else []
    aibot = await asyncio.create_subprocess_exec(
        sys.executable, *profiler, "-m", "bot", "run", "slack", "--http", "--port", str(aibot_port), cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    bare = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--bare-app", str(bare_port), fake.api_url, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        async with aiohttp.ClientSession() as session:
            await wait_ready(session, aibot_port, "/readyz", {200})
            await wait_ready(session, bare_port, "/slack/events", {404, 405})
        yield aibot_port, bare_port, aibot.pid, bare.pid
    finally:
        for process in (aibot, bare):
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process in (aibot, bare):
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                process.kill()


async def run(mentions: int, concurrency: int, deadline: float, profile: Path | None = None) -> None:
    fake = TimingFakeSlack()
    await fake.start()
    load_before = os.getloadavg()
    numbers = itertools.count()
    times: dict[str, list[float]] = {"aibot": [], "bare": []}
    try:
        with tempfile.TemporaryDirectory(prefix="aibot-chat-path-") as data_dir:
            async with processes(fake, Path(data_dir), profile) as ports, aiohttp.ClientSession(
                    connector=aiohttp.TCPConnector(limit=concurrency * 2)) as session:

                async def one(n: int, timed: bool) -> None:
                    who = "aibot" if n % 2 == 0 else "bare"
                    channel = f"{'CA' if who == 'aibot' else 'CB'}{n:07d}"
                    reply = asyncio.get_running_loop().create_future()
                    fake.waiting[channel] = reply
                    payload = event_callback(mention(QUESTION, channel=channel, user=f"U{n:08d}"))
                    started = time.perf_counter()
                    status, _ = await send_event(session, ports[0] if who == "aibot" else ports[1], payload)
                    if status != 200:
                        raise SystemExit(f"{who} answered {status}")
                    arrived = await asyncio.wait_for(reply, 30)
                    if timed:
                        times[who].append((arrived - started) * 1000)

                async def client(total: int, timed: bool) -> None:
                    while (n := next(numbers)) < total:
                        await one(n, timed)

                async with asyncio.timeout(deadline):
                    warm = 2 * WARM_UP
                    await asyncio.gather(*(client(warm, False) for _ in range(concurrency)))
                    numbers = itertools.count(warm)
                    peers_before = {who: set(peers) for who, peers in fake.peers.items()}
                    cpu_before = {"aibot": cpu_seconds(ports[2]), "bare": cpu_seconds(ports[3])}
                    replies_before = dict(fake.replies)
                    started = time.perf_counter()
                    await asyncio.gather(*(client(warm + 2 * mentions, True) for _ in range(concurrency)))
                    elapsed = time.perf_counter() - started
                    cpu = {"aibot": cpu_seconds(ports[2]) - cpu_before["aibot"],
                           "bare": cpu_seconds(ports[3]) - cpu_before["bare"]}
    finally:
        await fake.stop()
    load_after = os.getloadavg()
    print(f"machine: {cpu_name()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"load average {load_before[0]:.2f} at the start, {load_after[0]:.2f} at the end")
    print(f"{2 * mentions} mentions interleaved (aibot, bare bolt, aibot...), concurrency {concurrency}, "
          f"{elapsed:.1f} s")
    for who, label in (("aibot", "aibot run slack --http"), ("bare", "bare slack-bolt AsyncApp")):
        values = sorted(times[who])
        opened = len(fake.peers[who] - peers_before[who])
        replies = fake.replies[who] - replies_before[who]
        print(f"  {label:26s} n={len(values)} p50 {statistics.median(values):6.1f} ms  "
              f"p90 {values[int(len(values) * 0.9) - 1]:6.1f} ms  p99 {values[int(len(values) * 0.99) - 1]:6.1f} ms  "
              f"CPU {1000 * cpu[who] / max(replies, 1):.2f} ms a reply  "
              f"connections per 1,000 replies: {1000 * opened / max(replies, 1):.0f}")
    ratio = statistics.median(times["aibot"]) / statistics.median(times["bare"])
    print(f"  ratio of medians (aibot / bare): {ratio:.2f}x")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux): steadier than latency on a busy machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_name() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--bare-app":
        bare_app(int(sys.argv[2]), sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mentions", type=int, default=500, help="timed mentions per app (default 500)")
    parser.add_argument("--concurrency", type=int, default=20, help="clients sending at once (default 20)")
    parser.add_argument("--deadline", type=float, default=300.0, help="stop after this many seconds (default 300)")
    parser.add_argument("--profile", type=Path, help="run aibot under cProfile, writing its stats here at exit")
    options = parser.parse_args()
    asyncio.run(run(options.mentions, options.concurrency, options.deadline, options.profile))


if __name__ == "__main__":
    main()

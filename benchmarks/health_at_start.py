"""How soon ``aibot run`` answers /healthz while its platform cannot be reached (issue 22, item 8).

Spawns ``aibot run`` (Slack over HTTP, then Discord with AIBOT_HEALTH_PORT), its platform's API
URL pointing at a closed port on 127.0.0.1, polls ``/healthz`` every 10 ms and prints the seconds
from the spawn to the first 200, then waits for the run to give up (exit status 75).

    python benchmarks/health_at_start.py [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
import tempfile
import time

import aiohttp


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def first_answer(mode: str, data_dir: str) -> tuple[float, int]:
    port, closed = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "AIBOT_", "DATABASE_URL"))}
    env |= {"AIBOT_START_TIMEOUT": "5", "AIBOT_DATA_DIR": data_dir}
    if mode == "slack-http":
        args = ["slack", "--http", "--port", str(port)]
        env |= {"SLACK_BOT_TOKEN": "xoxb-1-2-abcdef", "SLACK_SIGNING_SECRET": "s" * 32,
                "SLACK_API_URL": f"http://127.0.0.1:{closed}/api/"}
    else:
        args = ["discord"]
        env |= {"DISCORD_TOKEN": "x" * 24 + "." + "y" * 6 + "." + "z" * 27,
                "DISCORD_API_URL": f"http://127.0.0.1:{closed}/api/v10",
                "AIBOT_HEALTH_PORT": str(port), "AIBOT_HEALTH_HOST": "127.0.0.1"}
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", *args, env=env,
                                                   stderr=asyncio.subprocess.DEVNULL)
    took = float("nan")
    async with aiohttp.ClientSession() as http:
        while time.monotonic() - started < 30 and process.returncode is None:
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        took = time.monotonic() - started
                        break
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.01)
    await process.wait()
    return took, int(process.returncode or 0)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as data_dir:
        for mode in ("slack-http", "discord"):
            results = [await first_answer(mode, data_dir) for _ in range(runs)]
            print(f"{mode}: first /healthz 200 after {', '.join(f'{t:.2f}' for t, _ in results)} s; "
                  f"exit status {sorted({code for _, code in results})}")


if __name__ == "__main__":
    asyncio.run(main())

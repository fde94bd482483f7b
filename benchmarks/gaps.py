#!/usr/bin/env python3
"""``aibot knowledge gaps`` on a store of a million unanswered questions, against one of a thousand.

Fills two SQLite stores (in a temporary directory) straight through the store's own
``add_unanswered``: a baseline of 1,000 distinct questions and a large one of 1,000,000
distinct questions (retention is not applied, so the table really holds a million rows),
then times the real command, as a separate process, on each. Prints both times and their
ratio: the command reads the most asked few thousand through an index, so the ratio stays
near 1 however large the table.

    python benchmarks/gaps.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.store import Store, UnansweredRow

WORDS = ["invest", "budget", "chips", "datacenter", "revenue", "model", "energy", "cloud", "robot", "startup"]


def question(n: int) -> str:
    """Distinct wordings, not near-duplicates of one another."""
    return f"How much does {WORDS[n % 10]} group {n} spend on {WORDS[(n // 10) % 10]} {n * 7919 % 100003}?"


async def fill(data_dir: Path, rows: int) -> float:
    started = time.perf_counter()
    now = datetime.now(UTC)
    async with Store.open(f"sqlite+aiosqlite:///{data_dir / 'aibot.sqlite3'}", seconds=120) as store:
        for start in range(0, rows, 20_000):
            batch = [UnansweredRow(question(n), "en", float(n % 50), now - timedelta(seconds=n), 1 + (n % 97 == 0) * 5)
                     for n in range(start, min(rows, start + 20_000))]
            await store.add_unanswered(batch)
    return time.perf_counter() - started


def timed_gaps(data_dir: Path) -> tuple[float, str]:
    env = {**os.environ, "AIBOT_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)
    started = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "bot", "knowledge", "gaps", "--limit", "5"], capture_output=True,
                         text=True, env=env, timeout=600, check=True)
    return time.perf_counter() - started, run.stdout.splitlines()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aibot-gaps-") as tmp:
        small, large = Path(tmp, "small"), Path(tmp, "large")
        small.mkdir()
        large.mkdir()
        asyncio.run(fill(small, 1_000))
        filled = asyncio.run(fill(large, args.rows))
        base, _ = timed_gaps(small)
        big, top = timed_gaps(large)
    print(f"filled {args.rows:,} rows in {filled:.1f} s")
    print(f"aibot knowledge gaps, 1,000 rows:  {base:.2f} s")
    print(f"aibot knowledge gaps, {args.rows:,} rows: {big:.2f} s  (ratio {big / base:.2f})")
    print(f"top gap: {top.strip()}")


if __name__ == "__main__":
    main()

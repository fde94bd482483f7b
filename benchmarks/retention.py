#!/usr/bin/env python3
"""What retention costs the running bot: one pruning pass, and ``forget`` for one person.

Fills a store (a SQLite file in a temporary directory, or the PostgreSQL database given with
``--database-url``, whose tables it empties first) with ``--votes`` votes by 1,000 people spread
over 180 days and 10,000 unanswered questions spread over 60 days, then times with the default
periods (90 and 30 days): the first pass (it deletes about half of each), the next one (nothing
left to delete: what every hourly pass costs), and ``forget_user`` for one person.

    python benchmarks/retention.py [--votes 100000] [--database-url postgresql+asyncpg://...]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, insert

from bot.retention import Retention, prune
from bot.store import Store, UnansweredRow
from bot.store.tables import answer_votes, unanswered_counts

NOW = datetime.now(UTC)
PEOPLE = 1000


async def measure(url: str, votes: int) -> None:
    async with Store.open(url, seconds=120) as store:
        async with store.engine.begin() as connection:
            await connection.execute(delete(answer_votes))
            await connection.execute(delete(unanswered_counts))
            rows = [{"platform": "slack", "message_id": f"m{n}", "user_id": f"U{n % PEOPLE:05d}", "channel_id": "C1",
                     "fact_ids": "msft-dc", "lang": "en", "up": n % 3 == 0, "question": f"question number {n}",
                     "voted_at": NOW - timedelta(seconds=180 * 86400 * n / votes)} for n in range(votes)]
            for start in range(0, votes, 5000):
                await connection.execute(insert(answer_votes), rows[start:start + 5000])
        await store.add_unanswered([UnansweredRow(f"unanswered question {n}", "en", 1.0,
                                                  NOW - timedelta(seconds=60 * 86400 * n / 10_000))
                                    for n in range(10_000)])
        retention = Retention(votes=timedelta(days=90), unanswered=timedelta(days=30))
        for label in ("first pass", "next pass"):
            started = time.perf_counter()
            pruned = await prune(store, retention, NOW)
            took = time.perf_counter() - started
            print(f"{store.dialect}: {label}: deleted {pruned.votes} votes and {pruned.unanswered} unanswered "
                  f"questions in {took * 1000:.1f} ms")
        started = time.perf_counter()
        forgotten = await store.forget_user("U00042")
        took = time.perf_counter() - started
        print(f"{store.dialect}: forget_user: deleted {forgotten.votes} votes of one person among "
              f"{len(await store.votes(limit=votes)) + forgotten.votes} in {took * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--votes", type=int, default=100_000)
    parser.add_argument("--database-url", help="a PostgreSQL URL (postgresql+asyncpg://...); SQLite without it")
    args = parser.parse_args()
    if args.database_url:
        asyncio.run(measure(args.database_url, args.votes))
        return
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(measure(f"sqlite+aiosqlite:///{Path(folder) / 'aibot.sqlite3'}", args.votes))


if __name__ == "__main__":
    main()

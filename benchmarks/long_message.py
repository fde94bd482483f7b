#!/usr/bin/env python3
"""What a long message costs: finding its question and answering it through the
conversation service, for 20,000-character messages of several shapes.

    python benchmarks/long_message.py            # medians of 15 runs each
    python benchmarks/long_message.py --runs 50 --chars 40000

Each shape is a page of context with a question at its end. Times are the median and the
slowest of the runs, after one warm-up message (the engine's one-time tables are built by
the first question that needs them, as in a running bot).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from bot.cli.common import build_engine, settings_and_logging
from bot.conversation import ConversationService, Message

QUESTION = " How much is Microsoft spending on data centers?"
SHAPES = {
    "prose with small talk": "We talked about the economy and many other things, in 2024, at Davos. ok. lol! ",
    "chat log lines": "[10:02] alice: did you see the numbers? everyone is building data centers\n",
    "no punctuation": "we talked about the economy and many other things in 2024 at davos ",
    "one run-on sentence": "x, ",
    "a question per line": "what? ",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--chars", type=int, default=20_000)
    args = parser.parse_args()
    service = ConversationService(build_engine(settings_and_logging()))
    asyncio.run(service.handle(Message(text="warm up: what is Stargate? Meta AI budget", conversation="w",
                                       user_id="bench")))
    service.engine.detect_language("meta budget")
    print(f"| message ({args.chars:,} characters) | find the question, median | whole reply, median | slowest reply |")
    print("| --- | ---: | ---: | ---: |")
    for name, filler in SHAPES.items():
        text = (filler * (args.chars // len(filler) + 1))[: args.chars - len(QUESTION)] + "." + QUESTION
        spelled = service.phrasebook.spelled_out(text)
        finds, replies = [], []
        for _ in range(args.runs):
            started = time.perf_counter()
            service.finder.find(spelled)
            finds.append(time.perf_counter() - started)
            started = time.perf_counter()
            reply = asyncio.run(service.handle(Message(text=text, conversation="bench", user_id="bench")))
            replies.append(time.perf_counter() - started)
        assert "80" in reply.body, reply.body
        print(f"| {name} | {statistics.median(finds) * 1000:.1f} ms | {statistics.median(replies) * 1000:.1f} ms "
              f"| {max(replies) * 1000:.1f} ms |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

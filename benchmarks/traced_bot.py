#!/usr/bin/env python3
"""``python -m bot`` under tracemalloc, for finding where a long run's memory goes.

    python benchmarks/traced_bot.py SNAPSHOT_DIR run slack --http --port 3000

Each SIGUSR1 collects garbage and writes ``SNAPSHOT_DIR/snapshot-N.pickle`` (N = 1, 2...);
:func:`compare` prints what grew between two of them, by line and by call stack.
``benchmarks/soak.py --tracemalloc DIR`` does both around its traffic phase. Kept out of
the bot itself: tracing every allocation doubles its cost.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import tracemalloc
from pathlib import Path
from types import FrameType

FRAMES = int(os.environ.get("AIBOT_TRACE_FRAMES", "12"))


def compare(before: Path, after: Path, *, top: int = 25) -> None:
    """What grew from ``before`` to ``after``: the top lines, then the top call stacks."""
    old = tracemalloc.Snapshot.load(str(before))
    new = tracemalloc.Snapshot.load(str(after))
    noise = [tracemalloc.Filter(False, tracemalloc.__file__),
             tracemalloc.Filter(False, "<frozen importlib._bootstrap>")]
    old, new = old.filter_traces(noise), new.filter_traces(noise)
    total = sum(s.size for s in new.statistics("filename")) - sum(s.size for s in old.statistics("filename"))
    print(f"   traced Python memory grew {total / 2**20:.1f} MB")
    print("   by file:")
    for stat in new.compare_to(old, "filename")[:top]:
        print(f"     {stat.size_diff / 2**20:+7.2f} MB {stat.count_diff:+8d} blocks  {stat.traceback[0].filename}")
    print("   by line:")
    for stat in new.compare_to(old, "lineno")[:top]:
        frame = stat.traceback[0]
        print(f"     {stat.size_diff / 2**20:+7.2f} MB {stat.count_diff:+8d} blocks  {frame.filename}:{frame.lineno}")
    print("   by call stack (innermost last, the 12 frames nearest the allocation):")
    for stat in new.compare_to(old, "traceback")[:12]:
        print(f"     {stat.size_diff / 2**20:+7.2f} MB {stat.count_diff:+8d} blocks")
        for frame in list(stat.traceback)[-12:]:
            print(f"         {frame.filename}:{frame.lineno}")


def main() -> None:
    directory = Path(sys.argv[1])
    directory.mkdir(parents=True, exist_ok=True)
    taken = 0

    def dump(_signum: int, _frame: FrameType | None) -> None:
        nonlocal taken
        taken += 1
        gc.collect()
        tracemalloc.take_snapshot().dump(str(directory / f"snapshot-{taken}.pickle"))
        (directory / f"snapshot-{taken}.done").touch()

    tracemalloc.start(FRAMES)
    signal.signal(signal.SIGUSR1, dump)
    sys.argv = ["aibot", *sys.argv[2:]]
    from bot.cli import main as aibot

    aibot()


if __name__ == "__main__":
    main()

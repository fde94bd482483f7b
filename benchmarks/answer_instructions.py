#!/usr/bin/env python3
"""How much work answering takes, in machine instructions: a figure that does not move with
the machine's load, where answer times on a shared VM vary by 20-30% from run to run.

    python benchmarks/answer_instructions.py [--facts 100000] [--warm]

Writes the synthetic base ``aibot bench`` uses, loads the engine, then counts with valgrind's
callgrind the instructions of answering its 1,000 questions once (as ``aibot bench`` times
them) or, with ``--warm``, a second time (every table already built). Counting starts after
loading, so only answering counts. The same command run twice gives the same count to within
0.01%. Run it from another checkout (``PYTHONPATH=that/checkout``) to compare two engines:
the engine is imported as that checkout names it.

Needs valgrind (``apt install valgrind``); takes about a minute and a half at 100,000 facts.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any


def _engine(data: Path, cache: Path) -> tuple[Any, Any]:
    """The engine over ``data`` and its Question type, as this checkout builds them."""
    try:
        from bot.answering import Question
        from bot.answering.scale.index_cache import IndexCache
        from bot.assemble import engine_for, load_base
    except ImportError:  # an engine from before bot/answering existed
        from bot.core import AnswerEngine, Question  # type: ignore[no-redef]
        from bot.index_cache import IndexCache  # type: ignore[no-redef]
        from bot.index_worker import load_with_worker

        base, worker = load_with_worker(data, IndexCache(cache))
        return AnswerEngine(base, index_cache=IndexCache(cache), index_worker=worker), Question
    base, worker = load_base(data, IndexCache(cache))
    return engine_for(base, cache=IndexCache(cache), worker=worker), Question


def child(data: Path, cache: Path, warm: bool) -> None:
    """Under callgrind, with counting off: load, then count answering only."""
    engine, question_type = _engine(data, cache)
    questions = [question_type(text=case["q"]) for case in json.loads((data / "questions.json").read_text())]
    if warm:
        for question in questions:
            engine.answer_now(question)
    subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], check=True, capture_output=True)
    for question in questions:
        engine.answer_now(question)
    subprocess.run(["callgrind_control", "-i", "off", str(os.getpid())], check=True, capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--warm", action="store_true", help="count a second pass over the questions")
    parser.add_argument("--child", nargs=2, metavar=("DATA", "CACHE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]), args.warm)
        return 0
    with tempfile.TemporaryDirectory(prefix="aibot-instructions-") as tmp:
        data, cache = Path(tmp) / "data", Path(tmp) / "index"
        subprocess.run([sys.executable, "-m", "bot.bench.synthetic", str(data), "--facts", str(args.facts),
                        "--questions", "1000", "--seed", str(args.seed)], check=True, stdout=subprocess.DEVNULL)
        run = subprocess.run(
            ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={tmp}/callgrind.out",
             sys.executable, __file__, "--child", str(data), str(cache), *(["--warm"] if args.warm else [])],
            capture_output=True, text=True, check=True,
        )
    counts = [int(n.replace(",", "")) for n in re.findall(r"I\s+refs:\s+([\d,]+)", run.stderr)]
    instructions = max(counts)  # the bot's process; a forked index worker counts nothing
    print(json.dumps({"facts": args.facts, "questions": 1000, "pass": "warm" if args.warm else "first",
                      "instructions": instructions, "per_question": instructions // 1000}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

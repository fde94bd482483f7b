#!/usr/bin/env python3
"""Score a question set per shape, through the command line, stricter on small talk.

    python benchmarks/score_by_shape.py --questions benchmarks/heldout_fresh.yaml --failures

Same contract and judgement as benchmarks/score.py (it imports its `judge`), grouped
by each case's `shape` (falling back to `kind`). A case may also list `intent`: the
reply's "intent" must then be one of them, so a small-talk line answered "I don't know"
(matched false, which score.py counts as a right abstention) is counted wrong here.
Prints one line per shape, the abstentions, the language and the total.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from score import ask_all, judge  # noqa: E402  (the one runner and judgement, shared with score.py)


def judge_case(case: dict[str, Any], reply: dict[str, Any]) -> tuple[bool, str]:
    """score.py's judgement, then the intent when the case names one."""
    ok, why = judge(case, reply)
    wanted = case.get("intent")
    if ok and wanted and reply.get("intent") not in wanted:
        return False, f"intent {reply.get('intent')!r}, wanted one of {wanted}: {reply.get('answer')!r}"
    return ok, why


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", default=str(HERE / "heldout_fresh.yaml"))
    parser.add_argument("--cmd", default="aibot ask --json --batch -", help="command that answers JSON Lines")
    parser.add_argument("--failures", action="store_true", help="list every case that failed")
    args = parser.parse_args()

    answered = ask_all(args.questions, args.cmd)
    if answered is None:
        return 1
    cases, lines, wall = answered

    shapes: dict[str, list[int]] = {}
    passed = lang_ok = abstain_ok = abstain_total = answered_when_due = 0
    failures: list[str] = []
    for case, line in zip(cases, lines, strict=True):
        reply = json.loads(line)
        ok, why = judge_case(case, reply)
        shape = str(case.get("shape") or case["kind"])
        tally = shapes.setdefault(shape, [0, 0])
        tally[0] += ok
        tally[1] += 1
        passed += ok
        lang_ok += reply.get("lang") == case["lang"]
        if case.get("abstain"):
            abstain_total += 1
            abstain_ok += not reply.get("matched")
            answered_when_due += bool(reply.get("matched"))
        if not ok:
            failures.append(f"  [{shape}/{case['lang']}] {case['q'][:160]!r}: {why}")

    total = len(cases)
    width = max(len(name) for name in shapes)
    for name, (right, count) in sorted(shapes.items()):
        print(f"{name:<{width}}  {right:>3}/{count:<3} {100.0 * right / count:5.1f}%")
    print(f"abstentions right {abstain_ok}/{abstain_total} (answered where an abstention was due: {answered_when_due})")
    if args.failures and failures:
        print("failed:\n" + "\n".join(failures))
    print(f"score {100.0 * passed / total:.1f}% ({passed}/{total} right, language {lang_ok}/{total}, {wall:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

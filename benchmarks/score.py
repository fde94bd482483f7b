#!/usr/bin/env python3
"""Score the bot's answers on a question set, through its command line.

    python benchmarks/score.py                      # benchmarks/questions.yaml
    python benchmarks/score.py --questions benchmarks/heldout_questions.yaml --failures

It pipes every question, one a line, into `aibot ask --json --batch -` (or --cmd),
reads one JSON object a line back, and checks each against the case:
  expect:  matched is true and every group of alternatives occurs in the answer;
  abstain: matched is false.
It also counts answers given in the asker's language (the object's "lang").

Needs PyYAML (installed with the bot). Exit status: 0, or 1 when --min is given and the score is below it.
"""
from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent


def fold(text: str) -> str:
    """Lower case, accents and odd spaces removed, so 'Énergie' matches 'energie'."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").lower().split())


def judge(case: dict, reply: dict) -> tuple[bool, str]:
    matched = bool(reply.get("matched"))
    if case.get("abstain"):
        return (not matched, "" if not matched else f"should abstain, answered: {reply.get('answer')!r}")
    if not matched:
        return False, "abstained"
    answer = fold(reply.get("answer") or "")
    missing = [group for group in case["expect"] if not any(fold(alt) in answer for alt in group)]
    return (not missing, "" if not missing else f"missing {missing} in {reply.get('answer')!r}")


def ask_all(questions: str, cmd: str) -> tuple[list[dict], list[str], float] | None:
    """The question set's cases, one JSON line per case from ``cmd``, and the seconds it took;
    None (said on stdout) when the command's output cannot be scored."""
    cases = yaml.safe_load(Path(questions).read_text(encoding="utf-8"))["cases"]
    stdin = "".join(case["q"].replace("\n", " ") + "\n" for case in cases)
    start = time.perf_counter()
    run = subprocess.run(shlex.split(cmd), input=stdin, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - start
    lines = [line for line in run.stdout.splitlines() if line.strip()]
    if run.returncode != 0 or len(lines) != len(cases):
        print(run.stderr[-2000:], file=sys.stderr)
        print(f"score: unusable output (exit {run.returncode}, {len(lines)} lines for {len(cases)} questions)")
        return None
    return cases, lines, wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", default=str(HERE / "questions.yaml"))
    parser.add_argument("--cmd", default="aibot ask --json --batch -", help="command that answers JSON Lines")
    parser.add_argument("--failures", action="store_true", help="list every case that failed")
    parser.add_argument("--min", type=float, default=None, help="exit 1 below this overall score (percent)")
    args = parser.parse_args()

    answered = ask_all(args.questions, args.cmd)
    if answered is None:
        return 1
    cases, lines, wall = answered

    tally: dict[str, list[int]] = {}
    passed = lang_ok = 0
    failures = []
    for case, line in zip(cases, lines, strict=True):
        reply = json.loads(line)
        ok, why = judge(case, reply)
        passed += ok
        lang_ok += reply.get("lang") == case["lang"]
        kind = tally.setdefault(case["kind"], [0, 0])
        kind[0] += ok
        kind[1] += 1
        if not ok:
            failures.append(f"  [{case['kind']}] {case['q']!r}: {why}")

    total = len(cases)
    print("by kind: " + ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in sorted(tally.items())))
    if args.failures and failures:
        print("failed:\n" + "\n".join(failures))
    score = 100.0 * passed / total
    print(f"score {score:.1f}% ({passed}/{total} right, language {lang_ok}/{total}, {wall:.2f} s for the batch)")
    return 1 if args.min is not None and score < args.min else 0


if __name__ == "__main__":
    sys.exit(main())

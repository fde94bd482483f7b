"""Issue 14, item 1 end to end: ten thousand hostile lines, one JSON line each, in order, exit 0."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from bot.language import clean
from tests.robust.hostile import hostile_lines


def test_ten_thousand_hostile_lines_get_one_json_line_each_in_order() -> None:
    lines = hostile_lines(10_000)
    run = subprocess.run([sys.executable, "-m", "bot", "ask", "--json", "--batch", "-"],
                         input=b"\n".join(lines) + b"\n", capture_output=True, timeout=300, env=os.environ.copy())
    assert run.returncode == 0, run.stderr[-2000:]
    out = run.stdout.split(b"\n")
    assert out[-1] == b"" and len(out) == len(lines) + 1
    replies = [json.loads(line) for line in out[:-1]]
    # the whole line, never cut (the conversation layer finds the question in it)
    expected = [clean(line.decode("utf-8", errors="replace").rstrip("\r"), limit=None) for line in lines]
    assert [r["question"] for r in replies] == expected  # the same order as the input
    assert all(r["lang"] in {"en", "fr"} and isinstance(r["matched"], bool) for r in replies)
    assert b"Traceback" not in run.stderr

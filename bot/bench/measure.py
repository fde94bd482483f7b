"""Measure the real loader and engine on a synthetic base, against brute-force rapidfuzz.

One run: write a synthetic base in a child process (so its memory never counts here), load
it with :func:`knowledge.loader.load_fact_base`, build the real :class:`AnswerEngine` as the
bot's first start does (indexing, and keeping the index in a fresh cache folder), answer
every question and complete prefixes of them, read the process's peak RSS, then time the
baseline people use today, ``rapidfuzz.process.extractOne`` with ``WRatio`` over every
phrasing, on the same questions. The baseline is linear in the base, so at large sizes it
runs on the first questions until a time budget is spent (at least ``MIN_BASELINE``).
Last, a fresh interpreter loads the same files again, as a restart does, reading the index
back from the cache (``load_restart_s``, with its own peak RSS).
"""

from __future__ import annotations

import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process, utils

from bot.answering import Question
from bot.answering.scale.index_cache import IndexCache
from bot.assemble import engine_for, load_base, read_base

#: A WRatio below this counts as "no match" for the baseline (a cutoff, as FAQ bots use).
BASELINE_CUTOFF = 80.0
MIN_BASELINE = 20
#: Keys every JSON result has; the issue's contract plus accuracy and context.
KEYS = (
    "facts", "load_s", "answer_p50_ms", "answer_p99_ms", "autocomplete_p99_ms", "rss_mb",
    "baseline_answer_p50_ms",
)


def machine() -> dict[str, Any]:
    """Where the figures were measured: they mean little without it."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "load_average_1min": round(load, 2) if load is not None else None}


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``share`` of them at or below."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def generate(target: Path, facts: int, questions: int, seed: int) -> float:
    """Write the synthetic base in a child process; return how long it took."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bot.bench.synthetic", str(target), "--facts", str(facts),
         "--questions", str(questions), "--seed", str(seed)],
        check=True, stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def _ms(nanoseconds: float) -> float:
    return round(nanoseconds / 1e6, 3)


def run(facts: int, questions: int = 1000, *, seed: int = 7, baseline_budget_s: float = 30.0,
        workdir: Path | None = None, one_process: bool = False) -> dict[str, Any]:
    """Generate, load, index, answer, complete and compare; return one JSON-ready result.
    With ``one_process``, the first start has no index worker."""
    with tempfile.TemporaryDirectory(prefix="aibot-bench-", dir=workdir) as tmp:
        data, cache = Path(tmp) / "data", Path(tmp) / "index"
        restarter = _restarter(data, cache)  # started now, while this process is small
        sampler = _helper("sample_rss", str(os.getpid()), str(restarter.pid))
        try:
            generate_s = generate(data, facts, questions, seed)
            asked: list[dict[str, Any]] = json.loads((data / "questions.json").read_text(encoding="utf-8"))
            _tell(sampler, "start")
            start = time.perf_counter()
            if one_process:
                base, worker = read_base(data), None
            else:
                base, worker = load_base(data, IndexCache(cache))
            loaded = time.perf_counter()
            engine = engine_for(base, cache=IndexCache(cache), worker=worker)
            indexed = time.perf_counter()
            together_mb = _finish(sampler, "stop")
            restart = _finish(restarter, "go")
        finally:
            for helper in (restarter, sampler):
                if helper.poll() is None:
                    helper.kill()
                    helper.wait()

    answer_ns: list[float] = []
    right = 0
    by_kind: dict[str, list[int]] = {}
    for case in asked:
        question = Question(text=case["q"])
        t0 = time.perf_counter_ns()
        answer = engine.answer_now(question)
        answer_ns.append(time.perf_counter_ns() - t0)
        ok = (not answer.matched) if case["fact"] is None else (answer.matched and case["fact"] in answer.fact_ids)
        right += ok
        tally = by_kind.setdefault(case["kind"], [0, 0])
        tally[0] += ok
        tally[1] += 1

    rng = random.Random(seed)
    complete_ns: list[float] = []
    for case in asked:
        text = case["q"]
        prefix = text[: rng.randint(min(3, len(text)), len(text))]
        t0 = time.perf_counter_ns()
        engine.suggestions_for(prefix)
        complete_ns.append(time.perf_counter_ns() - t0)

    # Peak RSS so far is the engine's: the baseline below must not count in it.
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    choices: list[str] = []
    owners: list[str] = []
    for fact in base.facts:
        for text in (*fact.phrasings.en, *fact.phrasings.fr):
            choices.append(utils.default_process(text))
            owners.append(fact.id)
    baseline_ns: list[float] = []
    baseline_right = engine_right_on_sample = 0
    budget_end = time.perf_counter() + baseline_budget_s
    for position, case in enumerate(asked):
        if position >= MIN_BASELINE and time.perf_counter() > budget_end:
            break
        t0 = time.perf_counter_ns()
        best = process.extractOne(utils.default_process(case["q"]), choices, scorer=fuzz.WRatio,
                                  score_cutoff=BASELINE_CUTOFF)
        baseline_ns.append(time.perf_counter_ns() - t0)
        if case["fact"] is None:
            baseline_right += best is None
        else:
            baseline_right += best is not None and owners[best[2]] == case["fact"]
    sample = len(baseline_ns)
    for case in asked[:sample]:
        answer = engine.answer_now(Question(text=case["q"]))
        ok = (not answer.matched) if case["fact"] is None else (answer.matched and case["fact"] in answer.fact_ids)
        engine_right_on_sample += ok

    answer_p50 = percentile(answer_ns, 0.5)
    baseline_p50 = percentile(baseline_ns, 0.5)
    return {
        "facts": len(base.facts),
        "entities": len(base.entities),
        "phrasings": len(choices),
        "questions": len(asked),
        "load_s": round(indexed - start, 3),
        "load_validate_s": round(loaded - start, 3),
        "index_s": round(indexed - loaded, 3),
        "load_restart_s": restart["load_s"],
        "rss_restart_mb": restart["rss_mb"],
        "answer_p50_ms": _ms(answer_p50),
        "answer_p99_ms": _ms(percentile(answer_ns, 0.99)),
        "answer_max_ms": _ms(max(answer_ns)),
        "autocomplete_p50_ms": _ms(percentile(complete_ns, 0.5)),
        "autocomplete_p99_ms": _ms(percentile(complete_ns, 0.99)),
        "rss_mb": round(rss_mb, 1),
        "rss_worker_mb": round(worker.peak_rss_mb, 1) if worker is not None and worker.peak_rss_mb else 0.0,
        "rss_together_mb": round(together_mb, 1) if together_mb else None,
        "one_process": one_process,
        "baseline_answer_p50_ms": _ms(baseline_p50),
        "baseline_questions": sample,
        "speedup_vs_baseline": round(baseline_p50 / answer_p50, 1) if answer_p50 else None,
        "accuracy": round(right / len(asked), 3),
        "accuracy_by_kind": {k: round(v[0] / v[1], 3) for k, v in sorted(by_kind.items())},
        "accuracy_on_baseline_sample": round(engine_right_on_sample / sample, 3),
        "baseline_accuracy": round(baseline_right / sample, 3),
        "generate_s": round(generate_s, 2),
        "machine": machine(),
    }


def restart(data: Path, cache: Path) -> dict[str, float]:
    """Load a base whose index is in ``cache``, as the bot does when it starts again."""
    start = time.perf_counter()
    base, worker = load_base(data, IndexCache(cache))
    engine = engine_for(base, cache=IndexCache(cache), worker=worker)
    elapsed = time.perf_counter() - start
    del engine  # freeing 100,000 facts takes time too, and is no part of starting
    return {"load_s": round(elapsed, 3), "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def sample_rss(pid: int, ignore: int) -> float:
    """Run in a helper process: until a line on its input, the peak of
    the RSS of process ``pid`` and of its children (the index worker; not ``ignore``, nor this
    helper) added up, sampled every 10 ms, in MB; 0 where there is no /proc. Pages the two
    share count twice, so the figure can only be high."""
    page, skip = os.sysconf("SC_PAGE_SIZE"), {ignore, os.getpid()}

    def rss(process: int) -> int:
        try:
            return int(Path(f"/proc/{process}/statm").read_text().split()[1]) * page
        except (OSError, ValueError, IndexError):
            return 0

    stopped = threading.Event()

    def wait_for_stop() -> None:
        sys.stdin.readline()
        stopped.set()

    threading.Thread(target=wait_for_stop, daemon=True).start()
    def together() -> int:
        try:
            children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except (OSError, ValueError):
            children = []
        return rss(pid) + sum(rss(child) for child in children if child not in skip)

    peak = together()
    while not stopped.wait(0.01):
        peak = max(peak, together())
    return max(peak, together()) / 2**20  # a sample at each end, however short the start


def _restarter(data: Path, cache: Path) -> subprocess.Popen[str]:
    """A fresh interpreter that runs :func:`restart` when told to (a line on its input).
    It is started before this process loads anything: a process started later would begin
    as a copy of this one, and Linux counts that copy in its peak RSS."""
    return _helper("restart", f"Path({str(data)!r})", f"Path({str(cache)!r})")


def _helper(function: str, *arguments: str) -> subprocess.Popen[str]:
    """A fresh interpreter that, once told to go on (a line on its input), runs one function of
    this module with literal arguments and prints its result as JSON."""
    code = (f"import json, sys; from pathlib import Path; from bot.bench.measure import {function}; "
            f"sys.stdin.readline(); print(json.dumps({function}({', '.join(arguments)})))")
    return subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def _tell(helper: subprocess.Popen[str], line: str) -> None:
    assert helper.stdin is not None
    helper.stdin.write(line + "\n")
    helper.stdin.flush()


def _finish(helper: subprocess.Popen[str], line: str) -> Any:
    """Give a helper its last line, and return what it printed."""
    out, _ = helper.communicate(line + "\n")
    if helper.returncode != 0:
        raise RuntimeError(f"a measurement helper failed (exit status {helper.returncode})")
    return json.loads(out.strip().splitlines()[-1])


def run_sizes(sizes: list[int], questions: int, seed: int, baseline_budget_s: float,
              *, one_process: bool = False) -> list[dict[str, Any]]:
    """Each size in a fresh interpreter, so every peak RSS belongs to its own size."""
    results = []
    for size in sizes:
        out = subprocess.run(
            [sys.executable, "-m", "bot", "bench", "--facts", str(size), "--questions", str(questions),
             "--seed", str(seed), "--baseline-budget", str(baseline_budget_s), "--json",
             *(["--one-process"] if one_process else [])],
            check=True, capture_output=True, text=True,
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return results


def _worker_rss(result: dict[str, Any]) -> str:
    """The index worker's peak RSS and, in brackets, the bot's and its RSS sampled together;
    a dash where the base was too small for a worker."""
    if not result.get("rss_worker_mb"):
        return "-"
    return f"{result['rss_worker_mb']:.0f} ({result['rss_together_mb']:.0f})"


def table(results: list[dict[str, Any]]) -> str:
    """The results as a markdown table, with the machine they were measured on."""
    head = ("| facts | load+index s, first start | restart s | answer p50 ms | answer p99 ms "
            "| autocomplete p99 ms | peak RSS MB, first start / restart | index worker RSS MB (with the bot) "
            "| rapidfuzz p50 ms | speed-up | accuracy | rapidfuzz accuracy |")
    rows = [head, "|" + "---:|" * 12]
    for r in results:
        rows.append(
            f"| {r['facts']:,} | {r['load_s']:.2f} | {r['load_restart_s']:.2f} | {r['answer_p50_ms']:.2f} "
            f"| {r['answer_p99_ms']:.2f} "
            f"| {r['autocomplete_p99_ms']:.2f} | {r['rss_mb']:.0f} / {r['rss_restart_mb']:.0f} "
            f"| {_worker_rss(r)} | {r['baseline_answer_p50_ms']:.1f} "
            f"| {r['speedup_vs_baseline']}x | {r['accuracy']:.1%} "
            f"| {r['baseline_accuracy']:.1%} (n={r['baseline_questions']}) |"
        )
    m = results[0]["machine"] if results else machine()
    rows.append("")
    loads = ", ".join(str(r["machine"].get("load_average_1min")) for r in results)
    rows.append(f"Machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}; "
                f"{results[0]['questions'] if results else 0} questions per size; "
                f"load average at the end of each size: {loads}.")
    return "\n".join(rows)

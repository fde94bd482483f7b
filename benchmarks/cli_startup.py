"""How long the command line takes to start, as ratios against importing its main libraries.

Run from the repository with the virtual environment active::

    python benchmarks/cli_startup.py            # 7 runs of each, medians
    python benchmarks/cli_startup.py --runs 15 --json

Each command is run as a fresh process, interleaved with the baseline
(``python -c "import pydantic, numpy, rapidfuzz, yaml"``) in the same run, so a busy
machine slows both alike and the ratio stays meaningful where seconds do not; CPU time
(user + system) is given too, as it moves less than wall-clock time on a shared machine. Targets:
``aibot --help`` under 0.3 s and below the baseline; ``aibot ask`` close to the import of
what it needs (``import_ask``: its own modules, the engine and the settings).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

PYTHON = sys.executable
QUESTION = "How much is Microsoft spending on AI data centers?"
COMMANDS: dict[str, list[str]] = {
    "baseline": [PYTHON, "-c", "import pydantic, numpy, rapidfuzz, yaml"],
    "help": [PYTHON, "-m", "bot", "--help"],
    "import_ask": [PYTHON, "-c", "import click, bot.cli.ask, bot.cli.common, bot.answering, bot.settings"],
    "ask": [PYTHON, "-m", "bot", "ask", QUESTION],
}


def _time(command: list[str]) -> tuple[float, float]:
    """(wall-clock seconds, CPU seconds: user + system) of one run of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(runs: int) -> dict[str, object]:
    for command in COMMANDS.values():  # warm the disk cache and the index cache once
        _time(command)
    walls: dict[str, list[float]] = {name: [] for name in COMMANDS}
    cpus: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(runs):
        for name, command in COMMANDS.items():
            wall, cpu = _time(command)
            walls[name].append(wall)
            cpus[name].append(cpu)
    medians = {name: statistics.median(values) for name, values in walls.items()}
    cpu_medians = {name: statistics.median(values) for name, values in cpus.items()}
    base = medians["baseline"]
    return {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {_cpu_model()}, Python {platform.python_version()}",
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "runs": runs,
        "median_s": {name: round(value, 3) for name, value in medians.items()},
        "median_cpu_s": {name: round(value, 3) for name, value in cpu_medians.items()},
        "ratio_to_baseline": {name: round(value / base, 2) for name, value in medians.items()},
        "ask_over_its_imports": round(medians["ask"] / medians["import_ask"], 2),
        "help_under_0.3_s": medians["help"] < 0.3,
    }


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each command (median reported)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    if shutil.which("aibot") is None and not Path(PYTHON).exists():
        sys.exit("run with the virtual environment active")
    result = measure(args.runs)
    if args.json:
        print(json.dumps(result))
        return
    print(f"{result['machine']}; median of {result['runs']} runs; load average {result['load_average']}")
    medians, cpu, ratios = result["median_s"], result["median_cpu_s"], result["ratio_to_baseline"]
    assert isinstance(medians, dict) and isinstance(cpu, dict) and isinstance(ratios, dict)
    for name in COMMANDS:
        print(f"  {name:<11} {medians[name]:6.3f} s wall  {cpu[name]:6.3f} s CPU   x{ratios[name]:.2f} of the baseline")
    print(f"  aibot ask takes x{result['ask_over_its_imports']} the import of what it needs")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""How long the chart takes to draw, cold and warm, and how much the chart library installs.

- **cold**: the first chart in this process, matplotlib's import and font loading included
  (what the first ``/chart`` after a restart pays, in a thread);
- **warm**: a new drawing with matplotlib loaded (a base or language not drawn before),
  the median of ``--runs`` draws alternating English and French, each with an empty cache;
- **cached**: :func:`bot.charts.make_chart` when this base and language were drawn before.

Warm and cached are reported as ratios against cold from the same run, with the issue's
target (warm under 300 ms). Install size: the bytes of every file the distributions that
matplotlib brings in list in their RECORD, apart from those the project already depends on.
``--vl-convert`` also times Vega-Lite through vl-convert when that package is installed
(it is not a dependency: it was measured to choose between the two).

    python benchmarks/chart_render.py [--runs 10] [--vl-convert]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from importlib import metadata
from pathlib import Path

from bot.charts import ChartCache, make_chart, render_png
from knowledge.loader import DEFAULT_DATA_DIR, load_fact_base
from knowledge.models import FactBase

WARM_TARGET_MS = 300.0
#: What installing matplotlib adds to this project (numpy and python-dateutil it needs are here already).
ADDED = ["matplotlib", "contourpy", "cycler", "fonttools", "kiwisolver", "pillow", "pyparsing"]
ALREADY = ["numpy", "python-dateutil"]


def installed_bytes(names: list[str]) -> dict[str, int]:
    sizes = {}
    for name in names:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        total = 0
        for file in dist.files or []:
            path = Path(str(dist.locate_file(file)))
            if path.is_file():
                total += path.stat().st_size
        sizes[name] = total
    return sizes


def time_renders(base: FactBase, runs: int) -> tuple[tuple[float, float], list[tuple[float, float]], list[float]]:
    """(wall, CPU) seconds of the cold draw and of each warm draw; wall seconds of cache hits."""
    started, cpu = time.perf_counter(), time.process_time()
    if render_png(base, "en", ChartCache()) is None:
        sys.exit("the base has fewer than two amounts: nothing to draw")
    cold = (time.perf_counter() - started, time.process_time() - cpu)
    warm = []
    for run in range(runs):
        started, cpu = time.perf_counter(), time.process_time()
        render_png(base, "fr" if run % 2 else "en", ChartCache())
        warm.append((time.perf_counter() - started, time.process_time() - cpu))
    cache = ChartCache()
    asyncio.run(make_chart(base, "en", cache))
    cached = []
    for _ in range(runs):
        started = time.perf_counter()
        asyncio.run(make_chart(base, "en", cache))
        cached.append(time.perf_counter() - started)
    return cold, warm, cached


def time_vl_convert(base: FactBase, runs: int) -> tuple[float, float] | None:
    """The same bars as a Vega-Lite spec through vl-convert: (first, median warm) seconds."""
    try:
        import vl_convert  # type: ignore[import-not-found]
    except ImportError:
        return None
    rows = []
    for fact in base.facts:
        if fact.amount is not None:
            low, high = fact.amount.bounds
            rows.append({"who": base.entity(fact.amount.subject).name, "low": 0 if fact.amount.up_to else low / 1e9,
                         "high": high / 1e9, "yearly": fact.amount.period.is_yearly})
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "width": 700,
            "title": "Announced AI investments", "data": {"values": rows}, "facet": {"row": {"field": "yearly"}},
            "resolve": {"scale": {"x": "independent"}},
            "spec": {"mark": "bar", "encoding": {"y": {"field": "who", "type": "nominal", "sort": "-x"},
                                                 "x": {"field": "low", "type": "quantitative"},
                                                 "x2": {"field": "high"}}}}
    started = time.perf_counter()
    vl_convert.vegalite_to_png(vl_spec=spec, scale=1)
    first = time.perf_counter() - started
    warm = []
    for run in range(runs):
        spec["title"] = f"Announced AI investments {run}"
        started = time.perf_counter()
        vl_convert.vegalite_to_png(vl_spec=spec, scale=1)
        warm.append(time.perf_counter() - started)
    return first, statistics.median(warm)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--vl-convert", action="store_true", help="also time vl-convert, when installed")
    args = parser.parse_args()
    base = load_fact_base(DEFAULT_DATA_DIR)
    if "matplotlib" in sys.modules:
        sys.exit("matplotlib is already imported: the cold figure would not be cold")
    (cold, cold_cpu), warm, cached = time_renders(base, args.runs)
    warm_median = statistics.median(w for w, _ in warm)
    warm_cpu = statistics.median(c for _, c in warm)
    cached_median = statistics.median(cached)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Chart render on the shipped base ({sum(1 for f in base.facts if f.amount)} amounts), "
          f"{args.runs} runs, matplotlib {metadata.version('matplotlib')}, {os.cpu_count()} CPUs, load {load:.1f}")
    print("| measure | wall | CPU | wall vs cold |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| cold (import + fonts + first draw) | {cold * 1000:.0f} ms | {cold_cpu * 1000:.0f} ms | 1.00 |")
    print(f"| warm draw, median (wall max {max(w for w, _ in warm) * 1000:.0f} ms) | {warm_median * 1000:.0f} ms | "
          f"{warm_cpu * 1000:.0f} ms | {warm_median / cold:.2f} |")
    print(f"| cached (make_chart hit), median | {cached_median * 1000:.2f} ms | | {cached_median / cold:.4f} |")
    verdict = "meets" if warm_median * 1000 < WARM_TARGET_MS else "MISSES"
    print(f"\nwarm {warm_median * 1000:.0f} ms wall {verdict} the {WARM_TARGET_MS:.0f} ms target")
    added, already = installed_bytes(ADDED), installed_bytes(ALREADY)
    listing = ", ".join(f"{name} {size / 2**20:.1f}" for name, size in added.items())
    print(f"install size added: {sum(added.values()) / 2**20:.1f} MiB ({listing}; MiB); "
          f"already required by the project: {', '.join(already)}")
    if args.vl_convert:
        timed = time_vl_convert(base, args.runs)
        if timed is None:
            print("vl-convert: not installed (pip install vl-convert-python to compare)")
        else:
            size = installed_bytes(["vl-convert-python"])
            print(f"vl-convert: first {timed[0] * 1000:.0f} ms, warm median {timed[1] * 1000:.0f} ms, "
                  f"install {sum(size.values()) / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()

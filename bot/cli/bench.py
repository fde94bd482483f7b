"""``aibot bench``: how fast the real loader and engine are as the fact base grows."""

from __future__ import annotations

import json

import click

from bot.bench import measure

DEFAULT_SIZES = [1_000, 10_000, 100_000]


@click.command()
@click.option("--facts", type=click.IntRange(min=20), default=None,
              help="Size of the synthetic base; without it, 1,000, 10,000 and 100,000 as a table.")
@click.option("--questions", type=click.IntRange(min=10), default=1000, show_default=True,
              help="Questions to answer (and prefixes to complete) per size.")
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the synthetic base.")
@click.option("--baseline-budget", type=float, default=30.0, show_default=True,
              help="Seconds the brute-force rapidfuzz baseline may take per size (20 questions at least).")
@click.option("--one-process", is_flag=True,
              help="Start with no index worker, as on one core, to see what the worker saves.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: one object, or a list without --facts.")
def bench(facts: int | None, questions: int, seed: int, baseline_budget: float, one_process: bool,
          as_json: bool) -> None:
    """Measure load, answer and autocomplete latency and memory on a synthetic fact base."""
    if facts is not None:
        results = [measure.run(facts, questions, seed=seed, baseline_budget_s=baseline_budget,
                               one_process=one_process)]
    else:
        results = measure.run_sizes(DEFAULT_SIZES, questions, seed, baseline_budget, one_process=one_process)
    if as_json:
        click.echo(json.dumps(results[0] if facts is not None else results, ensure_ascii=False))
    else:
        click.echo(measure.table(results))

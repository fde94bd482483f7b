"""How every process builds its engine: load, index, build the typo tables most questions
need, then keep it all out of the collector's way (:mod:`bot.heap`).

The bot (:mod:`bot.runtime`), the one-shot commands, a knowledge reload and the benchmark
all build through here, so what the benchmark measures is what the bot runs.
"""

from __future__ import annotations

from pathlib import Path

from bot.answering import AnswerEngine, UnansweredLog
from bot.answering.scale import build_index
from bot.answering.scale.flat_index import HeadStarter, cache_key_of
from bot.answering.scale.index_cache import IndexCache
from bot.answering.scale.index_worker import IndexWorker, load_with_worker
from bot.heap import long_lived_objects
from knowledge.loader import load_fact_base
from knowledge.models import FactBase


def read_base(data_dir: Path) -> FactBase:
    """Load and validate ``data_dir`` alone, for what only reads the base (a command, a
    reload: no index worker)."""
    with long_lived_objects():
        return load_fact_base(data_dir)


def load_base(data_dir: Path, cache: IndexCache | None) -> tuple[FactBase, IndexWorker | None]:
    """Load and validate ``data_dir``, with an index worker started meanwhile if one helps."""
    with long_lived_objects():
        return load_with_worker(data_dir, cache)


def index_base(data_dir: Path, cache: IndexCache) -> tuple[FactBase, bool]:
    """Index ``data_dir`` into ``cache`` unless it is kept there already, as a release step
    does so that every start of the bot reads it back; (the base, whether it was indexed now)."""
    base, worker = load_base(data_dir, cache)
    key = cache_key_of(base.digest) if base.digest is not None else None
    if key is not None and cache.has(key):
        if worker is not None:
            worker.cancel()
        return base, False
    with long_lived_objects():
        build_index(base, cache, worker)
    return base, True


def engine_for(base: FactBase, *, cache: IndexCache | None = None, worker: HeadStarter | None = None,
               unanswered: UnansweredLog | None = None) -> AnswerEngine:
    """The engine over ``base``, on the large-base index (read back from ``cache`` when kept
    there), with its typo tables built now."""
    with long_lived_objects():
        return AnswerEngine(base, unanswered=unanswered, index=build_index(base, cache, worker)).warm()


def load_engine(data_dir: Path, cache: IndexCache | None, *,
                unanswered: UnansweredLog | None = None) -> AnswerEngine:
    """:func:`load_base` then :func:`engine_for`: what a one-shot command needs."""
    base, worker = load_base(data_dir, cache)
    return engine_for(base, cache=cache, worker=worker, unanswered=unanswered)

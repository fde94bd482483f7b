"""Old address of :mod:`bot.answering.scale.index_worker`, kept while callers move."""

from __future__ import annotations

from bot.answering.scale.index_worker import IndexWorker, load_with_worker

__all__ = ["IndexWorker", "load_with_worker"]

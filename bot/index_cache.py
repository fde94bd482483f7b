"""Old address of :mod:`bot.answering.scale.index_cache`, kept while callers move."""

from __future__ import annotations

from bot.answering.scale.index_cache import KEEP, IndexCache, index_cache

__all__ = ["KEEP", "IndexCache", "index_cache"]

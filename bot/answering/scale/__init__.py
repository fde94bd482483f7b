"""The machinery for 100,000 facts: bulk reading of the base's texts, flat numpy arrays, the
index kept on disk between runs and a second process indexing meanwhile. It answers exactly
as :class:`bot.answering.index.MemoryIndex` does; only speed and memory differ."""

from __future__ import annotations

from bot.answering.scale.flat_index import FlatIndex, HeadStarter
from bot.answering.scale.index_cache import IndexCache
from knowledge.models import FactBase

__all__ = ["FlatIndex", "build_index"]


def build_index(base: FactBase, cache: IndexCache | None = None, worker: HeadStarter | None = None) -> FlatIndex:
    """The large-base index of ``base``: read back from ``cache`` if kept there, else built
    (with ``worker``'s part of it, if one was started) and kept."""
    return FlatIndex(base, cache, worker)

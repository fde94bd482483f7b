"""Process-wide collector tuning, done by the composition roots and by no library module.

Loading and indexing 100,000 facts makes tens of millions of objects and no reference
cycles. Left alone, the cyclic collector walks all of them again and again while they are
built (a third of the loading time), and afterwards every full collection walks them once
more, pausing answers for tens of milliseconds. So each process that builds a base (the
bot, a command, the index worker, a benchmark) does it inside :func:`long_lived_objects`.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def long_lived_objects() -> Iterator[None]:
    """No cyclic collection while long-lived data is built, and what was built kept out of
    later collections (``gc.freeze``): anything freed by reference counting is still freed,
    and the collector, switched back on if it was on, walks only what is made afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()

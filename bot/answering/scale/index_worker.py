"""A second process that indexes the last facts of a large base while this one loads it.

On a first start, loading (reading, validating, checking across facts) and indexing each
take seconds at 100,000 facts, one after the other, on one core. The worker is forked before
loading starts, while this process is still small: it validates only the fact files at the
end of the base, indexes them, and sends back an :class:`~bot.answering.scale.flat_index.IndexPart`. Meanwhile
this process loads the whole base, indexes the first facts itself, and takes the part over.

The worker reads the files on its own, so its part is used only if every file it read has the
SHA-256 and the number of facts this process loaded: a file changed between the two reads is
indexed here instead. Any failure of the worker (a crash, an error, no ``fork`` on this
platform) means this process indexes the worker's share too, as without it: logged, never
fatal. Bad data is the loader's to report, as ever.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np

from bot.answering.analysis import Lexicon
from bot.answering.scale.flat_index import IndexBuilder, IndexPart, cache_key_of
from bot.answering.scale.index_cache import IndexCache
from bot.heap import long_lived_objects
from knowledge.loader import data_digest, fact_file_paths, load_fact_base, read_fact_file, read_vocabulary
from knowledge.models import FactBase

_log = logging.getLogger(__name__)

#: Below this much fact data (about 5,000 facts) a second process costs more than it saves.
MIN_BYTES = 5_000_000
#: The share of the fact data the worker indexes. This process also validates everything and
#: checks across facts meanwhile, so the worker takes most of the indexing (measured with
#: ``aibot bench`` at 100,000 facts on 2 cores).
WORKER_SHARE = 0.65


@dataclass(frozen=True)
class _Share:
    """Where the worker starts: at fact file ``first_file``, after ``skip`` of its facts
    (a fraction of that file's facts, as the worker cannot count them before reading it)."""

    first_file: int
    skip: float

    def skipped(self, facts: int) -> int:
        """How many facts of the first file are left to the main process, of ``facts``."""
        return int(facts * self.skip)


@dataclass
class _Done:
    """What the worker sends back: the files it read, as (name, SHA-256, facts), and the index
    of their facts from its share of the first one on."""

    files: list[tuple[str, str, int]]
    part: IndexPart


#: The arrays of a part, sent as raw bytes after the rest: pickling them would hold a
#: second copy of tens of megabytes in each process.
_ARRAYS = ("doc_ids", "doc_bounds", "fact_ids", "fact_bounds", "fact_docs")


class IndexWorker:
    """One running worker; :meth:`take` its part once the base is loaded, or :meth:`cancel`."""

    def __init__(self, process: multiprocessing.process.BaseProcess, results: Connection, share: _Share) -> None:
        self._process = process
        self._results = results
        self._share = share
        #: the worker's peak resident memory, once its part is taken (for ``aibot bench``)
        self.peak_rss_mb: float | None = None

    @classmethod
    def start(
        cls, data_dir: Path, cache: IndexCache | None = None, *, min_bytes: int | None = None
    ) -> IndexWorker | None:
        """Start a worker on the end of ``data_dir``'s facts; None where one would not help:
        a small base, one core, or no ``fork`` (the worker must share this process's code and
        hash seed). A worker that finds the index of these files kept in ``cache`` stops at
        once, its digest of the files read."""
        if "fork" not in multiprocessing.get_all_start_methods() or _cores() < 2:
            return None
        share = _share_of(fact_file_paths(data_dir), MIN_BYTES if min_bytes is None else min_bytes)
        if share is None:
            return None
        context = multiprocessing.get_context("fork")
        results, sender = context.Pipe(duplex=False)
        process = context.Process(target=_work, args=(sender, data_dir, share, cache), name="aibot-index-worker",
                                  daemon=True)
        try:
            process.start()
        except OSError as exc:
            _log.warning("could not start an index worker (%s); indexing in this process", exc)
            return None
        finally:
            sender.close()  # the worker holds its own end: a worker that dies closes the pipe
        return cls(process, results, share)

    def first_fact(self, base: FactBase) -> int:
        """Where the worker's part starts in ``base.facts``: its share of the first file it
        reads is worked out from that file's count of facts, as the worker does."""
        files = base.fact_files
        if len(files) <= self._share.first_file:
            return len(base.facts)  # not the files the worker was given: take() will say so
        share = self._share
        return sum(f.facts for f in files[: share.first_file]) + share.skipped(files[share.first_file].facts)

    def take(self, base: FactBase) -> IndexPart | None:
        """Wait for the worker; its part (from :meth:`first_fact` on), or None if there is
        nothing usable (the worker found the index kept, failed, or read other files)."""
        try:
            done = _receive(self._results)
            peak_rss_mb = self._results.recv() if isinstance(done, _Done) else None
        except (EOFError, OSError):
            _log.warning("the index worker stopped without a result (exit code %s); indexing in this process",
                         self._process.exitcode)
            return None
        finally:
            self._close()
        if not isinstance(done, _Done):
            if done is not None:  # else the worker found the index kept: a restart
                _log.warning("the index worker failed (%s); indexing in this process", done)
            return None
        expected = [(f.name, f.sha256, f.facts) for f in base.fact_files[self._share.first_file :]]
        if done.files != expected or self.first_fact(base) + done.part.facts != len(base.facts):
            _log.warning("fact files changed while they were being indexed; indexing them in this process")
            return None
        self.peak_rss_mb = peak_rss_mb
        return done.part

    def cancel(self) -> None:
        """Stop the worker, if it is still running; its work is not needed."""
        if self._process.is_alive():
            self._process.kill()
        self._close()

    def _close(self) -> None:
        self._results.close()
        self._process.join()


def _cores() -> int:
    """The cores this process may run on (all of them where the platform cannot say)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def load_with_worker(
    data_dir: Path, cache: IndexCache | None, *, min_bytes: int | None = None
) -> tuple[FactBase, IndexWorker | None]:
    """Load ``data_dir`` as :func:`~knowledge.loader.load_fact_base` does, with a worker
    indexing the end of it meanwhile (if one helps) to hand to :func:`~bot.answering.scale.build_index`."""
    worker = IndexWorker.start(data_dir, cache, min_bytes=min_bytes)
    try:
        return load_fact_base(data_dir), worker
    except BaseException:
        if worker is not None:
            worker.cancel()
        raise


def _share_of(paths: list[Path], min_bytes: int) -> _Share | None:
    """The worker's share: the last :data:`WORKER_SHARE` of the fact data, by bytes."""
    try:
        sizes = [path.stat().st_size for path in paths]
    except OSError:
        return None  # the loader will say what is wrong
    total = sum(sizes)
    if total < max(min_bytes, 1):
        return None
    start = total * (1 - WORKER_SHARE)  # the byte where the worker's share starts
    before = 0
    for number, size in enumerate(sizes):
        if before + size > start:
            return _Share(number, (start - before) / size)
        before += size
    return None


def _work(results: Connection, data_dir: Path, share: _Share, cache: IndexCache | None) -> None:
    """The worker's whole life: send a :class:`_Done` and its peak RSS in MB, None if nothing
    needs doing, or what went wrong."""
    # The bot's own signal handling is not the worker's: asyncio's handler would only pass
    # a SIGTERM on to the bot's event loop, through a socket the two share, and leave the
    # worker running. SIGTERM ends it; Ctrl-C is the bot's to handle (it stops the worker).
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    done: _Done | str | None
    try:
        done = _index_share(data_dir, share, cache)
    except Exception as exc:  # bad data is the loader's to report; anything else, the bot logs
        done = f"{type(exc).__name__}: {exc}"
    try:
        _send(results, done)
        if isinstance(done, _Done):
            import resource  # Unix only, as fork is

            results.send(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    finally:
        results.close()


def _send(results: Connection, done: _Done | str | None) -> None:
    if not isinstance(done, _Done):
        results.send(done)
        return
    part = done.part
    arrays = [getattr(part, name) for name in _ARRAYS]
    results.send((done.files, part.term_names, part.words, [(a.dtype.str, len(a)) for a in arrays]))
    for array in arrays:
        results.send_bytes(memoryview(array).cast("B"))


def _receive(results: Connection) -> _Done | str | None:
    head = results.recv()
    if head is None or isinstance(head, str):
        return head
    files, term_names, words, shapes = head
    arrays = {name: np.frombuffer(results.recv_bytes(), dtype=dtype, count=length)
              for name, (dtype, length) in zip(_ARRAYS, shapes, strict=True)}
    return _Done(files, IndexPart(**arrays, term_names=term_names, words=words))


def _index_share(data_dir: Path, share: _Share, cache: IndexCache | None) -> _Done | None:
    if cache is not None:
        digest = data_digest(data_dir)
        key = cache_key_of(digest) if digest is not None else None
        if key is not None and cache.has(key):
            return None  # a restart: the main process reads the index back
    with long_lived_objects():
        entities, concepts = read_vocabulary(data_dir)
        builder = IndexBuilder(Lexicon.build(entities, concepts))
        files = []
        for number, path in enumerate(fact_file_paths(data_dir)[share.first_file :]):
            facts, sha256 = read_fact_file(path)
            files.append((path.name, sha256, len(facts)))
            builder.read(facts[share.skipped(len(facts)) :] if number == 0 else facts)
            del facts
        return _Done(files, builder.part())

"""The fact index kept on disk between runs, so a restart with unchanged data skips indexing.

An entry is a folder of ``.npy`` files, one per named array (numpy's own format, read with
``allow_pickle=False``: loading an entry runs no code), named by a key that covers
everything the index is made from: the fact base's files and the code that reads them. A new
key means a rebuild, never a stale answer. An entry is written in a temporary folder and
renamed into place, so no process ever sees half of one; a missing, unreadable or damaged
entry is logged and the index is built again.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from bot.settings import Settings

_log = logging.getLogger(__name__)

#: Entries kept in one folder: the current one and a few others (a second knowledge
#: folder on the same machine, a rollback), the least recently used removed first.
KEEP = 3
_COMPLETE = "complete"  # written last: an entry without it was never finished

Arrays = dict[str, np.ndarray[Any, Any]]


class IndexCache:
    """Index entries in one folder (by default ``$AIBOT_DATA_DIR/index``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, key: str) -> Path:
        return self.folder / key

    def has(self, key: str) -> bool:
        """Whether a finished entry is kept under ``key`` (it may still prove unreadable)."""
        return (self.path(key) / _COMPLETE).is_file()

    def load(self, key: str) -> Arrays | None:
        """The arrays saved under ``key``, or None (never saved, or unreadable: logged)."""
        entry = self.path(key)
        if not self.has(key):
            return None
        try:
            arrays = {path.stem: np.load(path, allow_pickle=False) for path in sorted(entry.glob("*.npy"))}
        except (OSError, ValueError, EOFError) as exc:
            _log.warning("index cache entry %s is unreadable (%s); indexing again", entry.name, exc)
            return None
        with contextlib.suppress(OSError):  # a read-only folder is still a good cache
            os.utime(entry / _COMPLETE)  # recently used entries are the ones kept
        return arrays

    def save(self, key: str, arrays: Arrays) -> None:
        """Keep ``arrays`` under ``key``; a folder that cannot be written is logged, not fatal."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            writing = Path(tempfile.mkdtemp(dir=self.folder, prefix=".writing-"))
            try:
                for name, array in arrays.items():
                    np.save(writing / f"{name}.npy", array, allow_pickle=False)
                (writing / _COMPLETE).touch()
                target = self.path(key)
                shutil.rmtree(target, ignore_errors=True)  # a damaged entry under this key
                try:
                    os.replace(writing, target)
                except OSError:
                    if not (target / _COMPLETE).is_file():
                        raise  # else another process has just written the same entry
            finally:
                shutil.rmtree(writing, ignore_errors=True)
        except OSError as exc:
            _log.warning("could not keep the index in %s (%s); it will be built again next start",
                         self.folder, exc)
            return
        self._prune()

    def _prune(self) -> None:
        entries = [path for path in self.folder.iterdir() if not path.name.startswith(".")]
        entries.sort(key=lambda path: (_used(path), path.name), reverse=True)
        for old in entries[KEEP:]:
            shutil.rmtree(old, ignore_errors=True)


def index_cache(settings: Settings) -> IndexCache:
    """Where the bot keeps its indexes: ``index`` in its data folder."""
    return IndexCache(settings.data_dir / "index")


def _used(entry: Path) -> int:
    try:
        return (entry / _COMPLETE).stat().st_mtime_ns
    except OSError:
        return 0

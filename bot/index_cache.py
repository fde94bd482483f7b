"""The fact index kept on disk between runs, so a restart with unchanged data skips indexing.

An entry is a set of named numpy arrays in one ``.npz`` file (no pickle: loading one runs no
code), named by a key that covers everything the index is made from: the fact base's files
and the code that reads them. A new key means a rebuild, never a stale answer. Entries are
written to a temporary file and renamed, so two processes never see half an entry; a
missing, unreadable or damaged entry is logged and the index is built again.
"""

from __future__ import annotations

import logging
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from bot.settings import Settings

_log = logging.getLogger(__name__)

#: Entries kept in one folder: the current one and a few others (a second knowledge
#: folder on the same machine, a rollback), the oldest removed first.
KEEP = 3

Arrays = dict[str, np.ndarray[Any, Any]]


class IndexCache:
    """Index entries in one folder (by default ``$AIBOT_DATA_DIR/index``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.npz"

    def load(self, key: str) -> Arrays | None:
        """The arrays saved under ``key``, or None (never saved, or unreadable: logged)."""
        path = self.path(key)
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as entry:
                arrays = {name: entry[name] for name in entry.files}
            os.utime(path)  # recently used entries are the ones kept
            return arrays
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            _log.warning("index cache %s is unreadable (%s); indexing again", path.name, exc)
            return None

    def save(self, key: str, arrays: Arrays) -> None:
        """Keep ``arrays`` under ``key``; a folder that cannot be written is logged, not fatal."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".writing-", suffix=".npz")
            try:
                with os.fdopen(handle, "wb") as out:
                    np.savez(out, allow_pickle=False, **arrays)
                os.replace(temporary, self.path(key))
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as exc:
            _log.warning("could not keep the index in %s (%s); it will be built again next start",
                         self.folder, exc)
            return
        self._prune()

    def _prune(self) -> None:
        entries = sorted(self.folder.glob("*.npz"), key=lambda path: (_modified(path), path.name), reverse=True)
        for old in entries[KEEP:]:
            old.unlink(missing_ok=True)


def index_cache(settings: Settings) -> IndexCache:
    """Where the bot keeps its indexes: ``index`` in its data folder."""
    return IndexCache(settings.data_dir / "index")


def _modified(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0

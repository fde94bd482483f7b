"""A knowledge folder an admin owns: the shipped base copied out of the install.

After a plain ``pip install .`` the shipped base lives in site-packages, where an edit is
lost at the next install and, worse, an edit to the clone changes nothing. ``aibot
knowledge init DIR`` copies it into a folder of the admin's own, and ``AIBOT_KNOWLEDGE_DIR``
points every command and the running bot at it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from knowledge.errors import AibotError
from knowledge.loader import DEFAULT_DATA_DIR

#: What a knowledge folder holds: the loader reads the first two and ``facts/``,
#: ``aibot knowledge coverage`` reads ``sources/`` and ``skipped.yaml``. The chat wordings
#: and word lists stay with the code: they are not facts.
BASE_FILES = ("entities.yaml", "lexicon.yaml", "skipped.yaml")
BASE_FOLDERS = ("facts", "sources")
SETTING = "AIBOT_KNOWLEDGE_DIR"


class FolderError(AibotError):
    """A knowledge folder cannot be made or written where asked; the message says why."""


def init_knowledge_dir(target: Path, source: Path = DEFAULT_DATA_DIR) -> list[Path]:
    """Copy the base in ``source`` into ``target`` (made if missing, refused if it holds
    anything: an admin's edits are never overwritten); return what was written."""
    if target.exists() and not target.is_dir():
        raise FolderError(f"{target} exists and is not a folder")
    if target.is_dir() and any(target.iterdir()):
        raise FolderError(f"{target} is not empty: give a new or empty folder (nothing was copied)")
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name in BASE_FILES:
        if (source / name).is_file():
            written.append(Path(shutil.copyfile(source / name, target / name)))
    for name in BASE_FOLDERS:
        shutil.copytree(source / name, target / name, dirs_exist_ok=True)
        written.append(target / name)
    return written


def is_inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` is ``folder`` or anywhere under it, symbolic links followed."""
    resolved, parent = path.resolve(), folder.resolve()
    return resolved == parent or parent in resolved.parents

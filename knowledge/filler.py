"""The chat filler list (data/filler.yaml): words that say nothing about what is asked."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

#: The shipped list; the matcher's index is keyed on this file's bytes too.
FILLER_PATH = Path(__file__).parent / "data" / "filler.yaml"


@cache
def filler_words() -> frozenset[str]:
    """Every filler word of both languages, lower case (a phrase's words count one by one:
    each says nothing on its own either)."""
    loaded = yaml.safe_load(FILLER_PATH.read_text(encoding="utf-8")) or {}
    found: set[str] = set()
    for lang in ("en", "fr"):
        for entry in loaded.get(lang) or ():
            found.update(str(entry).lower().replace("'", " ").split())
    return frozenset(found)

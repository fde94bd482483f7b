"""The ordinary-words list (data/ordinary_words.yaml): words the dictionaries lack that are
no name, so that a question using one is not told "I have no facts about roadmap"."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

ORDINARY_WORDS_PATH = Path(__file__).parent / "data" / "ordinary_words.yaml"


@cache
def extra_ordinary_words() -> frozenset[str]:
    """Every word of the list, both languages, lower case as written (the caller folds)."""
    loaded = yaml.safe_load(ORDINARY_WORDS_PATH.read_text(encoding="utf-8")) or {}
    return frozenset(str(entry).lower() for lang in ("en", "fr") for entry in loaded.get(lang) or ())

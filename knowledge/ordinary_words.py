"""The ordinary words of English and French, as shipped data: a question's word that the
fact base never uses and that is none of these is taken for a name the bot does not know.

- ``data/words.txt.gz``: pyspellchecker's English and French word lists, accents folded,
  one word a line, made by ``python benchmarks/word_list.py`` (never edited by hand).
  Shipped ready rather than read from pyspellchecker at run time: reading its lists takes a
  third of a second and 55 MB at peak; this file is read in 40 ms into 0.6 MB of hashes.
- ``data/ordinary_words.yaml``: words those lists lack ("roadmap", "bitcoin"), by hand.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

import yaml

WORD_LIST_PATH = Path(__file__).parent / "data" / "words.txt.gz"
ORDINARY_WORDS_PATH = Path(__file__).parent / "data" / "ordinary_words.yaml"


def word_list() -> list[str]:
    """The shipped word list's lines (its first line says where it came from)."""
    return gzip.decompress(WORD_LIST_PATH.read_bytes()).decode("utf-8").splitlines()


@cache
def extra_ordinary_words() -> frozenset[str]:
    """Every word of the hand-kept list, both languages, lower case as written (the caller folds)."""
    loaded = yaml.safe_load(ORDINARY_WORDS_PATH.read_text(encoding="utf-8")) or {}
    return frozenset(str(entry).lower() for lang in ("en", "fr") for entry in loaded.get(lang) or ())

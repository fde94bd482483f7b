"""Make knowledge/data/words.txt.gz, the English and French words that tell an unknown name
from an ordinary word (bot/answering/dictionary.py), from pyspellchecker's lists.

    python benchmarks/word_list.py           # write the file again
    python benchmarks/word_list.py --check   # exit 1 if the shipped file is not what it gives

The words are folded as questions are (lower case, no accents) and kept when the lists saw
them at least ``MIN_FREQUENCY`` times: the lists' rarest entries are mostly proper nouns.
"""

from __future__ import annotations

import argparse
import gzip
import sys
from importlib.metadata import version

from spellchecker import SpellChecker  # a development dependency

from bot.answering.dictionary import MIN_FREQUENCY
from bot.language import fold
from knowledge.ordinary_words import WORD_LIST_PATH, word_list


def built_word_list() -> list[str]:
    """A header naming where the words came from, then the folded words, sorted."""
    found: set[str] = set()
    for lang in ("en", "fr"):
        frequencies = SpellChecker(language=lang, distance=1).word_frequency.dictionary
        found.update(fold(word) for word, count in frequencies.items() if count >= MIN_FREQUENCY)
    words = sorted(word for word in found if word.isalpha())
    return [f"# pyspellchecker {version('pyspellchecker')}, en and fr, entries seen {MIN_FREQUENCY}+ times", *words]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped file instead of writing it")
    lines = built_word_list()
    if parser.parse_args().check:
        same = lines == word_list()
        print("the shipped word list is what pyspellchecker gives" if same else
              f"the shipped word list differs from pyspellchecker's ({word_list()[0]} against {lines[0]})")
        return 0 if same else 1
    WORD_LIST_PATH.write_bytes(gzip.compress("\n".join(lines).encode("utf-8") + b"\n", mtime=0))
    print(f"wrote {len(lines) - 1} words to {WORD_LIST_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The shipped word list that tells an unknown name from an ordinary word."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

from bot.answering import dictionary
from knowledge.ordinary_words import word_list

ROOT = Path(__file__).resolve().parent.parent


def test_the_list_holds_words_of_both_languages_and_not_the_rare_names() -> None:
    assert all(map(dictionary.is_ordinary, ["summarize", "weather", "raconte", "participe", "fourchette", "roadmap"]))
    assert not any(map(dictionary.is_ordinary, ["samsung", "huawei", "nvidia", "deepseek"]))
    assert dictionary.is_ordinary("smartphones") and not dictionary.is_ordinary("samsungs")


def test_one_edit_from_a_word_is_a_typo_not_a_name() -> None:
    assert dictionary.near_ordinary("yeer") and dictionary.near_ordinary("wether")
    assert not dictionary.near_ordinary("samsung") and not dictionary.near_ordinary("nvidia")


def test_the_shipped_list_is_what_pyspellchecker_gives() -> None:
    """The file is made by write_word_list, never by hand: made again, it is the same."""
    header = word_list()[0]
    try:
        installed = version("pyspellchecker")
    except PackageNotFoundError:
        pytest.skip("pyspellchecker (a development dependency) is not installed")
    if f"pyspellchecker {installed}," not in header:
        pytest.skip(f"the list was made with another pyspellchecker ({header}); installed: {installed}")
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "word_list.py"), "--check"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr

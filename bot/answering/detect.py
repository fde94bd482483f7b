"""Which language a question is in: English or French, the bot's two."""

from __future__ import annotations

from bot.answering.analysis import Lexicon
from bot.language import Lang
from bot.language import detect_language as detect_by_markers


def detect_language(text: str, lexicon: Lexicon | None = None) -> Lang:
    """English or French; English when unsure."""
    return detect_by_markers(text)

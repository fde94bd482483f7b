"""Answering a question from a fact base, as one stated model.

- :mod:`~bot.answering.analysis`: a text into terms (entities, concepts, numbers, words),
  typos corrected against the base's vocabulary, chat filler neutral;
- :mod:`~bot.answering.detect`: English or French;
- :mod:`~bot.answering.index`: the index interface and the in-memory index;
- :mod:`~bot.answering.policy`: thresholds, margins, bonuses and the named gates;
- :mod:`~bot.answering.engine`: the steps in order, and the reply;
- :mod:`bot.answering.scale`: the 100,000-fact machinery, imported only when asked for.
"""

from __future__ import annotations

from bot.answering.analysis import Analysis
from bot.answering.engine import AnswerEngine
from bot.answering.models import Answer, Question, SourceRef, UnansweredLog
from bot.answering.policy import AnswerPolicy

__all__ = ["Analysis", "Answer", "AnswerEngine", "AnswerPolicy", "Question", "SourceRef", "UnansweredLog"]

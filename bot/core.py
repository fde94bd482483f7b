"""The engine's old address, kept while other branches move to :mod:`bot.answering`."""

from __future__ import annotations

from bot.answering import Analysis, Answer, AnswerEngine, AnswerPolicy, Question, SourceRef, UnansweredLog

__all__ = ["Analysis", "Answer", "AnswerEngine", "AnswerPolicy", "Question", "SourceRef", "UnansweredLog"]

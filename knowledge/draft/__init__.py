"""Draft facts from a new article for a person to review (``aibot knowledge draft``)."""

from __future__ import annotations

from knowledge.draft.drafting import Draft, DraftSource, draft_article, write_draft
from knowledge.draft.reading import Article, DraftLimits, DraftTooLarge, read_article
from knowledge.draft.recovery import Recovery, recovery

__all__ = ["Article", "Draft", "DraftLimits", "DraftSource", "DraftTooLarge", "Recovery", "draft_article",
           "read_article", "recovery", "write_draft"]

"""An article as text: plain text, Markdown, or HTML (through trafilatura), with what it
says about itself (title, date, publisher) and its language."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge.models import Lang

_HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
_MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
#: A date line at the top of a plain-text dispatch, as in the shipped one ("date 2025-01").
_DATE_LINE = re.compile(r"^\s*date\s+(?P<date>\d{4}-\d{2}(?:-\d{2})?)\b", re.IGNORECASE)
_FRENCH_WORDS = frozenset("le la les des du une est et dans pour sur avec qui que qu au aux ses son cette été sont "
                          "prévoit milliards dollars".split())
_ENGLISH_WORDS = frozenset("the a of and in to is for on with that this by will has its are was from plans "
                           "billion dollars".split())


@dataclass(frozen=True, slots=True)
class Article:
    """The article's text (what facts will quote) and what it says about itself."""

    text: str
    lang: Lang
    title: str | None = None
    date: str | None = None
    publisher: str | None = None


def read_article(path: Path, *, lang: Lang | None = None) -> Article:
    """Read ``path`` as HTML, Markdown or plain text, chosen by its suffix (or a leading ``<``)."""
    raw = path.read_text(encoding="utf-8")
    if path.suffix.lower() in _HTML_SUFFIXES or raw.lstrip().startswith("<"):
        return _from_html(raw, lang)
    if path.suffix.lower() in _MARKDOWN_SUFFIXES:
        return _from_markdown(raw, lang)
    date = _DATE_LINE.match(raw)
    return Article(text=raw, lang=lang or detect_language(raw), date=date.group("date") if date else None)


def detect_language(text: str) -> Lang:
    """French or English, by which language's commonest words the text uses more."""
    words = re.findall(r"[a-zàâçéèêëîïôûùüÿœ]+", text.lower())
    french = sum(word in _FRENCH_WORDS for word in words)
    english = sum(word in _ENGLISH_WORDS for word in words)
    return "fr" if french > english else "en"


def _from_html(html: str, lang: Lang | None) -> Article:
    import trafilatura  # imported here: only drafting from HTML needs it, and it loads lxml

    extracted = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, include_tables=False)
    found: dict[str, Any] = (extracted if isinstance(extracted, dict) else extracted.as_dict()) if extracted else {}
    text = found.get("text") or ""
    if not text.strip():
        raise ValueError("no article text found in the HTML")
    title = found.get("title") or None
    if title and text.startswith(title + "\n"):  # the headline is the title, not a sentence to draft from
        text = text[len(title) + 1:]
    return Article(text=text.strip() + "\n", lang=lang or detect_language(text), title=title,
                   date=found.get("date") or None, publisher=found.get("sitename") or None)


def _from_markdown(markdown: str, lang: Lang | None) -> Article:
    title = None
    lines = []
    for line in markdown.splitlines():
        heading = re.match(r"^\s*#+\s+(.*)$", line)
        if heading:
            title = title or heading.group(1).strip()
            continue
        line = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", line)  # images
        line = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", line)  # links keep their text
        line = re.sub(r"(\*\*|__|\*|`)", "", line)
        line = re.sub(r"^\s*(?:[-+*]|\d+\.)\s+", "", line)
        lines.append(line)
    text = "\n".join(lines).strip() + "\n"
    date = _DATE_LINE.match(text)
    return Article(text=text, lang=lang or detect_language(text), title=title,
                   date=date.group("date") if date else None)

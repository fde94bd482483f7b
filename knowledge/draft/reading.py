"""An article as text: plain text, Markdown, or HTML (through trafilatura), with what it
says about itself (title, date, publisher) and its language.

Wire copy opens with a dateline, "SAN FRANCISCO, March 3, 2026 (Reuters) -" or "PARIS,
12 février 2026 (AFP) -": its date and agency are the article's unless told otherwise, and
its place is where the story was filed, not who it is about.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from knowledge.draft.entities import entity_id
from knowledge.loader import FileTooLarge, NotRegularFile, ReadLimits, read_knowledge_file
from knowledge.models import Lang


@dataclass(frozen=True, slots=True)
class DraftLimits:
    """What drafting one article may cost: drafting is about 10 s and 150 MB a MB of text,
    and an article is a few to a few hundred KB, so anything much larger is a mistake."""

    #: Bytes of the file read: a page's HTML, with its scripts and menus, may be a few MB.
    max_article_bytes: int = 2 * 1024 * 1024
    #: Characters of article text drafted from: a long feature is under 60,000; 300,000 take
    #: about 8 s and a 110 MB process peak to draft and write (a 1 MB one took 20 s and 230 MB).
    max_text_chars: int = 300_000
    #: Seconds drafting may run before it stops and says so.
    max_seconds: float = 60.0


class DraftTooLarge(ValueError):
    """The article is over :class:`DraftLimits`; the message says which limit and how to go on."""


_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12, "jan": 1, "feb": 2, "mar": 3, "apr": 4,
    "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12, "decembre": 12,
}
#: A place's words ("SAN FRANCISCO", "SAINT-DENIS", "CLERMONT-FERRAND"): no separator is also
#: a word character, so a long run of "A-A-A-..." cannot be split in exponentially many ways.
_PLACE_WORDS = r"[A-ZÀ-Þ][\w'’.]*(?:[ -](?:[A-ZÀ-Þ][\w'’.]*|de|du|la|les|sur|upon|on))*"
#: "CITY[, REGION], Month D, YYYY (Agency) -" and "VILLE, D mois YYYY (AFP) -"; the year may be left out.
_DATELINE = re.compile(
    rf"^[ \t]*(?P<place>{_PLACE_WORDS}),(?:[ \t]*(?P<region>{_PLACE_WORDS}),)?[ \t]+"
    r"(?:(?P<month>[A-Za-z]{3,9})\.?[ \t]+(?P<day>\d{1,2})|(?P<day_fr>\d{1,2}|1er)[ \t]+(?P<month_fr>[a-zéû]{3,9}))"
    r"(?:,?[ \t]+(?P<year>(?:19|20)\d\d))?[ \t]*\((?P<agency>[^()\n]{2,40})\)[ \t]*[-–—]+[ \t]*",
    re.MULTILINE)
#: How far into an article a dateline is looked for (after a headline and a byline at most).
_DATELINE_WITHIN = 1500


@dataclass(frozen=True, slots=True)
class Dateline:
    """A wire dateline: where it was filed, when, by which agency, and where it ends in the text."""

    place: str
    region: str | None
    date: str | None
    agency: str
    start: int
    end: int


def read_dateline(text: str, *, anywhere_before: int = _DATELINE_WITHIN) -> Dateline | None:
    """The first dateline opening a line in the first characters of ``text``, if any."""
    for match in _DATELINE.finditer(text, 0, min(len(text), anywhere_before + 200)):
        if match.start() > anywhere_before:
            break
        month_word = (match.group("month") or match.group("month_fr") or "").lower()
        month = _MONTHS.get(month_word)
        if month is None:
            continue
        day = int((match.group("day") or match.group("day_fr") or "1").removesuffix("er"))
        year = match.group("year")
        date = f"{year}-{month:02d}-{day:02d}" if year and 1 <= day <= 31 else None
        return Dateline(match.group("place").strip(), (match.group("region") or "").strip() or None, date,
                        match.group("agency").strip(), match.start("place"), match.end())
    return None


def strip_dateline(sentence: str) -> str:
    """``sentence`` without the dateline opening it ("PARIS, 12 février 2026 (AFP) - ")."""
    dateline = read_dateline(sentence, anywhere_before=0)
    return sentence[dateline.end:] if dateline is not None else sentence


def article_source_id(path: Path) -> str:
    """A source id from a file name, one per name: the name itself when it is already an id
    ("reuters-2026-03"), else its id-safe form with a short hash of the name, so that
    "Meta (1).txt" and "meta-1.txt" do not share a draft folder."""
    slug = entity_id(path.stem)
    if slug == path.stem:
        return slug
    return f"{slug}-{hashlib.sha256(path.stem.encode()).hexdigest()[:6]}"

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
    dateline: Dateline | None = None
    #: the headline as it stands in ``text`` (a plain-text article's first line), drafted as no fact
    headline: str | None = None
    #: what a person should know about how the article was read (the extractor lost text)
    warnings: tuple[str, ...] = ()


def read_article(path: Path, *, lang: Lang | None = None, limits: DraftLimits | None = None) -> Article:
    """Read ``path`` as HTML, Markdown or plain text, chosen by its suffix (or a leading ``<``);
    :class:`DraftTooLarge` over the size limit, ValueError if it cannot be read as text."""
    limits = limits or DraftLimits()
    try:
        raw = read_knowledge_file(path, ReadLimits(max_file_bytes=limits.max_article_bytes)).decode("utf-8")
    except FileTooLarge as exc:
        raise DraftTooLarge(f"larger than {limits.max_article_bytes:,} bytes, the most one draft reads; "
                            "split it, or keep only the article's own text") from exc
    except NotRegularFile as exc:
        raise ValueError("not a regular file (a pipe, socket or device)") from exc
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    if path.suffix.lower() in _HTML_SUFFIXES or raw.lstrip().startswith("<"):
        article = _from_html(raw, lang)
    elif path.suffix.lower() in _MARKDOWN_SUFFIXES:
        article = _from_markdown(raw, lang)
    else:
        date = _DATE_LINE.match(raw)
        article = Article(text=raw, lang=lang or detect_language(raw), title=_headline(raw), headline=_headline(raw),
                          date=date.group("date") if date else None)
    if len(article.text) > limits.max_text_chars:
        raise DraftTooLarge(f"{len(article.text):,} characters of text, more than the {limits.max_text_chars:,} "
                            "one draft reads; split it, or keep only the article's own text")
    return _with_dateline(article)


def _with_dateline(article: Article) -> Article:
    """The dateline's date and agency where the article gave none."""
    dateline = read_dateline(article.text)
    if dateline is None:
        return article
    return Article(text=article.text, lang=article.lang, title=article.title,
                   date=article.date or dateline.date, publisher=article.publisher or dateline.agency,
                   dateline=dateline, headline=article.headline, warnings=article.warnings)


def _headline(text: str) -> str | None:
    """A plain-text article's first line when it reads as a headline: short, no closing
    full stop, and followed by a blank line or a dateline."""
    lines = text.lstrip("\n").split("\n", 2)
    if len(lines) < 2:
        return None
    first = lines[0].strip()
    follows_blank = not lines[1].strip()
    if not first or len(first.split()) > 25 or first[-1] in ".!?…:;" or _DATE_LINE.match(first):
        return None
    if follows_blank or read_dateline(lines[1], anywhere_before=0) is not None:
        return first
    return None


def detect_language(text: str) -> Lang:
    """French or English, by which language's commonest words the text uses more."""
    words = re.findall(r"[a-zàâçéèêëîïôûùüÿœ]+", text.lower())
    french = sum(word in _FRENCH_WORDS for word in words)
    english = sum(word in _ENGLISH_WORDS for word in words)
    return "fr" if french > english else "en"


#: A page title's last part that names its publisher: "Amazon to spend $100bn | Reuters".
_TITLE_PUBLISHER = re.compile(r"^(?P<title>.+?)\s+[|–—-]\s+(?P<publisher>[^|–—-]{2,40})$")
#: The extractor is said to have lost the body when it keeps less than this share of the
#: page's words (a page's menus and footers are rarely more than half its words).
_KEPT_AT_LEAST = 0.25
#: ... of a page with at least this many words (a short page's share says little).
_PAGE_WORDS = 80


def _from_html(html: str, lang: Lang | None) -> Article:
    import trafilatura  # imported here: only drafting from HTML needs it, and it loads lxml

    extracted = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, include_tables=False)
    found: dict[str, Any] = (extracted if isinstance(extracted, dict) else extracted.as_dict()) if extracted else {}
    text = found.get("text") or ""
    page = _page_text(html)
    page_words, kept_words = len(page.split()), len(text.split())
    warnings: list[str] = []
    if page_words >= _PAGE_WORDS and kept_words < _KEPT_AT_LEAST * page_words:
        warnings.append(f"the HTML extractor kept {kept_words} of the page's {page_words} words (a page nested "
                        "too deep, or an unusual layout); the page's whole text was drafted from instead: "
                        "check the draft's source document")
        text = page
    if not text.strip():
        raise ValueError("no article text found in the HTML")
    title = found.get("title") or None
    sitename = found.get("sitename") or None
    publisher = sitename if sitename and sitename != title else None  # trafilatura falls back on the title
    page_title = _page_title(html)
    named = _TITLE_PUBLISHER.match(page_title) if page_title else None
    if named is not None and len(named.group("publisher").split()) <= 4:
        publisher = publisher or named.group("publisher").strip()
        title = title or named.group("title").strip()
    for headline in (found.get("title"), title):
        if headline and text.startswith(headline + "\n"):  # the headline is no sentence to draft from
            text = text[len(headline) + 1:]
    return Article(text=text.strip() + "\n", lang=lang or detect_language(text), title=title,
                   date=found.get("date") or None, publisher=publisher, warnings=tuple(warnings))


_TITLE_TAG = re.compile(r"<title[^>]*>(?P<title>[^<]{1,500})</title>", re.IGNORECASE)


def _page_title(html: str) -> str | None:
    """The page's <title> as written, with the site's name trafilatura drops from it."""
    import html as entities

    found = _TITLE_TAG.search(html, 0, 65536)
    return " ".join(entities.unescape(found.group("title")).split()) if found else None


class _PageText(HTMLParser):
    """Every text of a page outside scripts, styles and the head, a block a line: the
    stdlib tokenizer keeps no tree, so no depth of nesting loses anything."""

    _HIDDEN = frozenset({"script", "style", "head", "title", "noscript", "template"})
    _BLOCKS = frozenset({"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "article", "section",
                         "header", "footer", "tr", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self._hidden += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _page_text(html: str) -> str:
    parser = _PageText()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


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

"""Which sentences of the source documents no fact quotes.

A fact base built from an article should say everything the article says, or say why not:
a sentence that no quote covers is either a fact still to write or something deliberately
left out (a dateline, a photo credit), and the latter is written down in ``skipped.yaml``
with its reason::

    skipped:
      - {document: 000_24d7d52e14e62c78.txt, text: "( AFP / Drew ANGERER )", reason: photo credit}

Quotes and skipped texts are both excerpts of a document; a sentence is covered when each
of its letters and digits lies inside a quote, and skipped when the rest lies inside
skipped texts. Excerpts are found as the loader finds quotes: as written, or with every run
of spaces and line breaks made one space.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import TypeAdapter, ValidationError

from knowledge.errors import Problem
from knowledge.loader import _Locator, read_knowledge_file
from knowledge.models import NEEDS_HUMAN, FactBase, SkippedText

SKIPPED_FILE = "skipped.yaml"
#: Files in ``sources/`` that are documents facts can quote (not metadata next to them).
DOCUMENT_SUFFIXES = frozenset({".txt", ".md", ".html", ".htm"})

_SKIPPED = TypeAdapter(list[SkippedText])
#: A sentence ends at ".", "!", "?" or "…" (possibly followed by closing quotes or brackets)
#: when blank space and then an opening quote, bracket, capital or digit follow; a line
#: break always ends one (the documents are one paragraph a line).
_SENTENCE_END = re.compile(r"""(?<=[.!?…])(["»”')\]]*)\s+(?=["«“(\[A-ZÀ-ÖØ-Þ0-9])|\n\s*""")


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of a document: its text and where it stands (1-based line, character span)."""

    text: str
    line: int
    start: int
    end: int


@dataclass(slots=True)
class SentenceCoverage:
    """One sentence and what covers it: the facts whose quotes overlap it, the skip reasons."""

    sentence: Sentence
    fact_ids: list[str] = field(default_factory=list)
    skip_reasons: list[str] = field(default_factory=list)
    uncovered: str = ""  # the letters and digits no quote or skipped text covers, as runs

    @property
    def status(self) -> str:
        if self.uncovered:
            return "partly quoted" if self.fact_ids else "uncovered"
        return "skipped" if self.skip_reasons else "quoted"


@dataclass(slots=True)
class DocumentCoverage:
    """Every sentence of one source document with what covers it."""

    document: str
    sentences: list[SentenceCoverage]

    @property
    def uncovered(self) -> list[SentenceCoverage]:
        return [s for s in self.sentences if s.uncovered]

    def count(self, status: str) -> int:
        return sum(s.status == status for s in self.sentences)


def split_sentences(text: str) -> list[Sentence]:
    """The sentences of a text, trimmed of blank space, with their spans in it."""
    sentences: list[Sentence] = []
    start = 0
    line, counted_to = 1, 0  # lines counted as we go: counting from the top each time is quadratic
    for match in [*_SENTENCE_END.finditer(text), None]:
        # closing quotes and brackets belong to the sentence they close
        end = len(text) if match is None else match.start() + len(match.group(1) or "")
        piece = text[start:end]
        stripped = piece.strip()
        if stripped:
            first = start + len(piece) - len(piece.lstrip())
            line += text.count("\n", counted_to, first)
            counted_to = first
            sentences.append(Sentence(stripped, line, first, first + len(stripped)))
        start = len(text) if match is None else match.end()
    return sentences


def find_excerpt(text: str, excerpt: str) -> list[tuple[int, int]]:
    """Every span of ``text`` where ``excerpt`` occurs, as written or with blank runs as one space."""
    spans = [(m.start(), m.start() + len(excerpt)) for m in re.finditer(re.escape(excerpt), text)] if excerpt else []
    if spans:
        return spans
    words = excerpt.split()
    if not words:
        return []
    loose = re.compile(r"\s+".join(map(re.escape, words)))
    return [(m.start(), m.end()) for m in loose.finditer(text)]


def read_skipped(data_dir: Path) -> tuple[list[SkippedText], list[Problem]]:
    """The skipped texts of a data directory (none if it has no ``skipped.yaml``), and any
    problem with them: a malformed entry, an unknown document, a text not in its document."""
    path = data_dir / SKIPPED_FILE
    if not path.is_file():
        return [], []
    try:  # bounded like every knowledge file: a regular file under the size limit
        raw = yaml.load(read_knowledge_file(path).decode("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return [], [Problem(path, _line_of(exc), None, "syntax", " ".join(str(exc).split()))]
    if not isinstance(raw, dict) or not isinstance(raw.get("skipped"), list):
        return [], [Problem(path, 1, None, "skipped", "expected a mapping with a 'skipped' list")]
    try:
        skipped = _SKIPPED.validate_python(raw["skipped"])
    except ValidationError as exc:
        return [], [Problem(path, 0, None, ".".join(map(str, error["loc"])), error["msg"]) for error in exc.errors()]
    problems = []
    locate = _Locator(path)
    for index, entry in enumerate(skipped):
        document = data_dir / "sources" / entry.document
        if not document.is_file():
            problems.append(Problem(path, locate(("skipped", index, "document")), None, f"skipped.{index}.document",
                                    f"document {entry.document!r} not found in {data_dir / 'sources'}"))
        elif not find_excerpt(document.read_text(encoding="utf-8"), entry.text):
            problems.append(Problem(path, locate(("skipped", index, "text")), None, f"skipped.{index}.text",
                                    f"text {entry.text!r} not found in {entry.document}"))
        if entry.reason.startswith(NEEDS_HUMAN):  # left by `aibot knowledge draft`
            problems.append(Problem(path, locate(("skipped", index, "reason")), None, f"skipped.{index}.reason",
                                    f"needs a person: {entry.reason}"))
    return skipped, problems


def source_documents(data_dir: Path) -> list[Path]:
    """The documents in a data directory's ``sources/``, by name."""
    folder = data_dir / "sources"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES)


def document_coverage(document: str, text: str, quotes: list[tuple[str, str]],
                      skipped: list[tuple[str, str]]) -> DocumentCoverage:
    """Coverage of one document by (fact id, quote) and (reason, skipped text) pairs."""
    quoted_by: list[tuple[int, int, str]] = [
        (start, end, fact_id) for fact_id, quote in quotes for start, end in find_excerpt(text, quote)]
    skipped_by: list[tuple[int, int, str]] = [
        (start, end, reason) for reason, excerpt in skipped for start, end in find_excerpt(text, excerpt)]
    covered = bytearray(len(text))
    for start, end, _ in (*quoted_by, *skipped_by):
        covered[start:end] = b"\x01" * (end - start)
    result = []
    for sentence in split_sentences(text):
        item = SentenceCoverage(sentence)
        item.fact_ids = _overlapping(quoted_by, sentence)
        item.skip_reasons = _overlapping(skipped_by, sentence)
        runs = re.sub(r"\s+", " ", "".join(
            ch if not covered[i] and ch.isalnum() else " " for i, ch in enumerate(text[sentence.start:sentence.end],
                                                                                 sentence.start)))
        item.uncovered = runs.strip()
        result.append(item)
    return DocumentCoverage(document, result)


def coverage(base: FactBase, data_dir: Path) -> tuple[list[DocumentCoverage], list[Problem]]:
    """Coverage of every source document of ``data_dir`` by ``base``'s quotes and the skipped
    texts, and the problems found in ``skipped.yaml``."""
    skipped, problems = read_skipped(data_dir)
    reports = []
    for path in source_documents(data_dir):
        quotes = [(fact.id, quote) for fact in base.facts if fact.source.document == path.name
                  for quote in fact.source.quotes]
        skips = [(entry.reason, entry.text) for entry in skipped if entry.document == path.name]
        reports.append(document_coverage(path.name, path.read_text(encoding="utf-8"), quotes, skips))
    return reports, problems


def _overlapping(spans: list[tuple[int, int, str]], sentence: Sentence) -> list[str]:
    names: list[str] = []
    for start, end, name in spans:
        if start < sentence.end and sentence.start < end and name not in names:
            names.append(name)
    return names


def _line_of(exc: Exception) -> int:
    mark = getattr(exc, "problem_mark", None)
    return int(mark.line) + 1 if mark is not None else 0

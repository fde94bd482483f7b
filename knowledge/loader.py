"""Turn a data directory into a validated :class:`FactBase`, or say exactly what is wrong.

Layout of a data directory::

    entities.yaml        entities: [{id, name, kind, aliases}]
    lexicon.yaml         concepts: [{id, words, role}]
    facts/*.yaml|*.json  facts: [{id, statement, entities, ...}]
    sources/             the documents that facts quote

Files are parsed with libyaml when present (JSON is YAML, and parses faster through
the json module); line numbers are only worked out when something is wrong, so a
good base loads at full speed and a broken one still gets ``file:line`` messages.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import stat
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from knowledge.errors import FactBaseError, Problem
from knowledge.models import LANGS, NEEDS_HUMAN, Concept, Entity, Fact, FactBase, FactFile

DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "data"
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """What one knowledge file may cost to read: a folder an admin (or anyone who can write
    to it) edits must not let one dropped file stall the bot, fill its memory or its logs."""

    #: Bytes a knowledge file may hold. The largest real ones (2,000 facts of a generated
    #: 100,000-fact base a file, as JSON) are about 2 MB; a malformed 20 MB file once took gigabytes.
    max_file_bytes: int = 8 * 1024 * 1024
    #: Bytes a file parsed as YAML (not JSON) may hold: YAML is for files people write, and it
    #: costs about 80 MB to parse a MB, against a few for JSON.
    max_yaml_bytes: int = 2 * 1024 * 1024
    #: JSON files up to this size (a generated base's are 1.9 MB) are validated in one step
    #: from their text (a quarter faster), larger ones a chunk of items at a time: one step
    #: builds every error of a broken file at once, 800 MB for 7.7 MB of broken facts.
    one_step_json_bytes: int = 2 * 1024 * 1024
    #: Problems reported per file; the rest are counted in one line, so a file of 10,000
    #: broken facts writes 21 log lines, not 388,000.
    max_problems_per_file: int = 20


LIMITS = ReadLimits()

Where = TypeVar("Where", bound=Hashable)


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml's safe loader, reading dates as the text written ("2025-01-24"), as JSON does."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_str)


class _Composer(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml composing nodes for their lines only: no tag is worked out (half the time)."""

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: Any) -> str:
        return "tag:yaml.org,2002:str"
_FACTS = TypeAdapter(list[Fact])
_ENTITIES = TypeAdapter(list[Entity])
_CONCEPTS = TypeAdapter(list[Concept])


class _FactsFile(BaseModel):
    model_config = ConfigDict(extra="ignore")
    facts: list[Fact]


class _EntitiesFile(BaseModel):
    model_config = ConfigDict(extra="ignore")
    entities: list[Entity]


class _ConceptsFile(BaseModel):
    model_config = ConfigDict(extra="ignore")
    concepts: list[Concept]


#: Whole files validated straight from JSON text, the fast path for a good JSON file.
_JSON_FILES: dict[str, type[_FactsFile] | type[_EntitiesFile] | type[_ConceptsFile]] = {
    "facts": _FactsFile, "entities": _EntitiesFile, "concepts": _ConceptsFile,
}
_NOT_ALNUM = re.compile(r"[\W_]+")
#: pydantic's words for a key no model has ("Unexpected keyword argument" for dataclasses),
#: said as a data file's author would: most are typos.
_UNKNOWN_KEY_ERRORS = frozenset({"unexpected_keyword_argument", "extra_forbidden"})
_UNKNOWN_KEY = "unknown key (a typo?)"
_MORE = "(more)"


def load_fact_base(data_dir: Path = DEFAULT_DATA_DIR, limits: ReadLimits = LIMITS) -> FactBase:
    """Load and validate everything, raising :class:`FactBaseError` listing every problem
    (at most ``limits.max_problems_per_file`` a file, the rest counted)."""
    base, problems = _load(data_dir, limits)
    if problems or base is None:
        raise FactBaseError(problems)
    return base


def validate_data_dir(data_dir: Path = DEFAULT_DATA_DIR, limits: ReadLimits = LIMITS) -> list[Problem]:
    """Every problem in a data directory (bounded per file); an empty list means the base is good."""
    return _load(data_dir, limits)[1]


class NotRegularFile(OSError):
    """A pipe, socket, device or folder where a knowledge file should be: never read, since
    reading a pipe waits for a writer that may never come."""


class FileTooLarge(OSError):
    """A knowledge file over :attr:`ReadLimits.max_file_bytes`, refused unread."""


def read_knowledge_file(path: Path, limits: ReadLimits = LIMITS) -> bytes:
    """The bytes of ``path`` if it is a regular file within the size limit. Opened without
    blocking and checked on the open file, so a pipe swapped in meanwhile cannot stall us."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise NotRegularFile(f"{path}: not a regular file (a pipe, socket, device or folder): skipped")
        if status.st_size > limits.max_file_bytes:
            raise FileTooLarge(f"{path}: {status.st_size:,} bytes, over the {limits.max_file_bytes:,}-byte "
                               "limit for a knowledge file: refused unread")
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            raw = handle.read(limits.max_file_bytes + 1)
    finally:
        os.close(descriptor)
    if len(raw) > limits.max_file_bytes:  # grew after the check
        raise FileTooLarge(f"{path}: over the {limits.max_file_bytes:,}-byte limit for a knowledge file")
    return raw


def fold(text: str) -> str:
    """Case- and accent-insensitive form, used to spot the same phrasing written twice."""
    text = unicodedata.normalize("NFKD", text.casefold())
    if not text.isascii():
        text = text.translate(_WITHOUT_ACCENTS)
    return " ".join(_NOT_ALNUM.sub(" ", text).split())


def fold_hashes(texts: Sequence[str]) -> np.ndarray[Any, np.dtype[np.int64]]:
    """``hash(fold(text))`` for each text, several times faster on many texts.

    Texts are folded a few thousand at a time, joined, so that the work is done by string
    methods in C: plain ASCII texts (most English ones) by one translation, the others by
    folding each distinct space-separated chunk once (folding never looks past a space)."""
    hashes = np.empty(len(texts), dtype=np.int64)
    plain = np.fromiter(map(str.isascii, texts), dtype=bool, count=len(texts))
    folded_chunks = _FoldedChunks()
    for ascii_only, positions in ((True, np.flatnonzero(plain)), (False, np.flatnonzero(~plain))):
        for start in range(0, len(positions), _FOLD_BATCH):
            batch = positions[start : start + _FOLD_BATCH]
            folded = _fold_batch(list(map(texts.__getitem__, batch.tolist())), ascii_only, folded_chunks)
            hashes[batch] = np.fromiter(map(hash, folded), dtype=np.int64, count=len(batch))
    return hashes


def _fold_batch(batch: list[str], plain: bool, folded_chunks: _FoldedChunks) -> list[str]:
    joined = _SEPARATOR.join(batch)
    if joined.count(_SEPARATOR) != len(batch) - 1:  # a text holds the separator itself
        return [fold(text) for text in batch]
    if plain:  # ASCII: casefold is lower(), NFKD and accents change nothing
        folded = joined.translate(_ASCII_FOLD)
        while "  " in folded:
            folded = folded.replace("  ", " ")
    else:
        chunks = joined.replace(_SEPARATOR, f" {_SEPARATOR} ").split(" ")
        folded = " ".join(filter(None, map(folded_chunks.__getitem__, chunks)))
    return [part.strip(" ") for part in folded.split(_SEPARATOR)]


class _FoldedChunks(dict[str, str]):
    """Chunk -> its folded form, worked out on first sight; the separator stays itself."""

    def __missing__(self, chunk: str) -> str:
        folded = self[chunk] = chunk if chunk == _SEPARATOR else fold(chunk)
        return folded


_SEPARATOR = "\x00"
_FOLD_BATCH = 5000
#: Folding an ASCII text in one translation: letters lowered, anything but letters, digits
#: and the separator made a space (a run of spaces is then one).
_ASCII_FOLD = str.maketrans({c: c.lower() if c.isalnum() else " " for c in map(chr, range(1, 128))})


class _Uncombined(dict[int, int | None]):
    """A str.translate table that drops combining marks, filled in as characters are met."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_WITHOUT_ACCENTS = _Uncombined()


def fact_file_paths(data_dir: Path) -> list[Path]:
    """The fact files of a data directory, in the order their facts are loaded: regular files
    only (a pipe, socket or device named like one is skipped with one log line)."""
    paths = []
    for path in sorted(p for p in (data_dir / "facts").glob("*") if p.suffix in {".yaml", ".yml", ".json"}):
        try:
            regular = stat.S_ISREG(path.stat().st_mode)
        except OSError:  # gone since listed, or a broken link: the load reports nothing for it
            continue
        if regular:
            paths.append(path)
        else:
            _log.warning("skipped %s: not a regular file (a pipe, socket, device or folder)", path)
    return paths


def data_digest(data_dir: Path) -> str | None:
    """What :attr:`FactBase.digest` of this directory will be, without validating anything;
    None if a file cannot be read."""
    digests = _Digests(data_dir)
    try:
        for path in (data_dir / "entities.yaml", data_dir / "lexicon.yaml", *fact_file_paths(data_dir)):
            digests.add(path, read_knowledge_file(path))
    except OSError:
        return None
    return digests.combined()


def read_vocabulary(data_dir: Path) -> tuple[list[Entity], list[Concept]]:
    """The entities and concepts of a data directory, validated; :class:`FactBaseError` if not."""
    problems: list[Problem] = []
    entities = _load_section(data_dir / "entities.yaml", "entities", _ENTITIES, problems)
    concepts = _load_section(data_dir / "lexicon.yaml", "concepts", _CONCEPTS, problems)
    if problems:
        raise FactBaseError(problems)
    return entities, concepts


def read_fact_file(path: Path) -> tuple[list[Fact], str]:
    """One fact file's facts, validated one by one (nothing across facts is checked), and the
    SHA-256 of its bytes; :class:`FactBaseError` if a fact is invalid."""
    problems: list[Problem] = []
    digests = _Digests(path.parent)
    facts = _load_section(path, "facts", _FACTS, problems, digests)
    if problems:
        raise FactBaseError(problems)
    return facts, digests.by_name[path.name]


class _Digests:
    """The SHA-256 of each file read, by its path in the data directory, and of them all
    together, in the order read: the base's digest, by which its index is kept."""

    def __init__(self, data_dir: Path) -> None:
        self._data_dir = data_dir
        self.by_name: dict[str, str] = {}

    def add(self, path: Path, raw: bytes) -> None:
        self.by_name[path.relative_to(self._data_dir).as_posix()] = hashlib.sha256(raw).hexdigest()

    def combined(self) -> str:
        listing = "".join(f"{name}\0{digest}\n" for name, digest in self.by_name.items())
        return hashlib.sha256(listing.encode()).hexdigest()


def _load(data_dir: Path, limits: ReadLimits = LIMITS) -> tuple[FactBase | None, list[Problem]]:
    if not data_dir.is_dir():
        return None, [Problem(data_dir, 0, None, "path", "not a directory")]
    problems: list[Problem] = []
    digests = _Digests(data_dir)  # of what the base is made of, so that an index can be kept
    entities = _load_section(data_dir / "entities.yaml", "entities", _ENTITIES, problems, digests, limits)
    concepts = _load_section(data_dir / "lexicon.yaml", "concepts", _CONCEPTS, problems, digests, limits)
    paths = fact_file_paths(data_dir)
    if not paths:
        problems.append(Problem(data_dir / "facts", 0, None, "facts", "no fact files found"))
    facts_by_file: list[tuple[Path, list[Fact]]] = []
    for path in paths:
        facts_by_file.append((path, _load_section(path, "facts", _FACTS, problems, digests, limits)))
    if problems:  # a file that did not parse is not cross-checked: its problems are the ones to fix
        return None, bounded_problems(problems, limits.max_problems_per_file)
    problems += _cross_checks(entities, concepts, facts_by_file, data_dir)
    if problems:
        return None, bounded_problems(problems, limits.max_problems_per_file)
    facts = [fact for _, file_facts in facts_by_file for fact in file_facts]
    fact_files = [FactFile(name=path.name, sha256=digests.by_name[f"facts/{path.name}"], facts=len(file_facts))
                  for path, file_facts in facts_by_file]
    return FactBase(entities=entities, concepts=concepts, facts=facts, digest=digests.combined(),
                    fact_files=fact_files), []


def bounded_problems(problems: list[Problem], per_file: int) -> list[Problem]:
    """The first ``per_file`` problems of each file, in order, and one line per file saying
    how many more there are."""
    kept: list[Problem] = []
    counts: dict[Path, int] = {}
    for problem in problems:
        if problem.field == _MORE:  # a count made where the problems were found
            kept.append(problem)
            continue
        seen = counts[problem.file] = counts.get(problem.file, 0) + 1
        if seen <= per_file:
            kept.append(problem)
    for path, count in counts.items():
        if count > per_file:
            kept.append(Problem(path, 0, None, _MORE, f"{count - per_file} more problem(s) in this file not shown"))
    return kept


def _parse(path: Path, text: str) -> Any:
    if _is_json(path, text):
        return json.loads(text)
    return yaml.load(text, Loader=_Loader)


def _is_json(path: Path, text: str) -> bool:
    """A .json file, or a .yaml file written as JSON (JSON is YAML; json parses it 50x faster)."""
    return path.suffix == ".json" or text.lstrip()[:1] == "{"


def _load_section(
    path: Path, key: str, adapter: TypeAdapter[Any], problems: list[Problem], digests: _Digests | None = None,
    limits: ReadLimits = LIMITS,
) -> Any:
    """Parse one file and validate its top-level list; on failure record problems, return [].
    The file's SHA-256 goes into ``digests``, if given.

    A JSON file is first validated in one step from its text (pydantic's JSON parser, about
    twice as fast); if anything is wrong, the step-by-step path below finds and places it."""
    try:
        raw = read_knowledge_file(path, limits)
        if digests is not None:
            digests.add(path, raw)
        text = raw.decode("utf-8")
    except FileNotFoundError:
        problems.append(Problem(path, 0, None, key, "file not found"))
        return []
    except (NotRegularFile, FileTooLarge) as exc:
        problems.append(Problem(path, 0, None, key, str(exc).removeprefix(f"{path}: ")))
        return []
    except UnicodeDecodeError as exc:
        problems.append(Problem(path, _error_line(exc), None, "syntax", _first_line(exc)))
        return []
    if _is_json(path, text):
        if len(raw) <= limits.one_step_json_bytes:
            try:
                return getattr(_JSON_FILES[key].model_validate_json(text), key)
            except ValidationError:
                pass
    elif len(raw) > limits.max_yaml_bytes:
        problems.append(Problem(path, 0, None, key,
                                f"{len(raw):,} bytes of YAML, over the {limits.max_yaml_bytes:,}-byte limit for "
                                "a YAML knowledge file (write a larger one as JSON): refused"))
        return []
    try:
        document = _parse(path, text)
    except (yaml.YAMLError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        problems.append(Problem(path, _error_line(exc), None, "syntax", _first_line(exc)))
        return []
    if not isinstance(document, dict) or not isinstance(document.get(key), list):
        problems.append(Problem(path, 1, None, key, f"expected a mapping with a '{key}' list"))
        return []
    items = document[key]
    # In chunks, so that the errors of 100,000 broken items are never all built at once;
    # the first problems are then found item by item, and the rest only counted.
    valid: list[Any] = []
    found = total = 0
    locate = _Locator(path)
    for first in range(0, len(items), _VALIDATED_AT_ONCE):
        chunk = items[first:first + _VALIDATED_AT_ONCE]
        try:
            valid += adapter.validate_python(chunk)
            continue
        except ValidationError as exc:
            total += exc.error_count()
        for index, item in enumerate(chunk, start=first):
            if found >= limits.max_problems_per_file:
                break
            try:
                adapter.validate_python([item])
            except ValidationError as exc:
                for error in exc.errors()[: limits.max_problems_per_file - found]:
                    _, *field = error["loc"]
                    item_id = item.get("id") if isinstance(item, dict) else None
                    problems.append(Problem(
                        path, locate((key, index, *field)), str(item_id) if item_id is not None else None,
                        ".".join(str(part) for part in field) or "(item)",
                        _UNKNOWN_KEY if error["type"] in _UNKNOWN_KEY_ERRORS else error["msg"]))
                    found += 1
    if total == 0:
        return valid
    if total > found:
        problems += [Problem(path, 0, None, _MORE, f"{total - found} more problem(s) in this file not shown")]
    return []


#: Items validated in one call: large enough that a good base pays nothing for it.
_VALIDATED_AT_ONCE = 2000


def _cross_checks(
    entities: list[Entity],
    concepts: list[Concept],
    facts_by_file: list[tuple[Path, list[Fact]]],
    data_dir: Path,
) -> list[Problem]:
    """What no single fact can check: references, duplicates, quotes against documents."""
    problems: list[Problem] = []
    entity_ids = {e.id for e in entities}
    entities_file, lexicon_file = data_dir / "entities.yaml", data_dir / "lexicon.yaml"
    locate_entity, locate_concept = _Locator(entities_file), _Locator(lexicon_file)
    names = [(name, e.id, ("entities", i)) for i, e in enumerate(entities) for name in e.names]
    for (name, entity_id, entity_at), first in _claimed_twice(names):
        problems.append(Problem(entities_file, locate_entity(entity_at), None, f"entity {entity_id}",
                                f"name {name!r} is already used by entity {first!r}"))
    for i, entity in enumerate(entities):
        if entity.leads is not None and entity.leads not in entity_ids:
            problems.append(Problem(entities_file, locate_entity(("entities", i, "leads")), None,
                                    f"entity {entity.id}", f"leads unknown entity {entity.leads!r}"))
    words = [(w, c.id, ("concepts", i, "words")) for i, c in enumerate(concepts) for w in c.words]
    for (word, concept_id, concept_at), first in _claimed_twice(words):
        problems.append(Problem(lexicon_file, locate_concept(concept_at), None, f"concept {concept_id}",
                                f"word {word!r} is already in concept {first!r}"))
    problems += _phrasings_claimed_twice(facts_by_file)
    seen_ids: dict[str, tuple[Path, int]] = {}
    documents = _Documents(data_dir / "sources")
    for path, facts in facts_by_file:
        locate = _Locator(path)

        def problem(index: int, field: Sequence[str | int], message: str,
                    *, path: Path = path, facts: list[Fact] = facts, locate: _Locator = locate) -> None:
            line = locate(("facts", index, *field))
            problems.append(Problem(path, line, facts[index].id, ".".join(str(part) for part in field), message))

        for index, fact in enumerate(facts):
            first_seen = seen_ids.setdefault(fact.id, (path, index))
            if first_seen[1] != index or first_seen[0] != path:
                problem(index, ["id"], f"duplicate id (first defined in {first_seen[0].name})")
            if not entity_ids.issuperset(fact.entities):
                for i, entity_id in enumerate(fact.entities):
                    if entity_id not in entity_ids:
                        problem(index, ["entities", i], f"unknown entity {entity_id!r}")
            if fact.amount and fact.amount.subject not in fact.entities:
                problem(index, ["amount", "subject"],
                        f"subject {fact.amount.subject!r} is not among the fact's entities")
            if fact.source.document:
                document = documents[fact.source.document]
                if document is None:
                    why = documents.unreadable.get(fact.source.document)
                    problem(index, ["source", "document"],
                            f"document {fact.source.document!r} " + (f"unreadable: {why}" if why else
                                                                     f"not found in {data_dir / 'sources'}"))
                    continue
                for i, quote in enumerate(fact.source.quotes):
                    if quote not in document:
                        problem(index, ["source", "quotes", i], "quote not found in the document")
    return problems


def _claimed_twice(claims: Sequence[tuple[str, str, Where]]) -> Iterator[tuple[tuple[str, str, Where], str]]:
    """Each (text, claimant, where) whose text a first, other owner claimed already, with that
    owner; compared without case or accents: a name, word or phrasing must mean one thing only."""
    for position, first in _claimed_again([text for text, _, _ in claims], lambda position: claims[position][1]):
        yield claims[position], first


def _claimed_again(texts: Sequence[str], owner: Callable[[int], str]) -> list[tuple[int, str]]:
    """(position, first owner) for each text that an owner other than its first claims again.

    Hundreds of thousands of phrasings are compared by the hashes of their folded forms,
    sorted in numpy, and only texts sharing a hash are folded again and compared for real,
    so no table of every folded text is ever held."""
    hashes = fold_hashes(texts)
    order = np.argsort(hashes, kind="stable")  # texts with one hash stay in the order claimed
    ordered = hashes[order]
    shared = (ordered[1:] == ordered[:-1])
    suspects = np.union1d(order[1:][shared], order[:-1][shared]).tolist()
    firsts: dict[str, str] = {}
    again = []
    for position in suspects:  # in the order claimed
        first = firsts.setdefault(fold(texts[position]), owner(position))
        if first != owner(position):
            again.append((position, first))
    return again


def _phrasings_claimed_twice(facts_by_file: list[tuple[Path, list[Fact]]]) -> list[Problem]:
    """The same check for phrasings, of which there are hundreds of thousands: their texts
    and owners are listed flat, and where each one is only worked out if one is claimed twice."""
    facts = [fact for _, file_facts in facts_by_file for fact in file_facts]
    texts = [text for fact in facts for text in (*fact.phrasings.en, *fact.phrasings.fr)]
    ends = np.cumsum([len(fact.phrasings.en) + len(fact.phrasings.fr) for fact in facts])

    def owner(position: int) -> str:
        return facts[int(np.searchsorted(ends, position, side="right"))].id

    twice = _claimed_again(texts, owner)
    if not twice:
        return []
    spots = [(path, index, lang, i) for path, file_facts in facts_by_file for index, fact in enumerate(file_facts)
             for lang in LANGS for i in range(len(fact.phrasings.in_lang(lang)))]
    problems = []
    for position, first in twice:
        path, index, lang, i = spots[position]
        problems.append(Problem(path, _Locator(path)(("facts", index, "phrasings", lang, i)), owner(position),
                                f"phrasings.{lang}.{i}", f"phrasing {texts[position]!r} is also claimed by {first!r}"))
    return problems


class _Documents(dict[str, "_Document | None"]):
    """Source documents by name, read on first need; None if missing."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self._folder = folder
        #: why a document could not be read, by name (too large, not a regular file, not UTF-8)
        self.unreadable: dict[str, str] = {}

    def __missing__(self, name: str) -> _Document | None:
        path = self._folder / name
        document = None
        if path.is_file():
            try:
                document = _Document(read_knowledge_file(path).decode("utf-8"))
            except (OSError, UnicodeDecodeError) as exc:
                self.unreadable[name] = str(exc).removeprefix(f"{path}: ")
        self[name] = document
        return document


class _Document:
    """A source document's text, which quotes are looked for in as written, and, only for
    those not found so, with every run of spaces and line breaks made one space."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._collapsed: str | None = None

    def __contains__(self, quote: str) -> bool:
        if quote in self._text:  # a quote has no spaces at its ends: its inner runs are the text's
            return True
        if self._collapsed is None:
            self._collapsed = " ".join(self._text.split())
        return " ".join(quote.split()) in self._collapsed


class _Locator:
    """Finds the line of a path like ("facts", 3, "amount", "low") in a YAML file, lazily.

    A small file is composed into nodes once; a large one (a generated base's, or one dropped
    in to hurt) is read as a stream of parser events up to the path asked for, so finding the
    first problems of a 8 MB file costs neither its whole parse nor hundreds of MB of nodes."""

    #: Files up to this size are composed once (about 100 bytes of nodes a byte of YAML).
    _COMPOSED_UP_TO = 512 * 1024

    def __init__(self, path: Path) -> None:
        self._path = path
        self._root: yaml.Node | bool | None = False
        self._text: str | None = None

    def __call__(self, where: Iterable[str | int]) -> int:
        if self._root is False:
            try:
                text = read_knowledge_file(self._path).decode("utf-8")
                if len(text) > self._COMPOSED_UP_TO:
                    self._root, self._text = None, text
                else:
                    self._root = yaml.compose(text, Loader=_Composer)
            except (OSError, UnicodeDecodeError, yaml.YAMLError):
                self._root = None
        if self._text is not None:
            return _line_in_events(self._text, tuple(where))
        node = self._root
        if not isinstance(node, yaml.Node):
            return 0
        line = node.start_mark.line + 1
        for part in where:
            child: yaml.Node | None = None
            if isinstance(node, yaml.MappingNode):
                child = next((v for k, v in node.value if k.value == part), None)
                key = next((k for k, _ in node.value if k.value == part), None)
                if key is not None:
                    line = key.start_mark.line + 1
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                child = node.value[part]
                line = child.start_mark.line + 1
            if child is None:
                break
            node = child
        return line


def _line_in_events(text: str, where: tuple[str | int, ...]) -> int:
    """:class:`_Locator`'s walk over libyaml's events, stopping at the path's end."""
    events = yaml.parse(text, Loader=_Composer)
    try:
        event = next(events)
        while not isinstance(event, yaml.NodeEvent | yaml.CollectionStartEvent):
            event = next(events)
        line = _event_line(event)
        for part in where:
            if isinstance(event, yaml.MappingStartEvent):
                while True:
                    key = next(events)
                    if isinstance(key, yaml.MappingEndEvent):
                        return line
                    if isinstance(key, yaml.ScalarEvent) and key.value == str(part):
                        line = _event_line(key)
                        event = next(events)
                        break
                    _skip_node(events, key)
                    _skip_node(events, next(events))
            elif isinstance(event, yaml.SequenceStartEvent) and isinstance(part, int):
                for _ in range(part):
                    item = next(events)
                    if isinstance(item, yaml.SequenceEndEvent):
                        return line
                    _skip_node(events, item)
                event = next(events)
                if isinstance(event, yaml.SequenceEndEvent):
                    return line
                line = _event_line(event)
            else:
                return line
        return line
    except (StopIteration, yaml.YAMLError):
        return 0


def _event_line(event: yaml.Event) -> int:
    return event.start_mark.line + 1 if event.start_mark is not None else 0


def _skip_node(events: Iterator[yaml.Event], first: yaml.Event) -> None:
    """Consume the rest of the node ``first`` opens (nothing for a scalar or an alias)."""
    depth = 1 if isinstance(first, yaml.CollectionStartEvent) else 0
    while depth:
        event = next(events)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _error_line(exc: Exception) -> int:
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        return int(mark.line) + 1
    return int(getattr(exc, "lineno", 0))


def _first_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def unfinished_fields(data_dir: Path = DEFAULT_DATA_DIR) -> list[Problem]:
    """Every field of every fact that still starts with :data:`NEEDS_HUMAN` (left by
    ``aibot knowledge draft`` for a person to fill in), located; run by ``validate`` only,
    so loading a base costs nothing more."""
    problems = []
    for path in fact_file_paths(data_dir):
        try:
            facts, _ = read_fact_file(path)
        except FactBaseError:
            continue  # reported by the full validation
        locate = _Locator(path)
        for index, fact in enumerate(facts):
            for field, text in _human_fields(fact):
                if text.startswith(NEEDS_HUMAN):
                    problems.append(Problem(path, locate(("facts", index, *field)), fact.id,
                                            ".".join(map(str, field)), f"needs a person: {text}"))
    return problems


def figure_disagreements(data_dir: Path = DEFAULT_DATA_DIR) -> list[Problem]:
    """Every statement whose figure disagrees with its amount and quotes, and every amount
    no quote writes (:mod:`knowledge.figures`), located; run by ``validate`` only."""
    from knowledge.figures import figure_problems

    problems = []
    for path in fact_file_paths(data_dir):
        try:
            facts, _ = read_fact_file(path)
        except FactBaseError:
            continue  # reported by the full validation
        locator = _Locator(path)

        def locate(index: int, field: tuple[str, ...], locator: _Locator = locator) -> int:
            return locator(("facts", index, *field))

        problems += figure_problems(path, enumerate(facts), locate)
    return problems


def _human_fields(fact: Fact) -> Iterator[tuple[tuple[str | int, ...], str]]:
    for lang in LANGS:
        yield ("statement", lang), fact.statement.in_lang(lang)
    for lang in LANGS:
        for i, phrasing in enumerate(fact.phrasings.in_lang(lang)):
            yield ("phrasings", lang, i), phrasing
    if fact.amount is not None:
        for lang in LANGS:
            yield ("amount", "purpose", lang), fact.amount.purpose.in_lang(lang)
        if fact.amount.period.as_stated:
            yield ("amount", "period", "as_stated"), fact.amount.period.as_stated
    yield ("source", "publisher"), fact.source.publisher
    yield ("source", "title"), fact.source.title

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

import json
import re
import unicodedata
from collections.abc import Hashable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from knowledge.building import long_lived_objects
from knowledge.errors import FactBaseError, Problem
from knowledge.models import LANGS, Concept, Entity, Fact, FactBase

DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "data"

Where = TypeVar("Where", bound=Hashable)
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
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


def load_fact_base(data_dir: Path = DEFAULT_DATA_DIR) -> FactBase:
    """Load and validate everything, raising :class:`FactBaseError` listing every problem."""
    base, problems = _load(data_dir)
    if problems or base is None:
        raise FactBaseError(problems)
    return base


def validate_data_dir(data_dir: Path = DEFAULT_DATA_DIR) -> list[Problem]:
    """Every problem in a data directory; an empty list means the base is good."""
    return _load(data_dir)[1]


def fold(text: str) -> str:
    """Case- and accent-insensitive form, used to spot the same phrasing written twice."""
    text = unicodedata.normalize("NFKD", text.casefold())
    if not text.isascii():
        text = text.translate(_WITHOUT_ACCENTS)
    return " ".join(_NOT_ALNUM.sub(" ", text).split())


class _Uncombined(dict[int, int | None]):
    """A str.translate table that drops combining marks, filled in as characters are met."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_WITHOUT_ACCENTS = _Uncombined()


def _load(data_dir: Path) -> tuple[FactBase | None, list[Problem]]:
    with long_lived_objects():  # without it, collections took a third of the time at 100,000 facts
        return _load_all(data_dir)


def _load_all(data_dir: Path) -> tuple[FactBase | None, list[Problem]]:
    if not data_dir.is_dir():
        return None, [Problem(data_dir, 0, None, "path", "not a directory")]
    problems: list[Problem] = []
    entities = _load_section(data_dir / "entities.yaml", "entities", _ENTITIES, problems)
    concepts = _load_section(data_dir / "lexicon.yaml", "concepts", _CONCEPTS, problems)
    fact_files = sorted(
        p for p in (data_dir / "facts").glob("*") if p.suffix in {".yaml", ".yml", ".json"}
    )
    if not fact_files:
        problems.append(Problem(data_dir / "facts", 0, None, "facts", "no fact files found"))
    facts_by_file: list[tuple[Path, list[Fact]]] = []
    shared: dict[Any, Any] = {}
    for path in fact_files:
        file_facts = _load_section(path, "facts", _FACTS, problems)
        for fact in file_facts:
            _compact(fact, shared)
        facts_by_file.append((path, file_facts))
    problems += _cross_checks(entities, concepts, facts_by_file, data_dir)
    if problems:
        return None, problems
    facts = [fact for _, file_facts in facts_by_file for fact in file_facts]
    return FactBase(entities=entities, concepts=concepts, facts=facts), []


def _compact(model: BaseModel, shared: dict[Any, Any]) -> None:
    """Share what thousands of facts repeat: pydantic's per-model ``model_fields_set`` (a
    quarter of a fact's memory; facts are frozen, and ``model_copy`` copies it before any
    change) and short strings (entity ids, dates, publishers, topics), each kept once."""
    own = model.__pydantic_fields_set__
    common = shared.setdefault(frozenset(own), own)
    if common is not own:
        object.__setattr__(model, "__pydantic_fields_set__", common)
    values = model.__dict__
    for key, value in values.items():
        if isinstance(value, BaseModel):
            _compact(value, shared)
        elif isinstance(value, str) and len(value) <= _SHORT and key != "id":
            values[key] = shared.setdefault(value, value)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, str) and len(item) <= _SHORT:
                    value[i] = shared.setdefault(item, item)


#: Strings up to this long are ids, dates and names that many facts repeat.
_SHORT = 40


def _parse(path: Path, text: str) -> Any:
    if _is_json(path, text):
        return json.loads(text)
    return yaml.load(text, Loader=_Loader)


def _is_json(path: Path, text: str) -> bool:
    """A .json file, or a .yaml file written as JSON (JSON is YAML; json parses it 50x faster)."""
    return path.suffix == ".json" or text.lstrip()[:1] == "{"


def _load_section(path: Path, key: str, adapter: TypeAdapter[Any], problems: list[Problem]) -> Any:
    """Parse one file and validate its top-level list; on failure record problems, return [].

    A JSON file is first validated in one step from its text (pydantic's JSON parser, about
    twice as fast); if anything is wrong, the step-by-step path below finds and places it."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(Problem(path, 0, None, key, "file not found"))
        return []
    except UnicodeDecodeError as exc:
        problems.append(Problem(path, _error_line(exc), None, "syntax", _first_line(exc)))
        return []
    if _is_json(path, text):
        try:
            return getattr(_JSON_FILES[key].model_validate_json(text), key)
        except ValidationError:
            pass
    try:
        document = _parse(path, text)
    except (yaml.YAMLError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        problems.append(Problem(path, _error_line(exc), None, "syntax", _first_line(exc)))
        return []
    if not isinstance(document, dict) or not isinstance(document.get(key), list):
        problems.append(Problem(path, 1, None, key, f"expected a mapping with a '{key}' list"))
        return []
    items = document[key]
    try:
        return adapter.validate_python(items)
    except ValidationError as exc:
        locate = _Locator(path)
        for error in exc.errors():
            index, *field = error["loc"]
            item = items[index] if isinstance(index, int) and index < len(items) else None
            item_id = item.get("id") if isinstance(item, dict) else None
            problems.append(
                Problem(
                    path,
                    locate((key, index, *field)),
                    str(item_id) if item_id is not None else None,
                    ".".join(str(part) for part in field) or "(item)",
                    error["msg"],
                )
            )
        return []


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
    names = ((name, e.id, ("entities", i)) for i, e in enumerate(entities) for name in e.names)
    for name, entity_id, entity_at, first in _claimed_twice(names):
        problems.append(Problem(entities_file, locate_entity(entity_at), None, f"entity {entity_id}",
                                f"name {name!r} is already used by entity {first!r}"))
    for i, entity in enumerate(entities):
        if entity.leads is not None and entity.leads not in entity_ids:
            problems.append(Problem(entities_file, locate_entity(("entities", i, "leads")), None,
                                    f"entity {entity.id}", f"leads unknown entity {entity.leads!r}"))
    words = ((w, c.id, ("concepts", i, "words")) for i, c in enumerate(concepts) for w in c.words)
    for word, concept_id, concept_at, first in _claimed_twice(words):
        problems.append(Problem(lexicon_file, locate_concept(concept_at), None, f"concept {concept_id}",
                                f"word {word!r} is already in concept {first!r}"))
    seen_ids: dict[str, Path] = {}
    documents: dict[str, str | None] = {}
    phrasings = (
        (text, fact.id, (path, index, lang, i))
        for path, facts in facts_by_file for index, fact in enumerate(facts)
        for lang in LANGS for i, text in enumerate(fact.phrasings.in_lang(lang))
    )
    claimed = {at: (text, first) for text, _, at, first in _claimed_twice(phrasings)}
    for path, facts in facts_by_file:
        locate = _Locator(path)
        for index, fact in enumerate(facts):
            def problem(
                field: Sequence[str | int], message: str,
                *, index: int = index, fact: Fact = fact, path: Path = path, locate: _Locator = locate,
            ) -> None:
                line = locate(("facts", index, *field))
                dotted = ".".join(str(part) for part in field)
                problems.append(Problem(path, line, fact.id, dotted, message))

            if fact.id in seen_ids:
                problem(["id"], f"duplicate id (first defined in {seen_ids[fact.id].name})")
            seen_ids.setdefault(fact.id, path)
            for i, entity_id in enumerate(fact.entities):
                if entity_id not in entity_ids:
                    problem(["entities", i], f"unknown entity {entity_id!r}")
            if fact.amount and fact.amount.subject not in fact.entities:
                problem(["amount", "subject"],
                        f"subject {fact.amount.subject!r} is not among the fact's entities")
            for lang in LANGS:
                for i in range(len(fact.phrasings.in_lang(lang))):
                    if (path, index, lang, i) in claimed:
                        text, first = claimed[(path, index, lang, i)]
                        problem(["phrasings", lang, i], f"phrasing {text!r} is also claimed by {first!r}")
            if fact.source.document:
                document = _document_text(data_dir / "sources", fact.source.document, documents)
                if document is None:
                    problem(["source", "document"],
                            f"document {fact.source.document!r} not found in {data_dir / 'sources'}")
                else:
                    for i, quote in enumerate(fact.source.quotes):
                        if " ".join(quote.split()) not in document:
                            problem(["source", "quotes", i], "quote not found in the document")
    return problems


def _claimed_twice(claims: Iterable[tuple[str, str, Where]]) -> Iterator[tuple[str, str, Where, str]]:
    """(text, claimant, where, first owner) for every text that a second owner claims again,
    compared without case or accents: a name, word or phrasing must mean one thing only."""
    owners: dict[str, str] = {}
    for text, claimant, where in claims:
        first = owners.setdefault(fold(text), claimant)
        if first != claimant:
            yield text, claimant, where, first


def _document_text(sources_dir: Path, name: str, cache: dict[str, str | None]) -> str | None:
    if name not in cache:
        path = sources_dir / name
        cache[name] = " ".join(path.read_text(encoding="utf-8").split()) if path.is_file() else None
    return cache[name]


class _Locator:
    """Finds the line of a path like ("facts", 3, "amount", "low") in a YAML file, lazily."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._root: yaml.Node | bool | None = False

    def __call__(self, where: Iterable[str | int]) -> int:
        if self._root is False:
            try:
                self._root = yaml.compose(self._path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
            except (OSError, yaml.YAMLError):
                self._root = None
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


def _error_line(exc: Exception) -> int:
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        return int(mark.line) + 1
    return int(getattr(exc, "lineno", 0))


def _first_line(exc: Exception) -> str:
    return " ".join(str(exc).split())

"""Move a reviewed draft into a knowledge folder (``aibot knowledge accept DRAFT``).

A draft (``aibot knowledge draft``) is a data directory of its own. Accepting it checks it
is finished (no field left for a person, figures that agree), merges it into a copy of the
base, validates that copy as the bot would load it, and only then writes the draft's fact
files, source documents, new entities and skipped sentences into the base: a running bot
never sees a half-accepted draft, and a refused one leaves the base as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from knowledge.coverage import SKIPPED_FILE, read_skipped
from knowledge.errors import AibotError, Problem
from knowledge.loader import (
    figure_disagreements,
    read_vocabulary,
    unfinished_fields,
    validate_data_dir,
)


class AcceptRefused(AibotError):
    """A draft cannot go into the base; ``problems`` says where, file and line."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        self.problems = problems or []
        super().__init__(message)


@dataclass
class Accepted:
    """What accepting a draft wrote into the base."""

    fact_files: list[Path] = field(default_factory=list)
    documents: list[Path] = field(default_factory=list)
    new_entities: list[str] = field(default_factory=list)
    skipped: int = 0


def unfinished(draft: Path) -> list[Problem]:
    """Everything that keeps ``draft`` from the base: a field or skip reason still marked for
    a person, a broken fact, a figure that disagrees."""
    problems = validate_data_dir(draft)
    if problems:
        return problems
    return unfinished_fields(draft) + read_skipped(draft)[1] + figure_disagreements(draft)


def accept_draft(draft: Path, base: Path) -> Accepted:
    """Merge the finished ``draft`` into ``base``; :class:`AcceptRefused` and ``base``
    unchanged if it is unfinished, clashes with the base or makes the base invalid."""
    if not (draft / "facts").is_dir():
        raise AcceptRefused(f"{draft} is not a draft folder (no facts/ in it)")
    left = unfinished(draft)
    if left:
        raise AcceptRefused(f"{draft} is not finished: {len(left)} problem(s), each to fix first", left)
    plan = _plan(draft, base)
    with tempfile.TemporaryDirectory(prefix="aibot-accept-") as scratch:
        trial = Path(scratch) / "base"
        shutil.copytree(base, trial)
        _write(plan, trial)
        problems = validate_data_dir(trial)
        if problems:
            raise AcceptRefused(f"the base would not load with {draft} in it", problems)
    _write(plan, base)
    return Accepted(fact_files=[base / "facts" / p.name for p in plan.fact_files],
                    documents=[base / "sources" / p.name for p in plan.documents],
                    new_entities=[str(e["id"]) for e in plan.new_entities], skipped=len(plan.skipped))


@dataclass
class _Plan:
    fact_files: list[Path]
    documents: list[Path]
    new_entities: list[dict[str, object]]
    skipped: list[dict[str, str]]


def _plan(draft: Path, base: Path) -> _Plan:
    fact_files = sorted(p for p in (draft / "facts").iterdir() if p.is_file())
    for path in fact_files:
        if (base / "facts" / path.name).exists():
            raise AcceptRefused(f"{base / 'facts' / path.name} exists already: rename {path} to accept it")
    documents = sorted(p for p in (draft / "sources").iterdir() if p.is_file()) if (draft / "sources").is_dir() else []
    for path in documents:
        there = base / "sources" / path.name
        if there.exists() and there.read_bytes() != path.read_bytes():
            raise AcceptRefused(f"{there} exists already with other text: rename the draft's document to accept it")
    documents = [p for p in documents if not (base / "sources" / p.name).exists()]
    base_entities, _ = read_vocabulary(base)
    known = {e.id for e in base_entities}
    draft_entities, _ = read_vocabulary(draft)
    new_entities: list[dict[str, object]] = []
    for entity in draft_entities:
        if entity.id in known:
            continue
        entry: dict[str, object] = {"id": entity.id, "name": entity.name, "kind": entity.kind.value}
        if entity.aliases:
            entry["aliases"] = list(entity.aliases)
        if entity.leads:
            entry["leads"] = entity.leads
        new_entities.append(entry)
    skipped = [{"document": s.document, "text": s.text, "reason": s.reason} for s in read_skipped(draft)[0]]
    return _Plan(fact_files, documents, new_entities, skipped)


def _write(plan: _Plan, base: Path) -> None:
    """Documents, entities and skipped sentences first, fact files last: a running bot that
    reloads midway finds every fact's document and entities there."""
    (base / "sources").mkdir(exist_ok=True)
    for path in plan.documents:
        shutil.copyfile(path, base / "sources" / path.name)
    if plan.new_entities:
        entities = base / "entities.yaml"
        lines = "".join(f"  - {_flow(entry)}\n" for entry in plan.new_entities)
        _replace(entities, entities.read_text(encoding="utf-8").rstrip("\n") + "\n" + lines)
    if plan.skipped:
        skipped = base / SKIPPED_FILE
        current = yaml.safe_load(skipped.read_text(encoding="utf-8")) if skipped.is_file() else None
        entries = list((current or {}).get("skipped") or [])
        header = "".join(line + "\n" for line in skipped.read_text(encoding="utf-8").splitlines()
                         if line.startswith("#")) if skipped.is_file() else ""
        _replace(skipped, header + yaml.safe_dump({"skipped": entries + plan.skipped}, allow_unicode=True,
                                                  sort_keys=False, width=110))
    for path in plan.fact_files:
        _replace(base / "facts" / path.name, _without_draft_header(path.read_text(encoding="utf-8")))


def _without_draft_header(text: str) -> str:
    """The fact file without the comment `draft` put on top ("... not loaded by the bot")."""
    if not text.startswith("# Draft facts from"):
        return text
    lines = text.splitlines(keepends=True)
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return "".join(lines)


def _flow(entry: dict[str, object]) -> str:
    return yaml.safe_dump(entry, allow_unicode=True, default_flow_style=True, sort_keys=False, width=10_000).strip()


def _replace(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all (a reload never reads half a file)."""
    temporary = path.with_name(f".{path.name}.accepting")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)

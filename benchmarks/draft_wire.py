"""Score `aibot knowledge draft` on wire-style articles: datelines, subjects, years, figures, kinds.

    python benchmarks/draft_wire.py [--articles tests/wire] [--json]

The articles (invented, in English and French, as text, HTML and Markdown) and what a draft
of each should get right are in ``tests/wire/expected.yaml``. For each article: whether its
dateline's date and its publisher were read; for each expected amount, whether a drafted
fact has its figure, and that fact's subject and year (or span of years); for each expected
name, whether it was drafted with the expected kind; and whether a headline was drafted as
a fact, a statement kept its dateline, or a French phrasing missed an elision ("de Amazon").
Where the article gives no date the expected one is used, as ``--date`` would be.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from knowledge.draft import DraftSource, draft_article, read_article
from knowledge.draft.entities import entity_id
from knowledge.loader import DEFAULT_DATA_DIR, load_fact_base

_DATELINE_LEFT = re.compile(r"\([A-Za-z][^)]{1,40}\)\s*[-–—]")
_NO_ELISION = re.compile(r"\b(?:de|le|la) [AEIOUYÀÂÉÈÊaeiouy]")


def score(articles: Path) -> dict[str, Any]:
    """Every article's results and the totals, as one JSON-ready mapping."""
    expected = yaml.safe_load((articles / "expected.yaml").read_text(encoding="utf-8"))["articles"]
    entities = load_fact_base(DEFAULT_DATA_DIR).entities
    known_kinds = {name.casefold(): e.kind.value for e in entities for name in e.names}
    rows = []
    for case in expected:
        article = read_article(articles / case["file"])
        source = DraftSource(source_id=entity_id(Path(case["file"]).stem), date=article.date or case["date"])
        draft = draft_article(article, entities, source, added=dt.date(2026, 12, 1))
        rows.append(_score_article(case, article, draft, known_kinds))
    totals: dict[str, list[int]] = {}
    for row in rows:
        for key, (found, total) in row["counts"].items():
            totals.setdefault(key, [0, 0])
            totals[key][0] += found
            totals[key][1] += total
    return {"articles": rows, "totals": {key: {"found": f, "total": t, "share": round(100 * f / t, 1) if t else None}
                                         for key, (f, t) in totals.items()}}


def _score_article(case: dict[str, Any], article: Any, draft: Any, known_kinds: dict[str, str]) -> dict[str, Any]:
    facts = draft.facts
    with_amount = [f for f in facts if "amount" in f]
    amounts = []
    for want in case["amounts"]:
        fact = next((f for f in with_amount if _figure(f["amount"]) == float(want["figure"])), None)
        got_period = _period(fact["amount"]) if fact else None
        got_subject = fact["amount"]["subject"] if fact else None
        amounts.append({"figure": float(want["figure"]), "found": fact is not None,
                        "subject": got_subject, "subject_ok": got_subject == entity_id(want["subject"]),
                        "period": got_period, "period_ok": got_period == str(want["period"])})
    proposed = {e["name"].casefold(): e["kind"] for e in draft.new_entities}
    kinds = {}
    for name, kind in case["kinds"].items():
        got = proposed.get(name.casefold(), known_kinds.get(name.casefold()))
        kinds[name] = {"expected": kind, "got": got, "ok": got == kind}
    headline = case.get("headline")
    quotes = [q for f in facts for q in f["source"]["quotes"]]
    statements = [f["statement"][article.lang] for f in facts]
    phrasings_fr = [p for f in facts for p in f["phrasings"]["fr"]]
    clean = {
        "headline_not_drafted": not headline or all(headline not in q for q in quotes),
        "no_dateline_in_statements": not any(_DATELINE_LEFT.search(s) for s in statements),
        "french_elision": not any(_NO_ELISION.search(p) for p in phrasings_fr),
    }
    counts = {
        "dateline_date": (int(article.date == case["date"]), 1),
        "publisher": (int((article.publisher or "") == case["publisher"]), 1),
        "figure": (sum(a["found"] for a in amounts), len(amounts)),
        "subject": (sum(a["subject_ok"] for a in amounts), len(amounts)),
        "year": (sum(a["period_ok"] for a in amounts), len(amounts)),
        "kinds": (sum(k["ok"] for k in kinds.values()), len(kinds)),
        **{key: (int(ok), 1) for key, ok in clean.items()},
    }
    return {"file": case["file"], "date": article.date, "publisher": article.publisher, "amounts": amounts,
            "kinds": kinds, "clean": clean, "counts": counts}


def _figure(amount: dict[str, Any]) -> float | None:
    value = amount.get("value", amount.get("high"))
    return float(value) if value is not None else None


def _period(amount: dict[str, Any]) -> str:
    period = amount["period"]
    return f"{period['years']} years" if period.get("years") else str(period.get("year"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=Path, default=Path(__file__).resolve().parent.parent / "tests" / "wire")
    parser.add_argument("--json", action="store_true", help="print the whole result as JSON")
    args = parser.parse_args()
    result = score(args.articles)
    if args.json:
        json.dump(result, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return
    for row in result["articles"]:
        misses = [f"{a['figure']:g}: subject {a['subject']}, period {a['period']}" for a in row["amounts"]
                  if not (a["found"] and a["subject_ok"] and a["period_ok"])]
        misses += [f"{name}: {k['got']} (expected {k['expected']})" for name, k in row["kinds"].items() if not k["ok"]]
        misses += [key for key, ok in row["clean"].items() if not ok]
        print(f"{row['file']}: date {row['date']}, publisher {row['publisher']}"
              + (f"; missed: {'; '.join(misses)}" if misses else "; all right"))
    for key, total in result["totals"].items():
        print(f"{key:28s} {total['found']:3d}/{total['total']:<3d} {total['share']}%")


if __name__ == "__main__":
    main()

"""Draft facts from an article: one per sentence that states an amount or names an entity.

A draft is a data directory of its own (``entities.yaml``, ``lexicon.yaml``, ``facts/``,
``sources/``), written apart from the loaded base, so ``aibot knowledge validate DRAFT``
checks it like the base and names every field still marked for a person
(:data:`knowledge.models.NEEDS_HUMAN`); a person fills those in and moves the fact file,
the source document and the new entities into the base.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from knowledge.coverage import SKIPPED_FILE, split_sentences
from knowledge.draft.amounts import ParsedAmount, parse_amounts
from knowledge.draft.entities import (
    EntityMatcher,
    KindContext,
    Mention,
    capitalised_words,
    guess_kind_cued,
    new_names,
)
from knowledge.draft.reading import Article, DraftLimits, DraftTooLarge, strip_dateline
from knowledge.models import NEEDS_HUMAN, Entity, EntityKind, Lang

_OTHER: dict[Lang, Lang] = {"en": "fr", "fr": "en"}
_LANGUAGE_NAMES = {"en": "English", "fr": "French"}
_PURPOSE = re.compile(r"\b(?:pour|afin de|dans|to|for|in|on)\s+(?P<purpose>[^,;.()]{6,}?)(?:\s*[,;.()]|$)",
                      re.IGNORECASE)
#: When the money is spent is the period's business, not the purpose's: "data centers in 2025".
_PERIOD_WORDS = re.compile(r"\s+(?:(?:in|en|for|pour|by|d'ici)\s+(?:19|20)\d\d\b|this year|cette année|next year|"
                           r"l'an prochain|(?:over|sur)\s+\w+\s+(?:years|ans)).*$", re.IGNORECASE)
_SUBJECT_KINDS = frozenset({EntityKind.COMPANY, EntityKind.PROJECT})
#: Named in a sentence but never what a fact is about: who published it.
_NOT_ABOUT = frozenset({EntityKind.PUBLISHER})
#: ", the maker of ChatGPT," after a name: what it names there describes, it does not act.
_APPOSITION = re.compile(r"^,\s+(?:the|a|an|its|le|la|l['’]|les|un|une|son|sa|ses)\b[^,;()]{1,90},")


@dataclass(frozen=True, slots=True)
class DraftSource:
    """Where the article comes from; ``date`` is "YYYY-MM" or "YYYY-MM-DD"."""

    source_id: str
    date: str
    publisher: str | None = None
    title: str | None = None
    url: str | None = None


@dataclass(slots=True)
class Draft:
    """What ``draft_article`` proposes, as the YAML-ready mappings it will write."""

    source: DraftSource
    article: Article
    facts: list[dict[str, Any]] = field(default_factory=list)
    new_entities: list[dict[str, Any]] = field(default_factory=list)
    #: sentences neither an amount nor a name was found in: no fact drafted
    passed_over: list[str] = field(default_factory=list)
    #: each drafted fact's amounts as parsed, for measuring the draft against a base
    amounts: dict[str, list[tuple[str, ParsedAmount]]] = field(default_factory=dict)

    @property
    def document(self) -> str:
        return f"{self.source.source_id}.txt"


def draft_article(article: Article, entities: list[Entity], source: DraftSource, *,
                  added: dt.date, limits: DraftLimits | None = None) -> Draft:
    """Draft one fact per sentence of ``article`` that states an amount or names an entity;
    :class:`DraftTooLarge` if it takes longer than ``limits.max_seconds``."""
    limits = limits or DraftLimits()
    deadline = time.monotonic() + limits.max_seconds
    draft = Draft(source=source, article=article)
    by_id = {entity.id: entity for entity in entities}
    matcher = EntityMatcher(entities)
    sentences = _sentences(article)
    elsewhere = capitalised_words(sentences)
    year = int(source.date[:4])
    proposed: dict[str, dict[str, Any]] = {}
    cued: set[str] = set()  # proposals whose kind the words around them gave, not the default
    last_subject: str | None = None
    context = _Context(entities)
    kind_context = _kind_context(article, source)
    headlines = {h for h in (article.headline, article.title) if h}
    used_phrasings: set[str] = set()
    for number, quoted in enumerate(sentences):
        if time.monotonic() > deadline:
            raise DraftTooLarge(f"drafting stopped after {limits.max_seconds:g} s, at sentence {number + 1} of "
                                f"{len(sentences)}: draft a shorter part of the article")
        if quoted in headlines:  # a headline says what the sentences say, in fewer words
            draft.passed_over.append(quoted)
            continue
        sentence = strip_dateline(quoted)
        known = matcher.find(sentence)
        new = [m for m in new_names(sentence, known, elsewhere) if m.entity_id not in by_id]
        new = _surnames_as_people(new, proposed, entities)
        for mention in new:
            if mention.known:  # a surname of someone named already
                continue
            kind, from_words = guess_kind_cued(mention.text, sentence, mention.start, kind_context)
            entry = proposed.setdefault(mention.entity_id, {"id": mention.entity_id, "name": mention.text,
                                                            "kind": kind.value})
            if from_words and mention.entity_id not in cued:  # a later, surer guess corrects the default
                entry["kind"] = kind.value
                cued.add(mention.entity_id)
        amounts = parse_amounts(sentence, article.lang, year=year)
        kinds = {**{e: EntityKind(p["kind"]) for e, p in proposed.items()}, **{e.id: e.kind for e in entities}}
        mentions = sorted([m for m in [*known, *new] if kinds.get(m.entity_id) not in _NOT_ABOUT],
                          key=lambda m: m.start)
        ids = list(dict.fromkeys([*(m.entity_id for m in mentions), *context.referred_to(sentence, mentions, kinds)]))
        context.read(mentions, kinds, by_id)
        if not amounts and not ids:
            draft.passed_over.append(quoted)
            continue
        fact_amounts = []
        for amount in amounts:
            subject = _subject(amount, mentions, kinds, by_id, sentence) or last_subject
            if subject is None:
                continue
            last_subject = subject
            fact_amounts.append((subject, amount))
        if not ids and not fact_amounts:
            draft.passed_over.append(quoted)
            continue
        for subject, _ in fact_amounts:
            if subject not in ids:
                ids.append(subject)
        names = {**{e.id: e.name for e in entities}, **{e: p["name"] for e, p in proposed.items()}}
        fact_id = f"{source.source_id}-{len(draft.facts) + 1:02d}"
        draft.facts.append(_fact(fact_id, sentence, ids, fact_amounts[:1], names, draft, added, used_phrasings))
        draft.amounts[fact_id] = fact_amounts
    draft.new_entities = list(proposed.values())
    return draft


def _sentences(article: Article) -> list[str]:
    """The article's sentences, its dateline apart: "NEW YORK, Jan. 20, 2026 (AP) -" is no
    sentence, and its abbreviated month would cut one in two."""
    text, dateline = article.text, article.dateline
    if dateline is None:
        return [s.text for s in split_sentences(text)]
    return [s.text for part in (text[:dateline.start], text[dateline.end:]) for s in split_sentences(part)]


def _kind_context(article: Article, source: DraftSource) -> KindContext:
    """The article's publishers (its agency, its site, the one given) and its dateline's places."""
    publishers = {source.publisher, article.publisher, article.dateline.agency if article.dateline else None}
    places = {article.dateline.place, article.dateline.region} if article.dateline else set()
    return KindContext(publishers=frozenset(p.casefold() for p in publishers if p),
                       places=frozenset(p.casefold() for p in places if p))


def _surnames_as_people(new: list[Mention], proposed: dict[str, dict[str, Any]],
                        entities: list[Entity]) -> list[Mention]:
    """A single word that is the last name of a person already named is that person ("Jassy")."""
    people = {p["name"].split()[-1].casefold(): p["id"] for p in proposed.values()
              if p["kind"] == EntityKind.PERSON.value and len(p["name"].split()) > 1}
    people |= {e.name.split()[-1].casefold(): e.id for e in entities
               if e.kind == EntityKind.PERSON and len(e.name.split()) > 1}
    return [Mention(people[m.text.casefold()], m.text, m.start, True)
            if " " not in m.text and m.text.casefold() in people else m for m in new]


class _Context:
    """Who the article was last about, for sentences that name no one but say "the giant",
    "le dirigeant" or "la coentreprise": a guess a person checks, like every drafted entity."""

    _ORGANISATION = re.compile(r"\b(?:le géant|la firme|sa firme|le groupe|la société|l'entreprise|the company|"
                               r"the firm|the group|the giant)\b", re.IGNORECASE)
    _LEADER = re.compile(r"\b(?:le dirigeant|le patron|son patron|its boss|its chief executive|the chief executive|"
                         r"the boss)\b(?!\s+(?:de|du|d'|of)\b)", re.IGNORECASE)
    _PROJECT = re.compile(r"\b(?:la coentreprise|le projet|the joint venture|the project|the venture)\b",
                          re.IGNORECASE)

    def __init__(self, entities: list[Entity]) -> None:
        self._leader_of = {entity.leads: entity.id for entity in entities if entity.leads}
        self._organisation: str | None = None
        self._project: str | None = None

    def referred_to(self, sentence: str, mentions: list[Mention], kinds: dict[str, EntityKind]) -> list[str]:
        named = {kinds.get(m.entity_id) for m in mentions}
        referred = []
        if self._organisation and not named & _SUBJECT_KINDS and self._ORGANISATION.search(sentence):
            referred.append(self._organisation)
        leader = self._leader_of.get(self._organisation or "")
        if leader and EntityKind.PERSON not in named and self._LEADER.search(sentence):
            referred.append(leader)
        if self._project and EntityKind.PROJECT not in named and self._PROJECT.search(sentence):
            referred.append(self._project)
        return referred

    def read(self, mentions: list[Mention], kinds: dict[str, EntityKind], by_id: dict[str, Entity]) -> None:
        """Remember the first organisation and the last project this sentence names."""
        for mention in mentions:
            led = by_id[mention.entity_id].leads if mention.entity_id in by_id else None
            if led is not None or kinds.get(mention.entity_id) in _SUBJECT_KINDS:
                self._organisation = led or mention.entity_id
                break
        projects = [m.entity_id for m in mentions if kinds.get(m.entity_id) == EntityKind.PROJECT]
        if projects:
            self._project = projects[-1]


def _subject(amount: ParsedAmount, mentions: list[Mention], kinds: dict[str, EntityKind],
             by_id: dict[str, Entity], sentence: str = "") -> str | None:
    """Who spends: the first company or project the sentence names before the amount, where a
    subject stands in English and French (a person stands for the organisation they lead),
    passing over what an apposition names (", the maker of ChatGPT,"); else one named in an
    apposition; else the first one named after the amount; a guess a person checks."""
    def organisation(mention: Mention) -> str | None:
        led = by_id[mention.entity_id].leads if mention.entity_id in by_id else None
        if led is not None:
            return led
        return mention.entity_id if kinds.get(mention.entity_id) in _SUBJECT_KINDS else None

    described = bytearray(len(sentence))
    for mention in mentions:
        end = mention.start + len(mention.text)
        apposition = _APPOSITION.match(sentence[end:])
        if apposition is not None:
            described[end:end + apposition.end()] = b"\x01" * apposition.end()
    before = [m for m in mentions if m.start < amount.start]
    acting = [organisation(m) for m in before if not (m.start < len(described) and described[m.start])]
    in_apposition = [organisation(m) for m in before]
    after = [organisation(m) for m in mentions if m.start >= amount.start]
    return next((o for o in (*acting, *in_apposition, *after) if o), None)


def _fact(fact_id: str, sentence: str, entity_ids: list[str], amounts: list[tuple[str, ParsedAmount]],
          names: dict[str, str], draft: Draft, added: dt.date, used: set[str]) -> dict[str, Any]:
    lang = draft.article.lang
    other = _OTHER[lang]
    statement = {lang: sentence, other: f"{NEEDS_HUMAN} write in {_LANGUAGE_NAMES[other]}: {sentence}"}
    fact: dict[str, Any] = {"id": fact_id, "statement": {"en": statement["en"], "fr": statement["fr"]},
                            "entities": entity_ids, "topics": []}
    phrasings: dict[str, list[str]] = {"en": [], "fr": []}
    if amounts:
        subject, amount = amounts[0]
        fact["amount"] = _amount(subject, amount, sentence, lang, int(draft.source.date[:4]))
        for question_lang, questions in _questions(names.get(subject, subject), amount).items():
            for question in questions:
                if question.casefold() not in used:
                    used.add(question.casefold())
                    phrasings[question_lang].append(question)
    for question_lang in ("en", "fr"):
        if not phrasings[question_lang]:
            phrasings[question_lang] = [f"{NEEDS_HUMAN} questions {fact_id} answers, in "
                                        f"{_LANGUAGE_NAMES[question_lang]}"]
    source = draft.source
    fact["reported"] = source.date
    fact["source"] = {
        "publisher": source.publisher or draft.article.publisher or f"{NEEDS_HUMAN} publisher",
        "title": source.title or draft.article.title or f"{NEEDS_HUMAN} title of the article",
        "date": source.date, "document": draft.document, **({"url": source.url} if source.url else {}),
        "lang": lang, "quotes": [sentence],
    }
    fact["phrasings"] = phrasings
    fact["added"] = added.isoformat()
    return fact


def _amount(subject: str, amount: ParsedAmount, sentence: str, lang: Lang, year: int) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    if amount.value is not None:
        figures["value"] = amount.value
    if amount.low is not None:
        figures["low"] = amount.low
    if amount.high is not None:
        figures["high"] = amount.high
    if amount.up_to:
        figures["up_to"] = True
    if amount.years is not None:
        period: dict[str, Any] = {"years": amount.years, "as_stated": amount.as_stated}
    elif amount.year is not None:
        period = {"year": amount.year, **({"as_stated": amount.as_stated} if amount.as_stated else {})}
    else:
        period = {"year": year, "as_stated": f"{NEEDS_HUMAN} the sentence gives no year; the article's is set: check"}
    purpose_match = _PURPOSE.search(sentence[amount.start + len(amount.text):])
    stated = _PERIOD_WORDS.sub("", purpose_match.group("purpose")).strip() if purpose_match else None
    other = _OTHER[lang]
    purpose = {lang: stated or f"{NEEDS_HUMAN} what the money is for",
               other: f"{NEEDS_HUMAN} write in {_LANGUAGE_NAMES[other]}" + (f": {stated}" if stated else "")}
    result: dict[str, Any] = {"subject": subject, "currency": amount.currency, **figures, "period": period,
                              "purpose": {"en": purpose["en"], "fr": purpose["fr"]}}
    if amount.growth_percent is not None and amount.growth_versus_year is not None:
        result["growth"] = {"percent": amount.growth_percent, "versus_year": amount.growth_versus_year}
    return result


def _questions(name: str, amount: ParsedAmount) -> dict[Lang, list[str]]:
    """Questions in both languages that the structured amount answers."""
    en: list[str] = []
    fr: list[str] = []
    if amount.years is not None:
        en += [f"How much will {name} invest over {amount.years} years?", f"{name} investment"]
        fr += [f"Combien {name} va-t-il investir sur {amount.years} ans ?", f"Investissement {_de(name)}"]
    elif amount.year is not None:
        en += [f"How much will {name} invest in {amount.year}?", f"What is {name}'s budget for {amount.year}?",
               f"{name} spending {amount.year}"]
        fr += [f"Combien {name} va-t-il investir en {amount.year} ?", f"Quel est le budget {_de(name)} pour "
               f"{amount.year} ?", f"Dépenses {_de(name)} en {amount.year}"]
    else:
        en += [f"How much is {name} spending?"]
        fr += [f"Combien {name} dépense-t-il ?"]
    if amount.growth_versus_year is not None:
        en.append(f"How much more is {name} spending than in {amount.growth_versus_year}?")
        fr.append(f"De combien les dépenses {_de(name)} augmentent-elles par rapport à {amount.growth_versus_year} ?")
    return {"en": en, "fr": fr}


def _de(name: str) -> str:
    """French "de" before a name, elided before a vowel: "d'Amazon", "de Meta"."""
    return f"d'{name}" if name[:1].casefold() in "aeiouyàâäéèêëîïôöûüù" else f"de {name}"


def write_draft(draft: Draft, out_dir: Path, base_dir: Path) -> list[Path]:
    """Write ``draft`` as a data directory in ``out_dir`` (the base's entities and lexicon
    copied in, so it validates on its own); return the files written."""
    (out_dir / "facts").mkdir(parents=True, exist_ok=True)
    (out_dir / "sources").mkdir(parents=True, exist_ok=True)
    document = out_dir / "sources" / draft.document
    document.write_text(draft.article.text, encoding="utf-8")
    facts_file = out_dir / "facts" / f"{draft.source.source_id}.yaml"
    header = (f"# Draft facts from {draft.document}, written by `aibot knowledge draft`: not loaded by the bot.\n"
              f"# Fill in every '{NEEDS_HUMAN}' (`aibot knowledge validate {out_dir}` names each), check\n"
              f"# amounts, entities and ids, then move this file, sources/{draft.document} and the new\n"
              f"# entities at the end of entities.yaml into the base.\n")
    facts_file.write_text(header + _dump({"facts": draft.facts}), encoding="utf-8")
    entities_file = out_dir / "entities.yaml"
    base_entities = (base_dir / "entities.yaml").read_text(encoding="utf-8").rstrip("\n") + "\n"
    new = "".join(
        f"  - {{id: {e['id']}, name: {_scalar(e['name'])}, kind: {e['kind']}}}  # draft: check the kind\n"
        for e in draft.new_entities)
    entities_file.write_text(base_entities + ("\n  # --- new names found in the article (draft) ---\n" + new
                                              if new else ""), encoding="utf-8")
    lexicon = out_dir / "lexicon.yaml"
    shutil.copyfile(base_dir / "lexicon.yaml", lexicon)
    written = [facts_file, document, entities_file, lexicon]
    if draft.passed_over:  # so that `aibot knowledge coverage` accounts for every sentence
        skipped = out_dir / SKIPPED_FILE
        entries = [{"document": draft.document, "text": sentence,
                    "reason": f"{NEEDS_HUMAN} no amount or name found: say why no fact needs it, or write one"}
                   for sentence in draft.passed_over]
        skipped.write_text("# Sentences no draft fact quotes; give each a reason, or a fact.\n"
                           + _dump({"skipped": entries}), encoding="utf-8")
        written.append(skipped)
    return written


def _dump(data: Any) -> str:
    """YAML through libyaml's emitter when present (pure Python took 30 s for a 1 MB article's draft)."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text: str = yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False, width=110,
                          default_flow_style=False)
    return text


def _scalar(text: str) -> str:
    return yaml.safe_dump(text, allow_unicode=True, default_style='"').strip().removesuffix("...").strip()

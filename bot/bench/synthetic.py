"""A synthetic fact base of any size, in the real schema, with questions whose answers are known.

The shipped base has a handful of facts; the bot must stay fast when admins load years of
news. This writes a data directory the real loader accepts (entities.yaml, the shipped
lexicon.yaml, facts/*.json, sources/*.txt whose text contains every quote) and a question
set: paraphrases, typos, aliases and French of known facts, plus questions the base cannot
answer (names it has never seen, key words no fact covers, off-topic chat).

Names are built from syllables so there are as many as the size needs. Names of things the
base does not know use letters known names never contain (w, x, y), so they are at least
three edits from any known name and a fair test of "an unknown name stays unknown".

Run as ``python -m bot.bench.synthetic DIR --facts N --questions Q`` (the bench does, in a
child process, so the memory the generator uses never counts in the bench's peak RSS).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from bot.language import STOP_WORDS
from knowledge.loader import DEFAULT_DATA_DIR, fold
from knowledge.models import Amount

_AMOUNT = TypeAdapter(Amount)

#: Facts per facts/*.json file and per source document.
FACTS_PER_FILE = 2000
FACTS_PER_DOCUMENT = 25
ADDED = "2026-11-26"

_CONSONANTS = "bdfgklmnprstvz"
_VOWELS = "aeiou"
_UNKNOWN_ONSETS = ["w", "x", "y", "wh", "xy", "yw"]
_COMPANY_SUFFIXES = ["Labs", "Systems", "Technologies", "Dynamics", "Networks", "Group", "Industries", ""]
_FIRST_NAMES = [
    "Alice", "Bruno", "Chloe", "David", "Emma", "Farid", "Grace", "Hugo", "Ines", "Jonas",
    "Karim", "Laura", "Marc", "Nadia", "Oscar", "Paula", "Quentin", "Rosa", "Samir", "Tessa",
    "Ugo", "Vera", "Walter", "Yasmin", "Zoe", "Amir", "Beatrice", "Camille", "Dario", "Elena",
]
_PUBLISHERS = ["AFP", "Reuters", "Les Echos", "Bloomberg", "Le Monde", "Financial Times"]
#: (English, French with its article): what the synthetic facts are about.
TOPICS: list[tuple[str, str]] = [
    ("robotics", "la robotique"), ("data centers", "les centres de données"),
    ("chips", "les puces"), ("cloud computing", "le cloud"),
    ("healthcare AI", "l'IA médicale"), ("autonomous driving", "la conduite autonome"),
    ("drug discovery", "la découverte de médicaments"), ("language models", "les modèles de langage"),
    ("AI research", "la recherche en IA"), ("cybersecurity", "la cybersécurité"),
    ("energy", "l'énergie"), ("quantum computing", "l'informatique quantique"),
    ("computer vision", "la vision par ordinateur"), ("AI assistants", "les assistants IA"),
    ("supercomputers", "les supercalculateurs"), ("servers", "les serveurs"),
    ("fintech", "la fintech"), ("farming AI", "l'IA agricole"),
    ("education technology", "les technologies éducatives"), ("satellites", "les satellites"),
    ("smart factories", "les usines intelligentes"), ("machine translation", "la traduction automatique"),
    ("weather forecasting", "la prévision météo"), ("video generation", "la génération de vidéos"),
]
YEARS = list(range(2016, 2031))
OFF_TOPIC = [
    ("What time is it?", "en"), ("Who won the football match yesterday?", "en"),
    ("Can you recommend a good pizza place?", "en"), ("How do I reset my password?", "en"),
    ("What's the weather like in Paris?", "en"), ("Tell me a joke", "en"),
    ("lorem ipsum dolor sit amet", "en"), ("How tall is the Eiffel Tower?", "en"),
    ("What is the capital of Australia?", "en"), ("When does the store open?", "en"),
    ("Quelle heure est-il ?", "fr"), ("Quel temps fera-t-il demain ?", "fr"),
    ("Qui a gagné le match hier soir ?", "fr"), ("Raconte-moi une blague", "fr"),
    ("Comment faire une pâte à crêpes ?", "fr"), ("Où se trouve la gare ?", "fr"),
    ("Quelle est la capitale du Canada ?", "fr"), ("Tu aimes le chocolat ?", "fr"),
]


@dataclass
class Name:
    """An entity as the generator knows it: id, display name, and the short alias people type."""

    id: str
    name: str
    short: str
    kind: str
    aliases: list[str] = field(default_factory=list)


@dataclass
class Generated:
    """One fact, as written to disk, and what questions about it look like."""

    fact: dict[str, Any]
    #: Wordings that are not among the fact's phrasings, each (text, lang).
    paraphrases: list[tuple[str, str]]


class _Names:
    """Unique pronounceable names; every folded name and alias is used once across the base."""

    def __init__(self, rng: random.Random, reserved: set[str]) -> None:
        self.rng = rng
        self.used = set(reserved)

    def core(self, syllables: int, onsets: str | list[str] = _CONSONANTS) -> str:
        for _ in range(1000):
            word = "".join(self.rng.choice(onsets) + self.rng.choice(_VOWELS) for _ in range(syllables))
            if self.rng.random() < 0.4:
                word += self.rng.choice("nrsl")
            if word not in self.used:
                self.used.add(word)
                return word.capitalize()
        return self.core(syllables + 1, onsets)

    def claim(self, text: str) -> bool:
        key = fold(text)
        if key in self.used:
            return False
        self.used.add(key)
        return True


def _reserved_words() -> set[str]:
    """Words a synthetic name must not be: the lexicon's and the question templates'."""
    lexicon = (DEFAULT_DATA_DIR / "lexicon.yaml").read_text(encoding="utf-8")
    words = set(fold(lexicon).split()) | STOP_WORDS["en"] | STOP_WORDS["fr"]
    for en, fr in TOPICS:
        words |= set(fold(en).split()) | set(fold(fr).split())
    return words


def _amount(rng: random.Random, subject: str, year: int, topic: tuple[str, str]) -> tuple[dict[str, Any], str, str]:
    currency = rng.choice(["USD", "USD", "USD", "EUR"])
    cur_en, cur_fr = ("dollars", "de dollars") if currency == "USD" else ("euros", "d'euros")
    low = rng.randint(1, 300)
    amount: dict[str, Any] = {
        "subject": subject, "currency": currency, "period": {"year": year},
        "purpose": {"en": topic[0], "fr": topic[1]},
    }
    if rng.random() < 0.3:
        high = low + rng.randint(1, 20)
        amount.update(low=low * 1e9, high=high * 1e9)
        return amount, f"{low} to {high} billion {cur_en}", f"{low} à {high} milliards {cur_fr}"
    amount["value"] = low * 1e9
    return amount, f"{low} billion {cur_en}", f"{low} milliards {cur_fr}"


class Generator:
    """Builds entities, facts, source documents and questions from one seed."""

    def __init__(self, facts: int, seed: int = 7) -> None:
        self.size = facts
        self.rng = random.Random(seed)
        self.names = _Names(self.rng, _reserved_words())
        self.keys: set[tuple[Any, ...]] = set()
        self.companies = [self._company(i) for i in range(max(20, facts // 12))]
        self.people = [self._person(i) for i in range(max(10, facts // 40))]
        self.leads = {p.id: self.rng.choice(self.companies) for p in self.people}
        self.places = [self._place(i) for i in range(max(10, facts // 200))]
        self.projects: list[Name] = []
        self._builders: list[tuple[float, Callable[[int], Generated | None]]] = [
            (0.40, self._invest), (0.12, self._data_center), (0.15, self._quote),
            (0.13, self._partnership), (0.10, self._project), (0.10, self._hiring),
        ]

    # -- entities ---------------------------------------------------------------------

    def _company(self, i: int) -> Name:
        core = self.names.core(self.rng.choice([2, 3, 3]))
        suffix = self.rng.choice(_COMPANY_SUFFIXES)
        name = f"{core} {suffix}".strip()
        aliases = [core] if suffix else []
        ticker = (core[:2] + core[-2:]).upper()
        if self.rng.random() < 0.5 and self.names.claim(ticker):
            aliases.append(ticker)
        return Name(f"co-{i}", name, core, "company", aliases)

    def _person(self, i: int) -> Name:
        last = self.names.core(self.rng.choice([2, 3]))
        name = f"{self.rng.choice(_FIRST_NAMES)} {last}"
        self.names.claim(name)
        return Name(f"person-{i}", name, last, "person", [last])

    def _place(self, i: int) -> Name:
        core = self.names.core(3)
        return Name(f"place-{i}", core, core, "place")

    def entities(self) -> list[Name]:
        return [*self.companies, *self.people, *self.places, *self.projects]

    # -- facts ------------------------------------------------------------------------

    def _once(self, *key: Any) -> bool:
        """True the first time a key is seen: keeps every phrasing unique across the base."""
        if key in self.keys:
            return False
        self.keys.add(key)
        return True

    def _pick(self) -> tuple[Name, tuple[str, str], int]:
        return self.rng.choice(self.companies), self.rng.choice(TOPICS), self.rng.choice(YEARS)

    def _alias(self, entity: Name) -> str:
        return self.rng.choice([entity.name, *entity.aliases])

    def _invest(self, index: int) -> Generated | None:
        company, topic, year = self._pick()
        if not self._once("invest", company.id, topic[0], year):
            return None
        amount, en, fr = _amount(self.rng, company.id, year, topic)
        c, a = company.name, self._alias(company)
        fact = self._fact(
            index, "invest", [company.id], topic, year, amount=amount,
            statement=(f"{c} plans to invest {en} in {topic[0]} in {year}.",
                       f"{c} prévoit d'investir {fr} dans {topic[1]} en {year}."),
            phrasings=([f"How much is {c} investing in {topic[0]} in {year}?",
                        f"What is {c}'s {topic[0]} budget for {year}?",
                        f"{c} {topic[0]} investment {year}"],
                       [f"Combien {c} investit-il dans {topic[1]} en {year} ?",
                        f"Quel est le budget de {c} pour {topic[1]} en {year} ?"]),
        )
        return Generated(fact, [
            (f"How much money will {a} put into {topic[0]} in {year}?", "en"),
            (f"{a} spending on {topic[0]} in {year}", "en"),
            (f"how much does {a} spend on {topic[0]} in {year}", "en"),
            (f"Combien {a} va-t-il dépenser pour {topic[1]} en {year} ?", "fr"),
        ])

    def _data_center(self, index: int) -> Generated | None:
        company, _, year = self._pick()
        place = self.rng.choice(self.places)
        if not (self._once("dc", company.id, year) and self._once("dc-place", company.id, place.id)):
            return None
        topic = TOPICS[1]
        c, a, p = company.name, self._alias(company), place.name
        fact = self._fact(
            index, "dc", [company.id, place.id], topic, year,
            statement=(f"{c} will open a new data center in {p} in {year}.",
                       f"{c} ouvrira un nouveau centre de données à {p} en {year}."),
            phrasings=([f"Where is {c} building a data center in {year}?",
                        f"Is {c} opening a data center in {p}?"],
                       [f"Où {c} construit-il un centre de données en {year} ?",
                        f"{c} ouvre-t-il un centre de données à {p} ?"]),
        )
        return Generated(fact, [
            (f"Where will {a} put its {year} data centre?", "en"),
            (f"{a} new datacenter {year}", "en"),
            (f"Dans quelle ville {a} ouvre-t-il un centre de données en {year} ?", "fr"),
        ])

    def _quote(self, index: int) -> Generated | None:
        person = self.rng.choice(self.people)
        company = self.leads[person.id]
        _, topic, year = self._pick()
        if not (self._once("quote", person.id, topic[0]) and self._once("quote-year", person.id, year)):
            return None
        n, last = person.name, person.short
        fact = self._fact(
            index, "quote", [person.id, company.id], topic, year,
            statement=(f"{n}, who leads {company.name}, said in {year} that {topic[0]} is the company's top priority.",
                       f"{n}, qui dirige {company.name}, a déclaré en {year} que {topic[1]} est la priorité "
                       "de l'entreprise."),
            phrasings=([f"What did {n} say about {topic[0]}?", f"{n} priority {year}"],
                       [f"Qu'a dit {n} sur {topic[1]} ?", f"Quelle était la priorité de {n} en {year} ?"]),
        )
        return Generated(fact, [
            (f"What does {last} think of {topic[0]}?", "en"),
            (f"{last} comments on {topic[0]}", "en"),
            (f"Que pense {last} de {topic[1]} ?", "fr"),
        ])

    def _partnership(self, index: int) -> Generated | None:
        first, topic, year = self._pick()
        second = self.rng.choice(self.companies)
        pair = tuple(sorted((first.id, second.id)))
        if first is second or not (self._once("p", pair, topic[0]) and self._once("p-year", pair, year)):
            return None
        c1, c2, a1, a2 = first.name, second.name, self._alias(first), self._alias(second)
        fact = self._fact(
            index, "partner", [first.id, second.id], topic, year,
            statement=(f"{c1} and {c2} signed a partnership on {topic[0]} in {year}.",
                       f"{c1} et {c2} ont signé un partenariat sur {topic[1]} en {year}."),
            phrasings=([f"Are {c1} and {c2} partners in {topic[0]}?", f"{c1} {c2} partnership {year}"],
                       [f"{c1} et {c2} sont-ils partenaires sur {topic[1]} ?"]),
        )
        return Generated(fact, [
            (f"Is {a1} working with {a2} on {topic[0]}?", "en"),
            (f"{a1} et {a2} travaillent-ils ensemble sur {topic[1]} ?", "fr"),
        ])

    def _project(self, index: int) -> Generated | None:
        company, topic, year = self._pick()
        core = self.names.core(3)
        project = Name(f"project-{len(self.projects)}", f"Project {core}", core, "project", [core])
        self.projects.append(project)
        c, p = company.name, project.name
        amount, en, fr = _amount(self.rng, project.id, year, topic)
        amount["up_to"] = True
        fact = self._fact(
            index, "project", [project.id, company.id], topic, year, amount=amount,
            statement=(f"{c} launched {p} in {year}, a program of up to {en} to develop {topic[0]}.",
                       f"{c} a lancé {p} en {year}, un programme de jusqu'à {fr} pour développer {topic[1]}."),
            phrasings=([f"What is {p}?", f"Who launched {p}?"],
                       [f"Qu'est-ce que {p} ?", f"Qui a lancé {p} ?"]),
        )
        return Generated(fact, [
            (f"tell me about {core}", "en"), (f"When was {core} started?", "en"),
            (f"C'est quoi {core} ?", "fr"),
        ])

    def _hiring(self, index: int) -> Generated | None:
        company, topic, year = self._pick()
        if not self._once("hire", company.id, topic[0], year):
            return None
        people = self.rng.randint(2, 90) * 50
        c, a = company.name, self._alias(company)
        fact = self._fact(
            index, "hire", [company.id], topic, year,
            statement=(f"{c} will hire {people} engineers for {topic[0]} in {year}.",
                       f"{c} va recruter {people} ingénieurs pour {topic[1]} en {year}."),
            phrasings=([f"How many engineers will {c} hire for {topic[0]} in {year}?",
                        f"{c} {topic[0]} hiring {year}"],
                       [f"Combien d'ingénieurs {c} va-t-il recruter pour {topic[1]} en {year} ?"]),
        )
        return Generated(fact, [
            (f"How big will the {topic[0]} team of {a} be in {year}?", "en"),
            (f"{a} recrute combien d'ingénieurs pour {topic[1]} en {year} ?", "fr"),
        ])

    def _fact(
        self, index: int, kind: str, entities: list[str], topic: tuple[str, str], year: int, *,
        statement: tuple[str, str], phrasings: tuple[list[str], list[str]], amount: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        fact: dict[str, Any] = {
            "id": f"syn-{index:06d}-{kind}",
            "statement": {"en": statement[0], "fr": statement[1]},
            "entities": entities,
            "topics": [topic[0]],
            "reported": f"{year}-{self.rng.randint(1, 12):02d}",
            "phrasings": {"en": phrasings[0], "fr": phrasings[1]},
            "added": ADDED,
        }
        if amount is not None:
            fact["amount"] = amount
        return fact

    def fact(self, index: int) -> Generated:
        weights = [w for w, _ in self._builders]
        for _ in range(100):
            builder = self.rng.choices([b for _, b in self._builders], weights)[0]
            generated = builder(index)
            if generated is not None:
                return generated
        raise RuntimeError("could not make a unique fact; the base is too dense for its names")

    # -- questions --------------------------------------------------------------------

    def unanswerable(self) -> tuple[str, str, str]:
        """(question, lang, kind) the base cannot answer."""
        roll = self.rng.random()
        _, topic, year = self._pick()
        if roll < 0.4:
            stranger = self.names.core(3, _UNKNOWN_ONSETS)
            text, lang = self.rng.choice([
                (f"How much is {stranger} investing in {topic[0]} in {year}?", "en"),
                (f"What did {stranger} say about {topic[0]}?", "en"),
                (f"Combien {stranger} investit-il dans {topic[1]} en {year} ?", "fr"),
            ])
            return text, lang, "unknown-name"
        if roll < 0.7:
            c = self._alias(self.rng.choice(self.companies))
            text, lang = self.rng.choice([
                (f"What is {c}'s share price?", "en"), (f"What was {c}'s revenue in {year}?", "en"),
                (f"Who is the CFO of {c}?", "en"), (f"Quel est le chiffre d'affaires de {c} en {year} ?", "fr"),
                (f"Quel est le cours de l'action {c} ?", "fr"),
            ])
            return text, lang, "uncovered"
        text, lang = self.rng.choice(OFF_TOPIC)
        return text, lang, "off-topic"

    def answerable(self, generated: Generated) -> tuple[str, str, str]:
        """(question, lang, kind) that the given fact answers."""
        fact = generated.fact
        roll = self.rng.random()
        if roll < 0.2:
            lang = self.rng.choice(["en", "fr"])
            return self.rng.choice(fact["phrasings"][lang]), lang, "exact"
        if roll < 0.35:
            lang = self.rng.choice(["en", "fr"])
            text = self.rng.choice(fact["phrasings"][lang])
            return text.lower().rstrip(" ?"), lang, "lowercase"
        text, lang = self.rng.choice(generated.paraphrases)
        if roll < 0.6:
            return typo(text, self.rng), lang, "typo"
        return text, lang, "paraphrase"


def typo(text: str, rng: random.Random) -> str:
    """One slip of the finger inside a word of six letters or more (never its first letter)."""
    words = text.split(" ")
    long_words = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
    if not long_words:
        return text
    i = rng.choice(long_words)
    word = original = words[i]
    while word == original:
        at = rng.randrange(1, len(original) - 1)
        edit = rng.choice(["swap", "drop", "double", "replace"])
        if edit == "swap":
            word = original[:at] + original[at + 1] + original[at] + original[at + 2:]
        elif edit == "drop":
            word = original[:at] + original[at + 1:]
        elif edit == "double":
            word = original[:at] + original[at] + original[at:]
        else:
            pool = _VOWELS if original[at] in _VOWELS else _CONSONANTS
            word = original[:at] + rng.choice([c for c in pool if c != original[at]]) + original[at + 1:]
    words[i] = word
    return " ".join(words)


def write_base(target: Path, facts: int, questions: int, seed: int = 7) -> dict[str, Any]:
    """Write a data directory of ``facts`` facts and ``target/questions.json``; return a summary."""
    generator = Generator(facts, seed)
    for sub in ("facts", "sources"):
        (target / sub).mkdir(parents=True, exist_ok=True)
    shutil.copyfile(DEFAULT_DATA_DIR / "lexicon.yaml", target / "lexicon.yaml")
    answerable_share = 0.7
    want_answerable = round(questions * answerable_share)
    chosen = set(generator.rng.sample(range(facts), min(facts, want_answerable)))
    asked: list[dict[str, Any]] = []
    chunk: list[dict[str, Any]] = []
    document: list[str] = []
    largest: tuple[float, str] | None = None  # (high bound, fact id), the first of equals
    smallest: tuple[float, str] | None = None
    for index in range(facts):
        generated = generator.fact(index)
        fact = generated.fact
        doc_number = index // FACTS_PER_DOCUMENT
        lang = "fr" if doc_number % 3 else "en"
        year = fact["reported"]
        fact["source"] = {
            "publisher": _PUBLISHERS[doc_number % len(_PUBLISHERS)],
            "title": f"Synthetic dispatch {doc_number}", "date": year,
            "document": f"syn_{doc_number:06d}.txt", "lang": lang,
            "quotes": [fact["statement"][lang]],
        }
        document.append(fact["statement"][lang])
        chunk.append(fact)
        if "amount" in fact:
            high = _AMOUNT.validate_python(fact["amount"]).bounds[1]
            if largest is None or high > largest[0]:
                largest = (high, fact["id"])
            if smallest is None or high < smallest[0]:
                smallest = (high, fact["id"])
        if index in chosen:
            text, q_lang, kind = generator.answerable(generated)
            asked.append({"q": text, "lang": q_lang, "kind": kind, "fact": fact["id"]})
        if (index + 1) % FACTS_PER_DOCUMENT == 0 or index + 1 == facts:
            body = f"date {year}\n\n" + "\n\n".join(document) + "\n"
            (target / "sources" / f"syn_{doc_number:06d}.txt").write_text(body, encoding="utf-8")
            document = []
        if (index + 1) % FACTS_PER_FILE == 0 or index + 1 == facts:
            path = target / "facts" / f"syn_{index // FACTS_PER_FILE:04d}.json"
            path.write_text(json.dumps({"facts": chunk}, ensure_ascii=False), encoding="utf-8")
            chunk = []
    # Rankings, computed over every amount: the biggest and the smallest are known here.
    if largest is not None and smallest is not None:
        for number in range(max(1, questions // 50)):
            text, q_lang, ascending = RANKINGS[number % len(RANKINGS)]
            asked.append({"q": text, "lang": q_lang, "kind": "ranking",
                          "fact": (smallest if ascending else largest)[1]})
    while len(asked) < questions:
        text, q_lang, kind = generator.unanswerable()
        asked.append({"q": text, "lang": q_lang, "kind": kind, "fact": None})
    generator.rng.shuffle(asked)
    # JSON is YAML: an admin's generated entity list of this size is JSON, one entity a line.
    entities = ",\n".join(json.dumps(
        {"id": e.id, "name": e.name, "kind": e.kind, "aliases": e.aliases}, ensure_ascii=False)
        for e in generator.entities())
    (target / "entities.yaml").write_text('{"entities": [\n' + entities + "\n]}\n", encoding="utf-8")
    (target / "questions.json").write_text(json.dumps(asked, ensure_ascii=False), encoding="utf-8")
    return {"facts": facts, "entities": len(generator.entities()), "questions": len(asked)}


#: Ranking questions (text, language, smallest first?), answered from every amount at once.
RANKINGS = [
    ("Who spends the most on AI?", "en", False), ("Qui dépense le plus dans l'IA ?", "fr", False),
    ("Top AI spenders?", "en", False), ("Who spends the least on AI?", "en", True),
]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a synthetic fact base and its questions.")
    parser.add_argument("target", type=Path)
    parser.add_argument("--facts", type=int, required=True)
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    print(json.dumps(write_base(args.target, args.facts, args.questions, args.seed)))


if __name__ == "__main__":
    main()

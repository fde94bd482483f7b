"""Who a sentence is about: known entities by name and alias, and new names to propose.

Known names are found as whole words, longest first, so "Meta AI" is the product and not
Meta; a name of three letters or fewer ("X", "FB", "USA") must match its case exactly.
A new name is a run of capitalised words that no known name covers; a capitalised word
opening a sentence counts only if the article also writes it capitalised elsewhere in a
sentence, or a verb follows it ("Amazon prévoit", "Nvidia said"), so "Mardi" or "Depuis"
are not proposed while "Stargate" and "Amazon" are.

Kinds are guessed from what stands around a name: a publisher where the article's agency is
named or quoted ("told Reuters", "selon l'AFP"), a place for the dateline's city and region,
US states and countries, and after "in", "à", "based in"; a person where a title or a verb
of saying goes with the name ("Andy Jassy, chief executive", "Jassy said"); a company for a
company word ("Altavia Cloud", "Corvid Labs"); else a person for two or three capitalised
words and a company for one, which a later mention with a clearer context corrects. A
person's surname alone is that person.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from knowledge.models import Entity, EntityKind

_WORD = r"[A-ZÀ-ÖØ-Þ][\w'’&.-]*[\w&]|[A-ZÀ-ÖØ-Þ]"
_NAME_RUN = re.compile(rf"(?:{_WORD})(?:\s+(?:de |du |des |of |the )?(?:{_WORD}))*")
#: Capitalised words that are not names on their own (titles, days, months, openers).
_NOT_NAMES = frozenset("""
the a an in on at for and but or of to as by with from this that these those it its he she they we i you
le la les un une des du de et mais ou donc or ni car en au aux à a dans par pour sur avec sans depuis selon
lundi mardi mercredi jeudi vendredi samedi dimanche monday tuesday wednesday thursday friday saturday sunday
janvier février mars avril mai juin juillet août septembre octobre novembre décembre january february march
april may june july august september october november december ia ai président president ceo pdg patron
interrogé asked écoutez look tous all cette ce ces mr mme m dr shares share stock stocks actions action titre
analysts analysts investors officials executives analystes investisseurs however meanwhile also ainsi aussi
""".split())
#: A lower-case word after a sentence's first word that makes it a name doing something.
_VERB_AFTER_OPENING = re.compile(
    r"^(?:['’]s\b|\s*[:,]\s*(?:the|a|an|le|la|l['’]|un|une|which|qui)?\b|\s+(?:plans?|planned|will|would|is|was|"
    r"has|had|said|says|expects?|expected|announced|announces|unveiled|raised|raises|invests?|invested|spends?|"
    r"spent|aims|intends|wants|agreed|reported|posted|could|may|might|prévoit|prévoyait|va|a|avait|compte|entend|"
    r"annonce|investit|investira|dépense|dépensera|lève|veut|souhaite|mise|table|consacre|consacrera|injecte|"
    r"s['’]engage|projette|envisage|devrait|pourrait)\b)")
#: US states and countries, in English and French: places, never companies (data for a first
#: guess a person checks, not facts).
_PLACES = frozenset(n.casefold() for n in """
Alabama|Alaska|Arizona|Arkansas|California|Californie|Colorado|Connecticut|Delaware|Florida|Floride|Georgia|
Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Louisiane|Maine|Maryland|Massachusetts|Michigan|
Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|New York|
North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Pennsylvanie|Rhode Island|South Carolina|
South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Virginie|Washington|West Virginia|Wisconsin|Wyoming|
United States|Etats-Unis|États-Unis|USA|US|U.S.|America|Amérique|Canada|Mexico|Mexique|Brazil|Brésil|
Argentina|Argentine|Chile|Chili|United Kingdom|Royaume-Uni|Britain|Grande-Bretagne|England|Angleterre|Scotland|
Ireland|Irlande|France|Germany|Allemagne|Italy|Italie|Spain|Espagne|Portugal|Netherlands|Pays-Bas|Belgium|
Belgique|Switzerland|Suisse|Austria|Autriche|Sweden|Suède|Norway|Norvège|Denmark|Danemark|Finland|Finlande|
Poland|Pologne|Ukraine|Russia|Russie|Turkey|Turquie|Israel|Israël|Egypt|Égypte|Saudi Arabia|Arabie saoudite|
United Arab Emirates|Emirats arabes unis|Émirats arabes unis|Qatar|India|Inde|Pakistan|China|Chine|Japan|Japon|
South Korea|Corée du Sud|Korea|Corée|Taiwan|Taïwan|Singapore|Singapour|Indonesia|Indonésie|Malaysia|Malaisie|
Vietnam|Thailand|Thaïlande|Philippines|Australia|Australie|New Zealand|Nouvelle-Zélande|South Africa|
Afrique du Sud|Nigeria|Kenya|Morocco|Maroc|Europe|Asia|Asie|Africa|Afrique
""".replace("\n", "").split("|"))
#: News agencies and papers that wire copy names ("told Reuters", "selon l'AFP"): publishers.
_PUBLISHERS = frozenset(n.casefold() for n in """
Reuters|AFP|AP|Associated Press|Agence France-Presse|Bloomberg|Bloomberg News|Dow Jones|CNBC|CNN|BBC|
Financial Times|FT|Wall Street Journal|WSJ|New York Times|Washington Post|The Information|Axios|TechCrunch|
The Verge|Le Monde|Les Echos|Le Figaro|Libération|Le Parisien|La Tribune|BFM|Franceinfo|Nikkei|Xinhua|Yonhap
""".replace("\n", "").split("|"))
_MEDIA_WORD = re.compile(r"\b(?:News|Times|Journal|Post|Presse|Press|Gazette|Herald|Tribune)$")
_PERSON_BEFORE = re.compile(r"\b(?:chief executive|chief executive officer|ceo|chief financial officer|cfo|founder|"
                            r"co-founder|chairman|chairwoman|president|président|présidente|pdg|directeur général|"
                            r"directrice générale|patron|patronne|fondateur|fondatrice|mr\.?|mrs\.?|ms\.?|m\.|mme)"
                            r"\s*,?\s+$", re.IGNORECASE)
_PERSON_AFTER = re.compile(r"^(?:,\s+(?:the\s+|its\s+|le\s+|la\s+|son\s+|sa\s+)?(?:\w+['’]s\s+)?(?:chief|ceo|cfo|"
                           r"founder|co-founder|chairman|president|head|président|pdg|directeur|directrice|patron|"
                           r"fondateur|fondatrice|analyst|analyste)|,?\s+(?:said|says|told|added|explained|wrote|"
                           r"a déclaré|a dit|a indiqué|a affirmé|a expliqué|a ajouté|estime|affirme|déclare))",
                           re.IGNORECASE)
_PLACE_AFTER = re.compile(r"^-based\b|^\s*-\s*based\b", re.IGNORECASE)
_INVEST_BEFORE = re.compile(r"(?:invest\w*|stake|participation|investir|investi\w*|parts?)\s+(?:\w+\s+){0,2}"
                            r"(?:in|à|au|dans)\s+$", re.IGNORECASE)
#: Words after a name that say it is a place ("à Davos", "in Paris") or a person (a title).
_COMPANY_WORDS = frozenset("""
inc corp corporation co ltd llc plc sa sas ag gmbh group groupe holdings holding industries technologies
systems labs capital partners bank banque motors energy ventures networks software semiconductor cloud digital
data ai web services solutions platforms dynamics analytics security media robotics computing semiconductors
microsystems electronics telecom communications pharma therapeutics bio studios games
""".split())
_COMPANY_BEFORE = re.compile(r"\b(?:groupe|société|entreprise|firme|start-up|startup|company|firm|group|rival|"
                             r"concurrent|géant|giant|maker|fabricant|filiale|subsidiary|unit|division|branche|"
                             r"investor|investisseur|fund|fonds)\s+$", re.IGNORECASE)
#: "the maker of Harbor", "l'éditeur de Lumen": what follows is a product.
_PRODUCT_BEFORE = re.compile(r"\b(?:maker|makers|creator|developer|publisher|fabricant|créateur|développeur|éditeur|"
                             r"concepteur)\s+(?:of|de|du|des|d['’])\s*(?:the\s+|le\s+|la\s+|l['’])?$", re.IGNORECASE)
#: A capitalised word with a nationality's ending is an adjective in English ("European").
_DEMONYM = re.compile(r"(?:ean|ian|ese|ish|ic)$")
_PLACE_BEFORE = re.compile(r"(?:\bà|\bin|\bau|\baux|\bat|\ben|\bnear|\bprès de|\bbased in|\bbasée? à)\s+$",
                           re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Mention:
    """A name found in a sentence: the entity id (known, or proposed) and the text matched."""

    entity_id: str
    text: str
    start: int
    known: bool


class EntityMatcher:
    """Finds known entities in text by every name they have."""

    def __init__(self, entities: Iterable[Entity]) -> None:
        names = sorted(((name, entity.id) for entity in entities for name in entity.names),
                       key=lambda pair: len(pair[0]), reverse=True)
        self._patterns = [
            (entity_id, re.compile(rf"(?<![\w]){re.escape(name)}(?![\w])", 0 if len(name) <= 3 else re.IGNORECASE))
            for name, entity_id in names
        ]

    def find(self, text: str) -> list[Mention]:
        """Known entities in ``text``, in order of appearance, without overlaps."""
        taken = bytearray(len(text))
        found: list[Mention] = []
        for entity_id, pattern in self._patterns:
            for match in pattern.finditer(text):
                if any(taken[match.start():match.end()]):
                    continue
                taken[match.start():match.end()] = b"\x01" * (match.end() - match.start())
                found.append(Mention(entity_id, match.group(), match.start(), True))
        return sorted(found, key=lambda mention: mention.start)


def new_names(sentence: str, known: list[Mention], capitalised_elsewhere: set[str]) -> list[Mention]:
    """Runs of capitalised words in ``sentence`` that no known name covers."""
    covered = bytearray(len(sentence))
    for mention in known:
        covered[mention.start:mention.start + len(mention.text)] = b"\x01" * len(mention.text)
    first_word = re.match(r"\W*", sentence)
    opening = first_word.end() if first_word else 0
    found: list[Mention] = []
    for run in _NAME_RUN.finditer(sentence):
        words = run.group().split()
        start = run.start()
        if start == opening and len(words) == 1 and words[0] not in capitalised_elsewhere and \
                not _VERB_AFTER_OPENING.match(sentence[run.end():]):
            continue  # a sentence's capitalised first word alone is no name unless written so elsewhere
        while words and words[0].casefold().strip(".") in _NOT_NAMES and \
                " ".join(words).casefold() not in _PUBLISHERS:  # "Les Echos", "The Information" keep theirs
            start += len(words[0]) + 1
            words = words[1:]
        while words and words[-1].casefold().strip(".") in _NOT_NAMES | {"de", "du", "des", "of", "the"}:
            words = words[:-1]
        if not words:
            continue
        words[-1] = re.sub(r"['’]s$", "", words[-1])  # "Amazon's" is Amazon
        text = " ".join(words)
        end = start + len(text)
        if any(covered[start:end]) or len(text) < 2 or (text.isupper() and len(text) > 12) or \
                (len(words) == 1 and _DEMONYM.search(text)):
            continue
        found.append(Mention(entity_id(text), text.rstrip(".,"), start, False))
    return found


def capitalised_words(sentences: Iterable[str]) -> set[str]:
    """Words an article writes capitalised somewhere other than at a sentence's start."""
    seen: set[str] = set()
    for sentence in sentences:
        for match in re.finditer(_WORD, sentence):
            if match.start() > 0 and sentence[:match.start()].strip(" \"«“(") and \
                    match.group().casefold() not in _NOT_NAMES:
                seen.add(match.group())
    return seen


@dataclass(frozen=True, slots=True)
class KindContext:
    """What the whole article says about names: its publishers and the dateline's places."""

    publishers: frozenset[str] = frozenset()
    places: frozenset[str] = frozenset()


def guess_kind(name: str, sentence: str, start: int, context: KindContext = KindContext()) -> EntityKind:
    """:func:`guess_kind_cued`'s kind alone."""
    return guess_kind_cued(name, sentence, start, context)[0]


def guess_kind_cued(name: str, sentence: str, start: int,
                    context: KindContext = KindContext()) -> tuple[EntityKind, bool]:
    """A first guess a person checks, and whether the words around the name gave it (False:
    a company by default, which a later mention may correct)."""
    words = name.split()
    folded = name.casefold()
    before, after = sentence[:start], sentence[start + len(name):]
    if folded in context.publishers or folded in _PUBLISHERS or _MEDIA_WORD.search(name) or \
            (before.rstrip().endswith("(") and after.lstrip().startswith(")")):
        return EntityKind.PUBLISHER, True
    if folded in _PLACES or folded in context.places or _PLACE_AFTER.match(after):
        return EntityKind.PLACE, True
    if _PRODUCT_BEFORE.search(before):
        return EntityKind.PRODUCT, True
    if _COMPANY_WORDS.intersection(word.casefold().strip(".,") for word in words) or _COMPANY_BEFORE.search(before):
        return EntityKind.COMPANY, True
    if _PERSON_BEFORE.search(before):
        return EntityKind.PERSON, True
    if _PLACE_BEFORE.search(before) and not _INVEST_BEFORE.search(before) and len(words) <= 2:
        return EntityKind.PLACE, True
    if len(words) <= 3 and _PERSON_AFTER.match(after):
        return EntityKind.PERSON, True
    if 2 <= len(words) <= 3 and all(word[:1].isupper() for word in words):  # "Drew Angerer": a name and surname
        return EntityKind.PERSON, False
    return EntityKind.COMPANY, False


def entity_id(name: str) -> str:
    """An id from a name: "Société Générale" -> "societe-generale"."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-") or "entity"

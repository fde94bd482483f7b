"""Text as the matcher sees it: cleaned, folded, split into words, and its language guessed.

Everything here is language plumbing that holds for any fact base (stop words, elisions,
number words, currency units); what is specific to AI investment lives in the data
(knowledge/data/lexicon.yaml).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Literal, NamedTuple

Lang = Literal["en", "fr"]

#: Longer questions are cut here before matching: no real question is longer, and the
#: matcher's cost must not depend on what a user pastes.
MAX_QUESTION_CHARS = 500

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
#: Characters that may stand between two words of one name ("Meta AI", "semi-conducteurs");
#: anything else between them (a comma, a possessive) separates them.
_JOINERS = str.maketrans("", "", " \t\n\r\u00a0\u202f-'")
_MENTION = re.compile(r"<[@#!][^<>\s]*>|(?<!\w)@(?:everyone|here|channel)\b", re.IGNORECASE)
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
_ELISION = re.compile(r"\b(l|d|qu|n|s|c|j|m|t|jusqu|lorsqu|puisqu|quoiqu)'", re.IGNORECASE)
_POSSESSIVE = re.compile(r"(?<=\w)'s\b", re.IGNORECASE)
_TOKEN = re.compile(r"\$|€|£|\d+(?:[.,]\d+)?(?:bn|mn|md|mds|b|m|k)?(?=\W|$)|[^\W\d_]+|\d+", re.UNICODE)
_TOKEN_SPLIT = re.compile(f"({_TOKEN.pattern})", re.UNICODE)
_NUMBER_WITH_UNIT = re.compile(r"^(\d+(?:[.,]\d+)?)(bn|mn|md|mds|b|m|k)$")

_UNITS = {
    "billion": "billion", "billions": "billion", "milliard": "billion", "milliards": "billion",
    "bn": "billion", "md": "billion", "mds": "billion", "mrd": "billion", "b": "billion",
    "million": "million", "millions": "million", "mn": "million", "m": "million",
    "thousand": "thousand", "mille": "thousand", "k": "thousand",
    "trillion": "trillion", "trillions": "trillion", "billiard": "trillion",
}
_UNIT_NAMES = frozenset(_UNITS.values())
_CURRENCIES = {
    "$": "usd", "usd": "usd", "dollar": "usd", "dollars": "usd",
    "€": "eur", "eur": "eur", "euro": "eur", "euros": "eur",
    "£": "gbp", "gbp": "gbp",
}
_NUMBER_WORDS = {
    "zero": 0, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
    "zéro": 0, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "sept": 7, "huit": 8,
    "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14,
    "quinze": 15, "seize": 16, "vingt": 20, "vingts": 20, "trente": 30, "quarante": 40,
    "cinquante": 50, "soixante": 60, "cent": 100, "cents": 100,
}
_MULTIPLIERS = {"hundred", "cent", "cents"}
_NUMBER_OR_UNIT = frozenset(_NUMBER_WORDS) | _UNIT_NAMES

#: Words that open a question asking for someone: "Who leads Meta?", "Qui finance Stargate ?"
WHO_WORDS = frozenset({"who", "whom", "whose", "qui"})

STOP_WORDS: dict[Lang, frozenset[str]] = {
    "en": frozenset("""
        a an the and or but if of to in on at by for with from into onto about over under
        as is are was were be been being am do does did doing done have has had having will
        would shall should can could may might must what which who whom whose when where how
        why it its it's this that these those there here i me my we our us you your he him his
        she her they them their so very too also just than then such any some all each every
        other more most much many lot lots please tell me know explain show give list describe
        let hey hi hello bot aibot exactly really actually roughly approximately about around
        currently now anyway again ok okay thanks thank going gonna get gets got make makes
        new according say says can't don't doesn't isn't aren't won't not no yes
        m s t d ll re ve one ones thing things kind sort like well still even ever yet own same only being
        keep keeps kept continue continues continuing parent owner owners despite although though
        deal story news info latest details heard hear right true correct confirm
        writing article remind wondering wonder curious need quick question asking ask last past next
    """.split()),
    "fr": frozenset("""
        le la les l un une des du de d au aux et ou mais si en dans sur sous par pour avec
        sans chez vers entre est sont etait etaient ete etre a ai as ont avait avoir fait
        faire va vont vais sera seront serait que qu qui quoi quel quelle quels quelles
        comment pourquoi quand ou ce cet cette ces c ca cela ceci il elle ils elles on je j
        me m moi tu te t toi nous vous se s lui leur leurs son sa ses mon ma mes ton ta tes
        notre nos votre vos y ne n pas plus tres trop aussi bien tout tous toute toutes
        autre autres meme deja encore alors donc puis car comme peu beaucoup assez est-ce
        dis dites donne donnez explique expliquez montre liste svp merci bonjour salut
        actuellement maintenant environ exactement vraiment selon quoi-ce
        continuer continue continuent toujours mere proprietaire malgre bien que
        pendant durant vrai exact confirmer infos nouvelles koi kwa stp savoir
        fera feront ferait feraient aime aimer aiment apprecie apprecier apprecient
    """.split()),
}
#: Words that only French (or only English) questions use, to tell the two apart.
_FRENCH_MARKERS = frozenset("""
    le la les des du de un une est sont et dans pour avec que qui quoi quel quelle quels
    quelles combien pourquoi comment quand cette ces il elle ils va vont sur au aux pas ne
    ia c'est qu'est-ce dépense dépenser investit investir milliards
""".split())
_ENGLISH_MARKERS = frozenset("""
    the is are what how much who why does do did will in on of and to for with this that
    much many spend spending invest investing billion it its be
""".split())
#: A few words of the languages people most often try instead, so the bot can say it
#: answers in English and French rather than guess.
_OTHER_MARKERS = frozenset("""
    cuánto cuanto qué cómo cuál por está están invierte inversión dinero el los las
    wie viel viele ist sind und der die das nicht warum welche investiert geld
    quanto quanti che sono perché investe soldi quanta
""".split())


class Word(NamedTuple):
    """One word of a question: its folded form, whether the user capitalised it, and
    whether punctuation separates it from the word before (a name never spans a comma
    or a possessive: "Meta's AI" is not the product "Meta AI"). A named tuple, because
    indexing a large fact base makes millions of them."""

    text: str
    capitalised: bool
    position: int
    breaks_before: bool = False


def clean(text: str, limit: int | None = MAX_QUESTION_CHARS) -> str:
    """Drop control and invisible characters, chat mention markup and extra spaces; cut to
    ``limit`` (the engine's bound on one question; the conversation layer reads a whole
    message with ``limit=None`` and finds the question in it). Mentions (<@U1>,
    <!channel>, @everyone) say who is addressed, not what is asked, and must never travel
    on into an answer."""
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = " ".join(text.split())
    return text if limit is None else text[:limit]


def clean_lines(text: str) -> str:
    """:func:`clean` for a whole message, kept in its lines (a new line ends a sentence) and
    never cut."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub(" ", text)  # keeps new lines: they are not in the class
    text = _MENTION.sub(" ", text)
    return "\n".join(" ".join(line.split()) for line in text.split("\n") if line.strip())


def fold(text: str) -> str:
    """Lower case without accents, straight apostrophes: the form every comparison uses."""
    if text.isascii():  # the common case, where decomposing and dropping accents change nothing
        return text.replace("`", "'").lower()
    text = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES).casefold())
    return "".join(c for c in text if not unicodedata.combining(c))


def detect_language(text: str) -> Lang:
    """English or French, by the words and signs each language uses; English when unsure."""
    french, english = marker_counts(text)
    return "fr" if french > english else "en"


def marker_counts(text: str) -> tuple[int, int]:
    """(French, English) evidence in ``text``: function words, elisions, accented letters."""
    lowered = text.translate(_APOSTROPHES).lower()
    words = re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", lowered)
    french = sum(w in _FRENCH_MARKERS for w in words)
    french += len(_ELISION.findall(lowered))
    french += sum(c in "éèêàùçôîœ" for c in lowered)
    english = sum(w in _ENGLISH_MARKERS for w in words)
    return french, english


def looks_foreign(text: str) -> bool:
    """True when the question reads as neither English nor French (Spanish, German, ...)."""
    lowered = text.lower()
    words = re.findall(r"[^\W\d_]+", lowered)
    other = sum(w in _OTHER_MARKERS for w in words) + sum(c in "¿¡ñßäöü" for c in lowered)
    known = sum(w in _FRENCH_MARKERS or w in _ENGLISH_MARKERS for w in words)
    return other >= 2 and other > known


def words(text: str) -> list[Word]:
    """Split into folded words; elisions and possessives dropped, amounts made canonical.

    "l'IA" -> ia; "Meta's" -> meta; "$65bn" -> usd 65 billion; "soixante-cinq" -> 65.
    """
    result = _unmerged_words(text)
    if _NUMBER_OR_UNIT.isdisjoint(w.text for w in result):
        return result  # the common case: no "a billion", no "soixante-cinq"
    return _merge_number_words(_one_before_unit(result))


def word_texts(texts: Iterable[str]) -> list[tuple[str, ...]]:
    """``tuple(w.text for w in words(text))`` for each text, several times faster on many.

    The rules of :func:`words` never look past a space until number words are merged, so
    each distinct space-separated chunk is read once; a text with number words or units
    ("a billion") is read whole."""
    chunks: dict[str, tuple[str, ...]] = {}
    found = []
    for text in texts:
        read: list[str] = []
        for chunk in text.split(" "):
            known = chunks.get(chunk)
            if known is None:
                known = chunks[chunk] = tuple(w.text for w in _unmerged_words(chunk))
            read += known
        if not _NUMBER_OR_UNIT.isdisjoint(read):
            read = [w.text for w in words(text)]
        found.append(tuple(read))
    return found


def written_words(text: str) -> list[str]:
    """The words of ``text`` as written, before number words merge ("four" stays "four"):
    what the base's vocabulary holds, so a typo of a number word is corrected too."""
    return [w.text for w in _unmerged_words(text)]


def _unmerged_words(text: str) -> list[Word]:
    """The words of ``text`` before number words and units are merged."""
    text = text.translate(_APOSTROPHES)
    text = _POSSESSIVE.sub(",", text)
    text = _ELISION.sub(r"\1 ", text)
    parts = _TOKEN_SPLIT.split(text)  # gap, token, gap, token, ..., gap
    result: list[Word] = []
    for i in range(1, len(parts), 2):
        raw = parts[i]
        gap = parts[i - 1]
        breaks = bool(result) and bool(gap) and bool(gap.translate(_JOINERS))
        capitalised = raw[0].isupper()
        pieces = _pieces(raw)
        result.append(Word(pieces[0], capitalised, len(result), breaks))
        for piece in pieces[1:]:
            result.append(Word(piece, capitalised, len(result)))
    return result


@lru_cache(maxsize=200_000)
def _pieces(raw: str) -> tuple[str, ...]:
    """The canonical word(s) of one token; cached, as the same tokens recur endlessly."""
    folded = fold(raw)
    unit = _NUMBER_WITH_UNIT.match(folded)
    if unit:
        return unit.group(1).replace(",", "."), _UNITS[unit.group(2)]
    if folded in _CURRENCIES:
        return (_CURRENCIES[folded],)
    if folded in _UNITS and folded not in {"b", "m", "k"}:
        return (_UNITS[folded],)
    return (folded.replace(",", ".") if folded[:1].isdigit() else folded,)


def _one_before_unit(items: list[Word]) -> list[Word]:
    """ "a billion people" / "un milliard" -> 1 billion, so the figure is a number like any other."""
    out = list(items)
    for i in range(1, len(out)):
        if out[i].text in _UNIT_NAMES and out[i - 1].text in {"a", "an", "one", "un", "une"}:
            out[i - 1] = Word("1", out[i - 1].capitalised, out[i - 1].position, out[i - 1].breaks_before)
    return out


def _merge_number_words(items: list[Word]) -> list[Word]:
    """Turn runs of number words into digits: "sixty five" -> 65, "quatre vingt" -> 80."""
    out: list[Word] = []
    total: int | None = None
    first: Word | None = None
    for item in items:
        value = _NUMBER_WORDS.get(item.text)
        if value is None and item.text == "et" and total is not None:
            continue  # "vingt et un"
        if value is None:
            if total is not None and first is not None:
                out.append(Word(str(total), first.capitalised, len(out), first.breaks_before))
                total, first = None, None
            out.append(Word(item.text, item.capitalised, len(out), item.breaks_before))
            continue
        if total is None:
            total, first = value, item
        elif item.text in _MULTIPLIERS:
            total = max(total, 1) * value
        elif total in {4} and value == 20:  # quatre-vingt(s)
            total = 80
        else:
            total += value
    if total is not None and first is not None:
        out.append(Word(str(total), first.capitalised, len(out), first.breaks_before))
    return out


#: A figure as :func:`words` gives it; "½" folds to "1⁄2" and "²" to "2", so a first digit is not enough.
_FIGURE = re.compile(r"\d+(?:\.\d+)?")


def is_number(token: str) -> bool:
    """True for a token ``float`` reads ("12", "1.5"), for any Unicode input."""
    return bool(token) and token[0].isdigit() and _FIGURE.fullmatch(token) is not None


def is_year(token: str) -> bool:
    return token.isdigit() and len(token) == 4 and 1900 <= int(token) <= 2200

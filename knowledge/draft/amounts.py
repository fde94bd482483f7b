"""Amounts of money in a sentence, in English and French number styles.

"60 à 65 milliards de dollars", "$60bn-$65bn", "80 billion dollars", "up to $500 billion over
four years", "1,5 milliard d'euros", "$2,000 million": each becomes a value or a low-high
range with its currency, whether it is an "up to", the year or span of years it covers,
and a growth it is stated against ("50% more than in 2024", "50% de plus qu'en 2024").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from knowledge.models import Lang

_NUMBER = r"\d{1,3}(?:[ \u00a0\u202f.,]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"
_PREFIX = {"US$": "USD", "$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY"}
_CURRENCY_WORDS = {
    "dollar": "USD", "dollars": "USD", "usd": "USD", "euro": "EUR", "euros": "EUR", "eur": "EUR",
    "pound": "GBP", "pounds": "GBP", "livre": "GBP", "livres": "GBP", "sterling": "GBP", "gbp": "GBP",
    "yen": "JPY", "yens": "JPY", "jpy": "JPY", "yuan": "CNY", "yuans": "CNY", "cny": "CNY",
}
#: Scale words; French "billion" is a million millions, English "billion" a thousand millions.
_SCALES: dict[str, float] = {
    "thousand": 1e3, "k": 1e3, "mille": 1e3,
    "million": 1e6, "millions": 1e6, "m": 1e6, "mn": 1e6, "mln": 1e6,
    "billion": 1e9, "billions": 1e9, "bn": 1e9, "b": 1e9,
    "milliard": 1e9, "milliards": 1e9, "md": 1e9, "mds": 1e9, "mrd": 1e9,
    "trillion": 1e12, "trillions": 1e12, "tn": 1e12,
}
_FRENCH_SCALES = {"billion": 1e12, "billions": 1e12}
_SCALE_WORDS = "|".join(sorted(_SCALES, key=len, reverse=True))
_CURRENCY_AFTER = (r"(?:(?:de |d['’])\s*)?(?:US\s?)?(?:"
                   + "|".join(sorted(_CURRENCY_WORDS, key=len, reverse=True)) + r")")

_MONEY = re.compile(
    rf"(?P<prefix>US\$|\$|€|£|¥)?\s?(?P<number>{_NUMBER})(?:\s?(?P<scale>{_SCALE_WORDS}))?\b"
    rf"(?:\s*(?P<currency>{_CURRENCY_AFTER})\b)?",
    re.IGNORECASE,
)
#: What joins the two ends of a range: "60 à 65", "$60bn-$65bn", "between 60 and 65".
_RANGE_JOIN = re.compile(r"^\s*(?:à|a|-|–|—|to|and|et)\s*$", re.IGNORECASE)
_RANGE_LOW = re.compile(rf"(?P<number>{_NUMBER})\s*(?:à|-|–|—|to|and|et)\s*$", re.IGNORECASE)
_UP_TO = re.compile(r"(?:up to|as much as|jusqu['’]à|jusqu['’]a|au plus|as high as)\s*$", re.IGNORECASE)
_WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "un": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "sept": 7, "huit": 8, "neuf": 9, "dix": 10,
}
_COUNT = r"\d+|" + "|".join(_WORD_NUMBERS)
_YEARS_SPAN = re.compile(
    rf"\b(?:over|across|in the next|within|sur|en|pendant|durant|d'ici)\s+(?:the\s+next\s+|les\s+)?"
    rf"(?P<count>{_COUNT})\s+(?:years|ans|années)\b", re.IGNORECASE)
_YEAR = re.compile(
    r"\b(?:in|for|by|during|en|pour|durant|d'ici)\s+(?:fiscal\s+|l'exercice\s+)?(?P<year>(?:19|20)\d\d)\b",
    re.IGNORECASE)
_RELATIVE_YEARS = {
    "this year": 0, "cette année": 0, "cette annee": 0, "next year": 1, "l'an prochain": 1,
    "l'année prochaine": 1, "l'annee prochaine": 1, "last year": -1, "l'an dernier": -1, "l'année dernière": -1,
    "l'annee derniere": -1, "l'an passé": -1, "l'année passée": -1, "l'an passe": -1, "l'annee passee": -1,
}
_THIS_YEAR = re.compile(r"(?<![\w])(?P<said>" + "|".join(sorted(_RELATIVE_YEARS, key=len, reverse=True)).replace(
    "'", "['’]") + r")(?![\w])", re.IGNORECASE)
#: Words that make what follows a comparison, not the amount's own period: "this year, up
#: from $83 billion in 2025", "contre 40 milliards l'an dernier".
_COMPARED = (r"(?:(?:up|down|rising|climbing|falling|jumping|increasing|compared|comparés?)\s+(?:from|with|to|à)"
             r"|versus|vs\.?|than in|than last|than the|contre|par rapport à|qu['’]en|que l['’]an|que l['’]année)")
_COMPARISON_BEFORE_YEAR = re.compile(rf"\b{_COMPARED}\s[^;:]{{0,40}}$", re.IGNORECASE)
_COMPARISON_BEFORE_AMOUNT = re.compile(rf"\b{_COMPARED}\s*$", re.IGNORECASE)
_GROWTH = re.compile(
    r"(?P<percent>\d+(?:[.,]\d+)?)\s?%\s*(?:de plus|more|higher|up|de hausse|d['’]augmentation|increase)"
    r"[^.;%\d]{0,30}?(?P<year>(?:19|20)\d\d)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ParsedAmount:
    """One amount of money found in a sentence, with the text it was read from."""

    text: str
    currency: str
    value: float | None = None
    low: float | None = None
    high: float | None = None
    up_to: bool = False
    year: int | None = None
    years: int | None = None
    as_stated: str | None = None
    growth_percent: float | None = None
    growth_versus_year: int | None = None
    start: int = 0


def parse_number(text: str, lang: Lang) -> float:
    """A number as written. Spaces group thousands; with both "." and "," the last one is the
    decimal mark; with one of them, it groups thousands when every group after it has three
    digits and it is the language's thousands mark ("2,000" en, "2.000" fr) or it appears
    twice, and is the decimal mark otherwise ("1,5" and "1.5" in either language)."""
    digits = re.sub(r"[ \u00a0\u202f]", "", text)
    marks = set(re.findall(r"[.,]", digits))
    if len(marks) == 2:
        decimal = digits[max(digits.rfind("."), digits.rfind(","))]
        return float(digits.replace("," if decimal == "." else ".", "").replace(decimal, "."))
    if not marks:
        return float(digits)
    (mark,) = marks
    head, *groups = digits.split(mark)
    thousands_mark = "," if lang == "en" else "."
    if all(len(group) == 3 for group in groups) and (mark == thousands_mark or len(groups) > 1):
        return float(head + "".join(groups))
    return float(digits.replace(mark, "."))


def parse_amounts(sentence: str, lang: Lang, *, year: int | None = None) -> list[ParsedAmount]:
    """Every amount of money in ``sentence``; ``year`` is the article's, for "this year"."""
    found: list[ParsedAmount] = []
    candidates = list(_MONEY.finditer(sentence))
    used: set[int] = set()
    for index, mention in enumerate(candidates):
        if index in used or not _is_money(mention):
            continue
        currency = _currency(mention)
        scale = _scale(mention, lang)
        figure = parse_number(mention.group("number"), lang)
        start, end = mention.start(), mention.end()
        low: float | None = None
        following = candidates[index + 1] if index + 1 < len(candidates) else None
        if following is not None and _RANGE_JOIN.match(sentence[end:following.start()]):
            # "$60bn-$65bn", "$60-65 billion": a bare low end takes the high end's scale
            high_scale = _scale(following, lang) if following.group("scale") else scale
            low = figure * (scale if mention.group("scale") else high_scale)
            figure = parse_number(following.group("number"), lang) * high_scale
            currency = currency or _currency(following)
            end = following.end()
            used.add(index + 1)
        else:
            figure *= scale
            before = _RANGE_LOW.search(sentence[max(0, start - 20):start])
            if before is not None:  # "60 à 65 milliards de dollars": the low end is a bare number
                low = parse_number(before.group("number"), lang) * scale
                start = max(0, start - 20) + before.start()
        if low is not None and low > figure:
            low = None
        up_to = bool(_UP_TO.search(sentence[max(0, start - 20):start]))
        ranged = low is not None or up_to
        found.append(ParsedAmount(
            text=sentence[start:end].strip(), currency=currency or "USD",
            value=None if ranged else figure, low=low, high=figure if ranged else None,
            up_to=up_to and low is None, start=start, **_growth(sentence, lang),  # type: ignore[arg-type]
        ))
    # each amount's period is read from its own part of the sentence: from the end of the
    # amount before it to the start of the one after it
    ends = [0, *(a.start + len(a.text) for a in found)]
    starts = [*(a.start for a in found[1:]), len(sentence)]
    first = found[0].start if found else 0
    return [replace(amount, **_period(sentence, amount.start, amount.start + len(amount.text),  # type: ignore[arg-type]
                                       year, ends[i], starts[i], first))
            for i, amount in enumerate(found)]


def _is_money(mention: re.Match[str]) -> bool:
    """A number is money when a currency is written next to it (a scale alone is not enough:
    "a billion people")."""
    return bool(mention.group("prefix") or mention.group("currency"))


def _currency(mention: re.Match[str]) -> str | None:
    if mention.group("prefix"):
        return _PREFIX[mention.group("prefix").upper()]
    if mention.group("currency"):
        word = re.sub(r"^(?:de |d['’])\s*|^us\s?", "", mention.group("currency").lower())
        return _CURRENCY_WORDS[word.strip()]
    return None


def _scale(mention: re.Match[str], lang: Lang) -> float:
    word = (mention.group("scale") or "").lower()
    if not word:
        return 1.0
    if lang == "fr" and word in _FRENCH_SCALES:
        return _FRENCH_SCALES[word]
    return _SCALES[word]


def _period(sentence: str, start: int, end: int, year: int | None, since: int = 0,
            until: int | None = None, first: int | None = None) -> dict[str, int | str | None]:
    """The span after the amount ("over four years") first; then the years written ("in
    2026") or relative to the article's ``year`` ("this year", "l'an dernier") in the
    amount's own part of the sentence (``since``-``until``, between the amounts around it),
    after it first: an amount given as a comparison ("up from $83 billion in 2025") takes
    the year after it, any other amount the first year that is no comparison's or stated
    growth's; failing that, the first such year before every amount ("In 2026, Meta will
    spend $60bn and Google $75bn")."""
    until = len(sentence) if until is None else until
    span = _YEARS_SPAN.search(sentence[end:until])
    if span is not None:
        count = span.group("count").lower()
        return {"years": int(count) if count.isdigit() else _WORD_NUMBERS[count], "as_stated": span.group(0).strip()}
    growth_years = {m.group("year") for m in _GROWTH.finditer(sentence)}
    mentions: list[tuple[int, int, str | None, bool]] = []  # (where, year, as stated, a comparison's)
    for match in _YEAR.finditer(sentence):
        compared = match.group("year") in growth_years or bool(
            _COMPARISON_BEFORE_YEAR.search(sentence[max(0, match.start() - 50):match.start()]))
        mentions.append((match.start(), int(match.group("year")), None, compared))
    if year is not None:
        for match in _THIS_YEAR.finditer(sentence):
            said = match.group("said")
            shift = _RELATIVE_YEARS[said.lower().replace("’", "'")]
            compared = bool(_COMPARISON_BEFORE_YEAR.search(sentence[max(0, match.start() - 50):match.start()]))
            mentions.append((match.start(), year + shift, said, compared))
    mentions.sort()
    own = [m for m in mentions if end <= m[0] < until] + [m for m in mentions if since <= m[0] < start]
    if _COMPARISON_BEFORE_AMOUNT.search(sentence[max(0, start - 25):start]):
        chosen = next(iter(own), None)
    else:
        shared = [m for m in mentions if m[0] < (start if first is None else first)]
        chosen = next((m for m in (*own, *shared) if not m[3]), None)
    if chosen is None:
        return {}
    return {"year": chosen[1], "as_stated": chosen[2]}


def _growth(sentence: str, lang: Lang) -> dict[str, float | int]:
    match = _GROWTH.search(sentence)
    if match is None:
        return {}
    return {"growth_percent": parse_number(match.group("percent"), lang),
            "growth_versus_year": int(match.group("year"))}

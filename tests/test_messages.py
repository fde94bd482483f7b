"""Every sentence a person reads exists in both languages, with the same blanks."""

from __future__ import annotations

import string

from bot.messages import TEXTS, billions, join_names, month_year


def blanks(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_has_english_and_french_with_the_same_blanks() -> None:
    for key, variants in TEXTS.items():
        assert set(variants) == {"en", "fr"}, key
        assert variants["en"].strip() and variants["fr"].strip(), key
        assert blanks(variants["en"]) == blanks(variants["fr"]), key


def test_formatting_helpers() -> None:
    assert month_year("2025-01", "en") == "January 2025" and month_year("2025-01-24", "fr") == "janvier 2025"
    assert billions(42.5e9, "fr") == "42,5" and billions(80e9, "en") == "80"
    assert join_names(["Meta", "Microsoft", "Stargate"], "fr") == "Meta, Microsoft et Stargate"


def test_french_amounts_elide_before_a_vowel() -> None:
    from pydantic import TypeAdapter

    from bot.computed import amount_text
    from knowledge.models import Amount

    def amount(currency: str) -> Amount:
        return TypeAdapter(Amount).validate_python({"subject": "x", "currency": currency, "value": 5e9,
                                                    "period": {"year": 2025}, "purpose": {"en": "AI", "fr": "l'IA"}})

    assert amount_text(amount("EUR"), "fr") == "5 milliards d'euros"
    assert amount_text(amount("USD"), "fr") == "5 milliards de dollars"
    assert amount_text(amount("JPY"), "fr") == "5 milliards de yens"
    assert amount_text(amount("EUR"), "en") == "5 billion euros"

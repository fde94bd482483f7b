"""A digest dated today says "as of" on figures older than the stale setting, as a chat answer does."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from bot import messages
from bot.cli import main
from bot.digest.compose import DigestComposer, render_text
from bot.language import Lang
from bot.runtime import open_services
from bot.settings import load_settings
from knowledge.freshness import stale_since
from knowledge.models import FactBase

TODAY = date(2026, 12, 8)
AS_OF = {"en": ", as of January 2025", "fr": ", en date de janvier 2025"}
PREFIX = {"en": "As of January 2025: ", "fr": "En date de janvier 2025 : "}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_old_headline_figures_and_facts_say_when_they_were_true(fact_base: FactBase, lang: Lang) -> None:
    digest = DigestComposer(fact_base, stale_after_months=12).compose(lang, TODAY).digest
    assert digest.headline
    for item in digest.headline:
        assert item.text.endswith(AS_OF[lang]), item.text
    assert digest.fact_of_the_day is not None
    assert digest.fact_of_the_day.text.startswith(PREFIX[lang])
    assert digest.title == messages.text("digest_title", lang, date="8 décembre 2026" if lang == "fr"
                                         else "December 8, 2026")


def test_a_fact_is_dated_from_the_day_it_turns_stale(fact_base: FactBase) -> None:
    composer = DigestComposer(fact_base, stale_after_months=12)
    first = min(stale_since(f, 12) for f in fact_base.facts if f.amount is not None)
    before = composer.compose("en", first - timedelta(days=1)).digest
    assert not [i for i in before.headline if "as of" in i.text]
    on_the_day = composer.compose("en", first).digest
    assert [i for i in on_the_day.headline if i.text.endswith(AS_OF["en"])]


def test_recent_figures_and_no_setting_are_not_dated(fact_base: FactBase) -> None:
    recent = DigestComposer(fact_base, stale_after_months=12).compose("en", date(2025, 3, 3)).digest
    undated = DigestComposer(fact_base).compose("en", TODAY).digest
    for digest in (recent, undated):
        text = render_text(digest)
        assert "as of" not in text.lower(), text


def test_the_preview_command_uses_the_stale_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run today (the shipped facts are from January 2025): dated by default, not with a long setting."""
    dated = CliRunner().invoke(main, ["digest", "preview"])
    assert dated.exit_code == 0, dated.output
    assert AS_OF["en"] in dated.stdout and PREFIX["en"] in dated.stdout
    monkeypatch.setenv("AIBOT_STALE_AFTER_MONTHS", "1200")
    undated = CliRunner().invoke(main, ["digest", "preview"])
    assert undated.exit_code == 0, undated.output
    assert "as of" not in undated.stdout.lower()


async def test_the_running_bot_composes_digests_with_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIBOT_STALE_AFTER_MONTHS", "7")
    async with open_services(load_settings()) as services:
        assert services.digests is not None
        composer = services.digests.composer
        assert composer.stale_after_months == 7
        assert composer.compose("en", TODAY).digest.headline[0].text.endswith(AS_OF["en"])

"""Charts on Discord: /chart and digests send the PNG as a multipart attachment shown in the embed.

The real discord.py client against the fake Discord, which parses the multipart body and
keeps each file part's bytes.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import pytest

from adapters.discord import charts as discord_charts
from bot.charts import CACHE, Chart, make_chart
from bot.digest.compose import DigestComposer
from bot.language import Lang
from knowledge.models import FactBase
from tests.discord.conftest import StartBot
from tests.discord.fake import CHANNEL_ID, OTHER_CHANNEL_ID, FakeDiscord, Request


@pytest.fixture(autouse=True)
def fresh_fallback_log() -> None:
    """"Logged once" is per process; each test starts as a new process would."""
    discord_charts._logged.clear()


async def drawn(base: FactBase, lang: Lang) -> Chart:
    chart = await make_chart(base, lang)
    assert chart is not None
    return chart


def assert_chart_message(request: Request, body: dict[str, Any], chart: Chart, lang: Lang) -> None:
    """A multipart request whose file part is the PNG, and an embed whose image points to it."""
    name = f"aibot-chart-{lang}.png"
    assert request.content_type == "multipart/form-data"
    [part] = request.files
    assert (part.field, part.filename, part.data) == ("files[0]", name, chart.png)
    [attachment] = body["attachments"]
    assert attachment["filename"] == name and attachment["description"] == chart.alt_text
    [embed] = body["embeds"]
    assert embed["image"]["url"] == f"attachment://{name}"


async def test_slash_chart_sends_the_png_as_an_attachment_shown_in_the_embed(
    fake: FakeDiscord, start_bot: StartBot, fact_base: FactBase,
) -> None:
    chart = await drawn(fact_base, "fr")
    await start_bot()
    interaction = await fake.slash("chart", [{"name": "language", "type": 3, "value": "fr"}])
    [callback] = await fake.wait_for(lambda: fake.callbacks(interaction))
    data = callback.body["data"]
    assert_chart_message(callback, data, chart, "fr")
    assert data["embeds"][0]["title"] == "Investissements annoncés dans l'IA"
    assert data["embeds"][0]["description"] == chart.alt_text
    assert data["allowed_mentions"]["parse"] == []


async def test_slash_chart_follows_the_client_language_and_survives_a_deferral(
    fake: FakeDiscord, start_bot: StartBot, fact_base: FactBase,
) -> None:
    """A cold first draw can take over two seconds: the answer then comes as a follow-up."""
    CACHE.clear()  # so the command has to draw, which takes longer than defer_after
    await start_bot(platform_options={"defer_after": 0.0})
    interaction = await fake.slash("chart", locale="en-GB")
    [deferred] = await fake.wait_for(lambda: fake.callbacks(interaction))
    assert deferred.body["type"] == 5
    [follow_up] = await fake.wait_for(lambda: fake.calls("POST", rf"/webhooks/\d+/token-{interaction}"))
    assert_chart_message(follow_up, follow_up.body, await drawn(fact_base, "en"), "en")


async def test_a_refused_attachment_falls_back_to_the_text_ranking_logged_once(
    fake: FakeDiscord, start_bot: StartBot, fact_base: FactBase, caplog: pytest.LogCaptureFixture,
) -> None:
    await drawn(fact_base, "en")
    await start_bot()
    fake.attachment_errors[CHANNEL_ID] = (403, 50013)
    answers = []
    for _ in range(2):
        interaction = await fake.slash("chart", [{"name": "language", "type": 3, "value": "en"}])
        answers.append(await fake.wait_for(lambda i=interaction: len(fake.callbacks(i)) == 2 and fake.callbacks(i)))
    for refused, fallback in answers:
        assert refused.files and not fallback.files
        text = fallback.body["data"]["embeds"][0]["description"]
        assert "Announced AI investments, biggest first:" in text
        assert "80 billion dollars in 2025" in text and "up to 500 billion dollars over 4 years" in text
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "chart attachment" in r.getMessage()]
    assert len(warnings) == 1 and "403" in warnings[0].getMessage()


async def test_a_digest_shows_the_chart_in_its_embed_in_its_language(
    fake: FakeDiscord, start_bot: StartBot, fact_base: FactBase,
) -> None:
    platform = await start_bot()
    digest = DigestComposer(fact_base).compose("fr", date(2025, 3, 3)).digest
    await platform.post_digest(None, str(CHANNEL_ID), digest)
    [post] = fake.channel_posts()
    assert_chart_message(post, post.body, await drawn(fact_base, "fr"), "fr")
    assert post.body["embeds"][0]["title"] == digest.title
    assert "**Chiffres clés**" in post.body["embeds"][0]["description"]


async def test_a_digest_whose_chart_is_refused_is_posted_without_it(
    fake: FakeDiscord, start_bot: StartBot, fact_base: FactBase, caplog: pytest.LogCaptureFixture,
) -> None:
    platform = await start_bot()
    fake.attachment_errors[OTHER_CHANNEL_ID] = (403, 50013)
    digest = DigestComposer(fact_base).compose("en", date(2025, 3, 3)).digest
    await platform.post_digest(None, str(OTHER_CHANNEL_ID), digest)
    refused, posted = fake.channel_posts(OTHER_CHANNEL_ID)
    assert refused.files and not posted.files
    assert "image" not in posted.body["embeds"][0]
    assert posted.body["embeds"][0]["title"] == digest.title
    assert any("chart attachment" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


async def test_a_base_with_one_amount_gets_no_chart_in_its_digest(fact_base: FactBase) -> None:
    first = next(f for f in fact_base.facts if f.amount is not None)
    single = fact_base.model_copy(update={"facts": [f for f in fact_base.facts if f.amount is None or f is first],
                                          "digest": None})
    assert DigestComposer(single).compose("en", date(2025, 3, 3)).digest.chart is None
    assert DigestComposer(fact_base).compose("en", date(2025, 3, 3)).digest.chart is not None

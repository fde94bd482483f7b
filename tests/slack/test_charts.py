"""Charts on Slack: /aibot chart, a chart into a thread, the chart with a digest, the text fallback.

The real slack_sdk ``files_upload_v2`` runs against the fake Slack: files.getUploadURLExternal,
the bytes POSTed to the 127.0.0.1 URL it returned, files.completeUploadExternal.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import date
from typing import Any

import aiohttp
import pytest

from adapters.slack import translate
from adapters.slack.upload import upload_chart
from bot.charts import make_chart
from bot.digest.compose import DigestComposer
from knowledge.models import FactBase
from tests.slack.fake_slack import TEAM_ID, FakeSlack, event_callback, mention, slash_command
from tests.slack.helpers import send_event, send_form

UPLOAD_STEPS = ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]


def upload_steps(fake: FakeSlack) -> list[str]:
    return [c.method for c in fake.calls if c.method in UPLOAD_STEPS]


def completed(fake: FakeSlack) -> dict[str, Any]:
    [call] = fake.method_calls("files.completeUploadExternal")
    return call.params


@pytest.mark.parametrize(("text", "kind", "lang"), [
    ("chart", "chart", "en"),
    ("graph", "chart", "en"),
    ("graphique", "chart", "fr"),
    ("chart fr", "chart", "fr"),
    ("graphique en", "chart", "en"),
    ("chart of Meta's spending in 2025", "ask", "en"),
])
def test_chart_commands_are_read_with_their_language(text: str, kind: str, lang: str) -> None:
    cmd = translate.command({"text": text, "user_id": "U1", "channel_id": "C1"})
    assert (cmd.kind, cmd.lang) == (kind, lang)


async def test_slash_chart_uploads_the_png_through_the_external_upload_flow(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession, fact_base: FactBase,
) -> None:
    bot = await start_bot()
    status, _ = await send_form(http, bot.bound_port, slash_command("chart fr", fake.response_url("c"),
                                                                    channel="C0CHARTS"))
    assert status == 200
    await fake.wait_until(lambda: len(fake.method_calls("files.completeUploadExternal")) == 1, within=20)  # a cold first draw
    assert upload_steps(fake) == UPLOAD_STEPS
    chart = await make_chart(fact_base, "fr")
    assert chart is not None
    [asked] = fake.method_calls("files.getUploadURLExternal")
    assert asked.params["filename"] == "aibot-chart-fr.png" and int(asked.params["length"]) == len(chart.png)
    assert asked.params["alt_txt"] == chart.alt_text
    assert list(fake.uploads.values()) == [chart.png]
    done = completed(fake)
    assert done["channel_id"] == "C0CHARTS"
    assert done["initial_comment"] == chart.alt_text
    assert json.loads(done["files"])[0]["title"] == "Investissements annoncés dans l'IA"
    assert "thread_ts" not in done
    assert fake.responses == []  # the upload is the reply


async def test_a_chart_asked_in_a_thread_goes_into_that_thread(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession, fact_base: FactBase,
) -> None:
    bot = await start_bot()
    first = mention("How much is Meta investing in AI?", ts="1700000000.000100")
    status, _ = await send_event(http, bot.bound_port, event_callback(first))
    assert status == 200
    await fake.wait_until(lambda: len(fake.posts()) == 1)
    asked = mention("show me a chart", ts="1700000001.000100") | {"thread_ts": first["ts"]}
    status, _ = await send_event(http, bot.bound_port, event_callback(asked))
    assert status == 200
    await fake.wait_until(lambda: bool(fake.method_calls("files.completeUploadExternal")), within=20)
    done = completed(fake)
    assert (done["channel_id"], done["thread_ts"]) == ("C0GENERAL", "1700000000.000100")
    chart = await make_chart(fact_base, "en")
    assert chart is not None and list(fake.uploads.values()) == [chart.png]


@pytest.mark.parametrize("refusal", ["missing_scope", "refused_upload"])
async def test_a_refused_upload_falls_back_to_the_text_ranking_logged_once(
    fake: FakeSlack, start_bot: Callable[..., Any], http: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture, refusal: str,
) -> None:
    bot = await start_bot()
    caplog.set_level(logging.DEBUG, logger="adapters.slack.upload")
    for attempt in range(2):
        if refusal == "missing_scope":
            fake.fail_next("files.getUploadURLExternal", "missing_scope")
        else:
            fake.refuse_uploads = 403
        await send_form(http, bot.bound_port, slash_command("chart", fake.response_url(f"r{attempt}")))
        await fake.wait_until(lambda n=attempt: len(fake.responses) == n + 1, within=20)
    for _, body in fake.responses:
        assert body["response_type"] == "in_channel"
        assert "Announced AI investments, biggest first:" in body["text"]
        assert "1. Stargate: up to 500 billion dollars over 4 years" in body["text"]
        assert "80 billion dollars in 2025" in body["text"] and "60 to 65 billion dollars" in body["text"]
    assert fake.method_calls("files.completeUploadExternal") == []
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "chart upload" in r.getMessage()]
    assert len(warnings) == 1
    assert ("missing_scope" if refusal == "missing_scope" else "upload refused") in warnings[0].getMessage()


async def test_a_scheduled_digest_comes_with_the_chart_in_its_language(
    fake: FakeSlack, start_bot: Callable[..., Any], fact_base: FactBase,
) -> None:
    bot = await start_bot()
    digest = DigestComposer(fact_base).compose("fr", date(2025, 3, 3)).digest
    assert digest.chart is not None
    await bot.post_digest(TEAM_ID, "C0DIGEST", digest)
    assert fake.posts()[-1]["channel"] == "C0DIGEST"
    assert [c.method for c in fake.calls][-4:] == ["chat.postMessage", *UPLOAD_STEPS]
    chart = await make_chart(fact_base, "fr")
    assert chart is not None and list(fake.uploads.values()) == [chart.png]
    done = completed(fake)
    assert done["channel_id"] == "C0DIGEST" and "initial_comment" not in done  # the digest text says the figures


async def test_a_digest_whose_chart_is_refused_is_still_posted(
    fake: FakeSlack, start_bot: Callable[..., Any], fact_base: FactBase,
) -> None:
    bot = await start_bot()
    digest = DigestComposer(fact_base).compose("en", date(2025, 3, 3)).digest
    fake.fail_next("files.getUploadURLExternal", "missing_scope")
    await bot.post_digest(TEAM_ID, "C0DIGEST", digest)  # no PostError: the figures are in the text
    assert len(fake.posts()) == 1 and fake.method_calls("files.completeUploadExternal") == []


async def test_upload_chart_reports_slack_reasons(fake: FakeSlack, start_bot: Callable[..., Any],
                                                  fact_base: FactBase) -> None:
    bot = await start_bot()
    chart = await make_chart(fact_base, "en")
    assert chart is not None
    fake.fail_next("files.completeUploadExternal", "not_in_channel")
    assert await upload_chart(bot.client, "C0CLOSED", chart, "en") == "not_in_channel"
    fake.refuse_uploads = 500
    reason = await upload_chart(bot.client, "C0GENERAL", chart, "en")
    assert reason is not None and reason.startswith("upload refused") and "500" in reason

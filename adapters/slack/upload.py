"""Charts out to Slack: the external-upload flow, and the text ranking when Slack says no.

``files_upload_v2`` in slack_sdk does Slack's current three steps
(``files.getUploadURLExternal``, the bytes to the URL it returns,
``files.completeUploadExternal`` into the channel and, when asked in one, the thread).
A workspace that did not grant ``files:write``, a channel closed to the bot or a refused
upload gets the same figures as text instead; each reason is logged once per process, not
once per request.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages
from bot.charts import ChartImage
from bot.language import Lang

_log = logging.getLogger(__name__)

def filename(lang: Lang) -> str:
    return f"aibot-chart-{lang}.png"


@dataclass
class OnceLog:
    """Logs each fallback reason at WARNING the first time, then quietly, so a workspace without
    ``files:write`` does not fill the log with one warning per chart."""

    seen: set[str] = field(default_factory=set)

    def fallback(self, channel: str, reason: str) -> None:
        if reason in self.seen:
            _log.debug("slack: chart to %s sent as text (%s)", channel, reason)
            return
        self.seen.add(reason)
        _log.warning("slack: chart upload to %s refused (%s); sending the figures as text instead "
                     "(logged once per reason)", channel, reason)


async def upload_chart(client: AsyncWebClient, channel: str, chart: ChartImage, lang: Lang, *,
                       thread_ts: str | None = None, comment: bool = True) -> str | None:
    """Upload ``chart`` to ``channel`` (and ``thread_ts``); None when posted, else Slack's reason.

    The alt text is the image's alt text and, with ``comment``, the message's text too (a digest
    already says the figures, so its chart goes without)."""
    try:
        await client.files_upload_v2(
            file=chart.png, filename=filename(lang), title=messages.text("chart_title", lang),
            alt_txt=chart.alt_text[:1000], initial_comment=chart.alt_text if comment else None, channel=channel,
            thread_ts=thread_ts,
        )
    except SlackApiError as exc:
        code = str(exc.response.get("error") or "unknown_error")
        needed = exc.response.get("needed")
        return f"{code} (needs {needed})" if needed else code
    except SlackRequestError as exc:  # the upload URL answered other than 200
        return f"upload refused: {exc}"
    except (aiohttp.ClientError, TimeoutError) as exc:
        return f"network error ({type(exc).__name__})"
    return None


Post = Callable[[str], Awaitable[object]]


class SlackCharts:
    """Charts for one Slack app, on request and with digests; text when the upload is refused."""

    def __init__(self, client: AsyncWebClient, fallback: Callable[[Lang], str]) -> None:
        self.client = client
        self.fallback = fallback  # the ranking the chart stands for, in a language
        self.log = OnceLog()

    async def post_chart(self, channel: str, chart: ChartImage, lang: Lang, post_text: Post | None, *,
                         thread_ts: str | None = None) -> bool:
        """Upload a drawn chart; True when uploaded. Refused, ``post_text`` gets the ranking and the
        reason is logged once. Without ``post_text`` (a digest, whose text already has the figures)
        the upload carries no comment and a refusal only logs."""
        reason = await upload_chart(self.client, channel, chart, lang, thread_ts=thread_ts,
                                    comment=post_text is not None)
        if reason is None:
            return True
        self.log.fallback(channel, reason)
        if post_text is not None:
            await post_text(self.fallback(lang))
        return False

"""Charts on Discord: ``/chart``, and the chart inside a digest's embed.

The PNG goes as an attachment and the embed shows it through ``attachment://NAME``, so
the image sits inside the answer, with the alt text as the embed's description and as
the attachment's description (what screen readers get). Posting an attachment needs the
Attach Files permission: where Discord refuses it, the same figures go out as text and
the reason is logged once per process.
"""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands

from adapters.discord import render, translate
from bot import messages
from bot.charts import ChartImage, amount_facts, make_chart, ranking_text
from bot.digest.model import Digest
from bot.language import Lang

if TYPE_CHECKING:
    from adapters.discord.client import DiscordPlatform

_log = logging.getLogger(__name__)

#: HTTP statuses with which Discord refuses a message because of its attachment (Missing
#: Permissions for Attach Files; Request Entity Too Large).
REFUSED_STATUSES = frozenset({403, 413})
_logged: set[str] = set()


def filename(lang: Lang) -> str:
    return f"aibot-chart-{lang}.png"


def chart_file(chart: ChartImage, lang: Lang) -> discord.File:
    """A fresh file each send: discord.py reads (and closes) it when it posts."""
    return discord.File(io.BytesIO(chart.png), filename=filename(lang), description=render.clip(chart.alt_text, 1024))


def chart_embed(chart: ChartImage, lang: Lang) -> discord.Embed:
    embed = discord.Embed(title=messages.text("chart_title", lang),
                          description=render.clip(chart.alt_text, render.MAX_DESCRIPTION), colour=render.ANSWER_COLOUR)
    embed.set_image(url=f"attachment://{filename(lang)}")
    return embed


def ranking_embed(text: str) -> discord.Embed:
    return discord.Embed(description=render.clip(text, render.MAX_DESCRIPTION), colour=render.ANSWER_COLOUR)


def log_fallback(where: str, reason: str) -> None:
    """Warn once per reason; afterwards the same refusal is only a debug line."""
    if reason in _logged:
        _log.debug("discord: chart to %s sent as text (%s)", where, reason)
        return
    _logged.add(reason)
    _log.warning("discord: chart attachment to %s refused (%s); sending the figures as text instead "
                 "(check the bot's Attach Files permission; logged once per reason)", where, reason)


def _reason(exc: discord.HTTPException) -> str:
    return f"{exc.status} {exc.code}: {exc.text}".strip()


async def send_chart(platform: DiscordPlatform, interaction: discord.Interaction[Any], lang: Lang) -> None:
    """``/chart``: the chart in an embed, deferred if the first draw is slow; the ranking as text if refused."""
    if not await platform.within_limit(interaction, lang):
        return
    base = platform.engine.base
    chart = await platform.in_time(interaction, make_chart(base, lang))
    if chart is None:
        await platform.send(interaction, content=messages.text("chart_too_few", lang, count=len(amount_facts(base))),
                            ephemeral=True)
        return
    options: dict[str, Any] = {"embed": chart_embed(chart, lang), "file": chart_file(chart, lang),
                               "allowed_mentions": discord.AllowedMentions.none()}
    try:
        if interaction.response.is_done():
            await interaction.followup.send(**options)
        else:
            await interaction.response.send_message(**options)
        return
    except discord.HTTPException as exc:
        if exc.status not in REFUSED_STATUSES:
            raise
        log_fallback(f"channel {interaction.channel_id}", _reason(exc))
    await platform.send(interaction, embed=ranking_embed(ranking_text(base, lang)))


async def send_digest(channel: discord.abc.Messageable, digest: Digest, embed: discord.Embed,
                      mentions: discord.AllowedMentions) -> None:
    """A digest's embed, with the chart as its image when the digest has one and Discord takes it."""
    chart = await digest.chart.render() if digest.chart is not None else None
    if chart is not None:
        with_image = embed.copy()
        with_image.set_image(url=f"attachment://{filename(digest.lang)}")
        try:
            await channel.send(embed=with_image, file=chart_file(chart, digest.lang), allowed_mentions=mentions)
            return
        except discord.HTTPException as exc:
            if exc.status not in REFUSED_STATUSES:
                raise
            log_fallback(f"digest channel {getattr(channel, 'id', '?')}", _reason(exc))
    await channel.send(embed=embed, allowed_mentions=mentions)


def register_chart_command(platform: DiscordPlatform) -> None:
    """``/chart [language]`` on the platform's command tree (language: the client's by default)."""

    @platform.tree.command(name="chart", description=app_commands.locale_str(
        messages.text("discord_cmd_chart", "en"), key="discord_cmd_chart"))
    @app_commands.describe(language=app_commands.locale_str(
        messages.text("discord_opt_chart_language", "en"), key="discord_opt_chart_language"))
    async def chart(interaction: discord.Interaction[Any], language: Literal["en", "fr"] | None = None) -> None:
        lang: Lang = language or translate.lang_for_locale(interaction.locale.value)
        await send_chart(platform, interaction, lang)

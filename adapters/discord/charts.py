"""Charts on Discord: ``/chart``, and the chart inside a digest's embed.

The PNG goes as an attachment and the embed shows it through ``attachment://NAME``, so
the image sits inside the answer, with the alt text as the embed's description and as
the attachment's description (what screen readers get). Posting an attachment needs the
Attach Files permission: where Discord refuses it, the same figures go out as text and
the reason is logged once per process.
"""

from __future__ import annotations

import dataclasses
import io
import logging
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands

from adapters.discord import render, translate
from bot import messages
from bot.charts import ChartImage
from bot.conversation import Reply, ReplyKind
from bot.digest.model import Digest
from bot.language import Lang

if TYPE_CHECKING:
    from collections.abc import Callable

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
    """``/chart``: asked of the conversation service (rate limit included), then shown."""
    asked = dataclasses.replace(
        translate.message_from_command(messages.text("chart_title", lang), interaction.user.id, interaction.channel_id,
                                       interaction.guild_id),
        lang=lang)
    reply = await platform.in_time(interaction, platform.conversation.handle(asked, chart=True))
    if reply.kind is ReplyKind.IGNORE:
        await platform.drop(interaction)
    elif reply.kind is ReplyKind.SLOW_DOWN:
        await platform.send(interaction, content=reply.body, ephemeral=True)
    else:
        await show_chart_reply(platform, interaction, reply)


async def show_chart_reply(platform: DiscordPlatform, interaction: discord.Interaction[Any], reply: Reply) -> None:
    """A chart reply to an interaction: the image in its embed, or the ranking as text when
    there is no image or Discord refuses the attachment (logged once per reason)."""
    if reply.chart is None:
        await platform.send(interaction, embed=render.render_reply(reply).embed)
        return
    chart, lang = reply.chart, reply.lang
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
    await platform.send(interaction, embed=ranking_embed(platform.conversation.chart_fallback(reply.lang)))


async def reply_with_chart(message: discord.Message, chart: ChartImage, lang: Lang, fallback: str) -> discord.Message:
    """A chart as the reply to a chat message; the ranking as text when Discord refuses the file."""
    mentions = discord.AllowedMentions.none()
    try:
        return await message.reply(embed=chart_embed(chart, lang), file=chart_file(chart, lang),
                                   allowed_mentions=mentions, mention_author=False)
    except discord.HTTPException as exc:
        if exc.status not in REFUSED_STATUSES:
            raise
        log_fallback(f"channel {message.channel.id}", _reason(exc))
    return await message.reply(embed=ranking_embed(fallback), allowed_mentions=mentions,
                               mention_author=False)


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


def register_chart_command(tree: app_commands.CommandTree[Any], host: Callable[[], DiscordPlatform]) -> None:
    """``/chart [language]`` on the platform's command tree (language: the client's by default);
    ``host`` gives the platform when the command runs."""

    @tree.command(name="chart", description=app_commands.locale_str(
        messages.text("discord_cmd_chart", "en"), key="discord_cmd_chart"))
    @app_commands.describe(language=app_commands.locale_str(
        messages.text("discord_opt_chart_language", "en"), key="discord_opt_chart_language"))
    async def chart(interaction: discord.Interaction[Any], language: Literal["en", "fr"] | None = None) -> None:
        lang: Lang = language or translate.lang_for_locale(interaction.locale.value)
        await send_chart(host(), interaction, lang)

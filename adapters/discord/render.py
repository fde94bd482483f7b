"""Core -> Discord: pure functions from core answers to embeds and button specs.

Building a :class:`discord.Embed` sends nothing, so these are tested directly; the client
only attaches what they return to a message.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import discord

from bot import messages
from bot.core import Answer
from bot.digest.model import Digest
from bot.language import Lang
from knowledge.models import Entity, Fact, FactBase

#: Discord's embed limits.
MAX_DESCRIPTION = 4096
MAX_FOOTER = 2048
MAX_TITLE = 256
#: Discord's button label limit; at most five buttons fit on one row.
MAX_LABEL = 80
MAX_BUTTONS = 5

ANSWER_COLOUR = discord.Colour(0x2E86C1)
UNSURE_COLOUR = discord.Colour(0xF39C12)
INFO_COLOUR = discord.Colour(0x7F8C8D)


@dataclass(frozen=True)
class Rendered:
    """An embed and the "Did you mean" questions to offer as buttons under it."""

    embed: discord.Embed
    suggestions: list[str] = field(default_factory=list)


def clip(text: str, limit: int) -> str:
    """Discord rejects a whole message when one field is too long, so cut instead."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def button_label(question: str) -> str:
    return clip(" ".join(question.split()), MAX_LABEL)


def render_answer(answer: Answer) -> Rendered:
    """The answer in the description, its source and date in the footer.

    Suggestions are listed in the text too, so they stay readable after the buttons
    are disabled and when a label had to be shortened.
    """
    body = answer.body or answer.answer or ""
    suggestions = answer.suggestions[:MAX_BUTTONS]
    if answer.matched:
        embed = discord.Embed(description=clip(body, MAX_DESCRIPTION), colour=ANSWER_COLOUR)
        if answer.source_line:
            embed.set_footer(text=clip(answer.source_line, MAX_FOOTER))
        return Rendered(embed=embed, suggestions=[])
    if suggestions:
        lines = "\n".join(f"• {s}" for s in suggestions)
        body = f"{body}\n\n**{messages.text('did_you_mean', answer.lang)}**\n{lines}"
    embed = discord.Embed(description=clip(body, MAX_DESCRIPTION), colour=UNSURE_COLOUR)
    return Rendered(embed=embed, suggestions=suggestions)


def render_facts(entity: Entity, facts: list[Fact], lang: Lang) -> discord.Embed:
    """``/facts about:``: every statement about one entity, each with its source and date."""
    lines = []
    for fact in facts:
        when = messages.month_year(fact.source.date, lang)
        lines.append(f"• {fact.statement.in_lang(lang)} _({fact.source.publisher}, {when})_")
    embed = discord.Embed(
        title=clip(messages.text("discord_facts_title", lang, name=entity.name), MAX_TITLE),
        description=clip("\n".join(lines), MAX_DESCRIPTION),
        colour=ANSWER_COLOUR,
    )
    embed.set_footer(text=messages.text("discord_facts_count", lang, count=len(facts)))
    return embed


def render_about(base: FactBase, version: str, lang: Lang) -> discord.Embed:
    """``/about``: version, how many facts, and the documents they come from."""
    sources = sorted({(f.source.publisher, f.source.title, f.source.date) for f in base.facts})
    names = messages.join_names(sorted({publisher for publisher, _, _ in sources}), lang)
    text = messages.text("about", lang, version=version, facts=len(base.facts),
                         entities=len(base.entities), sources=names)
    listing = "\n".join(f"• {publisher}, « {title} », {messages.month_year(date, lang)}"
                        if lang == "fr" else f"• {publisher}, \"{title}\", {messages.month_year(date, lang)}"
                        for publisher, title, date in sources)
    embed = discord.Embed(description=clip(text, MAX_DESCRIPTION), colour=INFO_COLOUR)
    if listing:
        embed.add_field(name=messages.text("discord_about_sources", lang), value=clip(listing, 1024), inline=False)
    return embed


def render_help(lang: Lang) -> discord.Embed:
    """``/help``: what the bot knows, then how to ask it on Discord."""
    text = messages.text("help", lang) + "\n\n" + messages.text("discord_help_commands", lang)
    return discord.Embed(description=clip(text, MAX_DESCRIPTION), colour=INFO_COLOUR)


def render_digest(digest: Digest) -> discord.Embed:
    """A digest as one embed: a bold heading per section, one line per item with its source."""
    parts = []
    for key, items in digest.sections():
        lines = [f"• {item.text} _({item.source_line})_" for item in items]
        parts.append(f"**{messages.text(key, digest.lang)}**\n" + "\n".join(lines))
    return discord.Embed(
        title=clip(digest.title, MAX_TITLE),
        description=clip("\n\n".join(parts), MAX_DESCRIPTION),
        colour=ANSWER_COLOUR,
    )

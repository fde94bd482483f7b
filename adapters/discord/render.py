"""Core -> Discord: pure functions from core answers to embeds and button specs.

Building a :class:`discord.Embed` sends nothing, so these are tested directly; the client
only attaches what they return to a message.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import discord

from bot import messages
from bot.answering import Answer
from bot.conversation import About, ConversationService, FactList, Reply, ReplyKind
from bot.digest.model import Digest
from bot.feedback import DISCORD_ID_LIMIT, vote_token
from bot.language import Lang

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
class VoteSpec:
    """A 👍 or 👎 button: its label and the custom_id that names the answer it judges."""

    emoji: str
    label: str
    custom_id: str
    up: bool


@dataclass(frozen=True)
class Rendered:
    """An embed, the "Did you mean" questions to offer as buttons under it, and the vote buttons."""

    embed: discord.Embed
    suggestions: list[str] = field(default_factory=list)
    votes: list[VoteSpec] = field(default_factory=list)


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
    return _described(answer.body or answer.answer or "", answer.source_line if answer.matched else None,
                      answer.suggestions, answer.lang, ANSWER_COLOUR if answer.matched else UNSURE_COLOUR)


def render_reply(reply: Reply) -> Rendered:
    """Any reply of the conversation service that is shown as an embed (not SLOW_DOWN or IGNORE)."""
    if reply.facts is not None:
        return Rendered(embed=render_facts(reply.facts))
    if reply.about is not None:
        return Rendered(embed=render_about(reply.about, reply.lang))
    if reply.kind is ReplyKind.HELP:
        return Rendered(embed=render_help(reply))
    colour = {ReplyKind.ABSTAIN: UNSURE_COLOUR, ReplyKind.SMALLTALK: INFO_COLOUR}.get(reply.kind, ANSWER_COLOUR)
    rendered = _described(reply.body, reply.source_line, list(reply.suggestions), reply.lang, colour)
    return Rendered(embed=rendered.embed, suggestions=rendered.suggestions, votes=vote_specs(reply))


def vote_specs(reply: Reply) -> list[VoteSpec]:
    """👍 / 👎 under an answer; the custom_id carries the answer's facts and language (Discord
    keeps no state for us, and the ids survive a restart)."""
    if not ConversationService.votable(reply):
        return []
    specs = []
    for up, emoji in ((True, "👍"), (False, "👎")):
        custom_id = vote_token(reply.fact_ids, reply.lang, up=up, limit=DISCORD_ID_LIMIT)
        if custom_id is None:
            return []
        label = messages.text("feedback_label_up" if up else "feedback_label_down", reply.lang)
        specs.append(VoteSpec(emoji=emoji, label=label, custom_id=custom_id, up=up))
    return specs


def _described(body: str, source_line: str | None, suggestions: list[str], lang: Lang,
               colour: discord.Colour) -> Rendered:
    shown = suggestions[:MAX_BUTTONS]
    if shown:
        lines = "\n".join(f"• {s}" for s in shown)
        body = f"{body}\n\n**{messages.text('did_you_mean', lang)}**\n{lines}"
    embed = discord.Embed(description=clip(body, MAX_DESCRIPTION), colour=colour)
    if source_line:
        embed.set_footer(text=clip(source_line, MAX_FOOTER))
    return Rendered(embed=embed, suggestions=shown)


def render_facts(listing: FactList) -> discord.Embed:
    """``/facts about:``: every statement about one entity, each with its source and date."""
    lines = [f"• {line.text} _({line.source_line})_" for line in listing.lines]
    embed = discord.Embed(title=clip(listing.title, MAX_TITLE), description=clip("\n".join(lines), MAX_DESCRIPTION),
                          colour=ANSWER_COLOUR)
    embed.set_footer(text=listing.footer)
    return embed


def render_about(about: About, lang: Lang) -> discord.Embed:
    """``/about``: version, how many facts, and the documents they come from."""
    names = messages.join_names(sorted({s.publisher for s in about.sources}), lang)
    text = messages.text("about", lang, version=about.version, facts=about.facts, entities=about.entities,
                         sources=names)
    listing = "\n".join(f"• {s.publisher}, « {s.title} », {messages.month_year(s.date, lang)}"
                        if lang == "fr" else f"• {s.publisher}, \"{s.title}\", {messages.month_year(s.date, lang)}"
                        for s in about.sources)
    embed = discord.Embed(description=clip(text, MAX_DESCRIPTION), colour=INFO_COLOUR)
    if listing:
        embed.add_field(name=messages.text("discord_about_sources", lang), value=clip(listing, 1024), inline=False)
    return embed


def render_help(reply: Reply) -> discord.Embed:
    """``/help``: what the bot knows, then how to ask it on Discord."""
    text = reply.body + "\n\n" + messages.text("discord_help_commands", reply.lang)
    return discord.Embed(description=clip(text, MAX_DESCRIPTION), colour=INFO_COLOUR)


def render_digest(digest: Digest) -> discord.Embed:
    """A digest as one embed: a bold heading per section, one line per item with its source."""
    parts = []
    for key, items in digest.sections():
        lines = [f"• {item.text} _({item.source_line})_" if item.source_line else f"• {item.text}" for item in items]
        parts.append(f"**{messages.text(key, digest.lang)}**\n" + "\n".join(lines))
    return discord.Embed(
        title=clip(digest.title, MAX_TITLE),
        description=clip("\n\n".join(parts), MAX_DESCRIPTION),
        colour=ANSWER_COLOUR,
    )

"""Core answers and digests out as Slack messages (Block Kit plus a plain-text fallback).

Pure functions: a message is a dict with ``text`` (the fallback Slack shows in
notifications and screen readers) and ``blocks``. Every string that reaches Slack goes
through :func:`defuse`, so nothing the bot sends can ping a channel, whatever a user typed.
"""

from __future__ import annotations

import re
from typing import Any

from bot import messages
from bot.core import Answer
from bot.digest.model import Digest
from bot.language import Lang

Message = dict[str, Any]

#: Slack's limits: a section's text, a button's label, blocks in one message.
SECTION_LIMIT = 3000
BUTTON_LIMIT = 75
BLOCK_LIMIT = 50
SUGGEST_ACTION = "aibot_suggest_{index}"
SUGGEST_ACTION_PATTERN = r"^aibot_suggest_\d+$"

_WORD_JOINER = "\u2060"
_BROADCAST = re.compile(r"@(?=(channel|here|everyone)\b)", re.IGNORECASE)


def defuse(text: str) -> str:
    """Escape Slack's three control characters and break plain @channel/@here/@everyone.

    Escaping ``<`` and ``>`` makes ``<!channel>``, ``<!here>``, ``<!everyone>`` and
    ``<!subteam^...>`` plain text; the word joiner keeps "@here" readable but inert even
    where Slack would link names.
    """
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub("@" + _WORD_JOINER, escaped)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _cut(defuse(text), SECTION_LIMIT)}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _cut(defuse(text), SECTION_LIMIT)}]}


def answer_message(answer: Answer, *, asked: str | None = None) -> Message:
    """The answer, its source line, and "Did you mean" buttons when the bot is unsure.

    ``asked`` is shown above the answer when a button replaced the original message, so
    readers know which question is being answered.
    """
    blocks: list[dict[str, Any]] = []
    if asked:
        blocks.append(_context(messages.text("slack_you_asked", answer.lang, question=asked)))
    blocks.append(_section(answer.body or answer.answer or ""))
    if answer.matched and answer.source_line:
        blocks.append(_context(answer.source_line))
    if answer.suggestions:
        blocks.append(_section(messages.text("did_you_mean", answer.lang)))
        blocks.append({
            "type": "actions",
            "block_id": "aibot_suggestions",
            "elements": [
                {
                    "type": "button",
                    "action_id": SUGGEST_ACTION.format(index=index),
                    "text": {"type": "plain_text", "text": _cut(suggestion, BUTTON_LIMIT), "emoji": False},
                    "value": _cut(suggestion, 2000),
                }
                for index, suggestion in enumerate(answer.suggestions[:5])
            ],
        })
    fallback = answer.answer or answer.body or ""
    if asked:
        fallback = messages.text("slack_you_asked", answer.lang, question=asked) + "\n" + fallback
    return {"text": defuse(fallback), "blocks": blocks}


def notice(text: str) -> Message:
    """A one-paragraph message (help, slow down, errors)."""
    return {"text": defuse(text), "blocks": [_section(text)]}


def help_message(lang: Lang) -> Message:
    body = messages.text("help", lang)
    hint = messages.text("slack_help_commands", lang)
    return {"text": defuse(f"{body}\n{hint}"), "blocks": [_section(body), _context(hint)]}


def about_message(lang: Lang, *, version: str, facts: int, entities: int, sources: list[str]) -> Message:
    """How many facts, and from which documents."""
    publishers = messages.join_names(sorted({s.split(",", 1)[0] for s in sources}), lang)
    body = messages.text("about", lang, version=version, facts=facts, entities=entities, sources=publishers)
    listing = "\n".join(f"• {s}" for s in sources)
    blocks = [_section(body)]
    if listing:
        blocks.append(_context(listing))
    return {"text": _cut(defuse(f"{body}\n{listing}".strip()), SECTION_LIMIT), "blocks": blocks}


def digest_message(digest: Digest) -> Message:
    """A digest: title, then each non-empty section with its items and their sources."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _cut(digest.title, 150), "emoji": False}},
    ]
    lines = [digest.title]
    for key, items in digest.sections():
        heading = messages.text(key, digest.lang)
        blocks.append(_section(f"*{heading}*"))
        lines.append(heading)
        bullet = "" if key == "digest_headline" else "• "  # headline lines carry their rank
        for item in items:
            if len(blocks) + 2 > BLOCK_LIMIT:
                break
            blocks.append(_section(f"{bullet}{item.text}"))
            blocks.append(_context(item.source_line))
            lines.append(f"- {item.text} ({item.source_line})")
    return {"text": defuse("\n".join(lines)), "blocks": blocks}

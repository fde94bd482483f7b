"""Core answers and digests out as Slack messages (Block Kit plus a plain-text fallback).

Pure functions: a message is a dict with ``text`` (the fallback Slack shows in
notifications and screen readers) and ``blocks``. Every string that reaches Slack goes
through :func:`defuse`, so nothing the bot sends can ping a channel, whatever a user typed.
"""

from __future__ import annotations

import re
from typing import Any

from bot import messages
from bot.answering import Answer
from bot.conversation import About, ConversationService, Reply, ReplyKind
from bot.digest.model import Digest
from bot.feedback import SLACK_VALUE_LIMIT, vote_token
from bot.language import Lang

Message = dict[str, Any]

#: Slack's limits: a section's text, a button's label, blocks in one message.
SECTION_LIMIT = 3000
BUTTON_LIMIT = 75
BLOCK_LIMIT = 50
SUGGEST_ACTION = "aibot_suggest_{index}"
SUGGEST_ACTION_PATTERN = r"^aibot_suggest_\d+$"
VOTE_ACTION = "aibot_vote_{way}"
VOTE_ACTION_PATTERN = r"^aibot_vote_(up|down)$"

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
    return _with_source(answer.body or answer.answer or "", answer.source_line if answer.matched else None,
                        answer.suggestions, answer.lang, asked=asked)


def reply_message(reply: Reply, *, asked: str | None = None) -> Message:
    """Any reply of the conversation service as a Slack message (IGNORE is never sent)."""
    if reply.about is not None:
        return about_message(reply.lang, reply.about)
    if reply.kind is ReplyKind.HELP:
        return help_message(reply.lang)
    if reply.kind is ReplyKind.SLOW_DOWN:
        return notice(reply.body)
    message = _with_source(reply.body, reply.source_line, list(reply.suggestions), reply.lang, asked=asked)
    votes = vote_buttons(reply)
    if votes is not None:
        message["blocks"].append(votes)
    return message


def vote_buttons(reply: Reply) -> dict[str, Any] | None:
    """👍 / 👎 under an answer; each value names the answer's facts, language and question, so
    a press is understood without any memory of the message (after a restart too)."""
    if not ConversationService.votable(reply):
        return None
    question = reply.answer.question if reply.answer is not None else None
    elements = []
    for way, emoji in (("up", "👍"), ("down", "👎")):
        value = vote_token(reply.fact_ids, reply.lang, up=way == "up", question=question, limit=SLACK_VALUE_LIMIT)
        if value is None:
            return None
        label = f"{emoji} {messages.text('feedback_label_' + way, reply.lang)}"
        elements.append({"type": "button", "action_id": VOTE_ACTION.format(way=way),
                         "text": {"type": "plain_text", "text": _cut(label, BUTTON_LIMIT), "emoji": True},
                         "value": value})
    return {"type": "actions", "block_id": "aibot_votes", "elements": elements}


def _with_source(body: str, source_line: str | None, suggestions: list[str], lang: Lang, *,
                 asked: str | None) -> Message:
    blocks: list[dict[str, Any]] = []
    if asked:
        blocks.append(_context(messages.text("slack_you_asked", lang, question=asked)))
    blocks.append(_section(body))
    if source_line:
        blocks.append(_context(source_line))
    if suggestions:
        blocks.append(_section(messages.text("did_you_mean", lang)))
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
                for index, suggestion in enumerate(suggestions[:5])
            ],
        })
    fallback = "\n".join(part for part in (body, source_line) if part)
    if suggestions:
        fallback += "\n" + messages.text("did_you_mean", lang) + "\n" + "\n".join(f"- {s}" for s in suggestions)
    if asked:
        fallback = messages.text("slack_you_asked", lang, question=asked) + "\n" + fallback
    return {"text": defuse(fallback), "blocks": blocks}


def notice(text: str) -> Message:
    """A one-paragraph message (help, slow down, errors)."""
    return {"text": defuse(text), "blocks": [_section(text)]}


def help_message(lang: Lang) -> Message:
    body = messages.text("help", lang)
    hint = messages.text("slack_help_commands", lang)
    return {"text": defuse(f"{body}\n{hint}"), "blocks": [_section(body), _context(hint)]}


def about_message(lang: Lang, about: About) -> Message:
    """How many facts, and from which documents."""
    sources = [f"{s.publisher}, {messages.month_year(s.date, lang)}: {s.title}" for s in about.sources]
    publishers = messages.join_names(sorted({s.publisher for s in about.sources}), lang)
    body = messages.text("about", lang, version=about.version, facts=about.facts, entities=about.entities,
                         sources=publishers)
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
            if item.source_line:  # the report's lines have none
                blocks.append(_context(item.source_line))
            lines.append(f"- {item.text} ({item.source_line})" if item.source_line else f"- {item.text}")
    return {"text": defuse("\n".join(lines)), "blocks": blocks}

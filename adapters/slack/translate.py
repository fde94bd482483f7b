"""Slack payloads in, plain values out: pure functions, tested with recorded payloads.

Like bolt-python's own adapters, this side only translates; nothing here talks to the
network. Slack writes user text in its own markup (``<@U1>``, ``<!channel>``,
``&lt;``); the core must see the words a person typed, so the markup is turned back
into plain text here, and special mentions lose their power before anything can echo them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from slack_bolt.request.internals import extract_enterprise_id, extract_is_enterprise_install, extract_team_id

from bot.conversation import Message
from bot.feedback import Vote, read_vote_token
from bot.language import Lang, detect_language

PLATFORM = "slack"
#: The tenant of a payload that names no team nor organisation (Slack always names one).
UNKNOWN_TENANT = "slack-unknown"

#: ``<...>`` markup: user, channel and special mentions, links.
_MARKUP = re.compile(r"<([^<>]*)>")
_HELP_WORDS = {"help", "aide", "?"}
_ABOUT_WORDS = {"about", "apropos", "à-propos", "a-propos", "info"}
_FRENCH_COMMAND_WORDS = {"aide", "apropos", "à-propos", "a-propos"}
_FRENCH_DIGEST_WORDS = {"quotidien", "hebdo", "voir", "arret", "arrêt", "apercu", "aperçu", "aide"}

CommandKind = Literal["ask", "help", "about", "digest", "chart", "reload"]
_RELOAD_WORDS = {"reload", "recharger"}
_CHART_WORDS = {"chart", "graph", "graphique", "graphe"}
_FRENCH_CHART_WORDS = {"graphique", "graphe"}
_LANG_WORDS: dict[str, Lang] = {"en": "en", "english": "en", "anglais": "en",
                                "fr": "fr", "french": "fr", "français": "fr", "francais": "fr"}


def unescape(text: str) -> str:
    """Slack escapes exactly three characters in message text; undo that."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def plain_text(text: str, *, bot_user_id: str | None = None) -> str:
    """Slack markup as the words a reader sees; the bot's own mention is dropped.

    Special mentions (``<!channel>``, ``<!subteam^S1|@team>``) become inert words without
    an ``@``, so no later step can turn user text back into a channel-wide ping.
    """

    def replace(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            if bot_user_id and target[1:] == bot_user_id:
                return ""
            return label or "someone"
        if target.startswith("#"):
            return f"#{label}" if label else "#channel"
        if target.startswith("!"):
            name = label.lstrip("@") if label else target[1:].split("^", 1)[0]
            return name
        return label or target

    return " ".join(unescape(_MARKUP.sub(replace, text)).split())


def is_from_bot(event: Mapping[str, Any]) -> bool:
    """Bots (this one included) are never answered: two bots must not talk forever."""
    return bool(event.get("bot_id") or event.get("bot_profile") or event.get("subtype") == "bot_message")


def is_plain_dm(event: Mapping[str, Any]) -> bool:
    """A new direct message from a person; edits, joins and other subtypes are not questions.
    A file shared with text (subtype ``file_share``) is answered from its text; a file alone asks nothing."""
    if event.get("channel_type") != "im" or is_from_bot(event):
        return False
    subtype = event.get("subtype")
    if subtype == "file_share":
        return bool(str(event.get("text") or "").strip())
    return not subtype


def tenant_of(body: Mapping[str, Any]) -> str:
    """Whose data a request is (bot.tenants): the organisation's id when the app is installed
    org-wide (Enterprise Grid), else the workspace's team id, read as bolt reads them for its
    installation store (an event's ``authorizations`` first, so a shared channel's message is
    the receiving installation's). A payload of an odd shape is the unknown tenant's, never an error."""
    payload = dict(body)
    try:
        team = extract_team_id(payload)
        enterprise = extract_enterprise_id(payload)
        org_wide = extract_is_enterprise_install(payload)
    except (AttributeError, TypeError, KeyError, IndexError):  # bolt's readers expect Slack's shapes
        return UNKNOWN_TENANT
    if enterprise and (org_wide or not team):
        return str(enterprise)
    return str(team) if team else UNKNOWN_TENANT


def event_keys(body: Mapping[str, Any]) -> list[str]:
    """What identifies one question across Slack's retries (same event_id) and across the
    two events one message can raise (app_mention and message.im share channel and ts)."""
    keys = []
    event_id = body.get("event_id")
    if isinstance(event_id, str) and event_id:
        keys.append(event_id)
    event = body.get("event")
    if isinstance(event, Mapping) and event.get("channel") and event.get("ts"):
        keys.append(f"{event['channel']}:{event['ts']}")
    return keys


def retry_number(headers: Mapping[str, Any]) -> int:
    """X-Slack-Retry-Num (bolt mirrors Socket Mode's retry_attempt into it); 0 on a first delivery."""
    for name, value in headers.items():
        if name.lower() == "x-slack-retry-num":
            raw = (value[0] if value else "") if isinstance(value, list | tuple) else value
            try:
                return int(raw)
            except (TypeError, ValueError):
                return 0
    return 0


def event_message(event: Mapping[str, Any], *, bot_user_id: str | None = None, tenant: str | None = None) -> Message:
    """An app_mention or a DM as a message of its conversation: a DM channel is one
    conversation, a mention in a channel belongs to the thread the answer goes in. ``tenant``
    is the event's envelope's (:func:`tenant_of`); the event alone does not always say it."""
    channel = str(event.get("channel") or "")
    thread = reply_thread(event)
    direct = event.get("channel_type") == "im" or thread is None
    key = f"{PLATFORM}:{channel}" if direct else f"{PLATFORM}:{channel}:{thread}"
    return Message(
        text=plain_text(str(event.get("text") or ""), bot_user_id=bot_user_id),
        conversation=key,
        user_id=str(event.get("user") or ""),
        channel_id=channel or None,
        platform=PLATFORM,
        tenant=tenant,
    )


def reply_thread(event: Mapping[str, Any]) -> str | None:
    """Mentions in a channel are answered in a thread under the question; DMs in place."""
    if event.get("thread_ts"):
        return str(event["thread_ts"])
    if event.get("channel_type") == "im":
        return None
    return str(event["ts"]) if event.get("ts") else None


@dataclass(frozen=True)
class Command:
    """What ``/aibot ...`` asks for."""

    kind: CommandKind
    text: str
    lang: Lang
    args: list[str] = field(default_factory=list)
    user_id: str = ""
    channel_id: str = ""
    team_id: str | None = None
    tenant: str = UNKNOWN_TENANT  # the workspace's or its organisation's (tenant_of)
    #: typed in a direct message with the bot (one person, or a group DM), not in a channel
    direct: bool = False


def is_direct_channel(channel_id: str, channel_name: str) -> bool:
    """A slash command's channel is a DM: Slack names it "directmessage" (a group DM "mpdm-..."),
    and a DM's id starts with D."""
    return channel_id.startswith("D") or channel_name == "directmessage" or channel_name.startswith("mpdm-")


def command(body: Mapping[str, Any]) -> Command:
    """``/aibot <question>``, ``/aibot help``, ``/aibot about``, ``/aibot digest ...`` or ``/aibot chart [en|fr]``."""
    text = plain_text(str(body.get("text") or ""))
    words = text.split()
    first = words[0].lower() if words else ""
    kind: CommandKind = "ask"
    lang: Lang = "en"
    args: list[str] = []
    if not words or (first in _HELP_WORDS and len(words) == 1):
        kind, lang = "help", "fr" if first in _FRENCH_COMMAND_WORDS else "en"
    elif first in _ABOUT_WORDS and len(words) == 1:
        kind, lang = "about", "fr" if first in _FRENCH_COMMAND_WORDS else "en"
    elif first in _RELOAD_WORDS and len(words) == 1:
        kind, lang = "reload", "fr" if first == "recharger" else "en"
    elif first in {"digest", "résumé", "resume"}:
        kind, args = "digest", words[1:]
        lang = "fr" if first != "digest" or _FRENCH_DIGEST_WORDS & {w.lower() for w in args[:1]} else "en"
    elif first in _CHART_WORDS and (len(words) == 1 or (len(words) == 2 and words[1].lower() in _LANG_WORDS)):
        kind, args = "chart", words[1:]
        lang = _LANG_WORDS[args[0].lower()] if args else "fr" if first in _FRENCH_CHART_WORDS else "en"
    else:
        lang = detect_language(text)
    team = body.get("team_id")
    channel = str(body.get("channel_id") or "")
    return Command(kind, text, lang, args=args, user_id=str(body.get("user_id") or ""), channel_id=channel,
                   team_id=str(team) if team else None, tenant=tenant_of(body),
                   direct=is_direct_channel(channel, str(body.get("channel_name") or "")))


def command_message(cmd: Command) -> Message:
    """``/aibot <question>``: one conversation per channel and user."""
    return Message(text=cmd.text, conversation=f"{PLATFORM}:{cmd.channel_id}:{cmd.user_id}", user_id=cmd.user_id,
                   channel_id=cmd.channel_id or None, platform=PLATFORM, tenant=cmd.tenant)


def action_message(body: Mapping[str, Any]) -> Message | None:
    """A pressed "Did you mean" button: its value is the question, asked in the conversation
    of the message that carried the button (its thread, or the channel and user)."""
    actions = body.get("actions") or []
    if not actions:
        return None
    value = actions[0].get("value")
    if not isinstance(value, str) or not value.strip():
        return None
    user = str((body.get("user") or {}).get("id") or "")
    channel = str((body.get("channel") or {}).get("id") or "")
    thread = (body.get("container") or {}).get("thread_ts") or (body.get("message") or {}).get("thread_ts")
    key = f"{PLATFORM}:{channel}:{thread}" if thread else f"{PLATFORM}:{channel}:{user}"
    return Message(text=plain_text(value), conversation=key, user_id=user, channel_id=channel or None,
                   platform=PLATFORM, tenant=tenant_of(body))


def vote_from_action(body: Mapping[str, Any]) -> Vote | None:
    """A pressed 👍 / 👎: the button's value names the answer; the message's ts identifies it."""
    def part(name: str) -> Mapping[str, Any]:
        value = body.get(name)
        return value if isinstance(value, Mapping) else {}

    actions = body.get("actions")
    first = actions[0] if isinstance(actions, list) and actions and isinstance(actions[0], Mapping) else {}
    value = first.get("value")
    button = read_vote_token(value) if isinstance(value, str) else None
    user = str(part("user").get("id") or "")
    message_ts = part("container").get("message_ts") or part("message").get("ts")
    if button is None or not user or not message_ts:
        return None
    channel = str(part("channel").get("id") or "") or None
    return Vote(platform=PLATFORM, user_id=user, message_id=str(message_ts), fact_ids=button.fact_ids,
                lang=button.lang, up=button.up, question=button.question, channel_id=channel,
                tenant=tenant_of(body))

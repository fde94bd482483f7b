"""Discord -> core: pure functions from what Discord sends to what the core understands.

Nothing here talks to the network, so every rule (who is ignored, what a mention means,
which choices autocomplete offers) is tested directly, without a client.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.conversation import Message
from bot.conversation.entities import MAX_CHOICES as MAX_CHOICES  # Discord's limit: 25 choices
from bot.conversation.entities import shorten
from bot.digest.model import PostError
from bot.feedback import Vote, read_vote_token
from bot.language import Lang

PLATFORM = "discord"
#: Permission bits that make someone a digest admin in a server: Manage Server, Manage Channels.
MANAGE_GUILD = 1 << 5
MANAGE_CHANNELS = 1 << 4

_USER_MENTION = re.compile(r"<@!?(\d+)>")
#: The tenant of what is said in a DM: it belongs to no server, so no server's admin sees it
#: (the command line does: ``aibot knowledge report --tenant discord-dm``).
DM_TENANT = "discord-dm"


def tenant(guild_id: int | None) -> str:
    """Whose data a message or press is (bot.tenants): its server's, or the DMs' own tenant."""
    return str(guild_id) if guild_id is not None else DM_TENANT


@dataclass(frozen=True)
class IncomingMessage:
    """The parts of a Discord message the bot looks at, as plain values."""

    content: str
    author_id: int
    author_is_bot: bool
    channel_id: int
    guild_id: int | None
    mentioned_ids: frozenset[int] = frozenset()
    #: the message this one replies to, and whether the bot wrote it
    reply_to_id: int | None = None
    reply_to_bot: bool = False


def is_addressed(message: IncomingMessage, bot_user_id: int) -> bool:
    """A DM always is; in a server a message that mentions the bot or replies to it is."""
    if message.guild_id is None or message.reply_to_bot:
        return True
    if bot_user_id in message.mentioned_ids:
        return True
    return any(int(found) == bot_user_id for found in _USER_MENTION.findall(message.content))


def strip_bot_mention(content: str, bot_user_id: int) -> str:
    """Remove the bot's own mention(s) so the matcher sees only the question."""
    stripped = _USER_MENTION.sub(lambda m: "" if int(m.group(1)) == bot_user_id else m.group(0), content)
    return " ".join(stripped.split())


def message_from(message: IncomingMessage, bot_user_id: int) -> Message | None:
    """The message for the conversation service, or None when the bot should stay silent.

    Bots (including this one) are never answered, so two bots cannot talk in a loop. A
    reply to one of the bot's answers continues the conversation of that answer; any
    other message is in the conversation of its channel and author.
    """
    if message.author_is_bot or message.author_id == bot_user_id:
        return None
    if not is_addressed(message, bot_user_id):
        return None
    if message.reply_to_bot and message.reply_to_id is not None:
        key = answer_key(message.reply_to_id)
    else:
        key = f"{PLATFORM}:{message.channel_id}:{message.author_id}"
    return Message(
        text=strip_bot_mention(message.content, bot_user_id),
        conversation=key,
        user_id=str(message.author_id),
        channel_id=str(message.channel_id),
        platform=PLATFORM,
        tenant=tenant(message.guild_id),
    )


def answer_key(message_id: int) -> str:
    """The conversation a reply to the bot's message ``message_id`` belongs to."""
    return f"{PLATFORM}:answer:{message_id}"


def message_from_command(text: str, user_id: int, channel_id: int | None, guild_id: int | None) -> Message:
    """``/ask question:`` and a "Did you mean" press; the language comes from the words."""
    return Message(
        text=text,
        conversation=f"{PLATFORM}:{channel_id}:{user_id}",
        user_id=str(user_id),
        channel_id=str(channel_id) if channel_id is not None else None,
        platform=PLATFORM,
        tenant=tenant(guild_id),
    )


def lang_for_locale(locale: str | None) -> Lang:
    """Replies that have no question to detect a language from follow the user's client."""
    return "fr" if locale and locale.lower().startswith("fr") else "en"


def question_choices(suggestions: list[str]) -> list[tuple[str, str]]:
    """(name, value) pairs for ``/ask`` autocomplete, within Discord's limits.

    A suggestion longer than 100 characters is shown shortened and sent back shortened:
    the matcher still recognises a question missing its last words.
    """
    choices: list[tuple[str, str]] = []
    seen: set[str] = set()
    for suggestion in suggestions:
        name = shorten(suggestion)
        value = name.removesuffix("…")
        if not value or value in seen:
            continue
        seen.add(value)
        choices.append((name, value))
        if len(choices) >= MAX_CHOICES:
            break
    return choices


def is_admin(permission_bits: int) -> bool:
    """Digest schedules are changed by people who may manage the server or its channels."""
    return bool(permission_bits & (MANAGE_GUILD | MANAGE_CHANNELS))


def admin_refusal(guild_id: int | None, permission_bits: int) -> str | None:
    """The bot.messages key that refuses an admin command (/digest, /reload), or None to run it.

    A DM is never an admin: there is no server whose managers could be asked about, and what
    the admin commands show (the admins' report, a channel's digest) belongs to a server. Discord
    already hides these commands in DMs and from members without Manage Server, but a server's
    admins may grant them to anyone, and commands synced before they were gated still reach DMs.
    """
    if guild_id is None:
        return "discord_admin_dm"
    if not is_admin(permission_bits):
        return "discord_admin_only"
    return None


def digest_args(action: str, schedule: str | None = None, zone: str | None = None,
                language: str | None = None) -> list[str]:
    """The words after ``digest`` that the core's digest service parses (see bot.digest.service)."""
    if action != "subscribe":
        return [action]
    args = (schedule or "").split()
    if zone:
        args.append(zone.strip())
    if language:
        args.append(language)
    return args


#: Discord JSON error codes after which posting to a channel will never work.
UNKNOWN_CHANNEL = 10003
MISSING_ACCESS = 50001
MISSING_PERMISSIONS = 50013
_PERMANENT_CODES = {UNKNOWN_CHANNEL, MISSING_ACCESS, MISSING_PERMISSIONS}


def post_error(status: int, code: int, text: str) -> PostError:
    """A failed digest post: a channel that is gone or closed to the bot is permanent; rate
    limits and Discord's own outages are transient and worth retrying."""
    reason = f"Discord {status} (code {code}): {text}".strip()
    if code in _PERMANENT_CODES or status in (403, 404):
        return PostError(reason, permanent=True)
    if status == 429 or status >= 500:
        return PostError(reason, permanent=False)
    return PostError(reason, permanent=True)


def vote_from_press(custom_id: str, user_id: int, message_id: int | None, channel_id: int | None,
                    guild_id: int | None) -> Vote | None:
    """A pressed 👍 / 👎: its custom_id names the answer's facts; the question is recovered by the
    conversation service from the conversation the answer message continues."""
    button = read_vote_token(custom_id)
    if button is None or message_id is None:
        return None
    return Vote(platform=PLATFORM, user_id=str(user_id), message_id=str(message_id), fact_ids=button.fact_ids,
                lang=button.lang, up=button.up, channel_id=str(channel_id) if channel_id else None,
                conversation=answer_key(message_id), tenant=tenant(guild_id))

"""Discord -> core: pure functions from what Discord sends to what the core understands.

Nothing here talks to the network, so every rule (who is ignored, what a mention means,
which choices autocomplete offers) is tested directly, without a client.
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass

from bot.core import Question
from bot.digest.model import PostError
from bot.language import Lang, fold
from knowledge.models import Entity, FactBase

PLATFORM = "discord"
#: Discord's limits on autocomplete: at most 25 choices, names and values of at most 100 characters.
MAX_CHOICES = 25
MAX_CHOICE_CHARS = 100
#: Permission bits that make someone a digest admin in a server: Manage Server, Manage Channels.
MANAGE_GUILD = 1 << 5
MANAGE_CHANNELS = 1 << 4

_USER_MENTION = re.compile(r"<@!?(\d+)>")


@dataclass(frozen=True)
class IncomingMessage:
    """The parts of a Discord message the bot looks at, as plain values."""

    content: str
    author_id: int
    author_is_bot: bool
    channel_id: int
    guild_id: int | None
    mentioned_ids: frozenset[int] = frozenset()


def is_addressed(message: IncomingMessage, bot_user_id: int) -> bool:
    """A DM always is; in a server only a message that mentions the bot is."""
    if message.guild_id is None:
        return True
    if bot_user_id in message.mentioned_ids:
        return True
    return any(int(found) == bot_user_id for found in _USER_MENTION.findall(message.content))


def strip_bot_mention(content: str, bot_user_id: int) -> str:
    """Remove the bot's own mention(s) so the matcher sees only the question."""
    stripped = _USER_MENTION.sub(lambda m: "" if int(m.group(1)) == bot_user_id else m.group(0), content)
    return " ".join(stripped.split())


def question_from_message(message: IncomingMessage, bot_user_id: int) -> Question | None:
    """The question in a chat message, or None when the bot should stay silent.

    Bots (including this one) are never answered, so two bots cannot talk in a loop.
    """
    if message.author_is_bot or message.author_id == bot_user_id:
        return None
    if not is_addressed(message, bot_user_id):
        return None
    return Question(
        text=strip_bot_mention(message.content, bot_user_id),
        user_id=str(message.author_id),
        channel_id=str(message.channel_id),
        platform=PLATFORM,
    )


def question_from_command(text: str, user_id: int, channel_id: int | None) -> Question:
    """``/ask question:`` and a "Did you mean" press; the language comes from the words."""
    return Question(
        text=text,
        user_id=str(user_id),
        channel_id=str(channel_id) if channel_id is not None else None,
        platform=PLATFORM,
    )


def lang_for_locale(locale: str | None) -> Lang:
    """Replies that have no question to detect a language from follow the user's client."""
    return "fr" if locale and locale.lower().startswith("fr") else "en"


def _shorten(text: str, limit: int = MAX_CHOICE_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] or text[: limit - 1]
    return cut + "…"


def question_choices(suggestions: list[str]) -> list[tuple[str, str]]:
    """(name, value) pairs for ``/ask`` autocomplete, within Discord's limits.

    A suggestion longer than 100 characters is shown shortened and sent back shortened:
    the matcher still recognises a question missing its last words.
    """
    choices: list[tuple[str, str]] = []
    seen: set[str] = set()
    for suggestion in suggestions:
        name = _shorten(suggestion)
        value = name.removesuffix("…")
        if not value or value in seen:
            continue
        seen.add(value)
        choices.append((name, value))
        if len(choices) >= MAX_CHOICES:
            break
    return choices


def starter_questions(base: FactBase, lang: Lang, limit: int = MAX_CHOICES) -> list[str]:
    """What autocomplete offers before anything is typed: one question per fact."""
    return [fact.phrasings.in_lang(lang)[0] for fact in itertools.islice(base.facts, limit)]


class EntityNames:
    """Names and aliases of the entities that have facts, folded once, for ``/facts about:``
    autocomplete. Names starting with what was typed are found by binary search, so a
    keystroke costs about the same with 20 entities or 20,000."""

    def __init__(self, base: FactBase) -> None:
        used = {entity_id for fact in base.facts for entity_id in fact.entities}
        entities = sorted((e for e in base.entities if e.id in used), key=lambda e: e.name.lower())
        self._choices = [(_shorten(entity.name), entity.id) for entity in entities]
        #: (folded name or alias, the entity's place in name order), sorted by name
        self._names = sorted((fold(name), place) for place, entity in enumerate(entities) for name in entity.names)
        self._keys = [name for name, _ in self._names]

    def choices(self, current: str, limit: int = MAX_CHOICES) -> list[tuple[str, str]]:
        """(name, entity id) pairs: names or aliases starting with what was typed, then those
        containing it, each in name order."""
        typed, limit = fold(current.strip()), min(limit, MAX_CHOICES)
        if not typed:
            return self._choices[:limit]
        starting: set[int] = set()
        for name, place in self._names[bisect.bisect_left(self._keys, typed):]:
            if not name.startswith(typed):
                break
            starting.add(place)
        places = sorted(starting)
        if len(places) < limit:
            places += sorted({place for name, place in self._names if typed in name} - starting)
        return [self._choices[place] for place in places[:limit]]


def resolve_entity(base: FactBase, typed: str) -> Entity | None:
    """The entity chosen from autocomplete (its id) or typed by hand (a name or alias)."""
    wanted = fold(typed.strip())
    if not wanted:
        return None
    for entity in base.entities:
        if entity.id == typed.strip() or any(fold(name) == wanted for name in entity.names):
            return entity
    return None


def is_admin(permission_bits: int) -> bool:
    """Digest schedules are changed by people who may manage the server or its channels."""
    return bool(permission_bits & (MANAGE_GUILD | MANAGE_CHANNELS))


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

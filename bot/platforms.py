"""How bot/ finds the platform adapters without importing them.

Adapters register themselves as entry points in pyproject.toml (group ``aibot.platforms``
for chat platforms, ``aibot.commands`` for extra command-line commands such as ``chat``).
bot/ only knows the protocols below, so the arrows still point one way:
adapters -> bot -> knowledge.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.answering import AnswerEngine
    from bot.conversation import ConversationService
    from bot.digest.service import DigestService
    from bot.health import Health
    from bot.metrics import Metrics
    from bot.reload import Reloader
    from bot.settings import Settings
    from bot.store import Store

PLATFORM_GROUP = "aibot.platforms"
COMMAND_GROUP = "aibot.commands"


@dataclass(frozen=True)
class RunOptions:
    """Command-line choices for ``aibot run`` that are not settings."""

    http: bool = False
    host: str = "127.0.0.1"
    port: int | None = None


@dataclass
class Services:
    """What the composition root opens once and hands to every platform."""

    settings: Settings
    engine: AnswerEngine
    digests: DigestService | None = None  # None when digests are unavailable (no store)
    conversation: ConversationService | None = None  # None: each platform builds one from the settings
    store: Store | None = None  # the open store, for state shared between replicas (Slack's event memory)
    metrics: Metrics | None = None  # None for one-shot commands: nothing scrapes them
    health: Health | None = None  # what platforms tell /readyz when they connect
    reloader: Reloader[AnswerEngine] | None = None  # reloads the fact base while the bot runs


class Platform(Protocol):
    """A running connection to one chat platform."""

    name: str

    async def run(self) -> None:
        """Serve until cancelled; clean up in ``finally``."""


class PlatformFactory(Protocol):
    """What an adapter registers under ``aibot.platforms``."""

    name: str

    def is_configured(self, settings: Settings) -> bool:
        """True when the settings this platform needs are present."""

    def check(self, settings: Settings) -> None:
        """Raise SettingsError naming the first missing or malformed setting."""

    def create(self, services: Services, options: RunOptions) -> Platform:
        """Build the platform; no network yet."""


def discover_platforms() -> dict[str, PlatformFactory]:
    """Installed platforms by name; loading one imports its library, so only call this to run."""
    return {ep.name: ep.load() for ep in entry_points(group=PLATFORM_GROUP)}

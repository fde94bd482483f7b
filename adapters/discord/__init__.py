"""The Discord adapter, registered as the ``discord`` entry point of ``aibot.platforms``.

Importing this package does not import discord.py: checking settings stays cheap, and
the client module is loaded only when the platform is created.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.platforms import RunOptions, Services
from bot.settings import Settings, SettingsError

if TYPE_CHECKING:
    from adapters.discord.client import DiscordPlatform


class DiscordPlatformFactory:
    """Implements :class:`bot.platforms.PlatformFactory` for Discord."""

    name = "discord"

    def is_configured(self, settings: Settings) -> bool:
        return settings.discord_token is not None and bool(settings.discord_token.get_secret_value().strip())

    def check(self, settings: Settings) -> None:
        if not self.is_configured(settings):
            raise SettingsError("setting DISCORD_TOKEN is missing: the bot token from the Discord developer portal")
        assert settings.discord_token is not None
        if any(c.isspace() for c in settings.discord_token.get_secret_value().strip()):
            raise SettingsError("setting DISCORD_TOKEN is invalid: a bot token contains no spaces")
        count, ids = settings.discord_shard_count, settings.discord_shard_ids
        if ids and count is None:
            raise SettingsError("setting DISCORD_SHARD_COUNT is missing: DISCORD_SHARD_IDS needs the total count")
        if ids and count is not None:
            bad = [i for i in ids if not 0 <= i < count]
            if bad:
                raise SettingsError(f"setting DISCORD_SHARD_IDS is invalid: {bad[0]} is not in 0..{count - 1}")
            if len(set(ids)) != len(ids):
                raise SettingsError("setting DISCORD_SHARD_IDS is invalid: a shard id is repeated")
        api = settings.discord_api_url
        if api is not None and not api.startswith(("http://", "https://")):
            raise SettingsError("setting DISCORD_API_URL is invalid: it must start with http:// or https://")
        gateway = settings.discord_gateway_url
        if gateway is not None and not gateway.startswith(("ws://", "wss://")):
            raise SettingsError("setting DISCORD_GATEWAY_URL is invalid: it must start with ws:// or wss://")

    async def preflight(self, settings: Settings, options: RunOptions) -> None:
        """The token, checked over REST before the fact base loads: a refused one is the only line printed."""
        import asyncio

        from discord.http import HTTPClient

        from adapters.discord.client import configure_endpoints
        from adapters.discord.startup import login

        assert settings.discord_token is not None  # check() ran first
        token = settings.discord_token.get_secret_value().strip()
        configure_endpoints(settings)
        http = HTTPClient(asyncio.get_running_loop())
        try:
            await login(lambda: http.static_login(token), settings, http)
        finally:
            await http.close()

    def create(self, services: Services, options: RunOptions) -> DiscordPlatform:
        from adapters.discord.client import DiscordPlatform

        return DiscordPlatform(services)


platform = DiscordPlatformFactory()

"""The Slack platform: registered as ``slack`` under the ``aibot.platforms`` entry points.

``platform`` is what ``aibot run`` loads. It checks the settings before anything opens,
builds the bolt app (:mod:`adapters.slack.app`), and posts digests through the running app.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.digest.model import Digest, PostError
from bot.platforms import RunOptions, Services
from bot.settings import Settings, SettingsError

if TYPE_CHECKING:
    from adapters.slack.app import SlackPlatform

_URL = re.compile(r"^https?://[^\s/]+(/\S*)?$")


class SlackPlatformFactory:
    """Implements bot.platforms.PlatformFactory and bot.digest.model.DigestPoster."""

    name = "slack"

    def __init__(self) -> None:
        self.running: SlackPlatform | None = None

    def is_configured(self, settings: Settings) -> bool:
        """Any Slack setting counts: a half-configured Slack should fail loudly, not be skipped."""
        return any((settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token))

    def check(self, settings: Settings) -> None:
        bot_token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
        if not bot_token:
            raise SettingsError(
                "setting SLACK_BOT_TOKEN is missing: set it to the app's bot token (xoxb-...), with SLACK_APP_TOKEN "
                "for Socket Mode or SLACK_SIGNING_SECRET for HTTP (aibot run --http)"
            )
        if not bot_token.startswith("xoxb-") or any(c.isspace() for c in bot_token):
            raise SettingsError("setting SLACK_BOT_TOKEN is malformed: a bot token starts with xoxb-")
        app_token = settings.slack_app_token.get_secret_value() if settings.slack_app_token else ""
        if app_token and (not app_token.startswith("xapp-") or any(c.isspace() for c in app_token)):
            raise SettingsError("setting SLACK_APP_TOKEN is malformed: an app-level token starts with xapp-")
        secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
        if not secret and not app_token:
            raise SettingsError(
                "setting SLACK_SIGNING_SECRET is missing: HTTP mode needs it with SLACK_BOT_TOKEN (or set "
                "SLACK_APP_TOKEN with SLACK_BOT_TOKEN for Socket Mode)"
            )
        if secret and (len(secret) < 8 or any(c.isspace() for c in secret)):
            raise SettingsError("setting SLACK_SIGNING_SECRET is malformed: copy it from the app's Basic Information")
        if settings.slack_api_url and not _URL.match(settings.slack_api_url):
            raise SettingsError("setting SLACK_API_URL is malformed: expected an http(s):// URL")

    async def preflight(self, settings: Settings, options: RunOptions) -> None:
        """Both tokens, checked before the fact base loads: a refused one is the only line printed."""
        from slack_sdk.web.async_client import AsyncWebClient

        from adapters.slack.app import api_base_url
        from adapters.slack.startup import check_tokens

        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
        url = api_base_url(settings.slack_api_url)
        app_token = settings.slack_app_token.get_secret_value() if settings.slack_app_token else None
        client = AsyncWebClient(token=token, base_url=url, retry_handlers=[])  # retry_until retries, quietly
        await check_tokens(client, settings, app_token=None if options.http else app_token, api_url=url)

    def create(self, services: Services, options: RunOptions) -> SlackPlatform:
        from adapters.slack.app import SlackPlatform

        settings = services.settings
        if options.http and not settings.slack_signing_secret:
            raise SettingsError("setting SLACK_SIGNING_SECRET is missing: --http verifies every request with it "
                                "(without --http, Socket Mode needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN instead)")
        self.running = SlackPlatform(services, options)
        return self.running

    async def post_digest(self, workspace_id: str | None, channel_id: str, digest: Digest) -> None:
        """Post through the running app; before it runs, the post is retried later."""
        if self.running is None:
            raise PostError("slack is not running in this process", permanent=False)
        await self.running.post_digest(workspace_id, channel_id, digest)


platform = SlackPlatformFactory()

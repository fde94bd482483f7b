"""``aibot discord sync --help`` lists the slash commands from the command tree the bot registers."""

from __future__ import annotations

import re
from typing import Any

import discord
from click.testing import CliRunner
from discord import app_commands

from adapters.discord.cli import discord as discord_cli
from adapters.discord.client import DiscordPlatform, command_summaries
from bot.answering import AnswerEngine
from bot.platforms import Services
from bot.settings import load_settings
from tests.discord.fake import FakeDiscord


async def test_sync_help_lists_exactly_the_commands_sync_registers(fake: FakeDiscord, engine: AnswerEngine) -> None:
    result = CliRunner().invoke(discord_cli, ["sync", "--help"], env={"DISCORD_TOKEN": None})
    assert result.exit_code == 0, result.output
    listed = re.findall(r"^  /(\w+)", result.output, re.MULTILINE)
    settings = load_settings(discord_token="t", discord_api_url=fake.api_url, discord_gateway_url=fake.gateway_url)
    synced = await DiscordPlatform(Services(settings=settings, engine=engine)).sync_commands()
    assert listed == synced and {"chart", "reload"} <= set(listed)
    flat = " ".join(result.output.split())
    assert "/digest subscribe|show|off|preview|report" in flat and "/chart [language]" in flat
    assert "/reload Reload the fact base after an edit (server managers) [admins only: Manage Server by default; " \
           "not in DMs]" in flat
    assert "/ask question Ask a question about AI investment /facts" in flat  # public: no admin note


def test_a_command_added_to_the_tree_appears_in_the_summaries(engine: AnswerEngine) -> None:
    platform = DiscordPlatform(Services(settings=load_settings(), engine=engine))

    @platform.tree.command(name="ping", description="Say pong")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_channels=True)
    async def ping(interaction: discord.Interaction[Any], loud: bool = False) -> None:
        """Never called."""

    assert command_summaries(platform.tree)[-1] == (
        "/ping [loud]", "Say pong [admins only: Manage Channels by default; not in DMs]")

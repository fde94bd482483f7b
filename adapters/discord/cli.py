"""``aibot discord ...``: Discord chores that are not running the bot.

Registering slash commands is its own step because Discord rate-limits it and global
commands take time to spread; doing it at every start would be slow and wasteful.
"""

from __future__ import annotations

import asyncio

import click

from bot.cli.common import build_engine, settings_and_logging, user_errors
from bot.platforms import Services


@click.group()
def discord() -> None:
    """Discord: register the bot's slash commands."""


class SyncCommand(click.Command):
    """``sync --help`` lists the commands read from the bot's own command tree, so it cannot miss one."""

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_help_text(ctx, formatter)
        from adapters.discord.client import registered_command_summaries

        with formatter.section("Slash commands registered"):
            formatter.write_dl(registered_command_summaries())


@discord.command(cls=SyncCommand)
@click.option("--guild", type=int, default=None, metavar="ID",
              help="Register in this server only (appears at once) instead of globally.")
def sync(guild: int | None) -> None:
    """Register the bot's slash commands with Discord (run again after an upgrade)."""
    from adapters.discord import platform
    from adapters.discord.client import DiscordPlatform

    with user_errors():
        settings = settings_and_logging()
        platform.check(settings)
        bot = DiscordPlatform(Services(settings=settings, engine=build_engine(settings)))
        names = asyncio.run(bot.sync_commands(guild))
    where = f"in server {guild}" if guild is not None else "globally (may take up to an hour to show everywhere)"
    click.echo(f"registered {len(names)} commands {where}: {', '.join('/' + n for n in names)}")

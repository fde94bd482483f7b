"""``aibot run``: every configured platform (or the named ones) in one process."""

from __future__ import annotations

import asyncio
import contextlib

import click

from bot.cli.common import settings_and_logging, user_errors
from bot.platforms import RunOptions
from bot.runtime import run_platforms


@click.command()
@click.argument("platforms", nargs=-1)
@click.option("--http", is_flag=True, help="Slack: serve events over HTTP instead of Socket Mode.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address for --http.")
@click.option("--port", type=int, default=None, help="Port for --http (default: $PORT, else 3000).")
def run(platforms: tuple[str, ...], http: bool, host: str, port: int | None) -> None:
    """Run the bot on PLATFORMS (default: every platform whose settings are present)."""
    with user_errors():
        settings = settings_and_logging()
        options = RunOptions(http=http, host=host, port=port or settings.port or 3000)
        with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError):
            asyncio.run(run_platforms(settings, list(platforms), options))

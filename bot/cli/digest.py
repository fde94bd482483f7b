"""``aibot digest``: preview the digest, list the channels subscribed to it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import click

from bot.assemble import read_base
from bot.cli.common import settings_and_logging, user_errors
from bot.digest.compose import DigestComposer, render_text
from bot.digest.service import show_text
from bot.language import Lang
from bot.settings import Settings


@click.group()
def digest() -> None:
    """Scheduled digest posts."""


@digest.command()
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True,
              help="The digest's language.")
def preview(lang: Lang) -> None:
    """Print the digest as it would be posted today (headline figures and a fact of the day)."""
    with user_errors():
        settings = settings_and_logging()
        composer = DigestComposer(read_base(settings.knowledge_dir), stale_after_months=settings.stale_after_months)
    click.echo(render_text(composer.compose(lang, datetime.now(UTC).date()).digest))


@digest.command(name="list")
def list_subscriptions() -> None:
    """Every channel subscribed to the digest, with its schedule, state and last failure."""
    with user_errors():
        settings = settings_and_logging()
        lines = asyncio.run(_lines(settings))
    if not lines:
        click.echo("No channel is subscribed to the digest.")
    for line in lines:
        click.echo(line)


async def _lines(settings: Settings) -> list[str]:
    from bot.store import open_store

    now = datetime.now(UTC)
    async with open_store(settings) as store:
        rows = await store.subscriptions()
    lines = []
    for row in rows:
        where = f"{row.platform} {row.workspace_id + '/' if row.workspace_id else ''}{row.channel_id}"
        state = "on" if row.enabled else "OFF"
        lines.append(f"#{row.id} [{state}] {where} (by {row.created_by}, failures {row.failures}): "
                     f"{show_text(row, 'en', now)}")
    return lines

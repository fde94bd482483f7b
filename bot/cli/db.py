"""``aibot db upgrade``: the schema step of a deployment (the Procfile's ``release:`` line).

``aibot run`` upgrades the schema too when it opens the store; running it as its own step
means a release that cannot reach or upgrade its database fails before any bot restarts. Like
``aibot run``, it waits ``AIBOT_START_TIMEOUT`` seconds for a database still coming up, then
exits with status 75 (try again later); a wrong URL or password exits with 2.
"""

from __future__ import annotations

import asyncio

import click

from bot.cli.common import settings_and_logging, user_errors
from bot.settings import Settings


@click.group()
def db() -> None:
    """The bot's database: create or upgrade its schema."""


@db.command()
def upgrade() -> None:
    """Create or upgrade the database schema to the latest version (idempotent)."""
    with user_errors():
        settings = settings_and_logging()
        where = asyncio.run(_upgrade(settings))
    click.echo(f"database schema is current ({where})")


async def _upgrade(settings: Settings) -> str:
    from sqlalchemy import text

    from bot.store import open_store

    async with open_store(settings, wait=True) as store, store.engine.connect() as connection:
        revision = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar()
        return f"{store.dialect}, revision {revision}"

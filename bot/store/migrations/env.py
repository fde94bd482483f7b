"""Alembic environment: run on the connection the store hands over, or on DATABASE_URL.

At start the store opens a connection itself and passes it in ``config.attributes``; the
command-line path (``alembic -c ... revision --autogenerate``) builds one from the settings.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from bot.store.tables import metadata


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def _run_from_settings() -> None:
    from bot.settings import load_settings
    from bot.store.database import database_url, make_engine

    engine = make_engine(database_url(load_settings()))

    async def go() -> None:
        async with engine.begin() as connection:
            await connection.run_sync(_run)
        await engine.dispose()

    asyncio.run(go())


given = context.config.attributes.get("connection")
if given is not None:
    _run(given)
else:
    _run_from_settings()

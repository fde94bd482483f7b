"""Alembic migrations of the store, run programmatically at start (see bot.store.database)."""

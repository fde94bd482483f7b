"""What tests that start real processes on 127.0.0.1 share: a free port, a scratch database."""

from __future__ import annotations

import contextlib
import socket
import uuid
from collections.abc import AsyncIterator

import pytest

from tests.digest.conftest import PG_DSN


def free_port() -> int:
    """A port nothing listens on (bound once and released), for a server or a refused connection."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.asynccontextmanager
async def scratch_database(prefix: str = "aibot_test") -> AsyncIterator[str]:
    """A PostgreSQL database of its own on the local server (``aibot run`` takes a URL, not a
    schema), dropped afterwards; a skip with the reason when no server answers."""
    import asyncpg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        admin = await asyncpg.connect(PG_DSN, timeout=3)
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        pytest.skip(f"no PostgreSQL at {PG_DSN}: {exc}")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield name
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()

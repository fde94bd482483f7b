"""Fixtures for the store and the scheduler: real SQLite, real PostgreSQL, a fake clock, a fake poster.

PostgreSQL is the server at 127.0.0.1:5432 (database ``test``, user ``postgres``); every test
gets its own schema, dropped afterwards, so parallel runs and reruns never meet. When no
server answers, the PostgreSQL variants are skipped with that reason.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest

from bot.digest.model import Digest, PostError
from bot.store import Store
from tests.clocks import JumpClock, ManualClock

PG_DSN = os.environ.get("AIBOT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
PG_URL = "postgresql+asyncpg://" + PG_DSN.split("://", 1)[1]


@dataclass
class Database:
    """Where a test's store lives: a URL, plus the private schema on PostgreSQL."""

    url: str
    schema: str | None = None

    def open(self) -> AbstractAsyncContextManager[Store]:
        return Store.open(self.url, schema=self.schema)


async def _pg_schema() -> str:
    import asyncpg

    try:
        connection = await asyncpg.connect(PG_DSN, timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        pytest.skip(f"no PostgreSQL at {PG_DSN}: {exc}")
    schema = f"aibot_test_{uuid.uuid4().hex[:12]}"
    try:
        await connection.execute(f'CREATE SCHEMA "{schema}"')
    finally:
        await connection.close()
    return schema


async def _drop_schema(schema: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(PG_DSN, timeout=3)
    try:
        await connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await connection.close()


@pytest.fixture(params=["sqlite", "postgresql"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """The same test on a SQLite file and on a private PostgreSQL schema."""
    if request.param == "sqlite":
        yield Database(f"sqlite+aiosqlite:///{tmp_path / 'store.sqlite3'}")
        return
    async with _private_schema() as database:
        yield database


@pytest.fixture
async def postgres() -> AsyncIterator[Database]:
    """PostgreSQL only (two processes sharing one server)."""
    async with _private_schema() as database:
        yield database


@asynccontextmanager
async def _private_schema() -> AsyncIterator[Database]:
    """A PostgreSQL schema of the test's own, dropped afterwards (or a skip, with no server)."""
    schema = await _pg_schema()
    try:
        yield Database(PG_URL, schema)
    finally:
        await _drop_schema(schema)


@pytest.fixture
async def store(database: Database) -> AsyncIterator[Store]:
    async with Store.open(database.url, schema=database.schema) as opened:
        yield opened


@dataclass
class Posted:
    workspace_id: str | None
    channel_id: str
    digest: Digest
    at: datetime


@dataclass
class FakePoster:
    """The network edge of a platform: records posts, or fails as told, per channel."""

    name: str
    clock: JumpClock | ManualClock
    posts: list[Posted] = field(default_factory=list)
    failures: dict[str, list[BaseException]] = field(default_factory=dict)  # channel -> errors to raise, in order
    always_fail: dict[str, PostError] = field(default_factory=dict)
    attempts: list[str] = field(default_factory=list)
    block: asyncio.Event | None = None  # when set, posting waits for it (a slow post)
    posted: asyncio.Event = field(default_factory=asyncio.Event)

    async def post_digest(self, workspace_id: str | None, channel_id: str, digest: Digest) -> None:
        self.attempts.append(channel_id)
        if channel_id in self.always_fail:
            raise self.always_fail[channel_id]
        queued = self.failures.get(channel_id)
        if queued:
            raise queued.pop(0)
        if self.block is not None:
            await self.block.wait()
        self.posts.append(Posted(workspace_id, channel_id, digest, self.clock.now()))
        self.posted.set()

    def channels(self) -> list[str]:
        return [p.channel_id for p in self.posts]

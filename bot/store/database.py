"""The store: SQLite under the data directory, or PostgreSQL when DATABASE_URL is set.

Opening it runs the Alembic migrations up to head (rows are kept; on PostgreSQL an
advisory lock makes two processes starting together take turns). Every method is one
short transaction; the claim of a digest period is an ``INSERT ... ON CONFLICT DO
NOTHING`` on a unique (subscription, period) key, so only one process or task ever wins it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar
from urllib.parse import urlencode

from sqlalchemy import Connection, and_, delete, event, func, select, text, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.feedback import QuestionCount, Vote, VoteRow
from bot.language import Lang
from bot.settings import Settings
from bot.startup import Unreachable, retry_until
from bot.store.tables import (
    answer_votes,
    digest_claims,
    question_counts,
    seen_events,
    shown_facts,
    subscriptions,
    unanswered_counts,
)
from bot.tenants import CONSOLE, LEGACY, tenant_or_console
from knowledge.errors import AibotError

if TYPE_CHECKING:
    from bot.retention import Forgotten

_log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
#: pg_advisory_xact_lock key held while migrating ("aibot" in ASCII).
_MIGRATION_LOCK = 0x6169626F74


#: Seconds a database call may take unless the settings say otherwise (AIBOT_DATABASE_TIMEOUT).
DEFAULT_TIMEOUT = 5.0
#: Seconds closing the pool may take at shutdown: asyncpg's close waits for a stalled server for ever.
DISPOSE_TIMEOUT = 3.0

_P = ParamSpec("_P")
_T = TypeVar("_T")


class StoreError(AibotError):
    """The store could not be opened or migrated; the message says which database."""


class StoreUnavailable(StoreError, Unreachable, ConnectionError):
    """The database dropped the connection or refused it: worth retrying later (an OSError,
    so the digest scheduler's list of transient errors covers it; exit status 75)."""


class DatabaseUnreachable(StoreUnavailable):
    """Opening the store failed in a way that may pass (refused, no answer, the server still
    starting): start-up retries it for ``AIBOT_START_TIMEOUT`` seconds."""

    def __init__(self, line: str, reason: str) -> None:
        super().__init__(line)
        self.reason = reason


class StoreTimeout(StoreUnavailable, TimeoutError):
    """The database did not answer within the store's timeout."""


_Method = Callable[Concatenate["Store", _P], Coroutine[Any, Any, _T]]


def _bounded(method: _Method[_P, _T], *, writes: bool = False) -> _Method[_P, _T]:
    """Run a store method under the store's timeout; a stall or a dropped connection becomes
    :class:`StoreTimeout` or :class:`StoreUnavailable` in one line, never a wait without end.

    A SQLite file deleted or replaced under the bot fails the call before and after it runs:
    a write that went to the lost file is not reported as done. ``writes`` keeps the outcome of
    the last write for ``/readyz`` (:meth:`Store.write_problem`).
    """

    @functools.wraps(method)
    async def bounded(self: Store, /, *args: _P.args, **kwargs: _P.kwargs) -> _T:
        try:
            self._check_file()
            async with asyncio.timeout(self.timeout):
                result = await method(self, *args, **kwargs)
            self._check_file()
        except TimeoutError:
            error: StoreError = StoreTimeout(f"the database did not answer within {self.timeout:g} s")
            self._wrote(writes, error)
            raise error from None
        except (OSError, InterfaceError, OperationalError) as exc:
            if isinstance(exc, StoreError):
                self._wrote(writes, exc)
                raise
            error = StoreUnavailable(f"the database connection failed: {_reason(exc)}")
            self._wrote(writes, error)
            raise error from exc
        except DBAPIError as exc:  # a read-only database, a full disk, a constraint: the write is not done
            self._wrote(writes, exc)
            raise
        self._wrote(writes, None)
        return result

    return bounded


def _writes(method: _Method[_P, _T]) -> _Method[_P, _T]:
    """:func:`_bounded` for a method that writes: its failure makes ``/readyz`` say so."""
    return _bounded(method, writes=True)


def _reason(exc: BaseException) -> str:
    """One line on why, without the URL or a traceback."""
    inner = getattr(exc, "orig", None) or exc
    lines = str(inner).strip().splitlines()
    return lines[0][:200] if lines else type(inner).__name__


#: SQLSTATEs at connect that may pass: connection exceptions (08), the server starting up or
#: shutting down (57P01-57P03), too many connections (53300).
_PASSING_STATES = ("08", "57P01", "57P02", "57P03", "53300")


def _may_pass(exc: DBAPIError) -> bool:
    """A database error at open worth retrying: the server is not ready, or another process
    holds the SQLite file; a wrong password or database name is not."""
    state = str(getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None) or "")
    return state.startswith(_PASSING_STATES) or "database is locked" in str(exc.orig)


def _reason_to_retry(exc: BaseException) -> str | None:
    return exc.reason if isinstance(exc, DatabaseUnreachable) else None


def _unreachable(line: str) -> DatabaseUnreachable:
    return DatabaseUnreachable(line, line)


@dataclass(frozen=True)
class Subscription:
    """One channel's digest subscription, as stored."""

    id: int
    platform: str
    workspace_id: str | None
    channel_id: str
    schedule_kind: str
    schedule_time: str | None
    schedule_day: int | None
    cron: str | None
    tz: str
    lang: Lang
    created_by: str
    created_at: datetime
    updated_at: datetime
    enabled: bool
    failures: int
    last_failure_reason: str | None
    last_failure_at: datetime | None
    last_posted_at: datetime | None
    include_report: bool = False  # the digest ends with the admins' report
    tenant: str = LEGACY  # whose admins' report it carries (bot.tenants)


@dataclass(frozen=True)
class NewSubscription:
    """What a subscribe command sets; the rest (failures, times) the store manages."""

    platform: str
    workspace_id: str | None
    channel_id: str
    schedule_kind: str
    tz: str
    lang: Lang
    created_by: str
    schedule_time: str | None = None
    schedule_day: int | None = None
    cron: str | None = None
    include_report: bool | None = None  # None: as it was (off for a new subscription)
    tenant: str | None = None  # None: the workspace's (a Slack team, a Discord guild)


@dataclass(frozen=True)
class Claim:
    subscription_id: int
    period_key: str
    status: str
    claimed_at: datetime
    claimed_by: str
    posted_at: datetime | None
    detail: str | None


@dataclass(frozen=True)
class UnansweredRow:
    """An unanswered question; read back from the store, ``count`` says how often it was asked
    (``asked_at`` is then the last time)."""

    text: str
    lang: Lang
    score: float
    asked_at: datetime
    count: int = 1
    tenant: str = CONSOLE  # whose community asked it (bot.tenants)


#: Distinct unanswered questions kept; beyond it the least asked (then the oldest) go first.
MAX_UNANSWERED = 10_000
#: A question not asked again for this long is forgotten: the default of
#: AIBOT_UNANSWERED_RETENTION_DAYS (see bot.settings for why 30), which ``open_store`` applies.
UNANSWERED_RETENTION = timedelta(days=30)
#: The share of a call's timeout SQLite may spend waiting for another writer's lock (see make_engine).
SQLITE_LOCK_SHARE = 0.8
#: Seconds between two deletions of the event keys older than the retry window.
FORGET_EVENTS_EVERY = 60.0
#: Claim a batch of event keys: the ones returned were not there, so this caller is first. The
#: server's clock stamps them, so replicas with skewed clocks forget them alike.
_CLAIM_EVENTS = text("INSERT INTO seen_events (key, seen_at) SELECT k, now() FROM unnest(CAST(:keys AS TEXT[])) AS k "
                     "ON CONFLICT (key) DO NOTHING RETURNING key")
_FORGET_EVENTS = text("DELETE FROM seen_events WHERE seen_at < now() - make_interval(secs => :seconds)")
#: ``aibot knowledge gaps`` groups the most asked this many; the rest cannot make its top list.
GAPS_READ = 2_000
#: Daily question counts older than this are deleted: a year and a month, enough to compare
#: a week with the same week a year before, and a few thousand rows at most.
QUESTION_COUNT_RETENTION = timedelta(days=400)


def database_url(settings: Settings) -> str:
    """DATABASE_URL (already mapped to asyncpg by the settings), else a SQLite file in the data directory."""
    if settings.database_url:
        return settings.database_url
    return f"sqlite+aiosqlite:///{settings.data_dir / 'aibot.sqlite3'}"


#: libpq's sslmode values; asyncpg takes the same words as its ``ssl`` argument.
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
#: libpq parameters asyncpg reads itself from a DSN: handed to it as one (``connect_args["dsn"]``).
_ASYNCPG_DSN_PARAMS = frozenset({"sslcert", "sslkey", "sslrootcert", "sslcrl", "sslpassword", "sslnegotiation",
                                 "ssl_min_protocol_version", "ssl_max_protocol_version", "target_session_attrs",
                                 "krbsrvname", "gsslib", "passfile", "service"})
#: libpq parameters about the client's own socket or libraries, which asyncpg has no use for.
_IGNORED_PARAMS = frozenset({"keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
                             "tcp_user_timeout", "gssencmode", "gssdelegation", "sslcompression", "sslsni",
                             "requiressl", "client_encoding", "load_balance_hosts", "require_auth"})
#: What SQLAlchemy's asyncpg dialect reads from the URL itself: left there.
_DIALECT_PARAMS = frozenset({"prepared_statement_cache_size", "prepared_statement_name_func"})


def asyncpg_arguments(url: URL, *, timeout: float, schema: str | None = None) -> tuple[URL, dict[str, Any]]:
    """A PostgreSQL URL as libpq reads it, turned into what asyncpg takes.

    SQLAlchemy hands every query parameter to ``asyncpg.connect`` as a keyword, and asyncpg
    knows none of libpq's names, so a provider's ``?sslmode=require&channel_binding=require``
    was a ``TypeError``. Here ``sslmode`` becomes ``ssl``; ``connect_timeout`` the connect
    ``timeout``; ``application_name`` and ``options`` (``-c name=value``) server settings sent
    at connect, as libpq sends them; the SSL files and ``target_session_attrs`` go through
    asyncpg's own DSN reader; ``channel_binding`` is dropped (asyncpg cannot bind channels: a
    warning says so when it was required); socket options are ignored; any other name is sent
    as a server setting (``?search_path=app``), as asyncpg does with a DSN. Returns the URL
    without those parameters and the ``connect_args``.
    """
    connect: dict[str, Any] = {"timeout": timeout}  # a port that accepts and never answers
    server: dict[str, str] = {}
    forwarded: dict[str, str] = {}
    kept: dict[str, str | tuple[str, ...]] = {}
    for name, given in url.query.items():
        value = given[-1] if isinstance(given, tuple) else given
        if name in _DIALECT_PARAMS:
            kept[name] = given
        elif name in ("sslmode", "ssl"):
            if value not in SSL_MODES:
                raise StoreError(f"setting DATABASE_URL has sslmode={value[:20]!r}; use one of {', '.join(SSL_MODES)}")
            connect["ssl"] = value
        elif name == "connect_timeout":
            try:
                seconds = float(value)
            except ValueError:
                raise StoreError(f"setting DATABASE_URL has connect_timeout={value[:20]!r}; "
                                 "expected a number of seconds") from None
            if seconds > 0:  # libpq: 0 or less waits for ever; the store's own timeout stays
                connect["timeout"] = max(seconds, 2.0)  # libpq's floor too
        elif name == "channel_binding":
            if value == "require":
                _log.warning("DATABASE_URL asks for channel_binding=require, which the asyncpg driver cannot do; "
                             "connecting with sslmode=%s and SCRAM authentication, without channel binding",
                             connect.get("ssl", url.query.get("sslmode", "prefer")))
        elif name == "application_name":
            server["application_name"] = value
        elif name == "fallback_application_name":
            server.setdefault("application_name", value)
        elif name in _ASYNCPG_DSN_PARAMS:
            forwarded[name] = value
        elif name in _IGNORED_PARAMS:
            _log.debug("DATABASE_URL: %s is a libpq socket option asyncpg does not use; ignored", name)
        else:
            server[name] = value  # "options" included: PostgreSQL reads it at connect, as from libpq
    if schema is not None:
        server["search_path"] = schema
    if server:
        connect["server_settings"] = server
    if forwarded:
        connect["dsn"] = "postgresql://?" + urlencode(forwarded)
    return url.set(query=kept), connect


MALFORMED_URL = ("setting DATABASE_URL is malformed: the port must be a number, and an @ : / ? or # in the "
                 "user name or password must be percent-encoded (%40 %3A %2F %3F %23)")


def make_engine(url: str, *, schema: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> AsyncEngine:
    """An async engine; ``schema`` (PostgreSQL only) puts every table in that schema, for tests.

    A malformed URL or one for a database we do not support is a one-line :class:`StoreError`.
    """
    try:
        parsed = make_url(url)
        parsed.port  # noqa: B018 - parsed lazily: "host:notaport" fails here, not at connect
        if "@" in (parsed.host or ""):
            raise ValueError("an @ in the password")  # the parser took its end for the host
    except (ArgumentError, ValueError):
        # Not the parser's words, nor the host it found: they quote what it took for the port or
        # the host, which is a piece of the password when that holds an @ / ? or #.
        raise StoreError(MALFORMED_URL) from None
    if parsed.drivername not in {"sqlite+aiosqlite", "postgresql+asyncpg"}:
        raise StoreError(f"setting DATABASE_URL names an unsupported database ({parsed.drivername}); "
                         "use postgres://... or sqlite:///...")
    connect_args: dict[str, Any] = {}
    if parsed.drivername.startswith("sqlite"):
        path = parsed.database or ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Waiting for another writer's lock ends a little before the call's own deadline: a
        # statement cancelled by that deadline goes on in aiosqlite's thread and, once it gets the
        # lock, holds it in a transaction nobody commits, locking every later write out.
        connect_args["timeout"] = timeout * SQLITE_LOCK_SHARE
    else:
        parsed, connect_args = asyncpg_arguments(parsed, timeout=timeout, schema=schema)
    engine = create_async_engine(parsed, connect_args=connect_args, pool_timeout=timeout,
                                 pool_pre_ping=parsed.drivername != "sqlite+aiosqlite")
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _upgrade(connection: Connection) -> None:
    quiet = logging.getLogger("alembic")
    level = quiet.level
    if not _log.isEnabledFor(logging.DEBUG):
        quiet.setLevel(logging.WARNING)  # its INFO lines at every start say nothing an admin needs
    try:
        from alembic import command
        from alembic.config import Config
        from alembic.migration import MigrationContext

        before = MigrationContext.configure(connection).get_current_revision()
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        after = MigrationContext.configure(connection).get_current_revision()
        if after != before:
            _log.info("database schema upgraded from %s to %s", before or "empty", after)
    finally:
        quiet.setLevel(level)


def _read_unanswered(path: Path) -> list[UnansweredRow]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            item = json.loads(line)
            when = datetime.fromisoformat(item["when"])
            rows.append(UnansweredRow(str(item["text"]), item["lang"], float(item["score"]),
                                      when if when.tzinfo else when.replace(tzinfo=UTC),
                                      tenant=tenant_or_console(str(item.get("tenant") or ""))))  # older lines: none
        except (ValueError, KeyError, TypeError):
            _log.warning("%s:%d: skipping an unreadable line", path, number)
    return rows


def _row_subscription(row: Any) -> Subscription:
    values = dict(row._mapping)
    values["workspace_id"] = values["workspace_id"] or None
    return Subscription(**values)


class Store:
    """The bot's lasting state; open it with :meth:`open` (an async context manager)."""

    #: Unanswered questions not asked again for this long are pruned when ``aibot ask``'s file is
    #: imported too (``open_store`` sets it from the settings).
    unanswered_retention: timedelta = UNANSWERED_RETENTION

    def __init__(self, engine: AsyncEngine, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.engine = engine
        self.timeout = timeout
        self._counts_pruned_on: date | None = None  # the day old question counts were last deleted
        self._claims: AsyncConnection | None = None  # PostgreSQL: the event claims' own connection
        self._claims_lock = asyncio.Lock()
        self._events_forgotten_at = float("-inf")
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        #: The SQLite file, and its (device, inode) once opened: a file deleted or replaced is seen.
        self.path = Path(database) if database and database != ":memory:" else None
        self._file_id: tuple[int, int] | None = None
        self._file_lost: str | None = None
        self._write_error: str | None = None

    @classmethod
    @contextlib.asynccontextmanager
    async def open(cls, url: str, *, schema: str | None = None, seconds: float = DEFAULT_TIMEOUT,
                   wait: float = 0.0) -> AsyncIterator[Store]:
        """Connect, migrate to the latest schema, and dispose of the pool on exit (bounded too).

        With ``wait`` (start-up: ``AIBOT_START_TIMEOUT``), a database that refuses or does not
        answer is retried for that many seconds (:func:`bot.startup.retry_until`), then
        :class:`DatabaseUnreachable`; a wrong password or database name ends at once.
        """
        engine = make_engine(url, schema=schema, timeout=seconds)
        try:
            store = cls(engine, timeout=seconds)
            try:
                if wait > 0:
                    await retry_until(store.migrate, what=f"the database ({engine.url.render_as_string()})",
                                      transient=_reason_to_retry, give_up_after=wait,
                                      hint="check that it is running and DATABASE_URL", give_up_with=_unreachable)
                else:
                    await store.migrate()
                store._remember_file()
                yield store
            finally:
                await store._drop_claims()
        finally:
            await close_engine(engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def migrate(self) -> None:
        """Create or upgrade the schema to head; a no-op when it is current.

        A failure that may pass (refused, no answer, a server still starting, a SQLite file
        another process holds) is :class:`DatabaseUnreachable`; any other is :class:`StoreError`.
        """
        where = self.engine.url.render_as_string()  # the password shown as ***
        no_answer = f"it accepted the connection but did not answer in time (AIBOT_DATABASE_TIMEOUT={self.timeout:g})"
        try:
            async with asyncio.timeout(self.timeout * 6):  # another process may hold the migration lock a while
                async with self.engine.begin() as connection:
                    if self.dialect == "postgresql":
                        await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
                    await connection.run_sync(_upgrade)
        except TimeoutError:
            raise DatabaseUnreachable(f"cannot reach the database ({where}): {no_answer}", no_answer) from None
        except OSError as exc:
            reason = no_answer if isinstance(exc, TimeoutError) else _reason(exc)
            raise DatabaseUnreachable(f"cannot reach the database ({where}): {reason}", reason) from None
        except DBAPIError as exc:  # wrong database name, refused login...: one line, password hidden
            reason = str(exc.orig).splitlines()[0] if exc.orig is not None else type(exc).__name__
            if _may_pass(exc):
                raise DatabaseUnreachable(f"cannot reach the database ({where}): {reason}", reason) from None
            raise StoreError(f"cannot open the database ({where}): {reason}") from None

    # --- a SQLite file deleted or replaced, a write that failed: what /readyz reports ---

    def _remember_file(self) -> None:
        if self.path is not None:
            info = self.path.stat()
            self._file_id = (info.st_dev, info.st_ino)

    def _check_file(self) -> None:
        """Refuse to go on with a SQLite file that is no longer the one at its path.

        Deleted while open, SQLite goes on writing to the unlinked file and every write seems
        to succeed, then is gone at the next start; replaced, it writes to the old one. One
        ``stat`` per call (microseconds) finds both; the first time it is logged at ERROR.
        """
        if self._file_id is None or self.path is None:
            return
        if self._file_lost is None:
            try:
                info = self.path.stat()
                now: tuple[int, int] | None = (info.st_dev, info.st_ino)
            except FileNotFoundError:
                now = None
            if now == self._file_id:
                return
            self._file_lost = (f"the SQLite file {self.path} was {'deleted' if now is None else 'replaced'} "
                               "while the bot was running; nothing can be stored until it restarts")
            _log.error("STORE LOST: %s. Writes are refused from now on (what was written since the change "
                       "went to the old file); restart the bot to open %s anew", self._file_lost, self.path)
        raise StoreUnavailable(self._file_lost)

    def _wrote(self, writes: bool, error: BaseException | None) -> None:
        if writes:
            self._write_error = None if error is None else _reason(error)

    def write_problem(self) -> str | None:
        """Why the store cannot write now (the file is lost, the last write failed), else None."""
        try:
            self._check_file()
        except StoreUnavailable as exc:
            return str(exc)
        return f"cannot write ({self._write_error})" if self._write_error else None

    # --- subscriptions ---

    @_writes
    async def subscribe(self, new: NewSubscription, now: datetime) -> Subscription:
        """Create this channel's subscription, or replace its schedule and re-enable it."""
        values: dict[str, Any] = {
            "schedule_kind": new.schedule_kind, "schedule_time": new.schedule_time,
            "schedule_day": new.schedule_day, "cron": new.cron, "tz": new.tz, "lang": new.lang,
            "created_by": new.created_by, "updated_at": now, "enabled": True, "failures": 0,
            "tenant": (new.tenant or new.workspace_id or LEGACY)[:64],
        }
        if new.include_report is not None:
            values["include_report"] = new.include_report
        key = {"platform": new.platform, "workspace_id": new.workspace_id or "", "channel_id": new.channel_id}
        async with self.engine.begin() as connection:
            statement = self._insert(subscriptions).values(**key, **values, created_at=now)
            statement = statement.on_conflict_do_update(
                index_elements=["platform", "workspace_id", "channel_id"], set_=values)
            await connection.execute(statement)
            row = (await connection.execute(select(subscriptions).where(*self._channel(key)))).one()
        return _row_subscription(row)

    @_bounded
    async def subscription_for(self, platform: str, workspace_id: str | None, channel_id: str) -> Subscription | None:
        key = {"platform": platform, "workspace_id": workspace_id or "", "channel_id": channel_id}
        async with self.engine.connect() as connection:
            row = (await connection.execute(select(subscriptions).where(*self._channel(key)))).first()
        return _row_subscription(row) if row is not None else None

    @_bounded
    async def subscription(self, subscription_id: int) -> Subscription | None:
        async with self.engine.connect() as connection:
            row = (await connection.execute(
                select(subscriptions).where(subscriptions.c.id == subscription_id))).first()
        return _row_subscription(row) if row is not None else None

    @_bounded
    async def subscriptions(self, *, enabled_only: bool = False) -> list[Subscription]:
        query = select(subscriptions).order_by(subscriptions.c.id)
        if enabled_only:
            query = query.where(subscriptions.c.enabled.is_(True))
        async with self.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [_row_subscription(row) for row in rows]

    @_writes
    async def set_report(self, platform: str, workspace_id: str | None, channel_id: str,
                         include: bool) -> Subscription | None:
        """Add the admins' report to this channel's digest, or take it out; None without a subscription.
        The schedule's ``updated_at`` is left alone, so a run due now is not skipped for it."""
        key = {"platform": platform, "workspace_id": workspace_id or "", "channel_id": channel_id}
        async with self.engine.begin() as connection:
            await connection.execute(update(subscriptions).where(*self._channel(key)).values(include_report=include))
            row = (await connection.execute(select(subscriptions).where(*self._channel(key)))).first()
        return _row_subscription(row) if row is not None else None

    @_writes
    async def unsubscribe(self, platform: str, workspace_id: str | None, channel_id: str) -> bool:
        """Remove the channel's subscription with its claims and shown facts; False if there was none."""
        key = {"platform": platform, "workspace_id": workspace_id or "", "channel_id": channel_id}
        async with self.engine.begin() as connection:
            found = (await connection.execute(
                select(subscriptions.c.id).where(*self._channel(key)))).scalar_one_or_none()
            if found is None:
                return False
            await connection.execute(delete(digest_claims).where(digest_claims.c.subscription_id == found))
            await connection.execute(delete(shown_facts).where(shown_facts.c.subscription_id == found))
            await connection.execute(delete(subscriptions).where(subscriptions.c.id == found))
        return True

    @_writes
    async def record_failure(self, subscription_id: int, reason: str, now: datetime, max_failures: int,
                             *, counts: bool = True) -> Subscription:
        """Keep a failed post's reason; if it ``counts``, at ``max_failures`` the subscription is disabled."""
        async with self.engine.begin() as connection:
            await connection.execute(
                update(subscriptions).where(subscriptions.c.id == subscription_id).values(
                    failures=subscriptions.c.failures + (1 if counts else 0), last_failure_reason=reason[:500],
                    last_failure_at=now))
            await connection.execute(
                update(subscriptions)
                .where(and_(subscriptions.c.id == subscription_id, subscriptions.c.failures >= max_failures))
                .values(enabled=False))
            row = (await connection.execute(
                select(subscriptions).where(subscriptions.c.id == subscription_id))).one()
        return _row_subscription(row)

    # --- claims ---

    @_writes
    async def claim(self, subscription_id: int, period_key: str, now: datetime, owner: str,
                    *, status: str = "claimed") -> bool:
        """True for the one caller that claims this period first, on any process sharing the database."""
        statement = (
            self._insert(digest_claims)
            .values(subscription_id=subscription_id, period_key=period_key, claimed_at=now,
                    claimed_by=owner[:120], status=status)
            .on_conflict_do_nothing(index_elements=["subscription_id", "period_key"])
            .returning(digest_claims.c.id)
        )
        async with self.engine.begin() as connection:
            won = (await connection.execute(statement)).scalar_one_or_none()
        return won is not None

    @_writes
    async def finish_claim(self, subscription_id: int, period_key: str, now: datetime, *,
                           posted: bool, detail: str | None = None) -> None:
        """Mark the claim posted (and the subscription's last post and failure count) or failed."""
        async with self.engine.begin() as connection:
            where = and_(digest_claims.c.subscription_id == subscription_id, digest_claims.c.period_key == period_key)
            await connection.execute(update(digest_claims).where(where).values(
                status="posted" if posted else "failed", posted_at=now if posted else None,
                detail=detail[:500] if detail else None))
            if posted:
                await connection.execute(update(subscriptions).where(subscriptions.c.id == subscription_id)
                                         .values(last_posted_at=now, failures=0))

    @_bounded
    async def claims(self, subscription_id: int) -> list[Claim]:
        async with self.engine.connect() as connection:
            rows = (await connection.execute(
                select(digest_claims.c.subscription_id, digest_claims.c.period_key, digest_claims.c.status,
                       digest_claims.c.claimed_at, digest_claims.c.claimed_by, digest_claims.c.posted_at,
                       digest_claims.c.detail)
                .where(digest_claims.c.subscription_id == subscription_id)
                .order_by(digest_claims.c.period_key))).all()
        return [Claim(**dict(row._mapping)) for row in rows]

    # --- shown facts ---

    @_bounded
    async def shown(self, subscription_id: int, kind: str) -> set[str]:
        async with self.engine.connect() as connection:
            rows = (await connection.execute(select(shown_facts.c.fact_id).where(
                and_(shown_facts.c.subscription_id == subscription_id, shown_facts.c.kind == kind)))).all()
        return {row[0] for row in rows}

    @_writes
    async def mark_shown(self, subscription_id: int, kind: str, fact_ids: list[str], now: datetime,
                         *, restart: bool = False) -> None:
        """Remember facts shown to a channel; ``restart`` first forgets the kind (a new rotation)."""
        async with self.engine.begin() as connection:
            if restart:
                await connection.execute(delete(shown_facts).where(
                    and_(shown_facts.c.subscription_id == subscription_id, shown_facts.c.kind == kind)))
            if fact_ids:  # one statement for all of them: a new subscriber to a large base marks thousands
                await connection.execute(
                    self._insert(shown_facts).on_conflict_do_nothing(
                        index_elements=["subscription_id", "kind", "fact_id"]),
                    [{"subscription_id": subscription_id, "kind": kind, "fact_id": fact_id, "shown_at": now}
                     for fact_id in dict.fromkeys(fact_ids)])

    # --- events seen (Slack's retries, across replicas) ---

    @_writes
    async def first_deliveries(self, keys: list[str], *, window: float) -> set[str]:
        """The keys recorded here first, on any process sharing the database (one INSERT that
        only one caller wins per key); keys older than ``window`` seconds are forgotten now and then."""
        unique = list(dict.fromkeys(key[:200] for key in keys))
        if not unique:
            return set()
        if self.dialect == "postgresql":
            return await self._claim_events(unique, window)
        now = datetime.now(UTC)
        statement = (self._insert(seen_events).on_conflict_do_nothing(index_elements=["key"])
                     .returning(seen_events.c.key))
        async with self.engine.begin() as connection:
            result = await connection.execute(statement, [{"key": key, "seen_at": now} for key in unique])
            won = {row[0] for row in result.all()}
            if self._forget_events_due():
                await connection.execute(delete(seen_events).where(
                    seen_events.c.seen_at < now - timedelta(seconds=window)))
        return won

    @_bounded
    async def recent_events(self, *, window: float) -> list[str]:
        """The keys recorded in the last ``window`` seconds: what a process starting on this
        database must not answer again (a retry of an event answered before a restart)."""
        since = datetime.now(UTC) - timedelta(seconds=window)
        async with self.engine.connect() as connection:
            result = await connection.execute(select(seen_events.c.key).where(seen_events.c.seen_at >= since))
            return [str(key) for key in result.scalars()]

    async def _claim_events(self, keys: list[str], window: float) -> set[str]:
        """PostgreSQL: one statement and one round trip for a whole batch, on a connection of its own.

        Under load every round trip waits for a busy event loop, and a checkout from the shared
        pool waits for the digest and unanswered writers too: the pool's ping, BEGIN, INSERT and
        COMMIT took over 1.5 s per batch at 90 events/s. Here it is one autocommitted statement
        whose text never changes (the keys go as one array), so asyncpg prepares it once; a
        statement cut short by the timeout leaves the connection in doubt, so it is dropped.
        """
        async with self._claims_lock:  # one statement at a time on the one connection
            try:
                connection = self._claims
                if connection is None:
                    connection = await self.engine.connect()
                    await connection.execution_options(isolation_level="AUTOCOMMIT")
                    self._claims = connection
                rows = await connection.execute(_CLAIM_EVENTS, {"keys": keys})
                won = {str(key) for key in rows.scalars()}
                if self._forget_events_due():
                    await connection.execute(_FORGET_EVENTS, {"seconds": float(window)})
                return won
            except BaseException:
                await self._drop_claims()
                raise

    def _forget_events_due(self) -> bool:
        """Forgetting old keys in bulk, once a minute, keeps the table at one window of traffic."""
        now = time.monotonic()
        if now - self._events_forgotten_at < FORGET_EVENTS_EVERY:
            return False
        self._events_forgotten_at = now
        return True

    async def _drop_claims(self) -> None:
        """Let go of the claims connection without waiting for the server (it may be the sick part)."""
        connection, self._claims = self._claims, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.invalidate()
            with contextlib.suppress(Exception):
                await connection.close()

    # --- unanswered questions ---

    @_writes
    async def add_unanswered(self, rows: list[UnansweredRow]) -> int:
        """Count unanswered questions under their normalised form, in one statement; returns how many."""
        from bot.gaps import gap_key

        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for row in rows:
            key = gap_key(row.text)
            if not key:
                continue
            tenant = tenant_or_console(row.tenant)
            seen = merged.get((tenant, key))
            if seen is None:
                merged[(tenant, key)] = {"tenant": tenant, "key": key, "text": row.text[:2000], "lang": row.lang,
                                         "count": row.count, "best_score": row.score, "first_asked": row.asked_at,
                                         "last_asked": row.asked_at}
            else:
                seen["count"] += row.count
                seen["best_score"] = max(seen["best_score"], row.score)
                seen["last_asked"] = max(seen["last_asked"], row.asked_at)
        if not merged:
            return 0
        insert_ = self._insert(unanswered_counts)
        table = unanswered_counts.c
        statement = insert_.on_conflict_do_update(index_elements=["tenant", "key"], set_={
            "count": table.count + insert_.excluded.count,
            "best_score": func.max(table.best_score, insert_.excluded.best_score) if self.dialect == "sqlite"
            else func.greatest(table.best_score, insert_.excluded.best_score),
            "last_asked": func.max(table.last_asked, insert_.excluded.last_asked) if self.dialect == "sqlite"
            else func.greatest(table.last_asked, insert_.excluded.last_asked),
        })
        async with self.engine.begin() as connection:  # in key order: two writers lock rows in one order
            await connection.execute(statement, [merged[key] for key in sorted(merged)])
        return sum(row.count for row in rows)

    @_writes
    async def prune_unanswered(self, now: datetime, *, keep: int = MAX_UNANSWERED,
                               retention: timedelta = UNANSWERED_RETENTION) -> int:
        """Forget questions not asked within ``retention``, then all but the ``keep`` most asked."""
        table = unanswered_counts.c
        async with self.engine.begin() as connection:
            old = await connection.execute(delete(unanswered_counts).where(table.last_asked < now - retention))
            total = (await connection.execute(select(func.count()).select_from(unanswered_counts))).scalar_one()
            excess = 0
            if total > keep:
                doomed = (select(table.tenant, table.key).order_by(table.count, table.last_asked)
                          .limit(total - keep))
                excess = (await connection.execute(delete(unanswered_counts).where(
                    tuple_(table.tenant, table.key).in_(doomed)))).rowcount
        return int(old.rowcount or 0) + int(excess or 0)

    @_bounded
    async def unanswered(self, limit: int = GAPS_READ, *, tenant: str | None = None) -> list[UnansweredRow]:
        """The ``limit`` most asked unanswered questions of ``tenant`` (of all without it), most
        asked first (an index serves either)."""
        table = unanswered_counts.c
        query = (select(table.text, table.lang, table.best_score, table.last_asked, table.count, table.tenant)
                 .order_by(table.count.desc(), table.last_asked.desc()).limit(limit))
        if tenant is not None:
            query = query.where(table.tenant == tenant)
        async with self.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [UnansweredRow(text, lang, score, when, count, owner) for text, lang, score, when, count, owner in rows]

    async def import_unanswered_jsonl(self, path: Path) -> int:
        """Count the lines ``aibot ask`` appended to a JSON Lines file into the store, then delete it.

        The file is first renamed (atomic), so lines appended meanwhile go to a fresh file. A
        file left by an import that stopped half-way is read too, and a line in both (same
        text and time) counts once; only a crash between the commit and the delete counts
        that file's lines twice. The table is then pruned (retention), so start-up costs one
        statement per 5,000 lines, however long the bot was away.
        """
        inbox = path.with_name(path.name + ".importing")
        left: list[UnansweredRow] = []
        rows: list[UnansweredRow] = []
        if await asyncio.to_thread(inbox.exists):  # a previous import stopped half-way
            left = await asyncio.to_thread(_read_unanswered, inbox)
        if await asyncio.to_thread(path.exists):
            await asyncio.to_thread(path.replace, inbox)
            rows = await asyncio.to_thread(_read_unanswered, inbox)
        fresh = {(row.text, row.asked_at) for row in rows}
        rows += [row for row in left if (row.text, row.asked_at) not in fresh]
        if not rows:
            return 0
        added = 0
        for start in range(0, len(rows), 5000):  # each chunk one statement, under the timeout
            added += await self.add_unanswered(rows[start:start + 5000])
        await asyncio.to_thread(inbox.unlink, missing_ok=True)
        await self.prune_unanswered(datetime.now(UTC), retention=self.unanswered_retention)
        _log.info("imported %d unanswered question(s) from %s", added, path)
        return added

    # --- every question, counted per day ---

    @_writes
    async def add_question_counts(self, counts: list[QuestionCount]) -> int:
        """Add to the day's count per platform, language and outcome, in one statement; returns how
        many questions. The first batch of each new day also deletes the counts older than
        :data:`QUESTION_COUNT_RETENTION`, so the table stays a year's worth of rows."""
        merged: dict[tuple[date, str, str, str, str], int] = {}
        for item in counts:
            key = (item.day, tenant_or_console(item.tenant), item.platform[:32], item.lang, item.outcome[:16])
            merged[key] = merged.get(key, 0) + item.count
        if not merged:
            return 0
        insert_ = self._insert(question_counts)
        statement = insert_.on_conflict_do_update(
            index_elements=["day", "tenant", "platform", "lang", "outcome"],
            set_={"count": question_counts.c.count + insert_.excluded.count})
        today = max(key[0] for key in merged)
        async with self.engine.begin() as connection:
            await connection.execute(statement, [  # in key order: two writers lock rows in one order, no deadlock
                {"day": day, "tenant": tenant, "platform": platform, "lang": lang, "outcome": outcome, "count": count}
                for (day, tenant, platform, lang, outcome), count in sorted(merged.items())])
            if today != self._counts_pruned_on:
                await connection.execute(delete(question_counts).where(
                    question_counts.c.day < today - QUESTION_COUNT_RETENTION))
        self._counts_pruned_on = today
        return sum(merged.values())

    @_bounded
    async def question_counts(self, *, since: date | None = None, until: date | None = None,
                              tenant: str | None = None) -> list[QuestionCount]:
        """The daily counts from ``since`` to ``until`` (both included) of ``tenant`` (of every
        one without it, a row per tenant), oldest day first."""
        table = question_counts.c
        query = select(table.day, table.platform, table.lang, table.outcome, table.count, table.tenant).order_by(
            table.day, table.tenant, table.platform, table.lang, table.outcome)
        if tenant is not None:
            query = query.where(table.tenant == tenant)
        if since is not None:
            query = query.where(table.day >= since)
        if until is not None:
            query = query.where(table.day <= until)
        async with self.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [QuestionCount(day=day, platform=platform, lang=lang, outcome=outcome, count=int(count), tenant=owner)
                for day, platform, lang, outcome, count, owner in rows]

    # --- votes on answers ---

    @_writes
    async def record_vote(self, vote: Vote, now: datetime) -> None:
        """One vote per person and answer message: a second press replaces the first (one
        INSERT ... ON CONFLICT DO UPDATE, so two quick presses cannot leave two rows)."""
        values: dict[str, Any] = {
            "channel_id": (vote.channel_id or "")[:64] or None, "fact_ids": ",".join(vote.fact_ids),
            "lang": vote.lang, "up": vote.up, "voted_at": now, "tenant": tenant_or_console(vote.tenant),
        }
        insert_ = self._insert(answer_votes)
        statement = insert_.values(platform=vote.platform[:32], message_id=vote.message_id[:120],
                                   user_id=vote.user_id[:64], question=(vote.question or "")[:2000] or None,
                                   **values)
        # a press that does not know the question (after a restart) keeps the one already stored
        statement = statement.on_conflict_do_update(
            index_elements=["platform", "message_id", "user_id"],
            set_={**values, "question": func.coalesce(insert_.excluded.question, answer_votes.c.question)})
        async with self.engine.begin() as connection:
            await connection.execute(statement)

    @_bounded
    async def votes(self, *, since: datetime | None = None, up: bool | None = None,
                    limit: int = GAPS_READ, tenant: str | None = None) -> list[VoteRow]:
        """The latest ``limit`` votes (since ``since``; only up or down ones if ``up`` says so; only
        ``tenant``'s if given), newest first."""
        table = answer_votes.c
        query = select(table.platform, table.user_id, table.message_id, table.fact_ids, table.lang, table.up,
                       table.question, table.voted_at, table.tenant).order_by(
            table.voted_at.desc(), table.id.desc()).limit(limit)
        if tenant is not None:
            query = query.where(table.tenant == tenant)
        if since is not None:
            query = query.where(table.voted_at >= since)
        if up is not None:
            query = query.where(table.up.is_(up))
        async with self.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [VoteRow(platform=p, user_id=u, message_id=m, fact_ids=tuple(i for i in f.split(",") if i), lang=lang,
                        up=bool(way), question=q, voted_at=when, tenant=owner)
                for p, u, m, f, lang, way, q, when, owner in rows]

    @_bounded
    async def vote_counts(self, *, since: datetime | None = None, tenant: str | None = None) -> tuple[int, int]:
        """(up votes, down votes) cast since ``since`` (all of them without it) in ``tenant`` (in
        every one without it), counted in the database."""
        table = answer_votes.c
        query = select(table.up, func.count()).group_by(table.up)
        if tenant is not None:
            query = query.where(table.tenant == tenant)
        if since is not None:
            query = query.where(table.voted_at >= since)
        async with self.engine.connect() as connection:
            counted = {bool(way): int(n) for way, n in (await connection.execute(query)).all()}
        return counted.get(True, 0), counted.get(False, 0)

    # --- helpers ---

    def _insert(self, table: Any) -> Any:
        """The dialect's INSERT, which has on_conflict_do_nothing/do_update on both databases."""
        return postgresql.insert(table) if self.dialect == "postgresql" else sqlite.insert(table)

    @staticmethod
    def _channel(key: dict[str, str]) -> list[Any]:
        return [subscriptions.c.platform == key["platform"], subscriptions.c.workspace_id == key["workspace_id"],
                subscriptions.c.channel_id == key["channel_id"]]

    # --- retention and erasure (bot.retention, ``aibot data``) ---

    @_bounded
    async def prune_votes(self, before: datetime) -> int:
        """Delete the votes cast before ``before`` (the index on voted_at serves it); returns how many."""
        async with self.engine.begin() as connection:
            result = await connection.execute(delete(answer_votes).where(answer_votes.c.voted_at < before))
        return int(result.rowcount or 0)

    @_bounded
    async def forget_user(self, user_id: str, platform: str | None = None) -> Forgotten:
        """Delete one person's votes and take their id off the digest schedules they set up (the
        schedule is the channel's, so it stays), on ``platform`` or on every one, in one transaction.

        No other table names a person: unanswered questions and question counts are kept without
        who asked, seen events are Slack's event ids (see bot.retention).
        """
        from bot.retention import FORGOTTEN, Forgotten

        votes = [answer_votes.c.user_id == user_id]
        created = [subscriptions.c.created_by == user_id]
        if platform is not None:
            votes.append(answer_votes.c.platform == platform)
            created.append(subscriptions.c.platform == platform)
        async with self.engine.begin() as connection:
            deleted = await connection.execute(delete(answer_votes).where(*votes))
            anonymised = await connection.execute(update(subscriptions).where(*created).values(created_by=FORGOTTEN))
        return Forgotten(votes=int(deleted.rowcount or 0), subscriptions_anonymised=int(anonymised.rowcount or 0))

    @_bounded
    async def forget_question(self, text: str) -> Forgotten:
        """Delete an unanswered question by its words (any wording with the same normalised form,
        see bot.gaps.gap_key), and the votes whose question reads the same, in one transaction.

        This is how a question is removed on request: unanswered questions are kept without who
        asked them, so ``forget_user`` cannot find them. Votes are few (pruned after their
        period), so their questions are compared here rather than in SQL.
        """
        from bot.gaps import gap_key
        from bot.retention import Forgotten

        key = gap_key(text)
        if not key:
            return Forgotten()
        table = answer_votes.c
        async with self.engine.begin() as connection:
            unanswered = await connection.execute(delete(unanswered_counts).where(unanswered_counts.c.key == key))
            asked = select(table.id, table.question).where(table.question.is_not(None))
            voted = (await connection.execute(asked)).all()
            doomed = [vote_id for vote_id, question in voted if gap_key(question) == key]
            for start in range(0, len(doomed), 1000):  # bound the statement's parameters (SQLite allows 32,766)
                await connection.execute(delete(answer_votes).where(table.id.in_(doomed[start:start + 1000])))
        return Forgotten(votes=len(doomed), unanswered=int(unanswered.rowcount or 0))


async def close_engine(engine: AsyncEngine, seconds: float = DISPOSE_TIMEOUT) -> None:
    """Close the pool, but never wait longer than ``seconds``: a stalled server must not keep the
    process from ending; then the connections are dropped without a goodbye."""
    try:
        async with asyncio.timeout(seconds):
            await engine.dispose()
    except (TimeoutError, OSError, DBAPIError) as exc:
        _log.warning("database: the pool did not close cleanly (%s); dropping its connections",
                     type(exc).__name__)
        await engine.dispose(close=False)


@contextlib.asynccontextmanager
async def open_store(settings: Settings, *, wait: bool = False) -> AsyncIterator[Store]:
    """The store the settings point at, migrated; with ``wait`` (``aibot run``, ``aibot db
    upgrade``), a database still coming up is waited for ``AIBOT_START_TIMEOUT`` seconds."""
    async with Store.open(database_url(settings), seconds=settings.database_timeout,
                          wait=settings.start_timeout if wait else 0.0) as store:
        store.unanswered_retention = timedelta(days=settings.unanswered_retention_days)
        yield store


__all__ = ["Claim", "DatabaseUnreachable", "NewSubscription", "Store", "StoreError", "StoreTimeout",
           "StoreUnavailable", "Subscription", "UnansweredRow", "asyncpg_arguments", "database_url", "make_engine",
           "open_store"]

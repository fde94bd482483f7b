"""Issue 22, item 6: PostgreSQL URLs as providers write them (libpq parameters) open the store,
and no error line about a URL shows its password.

The translation is checked on its own for every parameter (``sslmode=require`` included, which
the local server without TLS cannot take), then each parameter live against the local
PostgreSQL (127.0.0.1:5432, trust), through :class:`Store` and through ``aibot db upgrade``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from urllib.parse import quote

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.store import Store, StoreError
from bot.store.database import asyncpg_arguments
from tests.digest.conftest import PG_DSN, Database, _private_schema
from tests.localhost import scratch_database

URL = "postgresql+asyncpg://app:pw@db.example:5432/app"


def translate(query: str, **kwargs: object) -> tuple[str, dict[str, object]]:
    url, args = asyncpg_arguments(make_url(f"{URL}?{query}"), timeout=5.0, **kwargs)  # type: ignore[arg-type]
    return url.render_as_string(hide_password=False), args


@pytest.mark.parametrize("mode", ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"])
def test_sslmode_becomes_asyncpgs_ssl(mode: str) -> None:
    url, args = translate(f"sslmode={mode}")
    assert url == URL and args == {"timeout": 5.0, "ssl": mode}


def test_a_hosted_providers_default_string(caplog: pytest.LogCaptureFixture) -> None:
    """``?sslmode=require&channel_binding=require`` crashed with a TypeError; asyncpg cannot bind
    channels, so it connects with TLS and says so once."""
    with caplog.at_level(logging.WARNING):
        url, args = translate("sslmode=require&channel_binding=require")
    assert url == URL and args == {"timeout": 5.0, "ssl": "require"}
    assert [r.getMessage() for r in caplog.records] == [
        "DATABASE_URL asks for channel_binding=require, which the asyncpg driver cannot do; connecting with "
        "sslmode=require and SCRAM authentication, without channel binding"]


def test_each_libpq_parameter_has_its_asyncpg_form() -> None:
    _, args = translate("application_name=aibot-web&connect_timeout=10&options=-c%20statement_timeout%3D5000"
                        "&sslrootcert=/etc/ca.pem&target_session_attrs=read-write&keepalives=1&search_path=app",
                        schema="tests")
    assert args == {
        "timeout": 10.0,
        "server_settings": {"application_name": "aibot-web", "options": "-c statement_timeout=5000",
                            "search_path": "tests"},
        "dsn": "postgresql://?sslrootcert=%2Fetc%2Fca.pem&target_session_attrs=read-write",
    }


@pytest.mark.parametrize(("query", "timeout"), [("connect_timeout=0", 5.0), ("connect_timeout=1", 2.0),
                                                ("connect_timeout=30", 30.0)])
def test_connect_timeout_follows_libpq(query: str, timeout: float) -> None:
    """0 is libpq's "for ever", so the store's own timeout stays; below 2 s libpq waits 2 s."""
    assert translate(query)[1]["timeout"] == timeout


@pytest.mark.parametrize(("query", "says"), [("sslmode=on", "sslmode='on'"),
                                             ("connect_timeout=soon", "connect_timeout='soon'")])
def test_a_wrong_value_is_one_line_naming_it(query: str, says: str) -> None:
    with pytest.raises(StoreError, match="setting DATABASE_URL has " + says):
        translate(query)


# --- live, against the local PostgreSQL ---------------------------------------------------------


PARAMETERS = {
    "sslmode=prefer": ("SELECT 1", 1),
    "sslmode=disable": ("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", False),
    "channel_binding=prefer&sslmode=prefer": ("SELECT 1", 1),
    "channel_binding=require": ("SELECT 1", 1),
    "application_name=aibot-test": ("SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()",
                                    "aibot-test"),
    "connect_timeout=10": ("SELECT 1", 1),
    "options=" + quote("-c statement_timeout=4321"): ("SHOW statement_timeout", "4321ms"),
}


@pytest.fixture
async def postgres() -> AsyncIterator[Database]:
    """A private schema on the local PostgreSQL (a skip with the reason when none answers)."""
    async with _private_schema() as database:
        yield database


@pytest.mark.parametrize("query", sorted(PARAMETERS))
async def test_each_parameter_opens_the_store_and_takes_effect(postgres: Database, query: str) -> None:
    sql, expected = PARAMETERS[query]
    async with Store.open(f"{postgres.url}?{query}", schema=postgres.schema) as store, \
            store.engine.connect() as connection:
        assert (await connection.execute(text(sql))).scalar() == expected
        # the schema the tests put the tables in is still the search path
        assert (await connection.execute(text("SHOW search_path"))).scalar() == postgres.schema


async def test_aibot_db_upgrade_with_every_parameter_at_once() -> None:
    """The command that crashed with a 108-line TypeError: one line saying the schema is current."""
    async with scratch_database() as name:
        dsn = PG_DSN.rsplit("/", 1)[0] + f"/{name}"
        query = ("sslmode=prefer&channel_binding=require&application_name=aibot-release&connect_timeout=5"
                 "&options=" + quote("-c statement_timeout=5000"))
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIBOT_")}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "db", "upgrade", env=env | {"DATABASE_URL": f"{dsn}?{query}"},
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = (part.decode() for part in await asyncio.wait_for(process.communicate(), 120))
    assert process.returncode == 0, err
    assert out.startswith("database schema is current (postgresql, revision ")
    assert "TypeError" not in err and "Traceback" not in err


# --- the password stays out of every error line -------------------------------------------------


@pytest.mark.parametrize("url", [
    "postgres://app:se@cret@127.0.0.1/db",  # an @ not percent-encoded: the parser takes "cret@..." for the host
    "postgres://app:secret@127.0.0.1:po#rt/db",
    "postgres://app:secret@127.0.0.1:1/db?sslmode=maybe",
])
def test_a_malformed_url_is_one_line_without_the_password(url: str) -> None:
    run = subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], capture_output=True, text=True,
                         timeout=60, env={**os.environ, "DATABASE_URL": url, "AIBOT_START_TIMEOUT": "1"})
    lines = run.stderr.strip().splitlines()
    assert run.returncode == 2 and len(lines) == 1 and "DATABASE_URL" in lines[0], run.stderr
    assert "secret" not in run.stderr and "cret" not in run.stderr


def test_an_unreachable_database_line_hides_the_password() -> None:
    run = subprocess.run([sys.executable, "-m", "bot", "knowledge", "gaps"], capture_output=True, text=True,
                         timeout=60, env={**os.environ, "DATABASE_URL": "postgres://app:s3cr3t@127.0.0.1:1/db"})
    assert run.returncode == 75 and "s3cr3t" not in run.stderr, run.stderr
    assert run.stderr.startswith("aibot: cannot reach the database (postgresql+asyncpg://app:")


@pytest.mark.parametrize(("line", "shown"), [
    ("cannot reach postgres://app:s3cr3t@db:5432/x", "cannot reach postgres://app:[redacted]@db:5432/x"),
    ("postgresql+asyncpg://app:se@cr3t@db/x (refused)", "postgresql+asyncpg://app:[redacted]@db/x (refused)"),
    ("'postgres://app:s3:cr/3t@db/x'", "'postgres://app:[redacted]@db/x'"),
    ("http://127.0.0.1:8080/readyz and postgres://app@db/x", "http://127.0.0.1:8080/readyz and postgres://app@db/x"),
])
def test_the_redaction_hides_a_url_password_whatever_it_holds(line: str, shown: str) -> None:
    from bot.logs import Redactor

    assert Redactor()(line) == shown

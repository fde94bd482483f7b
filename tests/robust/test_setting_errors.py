"""Issue 14, item 7: every bad setting ends the command with one line, promptly."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest


def aibot(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env})


@pytest.mark.parametrize(("url", "says"), [
    ("nonsense", "DATABASE_URL"),
    ("mysql://u:secret@127.0.0.1/db", "DATABASE_URL"),
    ("postgresql+psycopg2://u:secret@127.0.0.1/test", "DATABASE_URL"),
    ("postgres://u:secret@127.0.0.1:notaport/db", "DATABASE_URL"),
    ("postgres://u:secret@[::1/db", "DATABASE_URL"),
])
def test_a_malformed_or_unsupported_database_url_is_one_line(url: str, says: str) -> None:
    run = aibot("knowledge", "gaps", env={"DATABASE_URL": url})
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("aibot: ") and says in lines[0], run.stderr
    assert "secret" not in run.stderr


def test_a_sqlite_url_without_the_async_driver_is_accepted(tmp_path: os.PathLike[str]) -> None:
    run = aibot("knowledge", "gaps", env={"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})
    assert run.returncode == 0, run.stderr


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port whose kernel completes the handshake, and nobody ever reads or writes."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(50)
    try:
        yield int(listener.getsockname()[1])
    finally:
        listener.close()


def test_a_port_that_accepts_and_never_answers_gives_a_reason_in_bounded_time(silent_port: int) -> None:
    start = time.monotonic()
    run = aibot("knowledge", "gaps", env={"DATABASE_URL": f"postgres://u@127.0.0.1:{silent_port}/db",
                                          "AIBOT_DATABASE_TIMEOUT": "1"})
    took = time.monotonic() - start
    lines = run.stderr.strip().splitlines()
    assert run.returncode == 75 and len(lines) == 1, run.stderr  # unreachable: try again later, not a setting
    assert "did not answer in time" in lines[0]
    assert took < 30


def test_an_unknown_log_level_is_refused() -> None:
    run = aibot("ask", "What is Stargate?", env={"AIBOT_LOG_LEVEL": "LOUD"})
    assert run.returncode == 2
    assert run.stderr.strip() == ("aibot: setting AIBOT_LOG_LEVEL is invalid: "
                                  "Value error, expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL")


def test_a_lower_case_log_level_is_fine() -> None:
    assert aibot("ask", "What is Stargate?", env={"AIBOT_LOG_LEVEL": "debug"}).returncode == 0

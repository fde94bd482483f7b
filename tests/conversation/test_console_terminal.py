"""``aibot chat`` on a real terminal (a pseudo-terminal): readline's history recalls the last
question with the up arrow, and ``exit`` ends the session."""

from __future__ import annotations

import os
import select
import sys
import time
from pathlib import Path

import pytest

pty = pytest.importorskip("pty")


def read_until(fd: int, marker: bytes, within: float = 60.0) -> bytes:
    seen = b""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and marker not in seen:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
    return seen


def test_history_and_exit_on_a_terminal(private_data_dir: Path) -> None:
    pid, fd = pty.fork()
    if pid == 0:  # the child: the real command on the terminal
        os.execvp(sys.executable, [sys.executable, "-m", "bot", "chat"])
    try:
        assert b"leave" in read_until(fd, b"leave")
        os.write(fd, b"What is Stargate?\r")
        assert b"500 billion" in read_until(fd, b"(Source: AFP")
        os.write(fd, b"\x1b[A\r")  # the up arrow recalls the question; Enter asks it again
        assert b"500 billion" in read_until(fd, b"(Source: AFP")
        os.write(fd, b"exit\r")
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        os.close(fd)
    # kept for the next session (readline keeps one copy of a line repeated at once)
    assert (private_data_dir / "chat_history").read_text().splitlines() == ["What is Stargate?", "exit"]

"""The Procfile's three process types run commands that exist, with options that exist."""

from __future__ import annotations

import shlex
from pathlib import Path

import click
import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parent.parent


def _processes() -> dict[str, list[str]]:
    lines = (ROOT / "Procfile").read_text(encoding="utf-8").splitlines()
    return {name: shlex.split(command.replace("$PORT", "5000"))
            for name, command in (line.split(":", 1) for line in lines if line.strip())}


def test_release_web_and_worker_are_declared() -> None:
    assert set(_processes()) == {"release", "web", "worker"}


@pytest.mark.parametrize("process", ["release", "web", "worker"])
def test_each_line_parses_as_an_aibot_command(process: str) -> None:
    program, *args = _processes()[process]
    assert program == "aibot"
    with main.make_context("aibot", [*args, "--help"], resilient_parsing=True) as ctx:
        command: click.Command = main
        words = list(args)
        while isinstance(command, click.Group) and words and not words[0].startswith("-"):
            found = command.get_command(ctx, words.pop(0))
            assert found is not None, f"{process}: no command in {args}"
            command = found
        command.make_context(command.name, words, parent=ctx)  # raises on an unknown option or a bad value

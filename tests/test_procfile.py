"""The Procfile's three process types run commands that exist, with options that exist."""

from __future__ import annotations

import shlex
from pathlib import Path

import click
import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parent.parent


def _processes() -> dict[str, list[list[str]]]:
    """Each process type's commands (a line may chain several with ``&&``)."""
    lines = (ROOT / "Procfile").read_text(encoding="utf-8").splitlines()
    return {name: [shlex.split(part.replace("$PORT", "5000")) for part in command.split("&&")]
            for name, command in (line.split(":", 1) for line in lines if line.strip())}


def test_release_web_and_worker_are_declared() -> None:
    assert set(_processes()) == {"release", "web", "worker"}


def test_the_release_step_upgrades_the_schema_then_indexes_the_base() -> None:
    assert _processes()["release"] == [["aibot", "db", "upgrade"], ["aibot", "knowledge", "index"]]


@pytest.mark.parametrize(
    ("process", "number"), [("release", 0), ("release", 1), ("web", 0), ("worker", 0)])
def test_each_line_parses_as_an_aibot_command(process: str, number: int) -> None:
    program, *args = _processes()[process][number]
    assert program == "aibot"
    with main.make_context("aibot", [*args, "--help"], resilient_parsing=True) as ctx:
        command: click.Command = main
        words = list(args)
        while isinstance(command, click.Group) and words and not words[0].startswith("-"):
            found = command.get_command(ctx, words.pop(0))
            assert found is not None, f"{process}: no command in {args}"
            command = found
        command.make_context(command.name, words, parent=ctx)  # raises on an unknown option or a bad value

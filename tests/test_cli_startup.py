"""``aibot --help`` stays fast by importing no command; timings live in benchmarks/cli_startup.py."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest

from bot.cli import SUMMARIES, main


@pytest.mark.parametrize("name", sorted(SUMMARIES))
def test_each_listed_summary_is_the_commands_own_first_line(name: str) -> None:
    command = main.get_command(click.Context(main), name)
    assert command is not None
    assert command.get_short_help_str(limit=1000) == SUMMARIES[name]


def test_every_command_has_a_summary() -> None:
    commands = set(main.list_commands(click.Context(main)))
    assert commands == set(SUMMARIES), (
        f"add {sorted(commands - set(SUMMARIES))} to (or drop {sorted(set(SUMMARIES) - commands)} from) "
        "bot.cli.SUMMARIES, so that aibot --help need not import the command")


def _imported(*args: str) -> set[str]:
    run = subprocess.run([sys.executable, "-X", "importtime", "-m", "bot", *args], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    return {line.rsplit("|", 1)[1].strip() for line in run.stderr.splitlines() if line.startswith("import time:")}


def test_help_imports_no_command_and_no_heavy_library() -> None:
    modules = _imported("--help")
    heavy = {"bot.answering", "bot.cli.ask", "bot.cli.common", "adapters.console", "numpy", "sqlalchemy", "discord",
             "slack_bolt", "pydantic", "prometheus_client"}
    assert not modules & heavy, modules & heavy


def test_ask_imports_no_platform_store_or_metrics_library() -> None:
    modules = _imported("ask", "What is Stargate?")
    assert "bot.answering" in modules
    assert not modules & {"sqlalchemy", "discord", "slack_bolt", "slack_sdk", "aiohttp", "prometheus_client",
                          "alembic"}

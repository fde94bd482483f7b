"""The ``aibot`` command line (also ``python -m bot``).

Commands are imported only when used, so ``aibot ask`` never pays for a platform
library; commands that adapters contribute (``aibot chat``, ``aibot discord``) are found
through the ``aibot.commands`` entry points.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

import click

from bot.platforms import COMMAND_GROUP

_BUILTIN = {
    "ask": "bot.cli.ask:ask",
    "digest": "bot.cli.digest:digest",
    "bench": "bot.cli.bench:bench",
    "knowledge": "bot.cli.knowledge:knowledge",
    "run": "bot.cli.run:run",
    "chart": "bot.cli.chart:chart",
    "db": "bot.cli.db:db",
    "data": "bot.cli.data:data",
}

#: ``aibot --help``'s one line per command, so listing the commands imports none of them
#: (each would pull in the engine or SQLAlchemy). tests/test_cli_startup.py checks that each
#: still matches the command's own help; a plugin missing here is loaded to ask it.
SUMMARIES = {
    "ask": "Answer QUESTION about AI investment.",
    "bench": "Measure load, answer and autocomplete latency and memory on a synthetic fact base.",
    "chart": "Draw the announced AI investments as a bar chart (PNG, SVG or PDF) and print its alt text.",
    "chat": "Talk to the bot in this terminal, on the shipped fact base (help, /about, exit).",
    "data": "What the bot keeps about people: forget a person, prune old rows.",
    "db": "The bot's database: create or upgrade its schema.",
    "digest": "Scheduled digest posts.",
    "discord": "Discord: register the bot's slash commands.",
    "knowledge": "Inspect and check the fact base.",
    "run": "Run the bot on PLATFORMS (default: every platform whose settings are present).",
}


class _LazyGroup(click.Group):
    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            summary = SUMMARIES.get(name)
            if summary is None:
                command = self.get_command(ctx, name)
                if command is None or command.hidden:
                    continue
                summary = command.get_short_help_str(limit)
            rows.append((name, click.Command(name, help=summary).get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def list_commands(self, ctx: click.Context) -> list[str]:
        plugins = {ep.name for ep in entry_points(group=COMMAND_GROUP)}
        return sorted(set(_BUILTIN) | plugins)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = _BUILTIN.get(cmd_name)
        if target is not None:
            module, attribute = target.split(":")
            command: click.Command = getattr(importlib.import_module(module), attribute)
            return command
        for ep in entry_points(group=COMMAND_GROUP, name=cmd_name):
            loaded: click.Command = ep.load()
            return loaded
        return None


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="aibot")
def main() -> None:
    """aibot answers questions about AI investment, with the source of every figure."""

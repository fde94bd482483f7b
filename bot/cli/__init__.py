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
}


class _LazyGroup(click.Group):
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

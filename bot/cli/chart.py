"""``aibot chart``: the spending chart as a PNG file, with its alt text (README images come from here)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click

from bot.assemble import read_base
from bot.cli.common import settings_and_logging, user_errors
from bot.language import Lang


@click.command()
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True,
              help="Title, axis, labels and caption in this language.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default=None,
              help="Where to write the PNG ('-' for standard output); default chart-LANG.png.")
def chart(lang: Lang, output: str | None) -> None:
    """Draw the announced AI investments as a bar chart (PNG) and print its alt text."""
    from bot import messages
    from bot.charts import amount_facts, make_chart

    with user_errors():
        settings = settings_and_logging()
        base = read_base(settings.knowledge_dir)
    drawn = asyncio.run(make_chart(base, lang))
    if drawn is None:
        click.echo(messages.text("chart_too_few", lang, count=len(amount_facts(base))), err=True)
        sys.exit(1)
    if output == "-":
        sys.stdout.buffer.write(drawn.png)
        sys.stdout.flush()
        click.echo(drawn.alt_text, err=True)
        return
    path = Path(output or f"chart-{lang}.png")
    path.write_bytes(drawn.png)
    click.echo(f"{path} ({drawn.width}x{drawn.height} px)", err=True)
    click.echo(drawn.alt_text)

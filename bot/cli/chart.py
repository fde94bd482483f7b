"""``aibot chart``: the spending chart as a PNG, SVG or PDF file, with its alt text (README images come from here)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click

from bot.assemble import read_base
from bot.cli.common import settings_and_logging, user_errors
from bot.language import Lang
from knowledge.errors import AibotError


class ChartFileError(AibotError):
    """The output file cannot be written as asked; the message says why in one line."""


def _file_format(path: Path) -> str:
    """The format the file's extension names; any other extension is refused, never written as PNG."""
    from bot.charts import FILE_FORMATS

    extension = path.suffix.lower().lstrip(".")
    if extension not in FILE_FORMATS:
        named = f"a .{extension} file" if extension else "a file without an extension"
        raise ChartFileError(f"cannot write the chart as {named} ({path}): name it .png, .svg or .pdf")
    return extension


def _check_target(path: Path, force: bool) -> None:
    """Refuse before drawing: a folder in the file's place, a missing folder, a format we cannot write,
    a file that only --force may replace."""
    if path.is_dir():
        raise ChartFileError(f"{path} is a folder: give a file name ending in .png, .svg or .pdf")
    folder = path.parent
    if not folder.is_dir():
        raise ChartFileError(f"folder {folder} does not exist: create it first, or write the chart elsewhere")
    _file_format(path)
    if path.exists() and not force:
        raise ChartFileError(f"{path} already exists: add --force to replace it")


def _write(path: Path, data: bytes, force: bool) -> None:
    """Exclusive creation unless --force: a file that appears meanwhile is still not overwritten."""
    try:
        with path.open("wb" if force else "xb") as handle:
            handle.write(data)
    except FileExistsError:
        raise ChartFileError(f"{path} already exists: add --force to replace it") from None
    except OSError as exc:
        raise ChartFileError(f"cannot write {path}: {exc.strerror or exc}") from None


@click.command()
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True,
              help="Title, axis, labels and caption in this language.")
@click.option("-o", "--output", type=click.Path(allow_dash=True), default=None,
              help="Where to write the chart: .png, .svg or .pdf, the format its extension names "
                   "('-' for PNG on standard output); default chart-LANG.png.")
@click.option("--force", is_flag=True, help="Replace OUTPUT if it already exists.")
def chart(lang: Lang, output: str | None, force: bool) -> None:
    """Draw the announced AI investments as a bar chart (PNG, SVG or PDF) and print its alt text."""
    from bot import messages
    from bot.charts import amount_facts, make_chart, render_chart

    path = None if output == "-" else Path(output or f"chart-{lang}.png")
    with user_errors():
        if path is not None:
            _check_target(path, force)
        file_format = _file_format(path) if path is not None else "png"
        settings = settings_and_logging()
        base = read_base(settings.knowledge_dir)
    drawn = asyncio.run(make_chart(base, lang))
    if drawn is None:
        click.echo(messages.text("chart_too_few", lang, count=len(amount_facts(base))), err=True)
        sys.exit(1)
    if path is None:
        sys.stdout.buffer.write(drawn.png)
        sys.stdout.flush()
        click.echo(drawn.alt_text, err=True)
        return
    data = drawn.png
    if file_format != "png":
        drawing = render_chart(base, lang)
        assert drawing is not None  # make_chart drew it
        data = drawing.image(file_format)
    with user_errors():
        _write(path, data, force)
    click.echo(f"{path} ({file_format.upper()}, {drawn.width}x{drawn.height} px)", err=True)
    click.echo(drawn.alt_text)

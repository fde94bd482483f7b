"""The chart's two scales (said, or shared), and ``aibot chart -o`` writing only what it was asked to."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner
from matplotlib.text import Text
from PIL import Image

from bot import messages
from bot.charts import ChartDrawing, alt_text, render_chart
from bot.cli import main
from bot.language import Lang
from knowledge.models import FactBase


def scales_note(drawing: ChartDrawing) -> Text | None:
    found = [t for t in drawing.figure.texts if t.get_gid() == "scales-differ"]
    return found[0] if found else None


def x_limits(drawing: ChartDrawing) -> list[tuple[float, float]]:
    return [tuple(axes.get_xlim()) for axes in drawing.figure.axes]  # type: ignore[misc]


def with_smaller_total(base: FactBase, high: float) -> FactBase:
    """The shipped base with its multi-year total (Stargate's 500 billion) brought down to ``high``."""
    facts = []
    for fact in base.facts:
        amount = fact.amount
        if amount is not None and not amount.period.is_yearly:
            fact = dataclasses.replace(fact, amount=dataclasses.replace(amount, high=high))
        facts.append(fact)
    return base.model_copy(update={"facts": facts, "digest": None})


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_panels_of_very_different_sizes_say_their_scales_differ(fact_base: FactBase, lang: Lang) -> None:
    """500 billion over four years against 80 billion a year: each panel keeps its axis, and says so."""
    drawing = render_chart(fact_base, lang)
    assert drawing is not None
    yearly, spans = x_limits(drawing)
    assert yearly != spans
    note = scales_note(drawing)
    assert note is not None and note.get_text() == messages.text("chart_scales_differ", lang)
    assert messages.text("chart_alt_apart_scaled", lang) in drawing.alt_text
    # the note is legible: inside the image, under the title, above the first panel
    drawing.figure.draw_without_rendering()  # lays the text out, so its extent is known
    box = note.get_window_extent()
    assert box.x0 >= 0 and box.x1 <= drawing.width
    first_panel = drawing.figure.axes[0].get_window_extent()
    assert box.y0 > first_panel.y1


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_panels_of_a_size_share_one_axis_and_need_no_note(fact_base: FactBase, lang: Lang) -> None:
    base = with_smaller_total(fact_base, 150e9)  # against 80 billion a year: within the ratio
    drawing = render_chart(base, lang)
    assert drawing is not None
    yearly, spans = x_limits(drawing)
    assert yearly == spans
    assert scales_note(drawing) is None
    text = alt_text(base, lang)
    assert messages.text("chart_alt_apart", lang) in text
    assert messages.text("chart_alt_apart_scaled", lang) not in text


def chart_command(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["chart", *args])
    return result.exit_code, result.stdout, result.stderr


def test_an_existing_file_is_kept_without_force_and_replaced_with_it(tmp_path: Path) -> None:
    target = tmp_path / "chart.png"
    target.write_bytes(b"my own picture")
    code, _, err = chart_command("-o", str(target))
    assert code == 2
    assert err.strip() == f"aibot: {target} already exists: add --force to replace it"
    assert target.read_bytes() == b"my own picture"
    code, _, _ = chart_command("-o", str(target), "--force")
    assert code == 0
    assert target.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize(("name", "magic"), [
    ("chart.png", b"\x89PNG\r\n\x1a\n"), ("chart.svg", b"<?xml"), ("chart.pdf", b"%PDF-"), ("CHART.SVG", b"<?xml"),
])
def test_the_file_is_written_in_the_format_its_extension_names(tmp_path: Path, name: str, magic: bytes) -> None:
    target = tmp_path / name
    code, out, err = chart_command("-o", str(target))
    assert code == 0, err
    data = target.read_bytes()
    assert data.startswith(magic)
    if name.lower().endswith(".svg"):
        assert b"<svg" in data
    if name.endswith(".png"):
        assert Image.open(target).format == "PNG"
    assert out.strip()  # the alt text, as for a PNG


def test_svg_and_pdf_are_the_same_bytes_each_time(tmp_path: Path) -> None:
    """No creation date inside: a chart committed to a repository changes only when its figures do."""
    for suffix in ("svg", "pdf"):
        first, second = tmp_path / f"a.{suffix}", tmp_path / f"b.{suffix}"
        assert chart_command("-o", str(first))[0] == 0
        assert chart_command("-o", str(second))[0] == 0
        assert first.read_bytes() == second.read_bytes()


@pytest.mark.parametrize("name", ["chart.jpg", "chart.jpeg", "chart.webp", "chart"])
def test_other_extensions_are_refused_in_one_line(tmp_path: Path, name: str) -> None:
    target = tmp_path / name
    code, out, err = chart_command("-o", str(target))
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith("aibot: cannot write the chart as ")
    assert ".png, .svg or .pdf" in err
    assert not target.exists() and out == ""


def test_a_missing_folder_is_one_line_and_status_2(tmp_path: Path) -> None:
    target = tmp_path / "charts" / "chart.png"
    code, out, err = chart_command("-o", str(target))
    assert code == 2
    assert err.strip() == f"aibot: folder {target.parent} does not exist: create it first, or write the chart elsewhere"
    assert "Traceback" not in err and out == ""


def test_a_folder_given_as_the_file_is_one_line(tmp_path: Path) -> None:
    code, _, err = chart_command("-o", str(tmp_path))
    assert code == 2
    assert err.strip() == f"aibot: {tmp_path} is a folder: give a file name ending in .png, .svg or .pdf"

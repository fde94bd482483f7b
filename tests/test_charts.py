"""The chart renderer: what is drawn (read from the matplotlib figure), the PNG, the alt text, the cache."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from matplotlib.patches import Rectangle
from PIL import Image

from bot import charts
from bot.charts import ChartCache, ChartDrawing, make_chart, render_chart, render_png
from bot.cli import main
from bot.computed import amount_text, period_text
from bot.language import Lang
from knowledge.models import Amount, Fact, FactBase, Period


def bars_of(drawing: ChartDrawing) -> dict[str, Rectangle]:
    """The main bar of each amount, by fact id, as the figure holds them."""
    found: dict[str, Rectangle] = {}
    for axes in drawing.figure.axes:
        for patch in axes.patches:
            gid = patch.get_gid() or ""
            if gid.startswith("bar:"):
                assert isinstance(patch, Rectangle)
                assert gid[4:] not in found, f"two bars for {gid}"
                found[gid[4:]] = patch
    return found


def patch(drawing: ChartDrawing, gid: str) -> Rectangle:
    [found] = [p for a in drawing.figure.axes for p in a.patches if p.get_gid() == gid]
    assert isinstance(found, Rectangle)
    return found


def texts(drawing: ChartDrawing) -> str:
    parts = [t.get_text() for t in drawing.figure.texts]
    for axes in drawing.figure.axes:
        parts += [t.get_text() for t in axes.texts] + [axes.get_xlabel()]
    return "\n".join(parts)


def amount_facts(base: FactBase) -> list[Fact]:
    return [f for f in base.facts if f.amount is not None]


def with_amounts(base: FactBase, count: int) -> FactBase:
    """The shipped base plus yearly amounts made in code (no digest, so the cache keys on content)."""
    template = next(f for f in amount_facts(base) if f.amount is not None and f.amount.value is not None)
    assert template.amount is not None
    extra = [
        dataclasses.replace(template, id=f"extra-{n}",
                            amount=dataclasses.replace(template.amount, value=(10 + n) * 1e9))
        for n in range(count)
    ]
    return base.model_copy(update={"facts": [*base.facts, *extra], "digest": None})


def only_first_amount(base: FactBase) -> FactBase:
    first = amount_facts(base)[0]
    kept = [f for f in base.facts if f.amount is None or f.id == first.id]
    return base.model_copy(update={"facts": kept, "digest": None})


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_one_bar_per_amount_read_from_the_figure(fact_base: FactBase, lang: Lang) -> None:
    drawing = render_chart(fact_base, lang)
    assert drawing is not None
    assert set(bars_of(drawing)) == {f.id for f in amount_facts(fact_base)}
    assert len(amount_facts(fact_base)) == 3


def test_a_larger_base_gets_one_bar_for_each_of_its_amounts(fact_base: FactBase) -> None:
    bigger = with_amounts(fact_base, 4)
    drawing = render_chart(bigger, "en")
    assert drawing is not None
    assert len(bars_of(drawing)) == 7


def test_a_range_is_drawn_from_its_low_to_its_high(fact_base: FactBase) -> None:
    meta = next(f for f in amount_facts(fact_base) if f.amount and f.amount.low is not None)
    assert meta.amount is not None
    low, high = meta.amount.bounds
    drawing = render_chart(fact_base, "en")
    assert drawing is not None
    solid, tail = bars_of(drawing)[meta.id], patch(drawing, f"range:{meta.id}")
    assert solid.get_x() == 0 and solid.get_width() == pytest.approx(low / 1e9)
    assert tail.get_x() == pytest.approx(low / 1e9)
    assert tail.get_x() + tail.get_width() == pytest.approx(high / 1e9)
    assert tail.get_hatch()


def test_up_to_is_outlined_in_dashes_and_a_multi_year_total_sits_apart(fact_base: FactBase) -> None:
    stargate = next(f for f in amount_facts(fact_base) if f.amount and f.amount.up_to)
    drawing = render_chart(fact_base, "en")
    assert drawing is not None
    bars = bars_of(drawing)
    total = bars[stargate.id]
    assert total.get_linestyle() == "--"
    assert total.get_width() == pytest.approx(500)
    yearly_axes = {bars[f.id].axes for f in amount_facts(fact_base) if f.id != stargate.id}
    assert total.axes not in yearly_axes and len(yearly_axes) == 1
    assert not any(p.get_gid() == f"range:{stargate.id}" for a in drawing.figure.axes for p in a.patches)
    shown = texts(drawing)
    assert "Totals over several years (not yearly budgets)" in shown
    assert "≈ 125 billion a year if spread evenly (derived)" in shown


@pytest.mark.parametrize(("lang", "words"), [
    ("en", ["Announced AI investments", "Billion dollars", "Meta: 60 to 65 billion dollars in 2025",
            "Source: AFP, January 2025", "Stargate: up to 500 billion dollars over 4 years"]),
    ("fr", ["Investissements annoncés dans l'IA", "Milliards de dollars",
            "Meta : 60 à 65 milliards de dollars en 2025", "Source : AFP, janvier 2025",
            "(calcul dérivé)"]),
])
def test_title_axis_labels_and_caption_in_the_language(fact_base: FactBase, lang: Lang, words: list[str]) -> None:
    drawing = render_chart(fact_base, lang)
    assert drawing is not None
    shown = texts(drawing)
    for word in words:
        assert word in shown


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_png_decodes_at_the_size_it_declares(fact_base: FactBase, lang: Lang) -> None:
    chart = render_png(fact_base, lang, ChartCache())
    assert chart is not None
    image = Image.open(io.BytesIO(chart.png))
    image.load()
    assert image.format == "PNG"
    assert image.size == (chart.width, chart.height) == (charts.WIDTH, chart.height)
    taller = render_png(with_amounts(fact_base, 2), lang, ChartCache())
    assert taller is not None and taller.height == chart.height + 2 * charts.ROW


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_alt_text_names_every_amount_with_its_period(fact_base: FactBase, lang: Lang) -> None:
    chart = render_png(fact_base, lang, ChartCache())
    assert chart is not None
    for fact in amount_facts(fact_base):
        assert fact.amount is not None
        assert fact_base.entity(fact.amount.subject).name in chart.alt_text
        assert f"{amount_text(fact.amount, lang)} {period_text(fact.amount, lang)}" in chart.alt_text
    assert ("AFP, January 2025" if lang == "en" else "AFP, janvier 2025") in chart.alt_text
    assert chart.alt_text.count(".") <= 3  # one or two sentences and the source


def test_no_chart_for_fewer_than_two_amounts(fact_base: FactBase) -> None:
    single = only_first_amount(fact_base)
    assert render_chart(single, "en") is None
    assert render_png(single, "en", ChartCache()) is None


async def test_make_chart_renders_once_per_base_content_and_language(fact_base: FactBase) -> None:
    cache = ChartCache()
    first = await make_chart(fact_base, "en", cache)
    again = await make_chart(fact_base, "en", cache)
    assert first is not None and again is first and cache.renders == 1
    french = await make_chart(fact_base, "fr", cache)
    assert french is not None and french.png != first.png and cache.renders == 2
    changed = await make_chart(with_amounts(fact_base, 1), "en", cache)
    assert changed is not None and changed.png != first.png and cache.renders == 3
    assert await make_chart(only_first_amount(fact_base), "en", cache) is None


async def test_concurrent_requests_for_one_chart_draw_it_once(fact_base: FactBase) -> None:
    cache = ChartCache()
    drawn = await asyncio.gather(*(make_chart(fact_base, "en", cache) for _ in range(4)))
    assert cache.renders == 1
    assert all(chart is drawn[0] for chart in drawn) and drawn[0] is not None


async def test_make_chart_keeps_the_event_loop_free_while_it_draws(fact_base: FactBase) -> None:
    """Drawing takes a tenth of a second or more: the loop must keep serving meanwhile."""
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0)

    counting = asyncio.create_task(ticker())
    chart = await make_chart(with_amounts(fact_base, 3), "fr", ChartCache())
    done.set()
    await counting
    assert chart is not None
    assert ticks > 20  # drawn on the loop itself, the ticker would have run once or twice


def test_the_command_line_help_does_not_import_matplotlib() -> None:
    code = ("import sys; from click.testing import CliRunner; from bot.cli import main; "
            "r = CliRunner(); assert r.invoke(main, ['--help']).exit_code == 0; "
            "assert r.invoke(main, ['chart', '--help']).exit_code == 0; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_mixed_currencies_say_so_on_the_axis(fact_base: FactBase) -> None:
    fact = amount_facts(fact_base)[0]
    assert fact.amount is not None
    euros = dataclasses.replace(fact, id="in-euros", amount=dataclasses.replace(
        fact.amount, currency="EUR", period=Period(year=2025)))
    base = fact_base.model_copy(update={"facts": [*fact_base.facts, euros], "digest": None})
    drawing = render_chart(base, "en")
    assert drawing is not None
    assert "Billions (currency in each label)" in texts(drawing)
    assert isinstance(euros.amount, Amount)


def test_aibot_chart_writes_the_png_and_prints_its_alt_text(tmp_path: Path, fact_base: FactBase) -> None:
    target = tmp_path / "chart.png"
    result = CliRunner().invoke(main, ["chart", "--lang", "fr", "-o", str(target)])
    assert result.exit_code == 0, result.output
    chart = render_png(fact_base, "fr", ChartCache())
    assert chart is not None
    assert target.read_bytes() == chart.png
    assert result.stdout.strip() == chart.alt_text
    assert Image.open(target).size == (chart.width, chart.height)


def test_aibot_chart_to_standard_output(fact_base: FactBase) -> None:
    result = CliRunner().invoke(main, ["chart", "-o", "-"])
    assert result.exit_code == 0
    assert result.stdout_bytes.startswith(b"\x89PNG\r\n\x1a\n")
    assert Image.open(io.BytesIO(result.stdout_bytes)).size[0] == charts.WIDTH

"""The spending picture as an image: a ranked bar chart drawn from the structured amounts.

A comparison reads faster as bars than as three sentences of figures. Only structured
amounts are drawn, one bar each, worded by :mod:`bot.computed`: a range is a solid bar to
its low with a hatched piece to its high, an "up to" figure has a dashed outline, and a
total over several years gets its own panel (with its evenly spread yearly figure,
labelled derived), so it is never read as a yearly budget. The two panels share one axis
when their biggest bars are of a size (:data:`SHARED_SCALE_RATIO`); otherwise each keeps its
own, and the figure and the alt text say that their scales differ, so a 500 billion bar is
never read as an 80 billion one.

matplotlib (Agg, object API, no pyplot) is imported on first use only, so commands that
never draw (``aibot --help``, ``aibot ask``) never pay for it. :func:`make_chart` renders
in a thread and caches by the fact base's content and the language.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import textwrap
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot import messages
from bot.computed import RANK_LIMIT, amount_text, by_size, period_text, rank
from bot.language import Lang
from knowledge.models import Fact, FactBase

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_log = logging.getLogger(__name__)

#: Fewer amounts than this is no comparison: no chart.
MIN_AMOUNTS = 2
#: Pixels: wide enough for a label and its bar, and still legible when Slack or Discord
#: scale the preview down to about 400 px (text is drawn at 2x the size it should show at).
WIDTH = 800
DPI = 100
#: Vertical layout, in pixels, so the image size is known before drawing.
TITLE_SPACE = 70
#: The line under the title that says the panels' scales differ.
NOTE_SPACE = 30
PANEL_HEAD = 44
ROW = 84
#: A multi-year bar carries a second line under it: its yearly average, labelled derived.
SPAN_ROW = 1.4
AXIS_SPACE = 62
CAPTION_LINE = 25
CAPTION_PAD = 20
LEFT, RIGHT = 24, 36
#: Okabe-Ito, safe for the common colour-vision deficiencies; colour is never the only cue
#: (panels, hatching, outlines and the labels say the same).
YEARLY_COLOUR = "#0072B2"
SPAN_COLOUR = "#D55E00"
TEXT_COLOUR = "#222222"
MUTED_COLOUR = "#555555"
#: The panels share one axis when the biggest bar of one is at most this many times the other's:
#: the smaller panel's bars then still span a third of the width and a range's hatching stays
#: visible. Beyond it each panel keeps its own axis and the chart says the scales differ.
SHARED_SCALE_RATIO = 3.0
#: Formats a chart can be saved in (matplotlib's savefig format names): the PNG the platforms
#: show, and SVG and PDF for print and the web.
FILE_FORMATS = ("png", "svg", "pdf")
#: Charts kept in memory: a few bases times two languages.
CACHE_SIZE = 16


@dataclass(frozen=True)
class Chart:
    """A rendered chart: the PNG, its alt text (also the reply's text), its size in pixels."""

    png: bytes
    alt_text: str
    width: int
    height: int


class ChartImage(Protocol):
    """What a platform needs to show a chart: :class:`Chart` has it, and so does the conversation
    service's chart reply, so adapters take either."""

    @property
    def png(self) -> bytes: ...

    @property
    def alt_text(self) -> str: ...


@dataclass(frozen=True)
class Bar:
    """One amount as drawn; figures in billions of the amount's currency."""

    fact_id: str
    who: str
    low: float
    high: float
    up_to: bool
    years: int  # 1 for a yearly figure
    label: str

    @property
    def yearly(self) -> bool:
        return self.years == 1


@dataclass
class ChartDrawing:
    """The figure before it becomes a PNG, with what was drawn: for tests and for :func:`make_chart`."""

    figure: Figure
    bars: list[Bar]
    alt_text: str
    width: int
    height: int

    def png(self) -> bytes:
        return self.image("png")

    def image(self, file_format: str) -> bytes:
        """The chart in one of :data:`FILE_FORMATS`; SVG and PDF carry no creation date, so the
        same chart gives the same bytes."""
        buffer = io.BytesIO()
        if file_format == "png":
            # png goes to Agg; zlib level 1 costs a few hundred bytes here and saves a sixth of the time
            self.figure.savefig(buffer, format="png", dpi=DPI, facecolor="white", pil_kwargs={"compress_level": 1})
        elif file_format in FILE_FORMATS:
            from matplotlib import rc_context

            stamp = {"svg": "Date", "pdf": "CreationDate"}[file_format]
            with rc_context({"svg.hashsalt": "aibot"}):  # SVG element ids from a fixed salt, not at random
                self.figure.savefig(buffer, format=file_format, dpi=DPI, facecolor="white", metadata={stamp: None})
        else:
            raise ValueError(f"unsupported chart format {file_format!r}; expected one of {FILE_FORMATS}")
        return buffer.getvalue()


def amount_facts(base: FactBase) -> list[Fact]:
    """Facts with a structured amount, biggest high bound first."""
    return by_size([f for f in base.facts if f.amount is not None])


def ranking_text(base: FactBase, lang: Lang) -> str:
    """The text ranking a chart stands for: what a platform shows when it cannot show the image."""
    return rank(base, amount_facts(base), lang).body


def chart_bars(base: FactBase, lang: Lang) -> tuple[list[Bar], int]:
    """The bars to draw, biggest first (at most RANK_LIMIT), and how many amounts were left out."""
    facts = amount_facts(base)
    shown = facts[:RANK_LIMIT]
    bars = []
    for fact in shown:
        amount = fact.amount
        assert amount is not None
        low, high = amount.bounds
        up_to = amount.up_to or (amount.value is None and amount.low is None)
        who = base.entity(amount.subject).name
        bars.append(Bar(
            fact_id=fact.id, who=who, low=0.0 if up_to else low / 1e9, high=high / 1e9, up_to=up_to,
            years=1 if amount.period.is_yearly else amount.period.years or 1,
            label=messages.text("chart_label", lang, who=who, amount=amount_text(amount, lang),
                                period=period_text(amount, lang)),
        ))
    return bars, len(facts) - len(shown)


def panel_limits(bars: list[Bar]) -> tuple[float, float]:
    """The x-axis end of the yearly panel and of the multi-year panel: one shared end when
    their biggest bars are within :data:`SHARED_SCALE_RATIO` of each other (0.0 for an empty panel)."""
    yearly = max((b.high for b in bars if b.yearly), default=0.0) * 1.04
    spans = max((b.high for b in bars if not b.yearly), default=0.0) * 1.04
    if yearly and spans and max(yearly, spans) <= SHARED_SCALE_RATIO * min(yearly, spans):
        yearly = spans = max(yearly, spans)
    return yearly, spans


def scales_differ(bars: list[Bar]) -> bool:
    """Two panels drawn, each on its own axis: what the figure and the alt text must say."""
    yearly, spans = panel_limits(bars)
    return bool(yearly and spans) and yearly != spans


def alt_text(base: FactBase, lang: Lang) -> str:
    """One or two sentences that name every amount drawn, and the sources."""
    facts = amount_facts(base)[:RANK_LIMIT]
    items = []
    for fact in facts:
        amount = fact.amount
        assert amount is not None
        items.append(messages.text("chart_alt_item", lang, who=base.entity(amount.subject).name,
                                   amount=amount_text(amount, lang), period=period_text(amount, lang)))
    spans = any(f.amount is not None and not f.amount.period.is_yearly for f in facts)
    yearly = any(f.amount is not None and f.amount.period.is_yearly for f in facts)
    apart = ""
    if spans and yearly:
        apart = messages.text("chart_alt_apart_scaled" if scales_differ(chart_bars(base, lang)[0])
                              else "chart_alt_apart", lang)
    return messages.text("chart_alt", lang, count=len(facts), items=(" ; " if lang == "fr" else "; ").join(items),
                         apart=apart,
                         sources=_sources(facts, lang))


def _sources(facts: list[Fact], lang: Lang) -> str:
    seen = sorted({(f.source.publisher, f.source.date) for f in facts}, key=lambda s: (s[1], s[0]))
    listed = "; ".join(f"{publisher}, {messages.month_year(date, lang)}" for publisher, date in seen)
    return messages.text("sources" if len(seen) > 1 else "source", lang, sources=listed)


def _axis_label(base: FactBase, facts: list[Fact], lang: Lang) -> str:
    currencies = {f.amount.currency for f in facts if f.amount is not None}
    if len(currencies) == 1:
        from bot.computed import currency_words

        words = currency_words(currencies.pop(), lang)
        return messages.text("chart_axis", lang, currency=words)
    return messages.text("chart_axis_mixed", lang)


def _caption(base: FactBase, lang: Lang, left_out: int) -> list[str]:
    facts = amount_facts(base)[:RANK_LIMIT]
    parts = [_sources(facts, lang) + "."]
    bars, _ = chart_bars(base, lang)
    if any(b.up_to or b.low < b.high for b in bars):
        parts.append(messages.text("chart_key", lang))
    if left_out:
        parts.append(messages.text("chart_more", lang, count=f"{left_out:,}"))
    return textwrap.wrap(" ".join(parts), width=80)


def chart_size(yearly: int, spans: int, caption_lines: int, *, note: bool = False) -> tuple[int, int]:
    """(width, height) in pixels for this many bars in each panel (and the scales note under the title)."""
    height = TITLE_SPACE + CAPTION_PAD + caption_lines * CAPTION_LINE + (NOTE_SPACE if note else 0)
    for count, unit in ((yearly, 1.0), (spans, SPAN_ROW)):
        if count:
            height += PANEL_HEAD + round(count * unit * ROW) + AXIS_SPACE
    return WIDTH, height


def render_chart(base: FactBase, lang: Lang) -> ChartDrawing | None:
    """Draw the chart (no PNG yet); None when the base has fewer than two amounts."""
    bars, left_out = chart_bars(base, lang)
    if len(bars) < MIN_AMOUNTS:
        return None
    from matplotlib.figure import Figure

    facts = amount_facts(base)[:RANK_LIMIT]
    yearly = [b for b in bars if b.yearly]
    spans = [b for b in bars if not b.yearly]
    caption = _caption(base, lang, left_out)
    differ = scales_differ(bars)
    width, height = chart_size(len(yearly), len(spans), len(caption), note=differ)
    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, facecolor="white")
    figure.text(LEFT / width, 1 - 22 / height, messages.text("chart_title", lang), fontsize=22,
                fontweight="bold", color=TEXT_COLOUR, va="top", ha="left")
    top = TITLE_SPACE
    if differ:
        note = figure.text(LEFT / width, 1 - (top - 6) / height, messages.text("chart_scales_differ", lang),
                           fontsize=14, fontstyle="italic", color=TEXT_COLOUR, va="top", ha="left")
        note.set_gid("scales-differ")
        top += NOTE_SPACE
    axis_label = _axis_label(base, facts, lang)
    limits = panel_limits(bars)
    for panel, colour, title_key, limit in ((yearly, YEARLY_COLOUR, "chart_yearly_panel", limits[0]),
                                            (spans, SPAN_COLOUR, "chart_span_panel", limits[1])):
        if not panel:
            continue
        unit = 1.0 if panel is yearly else SPAN_ROW
        plot_height = round(len(panel) * unit * ROW)
        figure.text(LEFT / width, 1 - (top + 8) / height, messages.text(title_key, lang), fontsize=16,
                    fontweight="bold", color=MUTED_COLOUR, va="top", ha="left")
        bottom = top + PANEL_HEAD + plot_height
        axes = figure.add_axes((LEFT / width, 1 - bottom / height, (width - LEFT - RIGHT) / width,
                                plot_height / height))
        _draw_panel(axes, panel, colour, axis_label, lang, unit, limit)
        top = bottom + AXIS_SPACE
    for number, line in enumerate(caption):
        figure.text(LEFT / width, 1 - (top + CAPTION_PAD / 2 + number * CAPTION_LINE) / height, line,
                    fontsize=13, color=MUTED_COLOUR, va="top", ha="left")
    return ChartDrawing(figure, bars, alt_text(base, lang), width, height)


def _draw_panel(axes: Axes, bars: list[Bar], colour: str, axis_label: str, lang: Lang, unit: float,
                limit: float) -> None:
    """One bar per amount: its label above it, ranges hatched, "up to" outlined in dashes."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    for index, bar in enumerate(bars):
        row = index * unit
        y = row + 0.2
        if bar.up_to:
            patch = axes.barh(y, bar.high, height=0.42, left=0, facecolor=_tint(colour), edgecolor=colour,
                              linestyle="--", linewidth=2)[0]
        else:
            patch = axes.barh(y, bar.low, height=0.42, left=0, color=colour, edgecolor=colour)[0]
            if bar.high > bar.low:
                extra = axes.barh(y, bar.high - bar.low, height=0.42, left=bar.low, color="white",
                                  hatch="///", edgecolor=colour, linewidth=1.5)[0]
                extra.set_gid(f"range:{bar.fact_id}")
        patch.set_gid(f"bar:{bar.fact_id}")
        axes.text(0, row - 0.08, bar.label, fontsize=16, color=TEXT_COLOUR, va="bottom", ha="left")
        if not bar.yearly:
            yearly = messages.billions(bar.high / bar.years * 1e9, lang)
            note = messages.text("chart_yearly_average", lang, yearly=yearly)
            axes.text(0, y + 0.27, note, fontsize=13, color=TEXT_COLOUR, va="top", ha="left")
    axes.set_xlim(0, limit)
    axes.set_ylim(len(bars) * unit - 0.35, -0.55)
    axes.yaxis.set_visible(False)  # the labels above the bars name them
    axes.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: messages.billions(x * 1e9, lang)))
    axes.tick_params(axis="x", labelsize=13, colors=MUTED_COLOUR)
    axes.set_xlabel(axis_label, fontsize=13, color=MUTED_COLOUR)
    axes.grid(axis="x", color="#dddddd", linewidth=0.8)
    axes.set_axisbelow(True)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)


def _tint(colour: str, strength: float = 0.3) -> tuple[float, float, float]:
    """``colour`` mixed with white: the light fill of an "up to" bar, opaque so text on it stays crisp."""
    red, green, blue = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return tuple(1 - strength * (1 - c) for c in (red, green, blue))  # type: ignore[return-value]


def base_key(base: FactBase) -> str:
    """What a chart depends on: the loaded files' digest, or (for a base made in code) its amounts."""
    if base.digest:
        return base.digest
    hashed = hashlib.sha256()
    for fact in base.facts:
        if fact.amount is not None:
            hashed.update(repr((fact.id, fact.amount, base.entity(fact.amount.subject).name,
                                fact.source.publisher, fact.source.date)).encode())
    return hashed.hexdigest()


class ChartCache:
    """Rendered charts by (base content, language); thread-safe, least recently used dropped first."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._charts: OrderedDict[tuple[str, Lang], Chart] = OrderedDict()
        self._lock = threading.Lock()
        self._drawing: dict[tuple[str, Lang], threading.Lock] = {}
        self.renders = 0  # how many times a chart was actually drawn (for tests and the benchmark)

    def get(self, key: tuple[str, Lang]) -> Chart | None:
        with self._lock:
            chart = self._charts.get(key)
            if chart is not None:
                self._charts.move_to_end(key)
            return chart

    def put(self, key: tuple[str, Lang], chart: Chart) -> None:
        with self._lock:
            self._charts[key] = chart
            self._charts.move_to_end(key)
            while len(self._charts) > self.size:
                self._charts.popitem(last=False)

    def drawing(self, key: tuple[str, Lang]) -> threading.Lock:
        """One lock per key: a second request for a chart being drawn waits for it instead of drawing it again."""
        with self._lock:
            return self._drawing.setdefault(key, threading.Lock())

    def clear(self) -> None:
        with self._lock:
            self._charts.clear()


#: The process's cache: charts depend only on the base's content and the language.
CACHE = ChartCache()


def render_png(base: FactBase, lang: Lang, cache: ChartCache = CACHE) -> Chart | None:
    """The chart as a PNG, from the cache when this base and language were drawn before (blocking)."""
    if sum(1 for f in base.facts if f.amount is not None) < MIN_AMOUNTS:
        return None
    key = (base_key(base), lang)
    with cache.drawing(key):
        cached = cache.get(key)
        if cached is not None:
            return cached
        drawing = render_chart(base, lang)
        if drawing is None:
            return None
        chart = Chart(drawing.png(), drawing.alt_text, drawing.width, drawing.height)
        cache.renders += 1
        cache.put(key, chart)
        return chart


async def make_chart(base: FactBase, lang: Lang, cache: ChartCache = CACHE) -> Chart | None:
    """The chart for ``base`` in ``lang``, drawn off the event loop; None when fewer than two amounts."""
    if sum(1 for f in base.facts if f.amount is not None) < MIN_AMOUNTS:
        return None
    cached = cache.get((base_key(base), lang))
    if cached is not None:
        return cached
    return await asyncio.to_thread(render_png, base, lang, cache)

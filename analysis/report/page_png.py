"""Render a report page (:mod:`analysis.report.page` blocks) as one PNG with matplotlib, laid out like the HTML.

No browser is needed: the page is a tall matplotlib figure 12 inches wide, the blocks stacked top to bottom in
the HTML's order (title, status banner, KPI tiles, call-out, lists, charts two per row, tables, notes). Text is
wrapped here (each line measured in the page font), so the height is known before drawing.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any, Final

import matplotlib.image as mpimg
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Circle, FancyBboxPatch
from matplotlib.text import Text

from analysis import style
from analysis.report import page

DPI: Final = 150
MARGIN: Final = 0.45
GAP: Final = 0.18
CHART_GAP: Final = 0.2
# Two charts side by side at their own pixel size (no resampling: crisp text); the page is as wide as that.
CHART_WIDTH: Final = style.CHART_SIZE[0] * style.CHART_DPI / DPI  # inches on the page
INNER: Final = 2 * CHART_WIDTH + CHART_GAP
WIDTH: Final = INNER + 2 * MARGIN  # inches
SAFETY: Final = 0.97  # wrap a little short of the measured width (word widths are summed without kerning)

Draw = Callable[[Figure, float, float], None]  # (figure, top y in inches from the bottom, page height)


_MEASURE: Final = RendererAgg(100, 100, 72)  # 72 dpi: a measured width in pixels is a width in points


@lru_cache(maxsize=8)
def _font(size_pt: float, bold: bool) -> FontProperties:
    return FontProperties(family=style.FONT, size=size_pt, weight="bold" if bold else "normal")


@lru_cache(maxsize=8192)
def text_width(text: str, size_pt: float, bold: bool = False) -> float:
    """Width of ``text`` in inches in the page font at ``size_pt`` points (measured, not estimated)."""
    width, _, _ = _MEASURE.get_text_width_height_descent(text, _font(size_pt, bold), ismath=False)
    return float(width) / 72


def wrap(text: str, width_in: float, size_pt: float, bold: bool = False) -> list[str]:
    """``text`` wrapped greedily into lines no wider than ``width_in`` inches at ``size_pt`` points."""
    space = text_width("a a", size_pt, bold) - 2 * text_width("a", size_pt, bold)
    limit = width_in * SAFETY
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current: list[str] = []
        used = 0.0
        for word in paragraph.split():
            width = text_width(word, size_pt, bold)
            if current and used + space + width > limit:
                lines.append(" ".join(current))
                current, used = [word], width
            else:
                used += (space if current else 0.0) + width
                current.append(word)
        lines.append(" ".join(current))
    return lines or [""]


def line_height(size_pt: float) -> float:
    return size_pt * 1.45 / 72


def render(blocks: Sequence[page.Block]) -> bytes:
    """The page as PNG bytes."""
    laid = [_layout(b) for b in blocks]
    height = MARGIN * 2 + sum(h for h, _ in laid) + GAP * (len(laid) - 1)
    with style.styled():
        fig = Figure(figsize=(WIDTH, height), dpi=DPI)
        FigureCanvasAgg(fig)  # attaches itself: text can be measured while laying out
        fig.patch.set_facecolor(style.BACKGROUND)
        top = height - MARGIN
        for h, draw in laid:
            draw(fig, top, height)
            top -= h + GAP
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": "funnelsim"},
                    pil_kwargs={"compress_level": style.PNG_COMPRESSION})
    return buffer.getvalue()


def _text(fig: Figure, x: float, y: float, height: float, s: str, size: float, **kw: Any) -> Text:
    """Text with its top-left corner (``va`` top by default) at (x, y) inches from the bottom-left."""
    kw.setdefault("va", "top")
    return fig.text(x, y, s, fontsize=size, transform=fig.dpi_scale_trans, **kw)


def _box(fig: Figure, x: float, y_top: float, w: float, h: float, height: float, colour: str) -> None:
    """A filled rectangle, top-left corner at (x, y_top) inches, slightly rounded."""
    radius = min(0.06, w / 4, h / 4)
    fig.add_artist(
        FancyBboxPatch(
            (x, y_top - h), w, h, boxstyle=f"round,pad=0,rounding_size={radius}",
            transform=fig.dpi_scale_trans, facecolor=colour, edgecolor="none",
        )
    )


def _layout(block: page.Block) -> tuple[float, Draw]:
    if isinstance(block, page.Title):
        return _title(block)
    if isinstance(block, page.Banner):
        return _banner(block)
    if isinstance(block, page.Tiles):
        return _tiles(block)
    if isinstance(block, page.Heading):
        return _heading(block)
    if isinstance(block, page.Callout):
        return _callout(block)
    if isinstance(block, page.Items):
        return _items(block.items, block.ordered, 13.0)
    if isinstance(block, page.Charts):
        return _charts(block)
    if isinstance(block, page.Table):
        return _table(block)
    return _items(block.items, False, 10.5, colour=style.MUTED)


def _title(block: page.Title) -> tuple[float, Draw]:
    sub = wrap(block.subtitle, INNER, 12) if block.subtitle else []
    h = line_height(24) + len(sub) * line_height(12)

    def draw(fig: Figure, top: float, height: float) -> None:
        _text(fig, MARGIN, top, height, block.text, 24, fontweight="bold", color=style.INK)
        for i, line in enumerate(sub):
            _text(fig, MARGIN, top - line_height(24) - i * line_height(12), height, line, 12, color=style.MUTED)

    return h, draw


def _banner(block: page.Banner) -> tuple[float, Draw]:
    lines = wrap(block.text, INNER - 2.4, 16)
    h = max(0.75, len(lines) * line_height(16) + 0.3)

    def draw(fig: Figure, top: float, height: float) -> None:
        colour = style.STATUS_COLOURS.get(block.status, style.STATUS_COLOURS["unknown"])
        ink = style.STATUS_TEXT.get(block.status, "#ffffff")
        _box(fig, MARGIN, top, INNER, h, height, colour)
        middle = top - h / 2
        _text(fig, MARGIN + 0.25, middle, height, block.word.upper(), 22, fontweight="bold", color=ink, va="center")
        _text(fig, MARGIN + 2.3, middle, height, "\n".join(lines), 16, color=ink, va="center", linespacing=1.3)

    return h, draw


def _tiles(block: page.Tiles) -> tuple[float, Draw]:
    n = max(len(block.tiles), 1)
    gap = 0.2
    w = (INNER - gap * (n - 1)) / n
    wrapped = [[line for d in t.details for line in wrap(d, w - 0.4, 11.5)] for t in block.tiles]
    h = 0.12 + line_height(10.5) + line_height(30) + max((len(x) for x in wrapped), default=0) * line_height(11.5)
    h += 0.22

    def draw(fig: Figure, top: float, height: float) -> None:
        for i, (tile, lines) in enumerate(zip(block.tiles, wrapped, strict=True)):
            x = MARGIN + i * (w + gap)
            _box(fig, x, top, w, h, height, style.PANEL)
            colour = style.STATUS_COLOURS.get(tile.status, style.STATUS_COLOURS["unknown"])
            _box(fig, x, top, w, 0.08, height, colour)
            y = top - 0.2
            _text(fig, x + 0.2, y, height, tile.name.upper(), 10.5, color=style.MUTED, fontweight="bold")
            y -= line_height(10.5)
            figure = _text(fig, x + 0.2, y, height, tile.big, 30, fontweight="bold", color=style.INK)
            if tile.arrow:
                arrow_colour = {"good": style.STATUS_COLOURS["green"], "bad": style.STATUS_COLOURS["red"]}.get(
                    tile.arrow_class, style.MUTED
                )
                renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
                width_in = figure.get_window_extent(renderer=renderer).width / fig.dpi
                _text(fig, x + 0.3 + width_in, y, height, tile.arrow, 30, fontweight="bold", color=arrow_colour)
            y -= line_height(30)
            for line in lines:
                _text(fig, x + 0.2, y, height, line, 11.5, color=style.INK)
                y -= line_height(11.5)

    return h, draw


def _heading(block: page.Heading) -> tuple[float, Draw]:
    h = line_height(16) + 0.1

    def draw(fig: Figure, top: float, height: float) -> None:
        _text(fig, MARGIN, top - 0.05, height, block.text, 16, fontweight="bold", color=style.INK)
        _box(fig, MARGIN, top - h + 0.03, INNER, 0.025, height, style.GRID)

    return h, draw


def _callout(block: page.Callout) -> tuple[float, Draw]:
    main = wrap(block.text, INNER - 0.5, 14, bold=True)
    details = [line for d in block.details for line in wrap(d, INNER - 0.5, 11.5)]
    h = len(main) * line_height(14) + len(details) * line_height(11.5) + 0.3

    def draw(fig: Figure, top: float, height: float) -> None:
        _box(fig, MARGIN, top, INNER, h, height, style.PANEL)
        _box(fig, MARGIN, top, 0.08, h, height, style.PRIMARY)
        y = top - 0.15
        for line in main:
            _text(fig, MARGIN + 0.3, y, height, line, 14, fontweight="bold", color=style.INK)
            y -= line_height(14)
        for line in details:
            _text(fig, MARGIN + 0.3, y, height, line, 11.5, color=style.MUTED)
            y -= line_height(11.5)

    return h, draw


def _items(items: tuple[str, ...], ordered: bool, size: float, colour: str = style.INK) -> tuple[float, Draw]:
    indent = 0.4
    wrapped = [wrap(item, INNER - indent, size) for item in items]
    h = sum(len(w) for w in wrapped) * line_height(size) + 0.06 * len(items)

    def draw(fig: Figure, top: float, height: float) -> None:
        y = top
        for i, lines in enumerate(wrapped, start=1):
            marker = f"{i}." if ordered else "•"
            _text(fig, MARGIN + 0.05, y, height, marker, size, color=colour, fontweight="bold")
            for line in lines:
                _text(fig, MARGIN + indent, y, height, line, size, color=colour)
                y -= line_height(size)
            y -= 0.06

    return h, draw


def _charts(block: page.Charts) -> tuple[float, Draw]:
    gap = CHART_GAP
    per_row = 2 if block.columns == 2 else 1
    images = [mpimg.imread(io.BytesIO(png), format="png") for _, png in block.charts]
    # Placed pixel for pixel (figimage): a chart as wide as CHART_WIDTH fills its column exactly.
    heights = [img.shape[0] / DPI for img in images]
    rows = [heights[i : i + per_row] for i in range(0, len(heights), per_row)]
    h = sum(max(r) for r in rows) + gap * max(len(rows) - 1, 0)

    def draw(fig: Figure, top: float, height: float) -> None:
        y = top
        for r, row in enumerate(rows):
            for c, img_h in enumerate(row):
                img = images[per_row * r + c]
                x = MARGIN + c * (CHART_WIDTH + gap)
                fig.figimage(img, xo=round(x * DPI), yo=round((y - img_h) * DPI), origin="upper")
            y -= max(row) + gap

    return h, draw


def _table(block: page.Table) -> tuple[float, Draw]:
    size = 10.5
    n = len(block.headers)
    weights = block.widths if len(block.widths) == n else tuple(1.0 for _ in range(n))
    total = sum(weights)
    widths = [INNER * wgt / total for wgt in weights]
    pad = 0.08
    dot = 0.2 if block.status_column is not None else 0.0
    cells = [
        [wrap(v, widths[i] - 2 * pad - (dot if i == block.status_column else 0), size) for i, v in enumerate(row)]
        for row in block.rows
    ]
    head = [wrap(hd, widths[i] - 2 * pad, size) for i, hd in enumerate(block.headers)]
    head_h = max(len(x) for x in head) * line_height(size) + 0.12
    row_hs = [max(len(c) for c in row) * line_height(size) + 0.1 for row in cells]
    h = head_h + sum(row_hs)

    def draw(fig: Figure, top: float, height: float) -> None:
        _box(fig, MARGIN, top, INNER, head_h, height, style.PANEL)
        x = MARGIN
        for i, lines in enumerate(head):
            _text(fig, x + pad, top - 0.06, height, "\n".join(lines), size, fontweight="bold", linespacing=1.3)
            x += widths[i]
        y = top - head_h
        for raw, row, row_h in zip(block.rows, cells, row_hs, strict=True):
            x = MARGIN
            for i, lines in enumerate(row):
                tx = x + pad
                if i == block.status_column:
                    colour = style.STATUS_COLOURS.get(raw[i], style.STATUS_COLOURS["unknown"])
                    centre = y - 0.05 - line_height(size) / 2 + 0.02
                    fig.add_artist(Circle((tx + 0.07, centre), 0.065, transform=fig.dpi_scale_trans,
                                          facecolor=colour, edgecolor="none"))
                    tx += dot
                if i in block.numeric:
                    _text(fig, x + widths[i] - pad, y - 0.05, height, "\n".join(lines), size, ha="right",
                          linespacing=1.3)
                else:
                    _text(fig, tx, y - 0.05, height, "\n".join(lines), size, linespacing=1.3)
                x += widths[i]
            y -= row_h
            _box(fig, MARGIN, y + 0.01, INNER, 0.012, height, style.GRID)

    return h, draw


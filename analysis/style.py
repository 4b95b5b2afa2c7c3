"""The one look of every funnelsim chart and page: palette, fonts, number formats and figure helpers.

Every chart module draws inside :func:`styled` (or on a figure from :func:`new_figure`), so a funnel chart, a
queue plot and the dashboard page share fonts, colours and sizes and read as one product. Sizes are chosen for
a slide: a chart is 8 x 4.5 inches at 110 dpi (880 x 495 px), titles 15 pt, labels 12 pt, so a chart stays
legible when projected or dropped into a 2-column page. The Agg backend is forced: reports render on servers
with no display.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final, cast

import matplotlib
from cycler import cycler

matplotlib.use("Agg")

from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

# Palette: one blue for "our" series, grey for context (targets, previous periods), status colours for RAG.
INK: Final = "#1f2933"
MUTED: Final = "#6b7780"
GRID: Final = "#d9dee3"
BACKGROUND: Final = "#ffffff"
PANEL: Final = "#f4f6f8"
PRIMARY: Final = "#1f5fa8"
SECONDARY: Final = "#e08a1e"
TERTIARY: Final = "#5b8c5a"
TARGET: Final = "#7d8791"
WAITING: Final = "#e08a1e"  # time spent waiting (queues, the prospect's review)
WORKING: Final = "#1f5fa8"  # time spent working (POV running, negotiation)
SERIES: Final = (PRIMARY, SECONDARY, TERTIARY, "#8e5ea2", "#c0504d", "#4bacc6")

STATUS_COLOURS: Final = {
    "green": "#2e8540",
    "yellow": "#d9a400",
    "red": "#c0392b",
    "unknown": "#7d8791",
}
STATUS_TEXT: Final = {"green": "#ffffff", "yellow": "#1f2933", "red": "#ffffff", "unknown": "#ffffff"}

FONT: Final = "DejaVu Sans"
CHART_SIZE: Final = (8.0, 4.5)  # inches
CHART_DPI: Final = 110
PNG_COMPRESSION: Final = 3  # zlib level: a little larger than the default 6, several times faster to write

RC: Final[dict[str, Any]] = {
    "font.family": FONT,
    "font.size": 12,
    "axes.titlesize": 15,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titlepad": 10,
    "axes.labelsize": 12,
    "axes.labelcolor": INK,
    "axes.edgecolor": GRID,
    "axes.linewidth": 1.0,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "axes.axisbelow": True,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(color=list(SERIES)),
    "grid.color": GRID,
    "grid.linewidth": 0.8,
    "xtick.color": INK,
    "ytick.color": INK,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 11,
    "legend.frameon": False,
    "text.color": INK,
    "figure.facecolor": BACKGROUND,
    "axes.facecolor": BACKGROUND,
    "savefig.facecolor": BACKGROUND,
    "lines.linewidth": 2.2,
    "text.parse_math": False,  # "$1.2M" is money, not mathtext
}


@contextmanager
def styled() -> Iterator[None]:
    """Apply the funnelsim style for the duration of a ``with`` block (global settings are restored after)."""
    with matplotlib.rc_context(cast(Any, RC)):
        yield


def new_figure(size: tuple[float, float] = CHART_SIZE, **kwargs: Any) -> Figure:
    """A styled figure not registered with pyplot (no global state, garbage-collected like any object)."""
    with styled():
        return Figure(figsize=size, dpi=CHART_DPI, layout="constrained", **kwargs)


def png_bytes(fig: Figure, dpi: int = CHART_DPI) -> bytes:
    """The figure as PNG bytes (for a file, or a data URI in a self-contained page)."""
    buffer = io.BytesIO()
    with styled():
        fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": "funnelsim"},
                    pil_kwargs={"compress_level": PNG_COMPRESSION})
    return buffer.getvalue()


def money(value: float, *, signed: bool = False) -> str:
    """Compact USD: ``$1.25M``, ``$450K``, ``$950``; NaN is ``n/a``.

    >>> money(1_250_000), money(450_000), money(-32_500), money(950), money(float("nan"))
    ('$1.25M', '$450K', '-$32.5K', '$950', 'n/a')
    >>> money(12_000, signed=True), money(-0.2, signed=True)
    ('+$12K', '$0')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    v = abs(float(value))
    sign = "" if v < 0.5 else ("-" if value < 0 else ("+" if signed else ""))  # "$0", never "-$0"
    if v >= 1e6:
        text = f"{v / 1e6:.2f}".rstrip("0").rstrip(".") + "M"
    elif v >= 1e3:
        text = f"{v / 1e3:.1f}".rstrip("0").rstrip(".") + "K"
    else:
        text = f"{v:.0f}"
    return f"{sign}${text}"


def signed_text(value: float, digits: int, *, signed: bool = False) -> str:
    """``value`` to ``digits`` decimals, with no sign on what rounds to zero (never ``-0``).

    >>> signed_text(-0.004, 2), signed_text(-0.004, 2, signed=True), signed_text(0.6, 0, signed=True)
    ('0.00', '0.00', '+1')
    """
    rounded = round(float(value), digits)
    if rounded == 0:
        return f"{0:.{digits}f}"
    return f"{rounded:{'+' if signed else ''}.{digits}f}"


def percent(value: float, digits: int = 0, *, signed: bool = False) -> str:
    """A fraction as a percentage: ``0.312`` -> ``31 %``; NaN is ``n/a``; what rounds to zero has no sign.

    >>> percent(0.312), percent(-0.1, signed=True), percent(float("nan")), percent(-0.001, signed=True)
    ('31 %', '-10 %', 'n/a', '0 %')
    """
    if value is None or math.isnan(value):
        return "n/a"
    return f"{signed_text(value * 100, digits, signed=signed)} %"


def number(value: float, digits: int = 1) -> str:
    """A plain number, ``n/a`` for NaN (never ``-0.0``).

    >>> number(0.8333), number(float("nan")), number(-0.04)
    ('0.8', 'n/a', '0.0')
    """
    if value is None or math.isnan(value):
        return "n/a"
    return signed_text(value, digits)


MONEY_AXIS: Final = FuncFormatter(lambda v, _pos: money(v))
PERCENT_AXIS: Final = FuncFormatter(lambda v, _pos: percent(v))


def date_axis(ax: Any) -> None:
    """Concise month / year ticks on a time axis (``Feb``, ``Mar``, ... with the year once), never crowded."""
    locator = AutoDateLocator(minticks=4, maxticks=9)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator, show_offset=False))


def note(ax: Any, text: str) -> None:
    """A centred grey message inside empty axes ("no won deals yet"), instead of a blank or broken chart."""
    ax.text(0.5, 0.5, text, ha="center", va="center", color=MUTED, fontsize=13, transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)

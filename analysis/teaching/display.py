"""How a lesson shows a chart: the figure as a PNG output of the cell, whatever matplotlib backend the kernel has.

:mod:`analysis.style` forces the Agg backend (reports render on servers with no display), so a bare ``Figure`` in a
cell shows only its text repr. The chart helpers build figures with :func:`analysis.style.new_figure` (no pyplot,
no global state); a cell calls ``show(some_chart(...))`` and the stored notebook holds the PNG a reader sees on
GitHub. A report page (a dashboard, an autopsy) is shown scaled down by :func:`report_page`.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from matplotlib.figure import Figure
from PIL import Image as Picture

from analysis.style import png_bytes

if TYPE_CHECKING:
    from IPython.display import Image


def show(fig: Figure) -> None:
    """Display ``fig`` as a PNG output of the running cell (outside a notebook it prints nothing)."""
    from IPython.display import Image, display  # the notebooks extra brings IPython; the package does not need it

    display(Image(data=png_bytes(fig), format="png"))


def report_page(path: Path, width: int = 900) -> Image:
    """A report page's PNG (a dashboard, an autopsy) scaled down to ``width`` pixels for the notebook.

    The page is rendered for print at about 1,900 pixels wide; stored at full size it would make the committed
    notebook megabytes heavier on every re-execution.
    """
    from IPython.display import Image

    with Picture.open(path) as picture:
        height = round(picture.height * width / picture.width)
        small = picture.convert("RGB").resize((width, height), Picture.Resampling.LANCZOS)
    buffer = io.BytesIO()
    # A page is flat colours and text: a 128-colour palette (octree keeps the status colours true; median cut turned
    # the amber tiles khaki) keeps it legible at a fifth of the bytes.
    small.quantize(colors=128, method=Picture.Quantize.FASTOCTREE).save(buffer, format="PNG", optimize=True)
    return Image(data=buffer.getvalue(), format="png")

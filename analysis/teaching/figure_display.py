"""Show a chart in a lesson: a Matplotlib figure as the PNG a notebook stores and GitHub renders.

:mod:`analysis.style` forces the Agg backend (reports render on servers with no display), so a bare ``Figure`` in a
cell shows only its text repr; a lesson's chart helpers return figures and a cell ends with ``show(fig)``.
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


def show(fig: Figure) -> Image:
    """The figure as an IPython PNG image (the last expression of a cell displays it)."""
    from IPython.display import Image  # the notebooks extra brings IPython; the package itself does not need it

    return Image(data=png_bytes(fig), format="png")


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

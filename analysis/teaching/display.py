"""How a lesson shows a chart: the figure as a PNG output of the cell, whatever matplotlib backend the kernel has.

The chart helpers build figures with :func:`analysis.style.new_figure` (no pyplot, no global state), so a cell
ends with ``show(some_chart(...))`` and the stored notebook holds the PNG a reader sees on GitHub.
"""

from __future__ import annotations

from matplotlib.figure import Figure

from analysis.style import png_bytes


def show(fig: Figure) -> None:
    """Display ``fig`` as a PNG output of the running cell (outside a notebook it prints nothing)."""
    from IPython.display import Image, display

    display(Image(png_bytes(fig)))

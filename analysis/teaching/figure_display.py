"""Show a chart in a lesson: a Matplotlib figure as the PNG a notebook stores and GitHub renders.

:mod:`analysis.style` forces the Agg backend (reports render on servers with no display), so a bare ``Figure`` in a
cell shows only its text repr; a lesson's chart helpers return figures and a cell ends with ``show(fig)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.figure import Figure

from analysis.style import png_bytes

if TYPE_CHECKING:
    from IPython.display import Image


def show(fig: Figure) -> Image:
    """The figure as an IPython PNG image (the last expression of a cell displays it)."""
    from IPython.display import Image  # the notebooks extra brings IPython; the package itself does not need it

    return Image(data=png_bytes(fig), format="png")

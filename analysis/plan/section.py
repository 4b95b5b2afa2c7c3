"""One part of the engagement plan: what every section function returns, and what the page, the PNG and the
Markdown are assembled from."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from matplotlib.figure import Figure


@dataclass(frozen=True)
class Section:
    """A part of the plan.

    ``headline`` is the one sentence a board member reads (the recommendation or the finding, with its range);
    ``lines`` are the supporting points, each number with its range and the replications behind it; ``table`` the
    numbers behind the section (written as ``<key>.csv``); ``figure`` an optional chart; ``caveats`` what could not
    be computed and why (e.g. "C2RE: no spend history given"), shown, never hidden; ``warning`` True when the reader
    must see a caveat before trusting the rest (poor backtest coverage), which the page puts at the top.
    """

    key: str  # file-name stem and anchor: "standing", "trust", "fixes", "target", "comp", "cro"
    title: str
    headline: str
    lines: tuple[str, ...] = ()
    table: pd.DataFrame | None = None
    figure: Figure | None = field(default=None, compare=False)
    caveats: tuple[str, ...] = ()
    warning: bool = False

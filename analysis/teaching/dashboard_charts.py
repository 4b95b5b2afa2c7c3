"""The charts of lesson 5 (the Monday dashboard, the monthly autopsy, fractional vs full-time CRO).

Every function takes numbers the lesson computed with :mod:`analysis.report` and :mod:`analysis.montecarlo` and
returns a styled :class:`~matplotlib.figure.Figure` (display it with :func:`analysis.teaching.display.show`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.style import (
    GRID,
    MONEY_AXIS,
    MUTED,
    PRIMARY,
    SECONDARY,
    STATUS_COLOURS,
    TARGET,
    money,
    new_figure,
    styled,
)


def quarter_of_mondays(weeks: pd.DataFrame, healthy_c2re: tuple[float, float]) -> Figure:
    """A quarter of Monday dashboards: NNARR to date against its pro-rated target, each Monday coloured by its
    status (top), and the trailing-30-day C2RE with the healthy band (bottom).

    ``weeks`` has one row per Monday with the dashboard's numbers (``Dashboard.numbers()``): ``week``, ``status``,
    ``nnarr_to_date``, ``nnarr_target_to_date``, ``c2re_30d``.
    """
    fig = new_figure((9, 6.5))
    with styled():
        top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
        x = np.arange(len(weeks))
        top.plot(x, weeks["nnarr_target_to_date"], color=TARGET, ls="--", lw=1.5, label="target to date (pro rata)")
        top.plot(x, weeks["nnarr_to_date"], color=PRIMARY, lw=2, label="NNARR to date")
        colours = [STATUS_COLOURS.get(str(s), STATUS_COLOURS["unknown"]) for s in weeks["status"]]
        top.scatter(x, weeks["nnarr_to_date"], c=colours, s=70, zorder=3, edgecolors="white",
                    label="the Monday's status (colour)")
        top.yaxis.set_major_formatter(MONEY_AXIS)
        top.set(title="A quarter of Monday dashboards", ylabel="NNARR since the start date")
        top.legend(loc="upper left", fontsize=9)
        top.grid(color=GRID)
        c2re = weeks["c2re_30d"].astype(float)
        bottom.axhspan(*healthy_c2re, color=STATUS_COLOURS["green"], alpha=0.1, label="healthy C2RE")
        bottom.plot(x, c2re, "o-", color=SECONDARY, lw=1.5, label="C2RE, trailing 30 days")
        bottom.set_title("C2RE over the 30 days before each Monday", fontsize=12)
        bottom.set(ylabel="C2RE ($ per $)", xlabel="dashboard week (ISO, sent on its Monday)")
        bottom.set_xticks(x, list(weeks["week"]), rotation=45, ha="right", fontsize=9)
        bottom.legend(loc="upper left", fontsize=9)
        bottom.grid(color=GRID)
    return fig


def paired_changes(deltas: Mapping[str, np.ndarray], titles: Mapping[str, str], units: Mapping[str, str]) -> Figure:
    """Per KPI, the change each replication saw (variant − baseline, the same prospects), as dots with their
    mean; one panel per KPI."""
    fig = new_figure((11, 4.4))
    with styled():
        axes = np.atleast_1d(fig.subplots(1, len(deltas)))
        rng = np.random.default_rng(0)  # only spreads the dots sideways so that equal values stay visible
        for i, (ax, (name, values)) in enumerate(zip(axes, deltas.items(), strict=True)):
            values = np.asarray(values, dtype=float)
            values = values[np.isfinite(values)]
            ax.scatter(rng.uniform(-0.25, 0.25, len(values)), values, s=18, alpha=0.6, color=PRIMARY)
            mean = float(values.mean()) if len(values) else float("nan")
            ax.axhline(0, color=MUTED, lw=1)
            ax.axhline(mean, color=SECONDARY, lw=2)
            shown = money(mean, signed=True) if units.get(name) == "usd" else f"{mean:+.2f}"
            ax.annotate(f"mean {shown}", (0.28, mean), xytext=(2, 3), textcoords="offset points", color=SECONDARY,
                        fontsize=9)
            ax.set_xlim(-0.5, 0.8)
            ax.set_xticks([])
            if units.get(name) == "usd":
                ax.yaxis.set_major_formatter(MONEY_AXIS)
            ax.set_title(titles.get(name, name), fontsize=12)
            if i == 0:
                ax.set_ylabel("full-time − fractional, per replication")
            ax.grid(color=GRID, axis="y")
        fig.suptitle("Full-time vs fractional CRO: the same prospects, replication by replication", fontsize=14,
                     fontweight="bold", x=0.02, ha="left")
    return fig

"""The charts of lesson 6 (from a CRM export to a plan: import, calibrate, backtest, test a fix).

Every function takes tables the lesson read from the commands' outputs (the imported deals, a backtest's
``monthly.csv``) and returns a styled :class:`~matplotlib.figure.Figure` (display it with
:func:`analysis.teaching.display.show`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.style import GRID, MUTED, PRIMARY, SECONDARY, STATUS_COLOURS, TARGET, new_figure, styled


def monthly_counts(deals: pd.DataFrame) -> pd.DataFrame:
    """Per calendar month: leads created (``arrived``) and deals won (``closed`` with outcome ``won``)."""
    created = deals["arrived"].dt.to_period("M").value_counts()
    won = deals.loc[deals["outcome"].astype("string").eq("won").fillna(False).astype(bool), "closed"]
    wins = won.dt.to_period("M").value_counts()
    months = pd.period_range(min(created.index.min(), wins.index.min()), max(created.index.max(), wins.index.max()),
                             freq="M")
    return pd.DataFrame({"created": created.reindex(months, fill_value=0),
                         "won": wins.reindex(months, fill_value=0)}, index=months)


def leads_and_wins(counts: pd.DataFrame, marks: Mapping[str, pd.Timestamp]) -> Figure:
    """Leads created and deals won per month (from :func:`monthly_counts`), with dated marks (the fit's window)."""
    fig = new_figure((9, 4.5))
    with styled():
        ax = fig.subplots()
        x = counts.index.to_timestamp()
        # Bars span their month from its first day, so a dated mark on the 1st sits on a month's left edge.
        ax.bar(x, counts["created"], width=26, align="edge", color=PRIMARY, alpha=0.35, label="leads created")
        ax.plot(x + pd.Timedelta(days=13), counts["won"], "o-", color=SECONDARY, lw=2,
                label="deals won (closed that month)")
        for i, (label, when) in enumerate(marks.items()):
            ax.axvline(when, color=TARGET, ls="--" if i == 0 else ":", lw=1.2)
            ax.annotate(label, (when, ax.get_ylim()[1]), xytext=(3, -14 - 14 * i), textcoords="offset points",
                        fontsize=9, color=MUTED)
        ax.set(title="The export, month by month", xlabel="month", ylabel="leads or deals")
        ax.grid(color=GRID, axis="y")
        ax.legend(loc="center left", fontsize=9)
    return fig


def backtest_bands(panels: Mapping[str, pd.DataFrame]) -> Figure:
    """One panel per backtest: the actual won deals each month against the simulated P10-P90 band and P50.

    Each table is a backtest's ``monthly.csv`` for one metric (``month``, ``actual``, ``p10``, ``p50``, ``p90``,
    ``inside``): the scored months only; months outside the band are marked red.
    """
    fig = new_figure((11, 4.4))
    with styled():
        # Each panel on its own scale: a held-out tail of a few wins a month would vanish beside the peak months.
        axes = np.atleast_1d(fig.subplots(1, len(panels)))
        for ax, (name, table) in zip(axes, panels.items(), strict=True):
            x = np.arange(len(table))
            low, high = table["p10"].to_numpy(dtype=float), table["p90"].to_numpy(dtype=float)
            ax.bar(x, high - low, bottom=low, width=0.7, color=PRIMARY, alpha=0.2, label="simulated P10-P90")
            ax.hlines(table["p50"], x - 0.35, x + 0.35, color=PRIMARY, lw=1.5, label="simulated P50")
            inside = table["inside"].astype(bool).to_numpy()
            actual = table["actual"].to_numpy(dtype=float)
            ax.plot(x[inside], actual[inside], "o", color=STATUS_COLOURS["green"], label="actual, inside")
            ax.plot(x[~inside], actual[~inside], "X", ms=9, color=STATUS_COLOURS["red"], label="actual, outside")
            ax.set_xticks(x, list(table["month"]), rotation=45, ha="right", fontsize=9)
            ax.set_title(name, fontsize=12)
            ax.set(xlabel="month", ylabel="won deals per month")
            ax.set_ylim(bottom=0)
            ax.grid(color=GRID, axis="y")
        axes[0].legend(loc="upper right", fontsize=8)
        fig.suptitle("Backtest: the export's won deals against the calibrated model", fontsize=14,
                     fontweight="bold", x=0.02, ha="left")
    return fig


def fix_effect(months: pd.PeriodIndex, wins: Mapping[str, np.ndarray]) -> Figure:
    """Mean won deals per month for each variant (rows: replications, columns: ``months``), on one chart."""
    fig = new_figure()
    with styled():
        ax = fig.subplots()
        x = np.arange(len(months))
        reps = 0
        for (name, table), colour in zip(wins.items(), (PRIMARY, SECONDARY), strict=False):
            values = np.asarray(table, dtype=float)
            reps = len(values)
            ax.plot(x, values.mean(axis=0), "o-", color=colour, lw=2, label=name)
        ax.set_xticks(x, [str(m) for m in months], rotation=45, ha="right", fontsize=9)
        ax.set(title="A fix tested on the calibrated funnel", xlabel="month", ylabel="won deals a month")
        ax.set_ylim(bottom=0)
        ax.grid(color=GRID, axis="y")
        ax.legend(loc="upper right", title=f"mean of {reps} replications", title_fontsize=10)
    return fig

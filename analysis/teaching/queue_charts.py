"""Lesson 1's charts: the engineers' load and queue over time, Little's law as a picture, waits against load.

Each function takes the numbers the lesson computed and returns a styled figure (:mod:`analysis.style`), so the
lesson's cells show the idea and one call; ``analysis.teaching.display.show`` puts the figure in the notebook.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from analysis import style

TALL = (8.0, 6.0)


def engineers_over_time(weekly: pd.DataFrame, title: str) -> Figure:
    """Two panels from :func:`analysis.kpi.utilisation.usage` (weekly rows of the solution engineers): the share of
    POV slots in use, and the deals waiting (weekly mean and peak)."""
    fig = style.new_figure(TALL)
    with style.styled():
        top, bottom = fig.subplots(2, 1, sharex=True)
        fig.suptitle(title, fontsize=15, fontweight="bold", x=0.01, ha="left")
        top.plot(weekly["period"], weekly["utilisation"], color=style.WORKING)
        top.set(title="POV slots in use", ylabel="slots busy (weekly mean)", ylim=(0, 1.05))
        top.yaxis.set_major_formatter(style.PERCENT_AXIS)
        bottom.fill_between(weekly["period"], weekly["queue"], step="post", alpha=0.35, color=style.WAITING,
                            label="weekly mean", lw=0)
        bottom.plot(weekly["period"], weekly["queue_max"], drawstyle="steps-post", color=style.WAITING,
                    label="weekly peak")
        bottom.set(title="Deals waiting for a solution engineer", ylabel="deals in the queue", xlabel="week")
        bottom.set_ylim(bottom=0)
        bottom.legend(loc="upper left")
        style.date_axis(bottom)
    return fig


def littles_law_picture(visits: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, title: str) -> Figure:
    """Cumulative queue entries against cumulative exits (served or gave up) from ``start``; the shaded band
    between them is the queue, its area the deal-days waited. ``visits`` is :func:`analysis.teaching.queues.
    queue_visits`; visits already waiting at ``start`` count as entering then."""
    grid = pd.date_range(start, end, freq="6h")
    entered = np.sort(visits["joined"].clip(lower=start).to_numpy())
    left = np.sort(visits["left"].to_numpy())
    inn = np.searchsorted(entered, grid.to_numpy(), side="right")
    out = np.searchsorted(left, grid.to_numpy(), side="right")
    fig = style.new_figure()
    with style.styled():
        ax = fig.subplots()
        ax.plot(grid, inn, color=style.WAITING, label="joined the queue")
        ax.plot(grid, out, color=style.WORKING, label="left it (engineer free, or gave up)")
        ax.fill_between(grid, out, inn, color=style.WAITING, alpha=0.3, lw=0, label="in the queue (deal-days)")
        ax.set(title=title, xlabel="date", ylabel="queue visits (cumulative count)")
        ax.set_ylim(bottom=0)
        style.date_axis(ax)
        ax.legend(loc="upper left")
    return fig


def against_load(
    simulated: Mapping[str, pd.DataFrame],
    theory: Mapping[str, Callable[[float], float]],
    *,
    title: str,
    ylabel: str,
    percent: bool = False,
    top: float | None = None,
) -> Figure:
    """Simulated means (± 2 standard errors; each a table with ``mean`` and ``se`` indexed by utilisation) against
    closed-form curves of the utilisation, one colour per named pair."""
    fig = style.new_figure()
    with style.styled():
        ax = fig.subplots()
        points = [float(u) for table in simulated.values() for u in table.index]
        grid = np.linspace(min(0.3, *points), max(points) + 0.02, 300)
        for colour, (name, curve) in zip(style.SERIES, theory.items(), strict=False):
            ax.plot(grid, [curve(u) for u in grid], color=colour, label=f"{name} (formula)")
        for colour, (name, table) in zip(style.SERIES, simulated.items(), strict=False):
            ax.errorbar(table.index, table["mean"], yerr=2 * table["se"], fmt="o", color=colour, capsize=4,
                        label=f"{name} (simulated, mean ± 2 SE)")
        ax.set(title=title, xlabel="offered load: POV slot-days asked for / slots available", ylabel=ylabel)
        ax.xaxis.set_major_formatter(style.PERCENT_AXIS)
        if percent:
            ax.yaxis.set_major_formatter(style.PERCENT_AXIS)
        ax.set_ylim(0, top)
        ax.legend(loc="upper left", fontsize=10)
    return fig


def engineer_options(table: pd.DataFrame, columns: Mapping[str, str], title: str) -> Figure:
    """One bar panel per column of ``table`` (rows: the options compared, e.g. 2, 3, 4 engineers), titled by
    ``columns``' values; a column whose name ends in ``_share`` is drawn as a percentage, ``nnarr`` in dollars."""
    fig = style.new_figure((9.0, 4.0))
    with style.styled():
        axes = np.atleast_1d(fig.subplots(1, len(columns)))
        fig.suptitle(title, fontsize=15, fontweight="bold", x=0.01, ha="left")
        labels = [str(i) for i in table.index]
        for ax, (column, heading) in zip(axes, columns.items(), strict=True):
            ax.bar(labels, table[column], color=[style.SERIES[k % len(style.SERIES)] for k in range(len(table))])
            ax.set_title(heading, fontsize=12)
            ax.set_xlabel(str(table.index.name or ""))
            if column.endswith("_share"):
                ax.yaxis.set_major_locator(MaxNLocator(5, steps=[1, 2, 5, 10]))  # whole percents: no "2 %" twice
                ax.yaxis.set_major_formatter(style.PERCENT_AXIS)
            elif "nnarr" in column:
                ax.yaxis.set_major_formatter(style.MONEY_AXIS)
            ax.grid(False, axis="x")
    return fig

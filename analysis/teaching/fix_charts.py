"""Lesson 2's charts: what a shorter POV does to throughput by staffing, and SCCR quarter by quarter.

The comparison of fixes itself is drawn by :func:`analysis.montecarlo.charts.forest_plot`, the chart of
``funnelsim compare``; these two add what the lesson needs beside it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis import style


def throughput_ratio(ratios: pd.DataFrame, ceiling: float, title: str) -> Figure:
    """Per staffing level (the index), the fix's throughput over the baseline's (columns ``mean``, ``low``,
    ``high``: across seeds), against the ``ceiling`` Little's law allows when the slots are the only limit."""
    fig = style.new_figure()
    with style.styled():
        ax = fig.subplots()
        labels = [str(i) for i in ratios.index]
        ax.bar(labels, ratios["mean"], color=style.PRIMARY, label="mean over seeds")
        ax.errorbar(labels, ratios["mean"], yerr=[ratios["mean"] - ratios["low"], ratios["high"] - ratios["mean"]],
                    fmt="none", color=style.INK, capsize=4, label="lowest to highest seed")
        ax.axhline(ceiling, color=style.SECONDARY, ls="--", lw=1.5,
                   label=f"ceiling: 1 / POV length factor = {ceiling:.2f}x")
        ax.axhline(1.0, color=style.MUTED, lw=1)
        ax.set(title=title, xlabel=str(ratios.index.name or ""), ylabel="POVs started, fix / baseline")
        ax.set_ylim(0.8, ceiling * 1.15)
        ax.legend(loc="upper right", fontsize=10)
        ax.grid(False, axis="x")
    return fig


def sccr_by_quarter(means: pd.DataFrame, delta: pd.DataFrame, *, fix: str, reps: int) -> Figure:
    """Left: mean SCCR per quarter of each column of ``means`` (index: quarter labels). Right: the fix's paired
    change per quarter with its 95 % CI (``delta``: rows per quarter, ``mean_delta``, ``ci_low``, ``ci_high``)."""
    fig = style.new_figure((9.0, 4.5))
    with style.styled():
        left, right = fig.subplots(1, 2, sharey=True)
        fig.suptitle(f"SCCR quarter by quarter, {fix} ({reps} paired replications)", fontsize=15, fontweight="bold",
                     x=0.01, ha="left")
        x = np.arange(len(means))
        width = 0.8 / len(means.columns)
        for k, (name, colour) in enumerate(zip(means.columns, style.SERIES, strict=False)):
            left.bar(x + (k - (len(means.columns) - 1) / 2) * width, means[name], width=width, color=colour,
                     label=str(name))
        left.set_xticks(x, list(means.index))
        left.set(title="Mean SCCR per quarter", ylabel="SCCR: cycle shortened vs previous quarter")
        left.legend(loc="upper right", fontsize=9)  # the later quarters sit near zero: room there
        right.errorbar(x, delta["mean_delta"], yerr=[delta["mean_delta"] - delta["ci_low"],
                                                     delta["ci_high"] - delta["mean_delta"]],
                       fmt="o", color=style.PRIMARY, capsize=4)
        right.set_xticks(x, list(delta.index))
        right.set(title="Fix minus baseline, 95 % CI")
        for ax in (left, right):
            ax.axhline(0, color=style.MUTED, lw=1)
            ax.yaxis.set_major_formatter(style.PERCENT_AXIS)
            ax.set_xlabel("quarter")
            ax.tick_params(axis="x", labelsize=9)
    return fig

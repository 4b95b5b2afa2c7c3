"""Lesson 3's charts: a forecast KPI's spread against its target, where early NNARR comes from, and how the
uncertainty of a forecast's figures falls with the number of replications.

The fan chart itself is :func:`analysis.montecarlo.charts.fan_chart`, the chart of ``funnelsim forecast``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from analysis import style


def spread_against_target(values: np.ndarray, target: float, *, title: str, xlabel: str) -> Figure:
    """Histogram of one KPI across replications with its P10, P50 and P90 and the target (money on the x axis)."""
    p10, p50, p90 = np.quantile(values, [0.1, 0.5, 0.9])
    fig = style.new_figure()
    with style.styled():
        ax = fig.subplots()
        ax.hist(values, bins=30, color=style.PRIMARY, alpha=0.75)
        for x, name, colour in ((p10, "P10", style.MUTED), (p50, "P50", style.INK), (p90, "P90", style.MUTED)):
            ax.axvline(x, color=colour, ls=":", lw=1.5)
            ax.annotate(f"{name} {style.money(x)}", (x, 1), xycoords=("data", "axes fraction"), xytext=(3, -14),
                        textcoords="offset points", fontsize=10, color=colour)
        hit = float(np.mean(values >= target))
        ax.axvline(target, color=style.SECONDARY, lw=2.2, label=f"target {style.money(target)}: P(hit) = {hit:.0%}")
        ax.xaxis.set_major_formatter(style.MONEY_AXIS)
        ax.set(title=title, xlabel=xlabel, ylabel="replications")
        ax.legend(loc="center right", fontsize=10)
    return fig


def monthly_sources(table: pd.DataFrame, title: str) -> Figure:
    """Stacked monthly bars: the columns of ``table`` (e.g. NNARR from deals open on the start date and from
    prospects who arrived after it), one row per month label."""
    fig = style.new_figure()
    with style.styled():
        ax = fig.subplots()
        bottom = np.zeros(len(table))
        for name, colour in zip(table.columns, style.SERIES, strict=False):
            ax.bar(list(table.index), table[name], bottom=bottom, color=colour, label=str(name))
            bottom += table[name].to_numpy(dtype=float)
        ax.set_ylim(0, 1.15 * float(bottom.max()))  # room for the legend above the tallest bar
        ax.yaxis.set_major_formatter(style.MONEY_AXIS)
        ax.set(title=title, xlabel="month of close", ylabel="NNARR booked that month (mean, USD)")
        ax.legend(loc="upper left", fontsize=10)
        ax.grid(False, axis="x")
    return fig


def precision_by_reps(reps: Sequence[int], se_share: Sequence[float], se_mean: Sequence[float],
                      measured: pd.DataFrame, *, limit: float) -> Figure:
    """Left: the standard error of P(hit) (points) against replications, formula and measured; right: the standard
    error of the mean as a share of the mean. ``measured`` holds ``reps``, ``se_share`` and ``se_mean``."""
    fig = style.new_figure((9.0, 4.2))
    with style.styled():
        left, right = fig.subplots(1, 2, sharex=True)
        fig.suptitle("How sure is a forecast of its own figures?", fontsize=15, fontweight="bold", x=0.01, ha="left")
        left.plot(reps, se_share, color=style.PRIMARY, label="formula √(p(1−p)/n)")
        left.scatter(measured["reps"], measured["se_share"], color=style.SECONDARY, zorder=3,
                     label="measured: spread of batches")
        left.axhline(limit, color=style.MUTED, ls="--", lw=1, label=f"{limit * 100:.0f} points")
        left.set(title="P(hit the 6-month target)", ylabel="standard error (points)")
        right.plot(reps, se_mean, color=style.PRIMARY, label="formula sd/√n")
        right.scatter(measured["reps"], measured["se_mean"], color=style.SECONDARY, zorder=3,
                      label="measured: spread of batches")
        right.set(title="Mean 6-month NNARR", ylabel="standard error (share of the mean)")
        for ax in (left, right):
            ax.set_xscale("log")
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))  # 10, 100, 1,000: no mathtext
            ax.set_xlabel("replications (log scale)")
            ax.yaxis.set_major_formatter(style.PERCENT_AXIS)
            ax.set_ylim(bottom=0)
            ax.legend(loc="upper right", fontsize=9)
    return fig

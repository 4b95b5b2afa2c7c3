"""Backtest charts: the monthly band against the actuals, and the won-cycle distribution (ECDF and QQ).

Each function returns a matplotlib ``Figure`` in the project style (:mod:`analysis.style`); :func:`write_charts`
saves them as PNG files, atomically.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.crm.backtest import Backtest
from analysis.style import MONEY_AXIS, MUTED, PRIMARY, SECONDARY, date_axis, new_figure, note, png_bytes
from simulation.outputs import atomic_path


def monthly_band(result: Backtest, metric: str, *, title: str) -> Figure:
    """Actual monthly values (line) against the simulated P10-P90 band and median."""
    fig = new_figure()
    ax = fig.add_subplot()
    rows = result.monthly[result.monthly["metric"] == metric]
    if rows.empty:
        note(ax, f"no {metric} to compare")
        ax.set_title(title)
        return fig
    x = pd.PeriodIndex(rows["month"], freq="M").to_timestamp() + pd.Timedelta(days=14)
    ax.fill_between(x, rows["p10"], rows["p90"], color=PRIMARY, alpha=0.18, label="simulated P10-P90")
    ax.plot(x, rows["p50"], color=PRIMARY, linestyle="--", linewidth=1.6, label="simulated median")
    ax.plot(x, rows["actual"], color=SECONDARY, marker="o", label="actual")
    outside = ~rows["inside"].to_numpy()
    ax.scatter(x[outside], rows["actual"].to_numpy()[outside], s=90, facecolors="none", edgecolors="#c0392b",
               linewidths=1.8, zorder=5, label="actual outside the band")
    cover = result.coverage[(result.coverage["metric"] == metric) & (result.coverage["level"] == 0.8)].iloc[0]
    ax.set_title(f"{title}: {int(cover['inside'])} of {int(cover['months'])} months inside the band")
    ax.set_xlabel("month closed" + (f"\nthe band holds {result.band}" if result.band else ""))
    ax.set_ylabel(metric)
    if "USD" in metric:
        ax.yaxis.set_major_formatter(MONEY_AXIS)
    top = float(np.nanmax(np.r_[rows["actual"].to_numpy(), rows["p90"].to_numpy()]))
    ax.set_ylim(0, top * 1.35 if top > 0 else 1)  # headroom: the legend never hides a point
    if len(x) <= 12:  # one tick per month at its point: a date locator would tick days across a short holdout
        ax.set_xticks(x, [f"{t:%b %Y}" for t in x])
    else:
        date_axis(ax)
    ax.legend(loc="upper left", ncols=2)
    return fig


def _cycle_axes(result: Backtest, title: str) -> tuple[Figure, Any]:
    """A figure and its axes for a cycle comparison; no axes to draw on when either side has no won deal."""
    fig = new_figure()
    ax = fig.add_subplot()
    if len(result.actual_cycles) and len(result.simulated_cycles):
        return fig, ax
    note(ax, "no won deals to compare")
    ax.set_title(title)
    return fig, None


def cycle_ecdf(result: Backtest, *, title: str) -> Figure:
    """Empirical CDFs of the won-cycle length, actual vs all replications pooled, with the KS statistic."""
    fig, ax = _cycle_axes(result, title)
    if ax is None:
        return fig
    act, sim = result.actual_cycles, result.simulated_cycles
    for values, colour, label in ((sim, PRIMARY, f"simulated ({len(sim):,} won, {result.reps} runs)"),
                                  (act, SECONDARY, f"actual ({len(act):,} won)")):
        ordered = np.sort(values)
        ax.step(ordered, np.arange(1, len(ordered) + 1) / len(ordered), where="post", color=colour, label=label)
    ax.set_title(f"{title}: KS statistic {result.ks:.3f}")
    ax.set_xlabel("days from created to won")
    ax.set_ylabel("share of won deals (cumulative)")
    ax.set_ylim(0, 1.02)
    ax.set_xlim(left=0)
    ax.legend(loc="lower right")
    return fig


def cycle_qq(result: Backtest, *, title: str) -> Figure:
    """Quantiles of the actual won-cycle length against the simulated ones (on the diagonal if they agree)."""
    fig, ax = _cycle_axes(result, title)
    if ax is None:
        return fig
    act, sim = result.actual_cycles, result.simulated_cycles
    q = np.linspace(0.01, 0.99, 99)
    a, s = np.quantile(act, q), np.quantile(sim, q)
    top = float(max(a.max(), s.max())) * 1.05
    ax.plot([0, top], [0, top], color=MUTED, linewidth=1.2, label="perfect agreement")
    ax.plot(s, a, marker="o", markersize=3.5, linestyle="none", color=PRIMARY, label="percentiles 1-99")
    for k in (9, 49, 89):
        ax.annotate(f"P{k + 1}", (s[k], a[k]), textcoords="offset points", xytext=(6, -12), color=MUTED, fontsize=10)
    ax.set_title(title)
    ax.set_xlabel("simulated won-cycle length (days)")
    ax.set_ylabel("actual won-cycle length (days)")
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.grid(True, axis="both")
    ax.legend(loc="upper left")
    return fig


def pit_histogram(result: Backtest, *, title: str) -> Figure:
    """Histogram of the monthly PITs per metric (uniform for a calibrated forecast; see analysis.crm.scoring)."""
    fig = new_figure()
    ax = fig.add_subplot()
    scores = result.scores
    if scores.empty:
        note(ax, "no months to score")
        ax.set_title(title)
        return fig
    bins = [k / 5 for k in range(6)]
    metrics = list(dict.fromkeys(scores["metric"]))
    values = [scores.loc[scores["metric"] == m, "pit"].to_numpy() for m in metrics]
    colours = [PRIMARY, SECONDARY][: len(metrics)]
    ax.hist(values, bins=bins, color=colours, label=metrics, rwidth=0.85)
    months = len(values[0])
    expected = months / (len(bins) - 1)
    ax.axhline(expected, color=MUTED, linestyle="--", linewidth=1.4,
               label=f"calibrated: {expected:.1f} months per bin")
    ax.set_xlim(0, 1)
    tallest = max(int(np.histogram(v, bins=bins)[0].max()) for v in values)
    ax.set_ylim(0, max(tallest, expected, 1) * 1.6)  # headroom for the legend and the note
    ax.set_xlabel("PIT: share of replications below the actual (near 1: actual above the band; near 0: below it)")
    ax.set_ylabel("months")
    ax.set_title(f"{title} ({months} months, {result.reps} replications)")
    ax.legend(loc="upper center", ncols=3)
    if result.band:
        ax.text(0.99, 0.86, f"band holds {result.band}", transform=ax.transAxes, ha="right", va="top", fontsize=10,
                color=MUTED)
    return fig


def write_charts(result: Backtest, folder: Path, name: str) -> list[Path]:
    """Write the backtest's PNG charts into ``folder``; returns their paths."""
    figures = {"monthly_won_deals.png": monthly_band(result, "won deals", title=f"{name}: won deals per month")}
    if result.has_acv:
        figures["monthly_won_acv.png"] = monthly_band(result, "won ACV (USD)", title=f"{name}: won ACV per month")
    figures["cycle_ecdf.png"] = cycle_ecdf(result, title=f"{name}: won-cycle length")
    figures["cycle_qq.png"] = cycle_qq(result, title=f"{name}: won-cycle quantiles, actual vs simulated")
    figures["pit_histogram.png"] = pit_histogram(result, title=f"{name}: PIT of the monthly actuals")
    paths = []
    for filename, fig in figures.items():
        path = folder / filename
        with atomic_path(path) as tmp:
            tmp.write_bytes(png_bytes(fig))
        paths.append(path)
    return paths

"""The charts of lesson 4 (designing the CRO's comp), so that its cells show the plans, not Matplotlib.

Every function takes numbers the lesson computed with :mod:`analysis.kpi.comp` and returns a styled
:class:`~matplotlib.figure.Figure` (display it with :func:`analysis.teaching.display.show`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.figure import Figure

from analysis.style import GRID, MONEY_AXIS, MUTED, SERIES, TARGET, money, new_figure, styled

PLAN_COLOURS = dict(zip(("multiplicative", "additive", "scorecard"), SERIES, strict=False))
Array = npt.NDArray[np.float64]


def factor_curve(c2re: Array, curves: Mapping[str, Array], points: tuple[Sequence[float], Sequence[float]],
                 healthy: tuple[float, float]) -> Figure:
    """The C2RE factor against C2RE: one line per parameter set, the article's points, the healthy band."""
    fig = new_figure()
    with styled():
        ax = fig.subplots()
        for (label, factor), style in zip(curves.items(), ("-", ":", "--"), strict=False):
            ax.plot(c2re, factor, color=SERIES[0], ls=style, lw=2, label=label)
        ax.plot(*points, "o", color=SERIES[1], ms=9, label="the article's two points")
        ax.axvspan(*healthy, color=SERIES[2], alpha=0.1, label=f"healthy C2RE {healthy[0]}-{healthy[1]} (article A)")
        ax.set(title="The C2RE factor: what a dollar of NNARR is worth to the CRO",
               xlabel="C2RE ($ of sales and marketing spend per $ of NNARR)",
               ylabel="bonus multiplier (× 5 % of NNARR)", ylim=(-0.05, 1.65))
        ax.legend(loc="upper right", fontsize=9)
    return fig


def bonus_contours(nnarr: Array, c2re: Array, surfaces: Mapping[str, Array], on_target: tuple[float, float]) -> Figure:
    """Side-by-side contour maps of each plan's bonus over an (NNARR, C2RE) grid, with the on-target point."""
    fig = new_figure((12, 4.8))
    with styled():
        axes = fig.subplots(1, len(surfaces), sharey=True)
        levels = np.arange(0, 155, 10)
        filled = None
        for ax, (name, bonus) in zip(np.atleast_1d(axes), surfaces.items(), strict=True):
            filled = ax.contourf(nnarr / 1e6, c2re, bonus / 1e3, levels=levels, cmap="viridis", extend="max")
            lines = ax.contour(nnarr / 1e6, c2re, bonus / 1e3, levels=[25, 50, 75, 100], colors="white",
                               linewidths=0.8)
            ax.clabel(lines, fmt="$%dk")
            ax.plot(on_target[0] / 1e6, on_target[1], "*", color="#c0392b", ms=14)
            ax.set(title=f"{name.capitalize()} bonus", xlabel="NNARR ($M)")
        np.atleast_1d(axes)[0].set_ylabel("C2RE ($ spent per $ of NNARR)")
        if filled is not None:
            fig.colorbar(filled, ax=axes, label="bonus ($ thousands)")
    return fig


def budget_curves(spend_multiple: Array, bonuses: Mapping[str, Array], best: float) -> Figure:
    """Each plan's bonus as the CRO scales the budget (log x axis), with the multiplicative plan's best budget."""
    fig = new_figure()
    with styled():
        ax = fig.subplots()
        for name, bonus in bonuses.items():
            ax.plot(spend_multiple, bonus, color=PLAN_COLOURS.get(name, MUTED), lw=2, label=name)
        ax.axvline(best, color=PLAN_COLOURS["multiplicative"], ls=":", lw=1)
        ax.annotate(f"multiplicative pays most at {best:.1f}× spend", (best * 1.05, 3_000),
                    color=PLAN_COLOURS["multiplicative"], fontsize=10)
        ax.axvline(1, color=TARGET, ls="--", lw=1)
        ax.set_xscale("log", base=2)
        ticks = [0.25, 0.5, 1, 2, 4, 8]
        ax.set_xticks(ticks, [f"{t:g}×" for t in ticks])
        ax.yaxis.set_major_formatter(MONEY_AXIS)
        ax.set(title="Bonus as the CRO scales the budget",
               xlabel="sales and marketing spend (multiple of the on-target budget, log scale)", ylabel="bonus")
        ax.set_ylim(bottom=0)
        ax.legend(loc="center right", title="each 2× spend buys +20 % NNARR", title_fontsize=10)
    return fig


def plans_on_outcomes(nnarr: Array, bonuses: Mapping[str, Array], target: float, on_target_bonus: float,
                      window: str) -> Figure:
    """Each plan's bonus against the window's NNARR, one dot per replication (the same simulated outcomes)."""
    fig = new_figure()
    with styled():
        ax = fig.subplots()
        for name, bonus in bonuses.items():
            ax.scatter(nnarr / 1e6, bonus, s=22, alpha=0.75, color=PLAN_COLOURS.get(name, MUTED), label=name)
        ax.axvline(target / 1e6, color=TARGET, ls="--", lw=1)
        ax.axhline(on_target_bonus, color=TARGET, ls=":", lw=1)
        ax.annotate("NNARR target", (target / 1e6, ax.get_ylim()[1]), xytext=(4, -14), textcoords="offset points",
                    color=MUTED, fontsize=9)
        ax.yaxis.set_major_formatter(MONEY_AXIS)
        ax.annotate("on-target bonus", (ax.get_xlim()[1], on_target_bonus), xytext=(-4, 4), textcoords="offset points",
                    ha="right", color=MUTED, fontsize=9)
        ax.set(title="Three plans paid on the same simulated outcomes", xlabel=f"NNARR of {window} ($M)",
               ylabel="CRO bonus")
        ax.grid(color=GRID)
        ax.legend(loc="upper left")
    return fig


def gaming_bars(extra: pd.DataFrame, junk_acv: float) -> Figure:
    """Mean extra bonus per plan (rows) for the deals that churn in 90 days, one bar per payment rule (columns)."""
    fig = new_figure()
    with styled():
        ax = fig.subplots()
        positions = np.arange(len(extra.index))
        width = 0.8 / max(len(extra.columns), 1)
        for i, column in enumerate(extra.columns):
            values = extra[column].to_numpy(dtype=float)
            values = np.where(np.abs(values) < 0.5, 0.0, values)  # no "-$0" bar drawn below the axis
            bars = ax.bar(positions + (i - (len(extra.columns) - 1) / 2) * width, values, width,
                          color=SERIES[i], label=column)
            ax.bar_label(bars, labels=[money(v) for v in values], fontsize=9, padding=2)
        ax.set_xticks(positions, list(extra.index))
        ax.yaxis.set_major_formatter(MONEY_AXIS)
        ax.set(title=f"What {money(junk_acv)} of deals that churn in 90 days adds to the bonus",
               xlabel="comp plan", ylabel="extra bonus (mean over replications)")
        ax.set_ylim(bottom=0, top=max(float(extra.to_numpy().max()) * 1.2, 1.0))
        ax.legend(loc="upper right")
    return fig

"""Board-deck charts of a Monte Carlo forecast, a fix comparison and a sensitivity analysis.

Each function only draws tables already computed (:mod:`analysis.montecarlo.forecast`,
:mod:`analysis.montecarlo.compare`, :mod:`analysis.montecarlo.sensitivity`) in :mod:`analysis.style`'s look and
returns a Figure: a title that says what is shown and over how many replications, axes labelled with units, the
target where there is one.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from analysis import style
from analysis.montecarlo.forecast import Target
from analysis.montecarlo.reducer import Metric, metric

BAND = "#c9d9ee"
WIDE = (12.0, 6.75)  # inches: a 16:9 slide for the multi-panel charts


def fmt(value: float, unit: str, *, signed: bool = False) -> str:
    """A value in its unit: ``$450K``, ``38 %``, ``1.25``, ``52 days``, ``n/a`` for NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if unit == "usd":
        return style.money(value, signed=signed)
    if unit == "share":
        return style.percent(value, signed=signed)
    if unit == "days":
        return f"{style.signed_text(value, 0, signed=signed)} days"
    if unit == "count":
        return style.signed_text(value, 0, signed=signed)
    if unit == "months":
        return f"{style.signed_text(value, 1, signed=signed)} months"
    return style.signed_text(value, 2, signed=signed)


UNIT_WORDS = {
    "usd": "USD",
    "share": "%",
    "days": "days",
    "count": "deals",
    "ratio": "S&M spend per $1 of NNARR",
    "months": "months of cash",
}


def formatter(unit: str, *, signed: bool = False) -> FuncFormatter:
    """Tick labels in the unit (days and months without the word: the axis label says it; a signed share, i.e. a
    change of a percentage, in percentage points)."""
    def label(v: float) -> str:
        if signed and abs(v) < 1e-9:
            return "0"
        if unit == "share" and signed:  # a decimal only for ticks between whole points (a change under 1 pp)
            points = v * 100
            return f"{style.signed_text(points, 0 if abs(points - round(points)) < 1e-6 else 1, signed=True)} pp"
        if unit in ("days", "months"):
            return style.signed_text(v, 0, signed=signed)
        return fmt(v, unit, signed=signed)

    return FuncFormatter(lambda v, _pos: label(v))


def fan_chart(
    fan: pd.DataFrame,
    month_ends: Sequence[pd.Timestamp],
    *,
    start: pd.Timestamp,
    targets: Sequence[tuple[str, pd.Timestamp, float, float]] = (),
    reps: int,
    scenario: str,
    band: str = "",
) -> Figure:
    """Cumulative NNARR by month: the P10–P90 band, the median and the mean across replications, and each
    target (label, date, amount, probability of meeting it) as a marker on a dashed target path. ``band`` says
    which uncertainty the band holds (simulation noise only, or the parameters' too)."""
    fig = style.new_figure(WIDE)
    with style.styled():
        ax = fig.subplots()
        ax.set_title(f"Cumulative NNARR forecast: {scenario}")
        if fan.empty:
            style.note(ax, "No replications to show")
            return fig
        x = pd.DatetimeIndex(list(month_ends))
        held = f"\n{band}" if band else ""
        ax.fill_between(x, fan["p10"], fan["p90"], color=BAND, label=f"P10–P90 (8 in 10 outcomes){held}", lw=0)
        ax.plot(x, fan["p50"], color=style.PRIMARY, label="P50 (median)")
        ax.plot(x, fan["mean"], color=style.PRIMARY, ls=(0, (2, 2)), lw=1.4, label="mean")
        if targets:
            path_x = [start, *[t[1] for t in targets]]
            path_y = [0.0, *[t[2] for t in targets]]
            ax.plot(path_x, path_y, color=style.TARGET, ls="--", lw=1.4, label="target path")
            for label, when, amount, chance in targets:
                ax.scatter([when], [amount], marker="D", s=70, color=style.SECONDARY, zorder=5)
                ax.annotate(
                    f"{label} {style.money(amount)}\nP(hit) = {style.percent(chance)}",
                    (when, amount), xytext=(-10, 14), textcoords="offset points", ha="right", va="bottom",
                    fontsize=11, color=style.INK,
                    bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": style.GRID},
                )
        ax.yaxis.set_major_formatter(style.MONEY_AXIS)
        ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
        ax.set_ylim(bottom=0)
        ax.set_xlim(start, x[-1])
        ax.set_ylabel("cumulative NNARR since start (USD)")
        ax.set_xlabel(f"end of month  ({reps:,} replications; deals still inside their 90-day check count at "
                      "booked ACV)")
        ax.legend(loc="upper left")
    return fig


def _histogram(ax: Axes, values: np.ndarray, m: Metric, target: Target | None, chance: float) -> None:
    x = values[np.isfinite(values)]
    ax.set_title(m.title, fontsize=13)
    if len(x) == 0:
        style.note(ax, "Undefined in every replication")
        return
    low, high = np.quantile(x, [0.01, 0.99]) if len(x) >= 20 else (x.min(), x.max())
    if high <= low:
        low, high = low - 0.5 * (abs(low) or 1), high + 0.5 * (abs(high) or 1)
    shown = np.clip(x, low, high)
    ax.hist(shown, bins=min(30, max(8, int(math.sqrt(len(x))))), range=(low, high), color=style.PRIMARY,
            alpha=0.85, edgecolor="white", linewidth=0.6)
    p10, p50, p90 = np.quantile(x, [0.1, 0.5, 0.9])
    for q, name in ((p10, "P10"), (p50, "P50"), (p90, "P90")):
        ax.axvline(q, color=style.INK, lw=1.0, ls=":" if name != "P50" else "-")
    text = f"P50 {fmt(p50, m.unit)} · P10–P90 {fmt(p10, m.unit)}–{fmt(p90, m.unit)}"
    if target is not None:
        ax.axvline(target.threshold, color=style.STATUS_COLOURS["red"], lw=2.0, ls="--")
        rule = "≥" if target.rule == ">=" else "≤"
        text += f"\ntarget {rule} {fmt(target.threshold, m.unit)}: P(met) = {style.percent(chance)}"
    missing = len(values) - len(x)
    if missing:
        text += f"\nundefined in {missing} replication{'s' if missing > 1 else ''}"
    ax.text(0.02, 0.97, text, transform=ax.transAxes, va="top", ha="left", fontsize=9.5, color=style.INK,
            bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": "none", "alpha": 0.85})
    ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.xaxis.set_major_formatter(formatter(m.unit))
    ax.set_xlabel(UNIT_WORDS[m.unit])
    ax.set_ylabel("replications")
    ax.yaxis.set_major_locator(MaxNLocator(5, integer=True))
    ax.margins(y=0.35)


def kpi_histograms(
    table: pd.DataFrame,
    metrics: Sequence[str],
    targets: dict[str, Target],
    chances: dict[str, float],
    *,
    scenario: str,
) -> Figure:
    """A grid of histograms, one per KPI, with P10/P50/P90 marked and the target line with P(met)."""
    fig = style.new_figure(WIDE)
    with style.styled():
        cols = 3
        rows = max(1, math.ceil(len(metrics) / cols))
        axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
        fig.suptitle(f"KPI distributions: {scenario} ({len(table):,} replications)", fontsize=15,
                     fontweight="bold", x=0.01, ha="left")
        for ax, name in zip(axes, metrics, strict=False):
            _histogram(ax, table[name].to_numpy(dtype=float), metric(name), targets.get(name),
                       chances.get(name, float("nan")))
        for ax in axes[len(metrics):]:
            ax.set_visible(False)
    return fig


DELTA_UNITS = {"usd": "USD", "share": "% points", "days": "days", "count": "deals", "ratio": "ratio",
               "months": "months"}


def forest_plot(deltas: pd.DataFrame, metrics: Sequence[str], *, reps: int, scenario: str) -> Figure:
    """Per KPI a panel of each fix's paired mean change vs the baseline with its 95 % CI; green when the CI
    shows an improvement, red a deterioration, blue a clear change of a KPI with no good direction (the
    bonus), grey when it cannot tell."""
    fig = style.new_figure(WIDE)
    with style.styled():
        cols = 3 if len(metrics) > 4 else 2
        rows = max(1, math.ceil(len(metrics) / cols))
        axes = np.atleast_1d(fig.subplots(rows, cols, sharey=True)).ravel()
        fig.suptitle(f"Effect of each fix vs baseline: {scenario} (paired, {reps:,} replications, 95 % CI)",
                     fontsize=15, fontweight="bold", x=0.01, ha="left")
        fixes = list(dict.fromkeys(deltas["fix"]))
        y = np.arange(len(fixes))[::-1]
        for ax, name in zip(axes, metrics, strict=False):
            m = metric(name)
            part = deltas[deltas["metric"] == name].set_index("fix").reindex(fixes)
            ax.set_title(m.title, fontsize=12.5)
            ax.axvline(0, color=style.MUTED, lw=1.2)
            for yi, (_fix, row) in zip(y, part.iterrows(), strict=True):
                if not np.isfinite(row["mean_delta"]):
                    continue
                colour = _verdict_colour(row["ci_low"], row["ci_high"], m.better)
                ax.plot([row["ci_low"], row["ci_high"]], [yi, yi], color=colour, lw=2.6, solid_capstyle="round")
                ax.scatter([row["mean_delta"]], [yi], color=colour, s=48, zorder=3)
            names = dict(zip(deltas["fix"], deltas["label"], strict=True)) if "label" in deltas else {}
            # Wrapped: a fix's summary can be long, and unwrapped it squeezes the panels until their titles collide.
            ax.set_yticks(y, [textwrap.fill(names.get(f, f.replace("_", " ")), 38) for f in fixes])
            ax.xaxis.set_major_locator(MaxNLocator(4))
            ax.xaxis.set_major_formatter(formatter(m.unit, signed=True))
            ax.set_xlabel(f"change ({DELTA_UNITS[m.unit]})")
            ax.grid(True, axis="x")
            ax.grid(False, axis="y")
            ax.margins(x=0.15, y=0.25)
        for ax in axes[len(metrics):]:
            ax.set_visible(False)
    return fig


def _verdict_colour(low: float, high: float, better: int) -> str:
    if not (low > 0 or high < 0):
        return style.MUTED
    if better == 0:  # a clear change in a KPI with no good direction (the CRO's bonus)
        return style.PRIMARY
    improves = (low > 0) == (better > 0)
    return style.STATUS_COLOURS["green" if improves else "red"]


def tornado_chart(table: pd.DataFrame, *, metric_name: str, baseline: float, reps: int, scenario: str) -> Figure:
    """Horizontal bars of the change in the KPI's mean when each parameter is set low or high (one at a time,
    common random numbers) with the 95 % CI of each change as a whisker, widest swing on top."""
    m = metric(metric_name)
    fig = style.new_figure(WIDE)
    with style.styled():
        ax = fig.subplots()
        fig.suptitle(f"Which bottleneck matters most? Effect on {m.title}", fontsize=15, fontweight="bold",
                     x=0.01, ha="left")
        ax.set_title(f"{scenario}: each parameter set low and high on its own, {reps:,} paired replications "
                     "per setting", fontsize=11, fontweight="normal", color=style.MUTED)
        if table.empty:
            style.note(ax, "No parameters to swing")
            return fig
        rows = table.iloc[::-1]
        y = np.arange(len(rows))
        span = 0.0
        for side, colour, name in (("low", style.SECONDARY, "parameter set low"),
                                   ("high", style.PRIMARY, "parameter set high")):
            delta = rows[f"{side}_delta"].to_numpy(float)
            low, high = rows[f"{side}_ci_low"].to_numpy(float), rows[f"{side}_ci_high"].to_numpy(float)
            ax.barh(y, delta, color=colour, height=0.62, label=name, alpha=0.92)
            err = np.vstack([np.clip(delta - low, 0, None), np.clip(high - delta, 0, None)])
            ax.errorbar(delta, y, xerr=np.nan_to_num(err), fmt="none", ecolor=style.INK, elinewidth=1.1,
                        capsize=3)
            span = max(span, float(np.nanmax(np.abs(np.concatenate([delta, low, high])), initial=0.0)))
        span = span or 1.0
        for yi, (lo, hi) in enumerate(zip(rows["low_delta"], rows["high_delta"], strict=True)):
            values = [lo] if lo == hi else [lo, hi]
            for value in values:
                if np.isfinite(value):
                    right = value > 0 or (value == 0 and value is hi)
                    ax.text(value + (1 if right else -1) * span * 0.03, yi + 0.22, fmt(value, m.unit, signed=True),
                            va="center", ha="left" if right else "right", fontsize=10, color=style.INK)
        labels = [f"{r.label}\nlow {r.low_text} / high {r.high_text}" for r in rows.itertuples()]
        ax.set_yticks(y, labels, fontsize=10.5)
        ax.axvline(0, color=style.INK, lw=1.2)
        ax.set_xlim(-span * 1.3, span * 1.3)
        ax.xaxis.set_major_formatter(formatter(m.unit, signed=True))
        ax.set_xlabel(f"change in mean {m.title} vs the baseline's {fmt(baseline, m.unit)} "
                      f"({DELTA_UNITS[m.unit]}; whiskers: 95 % CI)")
        ax.grid(True, axis="x")
        ax.grid(False, axis="y")
        ax.legend(loc="lower right")
    return fig

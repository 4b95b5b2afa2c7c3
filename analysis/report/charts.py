"""The report charts, one function each, all in :mod:`analysis.style`'s look; each returns a Figure.

The functions only draw: they take tables already computed by the KPI modules (funnel conversion, stage
times, cycle lengths, cumulative NNARR, C2RE, resource usage) and never recompute a KPI. Every chart has a
title, axis labels with units, and a readable message instead of an empty plot when there is nothing to show.
"""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from analysis import style

STAGE_LABELS: dict[str, str] = {
    "data_quality": "Data-quality check",
    "data_access": "Data-access review",
    "pov_queue": "Queue for an SE",
    "pov": "POV running",
    "validation": "Accuracy validation",
    "negotiation": "Negotiation",
    "founder_queue": "Queue for the founder",
    "won": "Closed won",
}
RESOURCE_LABELS: dict[str, str] = {"solution_engineers": "Solution engineers", "founder": "Founder"}
RESOURCE_COLOURS: dict[str, str] = {"solution_engineers": style.PRIMARY, "founder": style.SECONDARY}


def stage_label(stage: str) -> str:
    return STAGE_LABELS.get(stage, stage.replace("_", " ").capitalize())


def outcome_text(row: pd.Series) -> str:
    """What became of a stage's deals: advanced (share of those that entered), lost, and still in it, so a queue
    that most deals are still waiting in never reads as "100 % advance".

    >>> outcome_text(pd.Series({"entered": 132, "advanced": 45, "lost": 0, "open": 87}))
    '45 advanced (34 %) · 87 still in it'
    """
    entered, advanced = int(row.get("entered", 0)), int(row.get("advanced", 0))
    lost, still = int(row.get("lost", 0)), int(row.get("open", 0))
    share = f" ({advanced / entered * 100:.0f} %)" if entered else ""
    parts = [f"{advanced} advanced{share}", f"{lost} lost" if lost else "", f"{still} still in it" if still else ""]
    return " · ".join(p for p in parts if p)


def funnel(
    conversion: pd.DataFrame, won: int, *, title: str = "Funnel: deals per stage and conversion"
) -> Figure:
    """Centred bars of the deals that entered each stage (``conversion`` from
    :func:`analysis.kpi.funnel.conversion`), what became of them beside each bar (:func:`outcome_text`), and
    closed-won at the bottom."""
    fig = style.new_figure()
    with style.styled():
        ax = fig.subplots()
        ax.set_title(title)
        counts = [int(v) for v in conversion["entered"]] + [int(won)]
        labels = [stage_label(str(s)) for s in conversion.index] + [stage_label("won")]
        if not counts or max(counts) == 0:
            style.note(ax, "No deals in this window")
            return fig
        widest = max(counts)
        y = np.arange(len(counts))[::-1]
        colours = [style.PRIMARY] * (len(counts) - 1) + [style.STATUS_COLOURS["green"]]
        ax.barh(y, counts, left=[(widest - c) / 2 for c in counts], color=colours, height=0.72)
        for yi, c in zip(y, counts, strict=True):
            inside = c >= 0.18 * widest
            ax.text(widest / 2, yi, f"{c}", ha="center", va="center", fontsize=12, fontweight="bold",
                    color="white" if inside else style.INK)
        for yi, (_, row) in zip(y[:-1], conversion.iterrows(), strict=True):
            ax.text(widest * 1.02, yi, outcome_text(row), ha="left", va="center", fontsize=11, color=style.MUTED)
        ax.set_yticks(y, labels)
        ax.set_xlim(0, widest * 2.05)
        ax.set_xticks([])
        ax.set_xlabel("deals entering the stage (count)")
        ax.grid(False)
        ax.spines["left"].set_visible(False)
        ax.spines["bottom"].set_visible(False)
        ax.tick_params(axis="y", length=0)
    return fig


def cycle_by_quarter(
    cycles: pd.Series, quarters: pd.Series, *, title: str = "Sales cycle by quarter of close"
) -> Figure:
    """Box plot (median, quartiles) of won-deal cycle lengths per quarter of close, every deal as a dot, the
    mean as a diamond, and n under each box. ``cycles`` in days (from :func:`analysis.kpi.cycle.cycle_days`),
    ``quarters`` the matching ``pandas.Period`` of close."""
    fig = style.new_figure()
    with style.styled():
        ax = fig.subplots()
        ax.set_title(title)
        data = pd.DataFrame({"days": cycles.to_numpy(dtype=float), "quarter": list(quarters)}).dropna()
        if data.empty:
            style.note(ax, "No won deals with a cycle yet")
            return fig
        order = sorted(data["quarter"].unique())
        groups = [data.loc[data["quarter"] == q, "days"].to_numpy() for q in order]
        positions = np.arange(1, len(order) + 1)
        ax.boxplot(groups, positions=positions, widths=0.5, showfliers=False, patch_artist=True,
                   boxprops={"facecolor": "#dbe6f3", "edgecolor": style.PRIMARY},
                   medianprops={"color": style.PRIMARY, "linewidth": 2.2},
                   whiskerprops={"color": style.PRIMARY}, capprops={"color": style.PRIMARY})
        rng = np.random.default_rng(0)
        for pos, values in zip(positions, groups, strict=True):
            ax.scatter(pos + rng.uniform(-0.12, 0.12, len(values)), values, s=16, color=style.INK, alpha=0.55,
                       zorder=3, linewidths=0)
            ax.scatter([pos], [values.mean()], marker="D", s=46, color=style.SECONDARY, zorder=4,
                       label="mean" if pos == 1 else None)
        ax.set_xticks(positions, [f"{q}\nn = {len(g)}" for q, g in zip(order, groups, strict=True)])
        ax.set_ylabel("days from inquiry to close")
        ax.set_xlabel("quarter the deal closed (won deals)")
        ax.set_ylim(bottom=0)
        ax.legend(loc="lower right")
    return fig


def stage_split(
    summary: pd.DataFrame, *, title: str = "Average days per stage: waiting vs working"
) -> Figure:
    """Stacked bars of mean waiting and working days per stage (``summary`` from
    :func:`analysis.kpi.funnel.stage_time_summary`), the total and the waiting share at the end of each bar."""
    fig = style.new_figure()
    with style.styled():
        ax = fig.subplots()
        ax.set_title(title)
        table = summary[summary["visits"] > 0]
        if table.empty:
            style.note(ax, "No finished stage visits in this window")
            return fig
        y = np.arange(len(table))[::-1]
        waiting = table["mean_waiting_days"].fillna(0.0).to_numpy()
        working = table["mean_working_days"].fillna(0.0).to_numpy()
        ax.barh(y, working, color=style.WORKING, height=0.65, label="working")
        ax.barh(y, waiting, left=working, color=style.WAITING, height=0.65, label="waiting (queue, nurture)")
        total = waiting + working
        for yi, t, w in zip(y, total, waiting, strict=True):
            share = f"  ({style.percent(w / t)} waiting)" if t > 0 and w > 0.005 * t else ""
            ax.text(t + total.max() * 0.01, yi, f"{t:.0f} d{share}", va="center", fontsize=11)
        ax.set_yticks(y, [stage_label(str(s)) for s in table.index])
        ax.set_xlim(0, total.max() * 1.35)
        _finish_bars(fig, ax, "mean days per stage visit")
    return fig


def resource_usage(
    usage: pd.DataFrame,
    *,
    as_of: pd.Timestamp | None = None,
    title: str = "Solution engineers and founder: utilisation and queue",
) -> Figure:
    """Two panels sharing the time axis: utilisation (busy / capacity, %) and queue length (deals waiting) per
    resource, from :func:`analysis.kpi.utilisation.usage` (weekly means are easiest to read)."""
    fig = style.new_figure((8.0, 5.2))
    with style.styled():
        top, bottom = fig.subplots(2, 1, sharex=True)
        top.set_title(title)
        if usage.empty:
            style.note(top, "No resource log")
            bottom.set_axis_off()
            return fig
        names = sorted(usage["resource"].unique(), key=lambda n: (n not in RESOURCE_COLOURS, str(n)))
        for i, name in enumerate(names):
            rows = usage[usage["resource"] == name]
            colour = RESOURCE_COLOURS.get(str(name), style.SERIES[(i + 2) % len(style.SERIES)])
            label = RESOURCE_LABELS.get(str(name), str(name))
            top.step(rows["period"], rows["utilisation"], where="post", color=colour, label=label)
            bottom.step(rows["period"], rows["queue"], where="post", color=colour, label=label)
        top.set_ylabel("utilisation")
        top.yaxis.set_major_formatter(style.PERCENT_AXIS)
        top.set_ylim(0, 1.08)
        bottom.set_ylabel("deals waiting")
        bottom.set_ylim(bottom=0)
        bottom.set_xlabel("date (weekly means)")
        if as_of is not None:
            for ax in (top, bottom):
                ax.axvline(float(mdates.date2num(as_of)), color=style.MUTED, linestyle=":", linewidth=1.5,
                           label="report date")
        handles, labels = top.get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=3)
        style.date_axis(bottom)
    return fig


def cumulative_nnarr(
    actual: pd.Series,
    target: pd.Series,
    *,
    as_of: pd.Timestamp | None = None,
    title: str = "Cumulative NNARR vs target",
) -> Figure:
    """NNARR to date (a step line, USD) against the pro-rated target line; index of both: timestamps."""
    fig = style.new_figure()
    with style.styled():
        ax = fig.subplots()
        ax.set_title(title)
        if len(target.dropna()):
            ax.plot(target.index, target.to_numpy(), color=style.TARGET, linestyle="--", linewidth=2,
                    label="target (pro-rated)")
        if len(actual):
            ax.step(actual.index, actual.to_numpy(), where="post", color=style.PRIMARY, linewidth=2.6,
                    label="NNARR to date")
            last = float(actual.iloc[-1])
            ax.annotate(style.money(last), (actual.index[-1], last), xytext=(6, 0),
                        textcoords="offset points", va="center", fontsize=12, fontweight="bold",
                        color=style.PRIMARY)
        if as_of is not None:
            ax.axvline(float(mdates.date2num(as_of)), color=style.MUTED, linestyle=":", linewidth=1.5)
        ax.yaxis.set_major_formatter(style.MONEY_AXIS)
        ax.set_ylim(bottom=0)
        ax.set_ylabel("net new ARR (USD)")
        ax.set_xlabel("date")
        ax.legend(loc="upper left")
        style.date_axis(ax)
    return fig


def c2re_trend(
    values: pd.Series,
    *,
    band: tuple[float, float] = (0.5, 1.5),
    title: str = "C2RE, trailing 30 days (lower is better)",
) -> Figure:
    """C2RE (spend per dollar of NNARR) at each date of ``values`` (trailing-30-day windows), with the healthy
    band shaded; windows without net new ARR have no ratio and show as gaps, marked along the bottom."""
    fig = style.new_figure()
    with style.styled():
        ax = fig.subplots()
        ax.set_title(title)
        lo, hi = band
        ax.axhspan(lo, hi, color=style.STATUS_COLOURS["green"], alpha=0.10, label=f"healthy {lo:g}-{hi:g}")
        finite = values.replace([np.inf, -np.inf], np.nan)
        top = max(hi * 1.6, float(finite.max()) * 1.15 if finite.notna().any() else 0.0, 2.0)
        shown = finite.clip(upper=top)
        ax.plot(shown.index, shown.to_numpy(), color=style.PRIMARY, marker="o", markersize=4, label="C2RE")
        empty = finite.index[finite.isna()]
        if len(empty):
            ax.scatter(empty, [top * 0.02] * len(empty), marker="|", s=60, color=style.MUTED,
                       label="no NNARR in window")
        ax.set_ylim(0, top)
        ax.set_ylabel("USD spent per USD of NNARR")
        ax.set_xlabel("window ending (date)")
        ax.legend(loc="upper left", ncols=3)
        style.date_axis(ax)
    return fig


def losses_and_delays(
    counts: pd.DataFrame, *, title: str = "Deals lost and delayed, by stage"
) -> Figure:
    """Horizontal bars per stage of deals lost and deals delayed (``counts``: index stage labels, columns ``lost``
    and ``delayed``), for the monthly autopsy."""
    fig = style.new_figure((8.0, max(3.0, 0.55 * len(counts) + 1.8)))
    with style.styled():
        ax = fig.subplots()
        ax.set_title(title)
        if counts.empty or counts.to_numpy().sum() == 0:
            style.note(ax, "No deal lost or delayed this month")
            return fig
        y = np.arange(len(counts))[::-1]
        lost = counts.get("lost", pd.Series(0, index=counts.index)).to_numpy(dtype=float)
        late = counts.get("delayed", pd.Series(0, index=counts.index)).to_numpy(dtype=float)
        ax.barh(y, lost, color=style.STATUS_COLOURS["red"], height=0.6, label="lost")
        ax.barh(y, late, left=lost, color=style.WAITING, height=0.6, label="delayed (open too long)")
        for yi, a, b in zip(y, lost, late, strict=True):
            ax.text(a + b + 0.05, yi, f"{int(a + b)}", va="center", fontsize=12)
        ax.set_yticks(y, [str(s) for s in counts.index])
        ax.set_xlim(0, (lost + late).max() * 1.2 + 0.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        _finish_bars(fig, ax, "deals (count)")
    return fig


def _finish_bars(fig: Figure, ax: Axes, xlabel: str) -> None:
    """Horizontal stacked bars: value gridlines only, bare stage labels, the legend under the plot."""
    ax.set_xlabel(xlabel)
    ax.grid(True, axis="x")
    ax.grid(False, axis="y")
    ax.tick_params(axis="y", length=0)
    fig.legend(loc="outside lower center", ncols=2)

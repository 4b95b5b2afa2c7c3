"""The lab's charts, in Bokeh: built once with empty sources, then refilled by :func:`fill` on every run.

Refilling a ``ColumnDataSource`` sends a few kilobytes to the page, where redrawing a Matplotlib PNG would cost
more than the simulation; the colours are :mod:`analysis.style`'s, so the lab reads like the reports. In every
chart the baseline is grey and the learner's company blue, on the same axes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd
from bokeh.models import ColumnDataSource, FactorRange, HoverTool, NumeralTickFormatter
from bokeh.models.annotations.geometry import Span
from bokeh.models.annotations.labels import Label, Title
from bokeh.plotting import figure
from bokeh.transform import dodge

from analysis import style
from analysis.lab.model import FUNNEL, Comparison, LabRun
from analysis.montecarlo.reducer import month_ends

BASE_COLOUR: Final = style.TARGET
OURS: Final = style.PRIMARY
WIDTH: Final = 560
HEIGHT: Final = 300
SIDES: Final = (("baseline", "Baseline", BASE_COLOUR), ("variant", "Your company", OURS))


def _figure(title: str, **kwargs: Any) -> figure:
    heading = Title(text=title, text_font_size="13pt", text_color=style.INK)
    fig = figure(title=heading, width=WIDTH, height=HEIGHT, toolbar_location=None, **kwargs)
    fig.xaxis.axis_label_text_font_style = fig.yaxis.axis_label_text_font_style = "normal"
    fig.grid.grid_line_color = style.GRID
    fig.outline_line_color = None
    return fig


def _legend_below(fig: figure) -> None:
    """The legend under the plot, in one row: inside, it hides bars or lines whatever the corner."""
    legend = fig.legend[0]
    legend.orientation = "horizontal"
    legend.border_line_color = None
    fig.add_layout(legend, "below")


@dataclass
class Charts:
    """The five charts and the sources that feed them."""

    funnel: figure
    queue: figure
    cycle: figure
    sccr: figure
    fan: figure
    money: figure
    sources: dict[str, ColumnDataSource]
    quarters: tuple[FactorRange, FactorRange]  # the x axes of the cycle and SCCR charts
    targets: list[Label]

    def all(self) -> list[figure]:
        return [self.fan, self.money, self.funnel, self.queue, self.cycle, self.sccr]


def build() -> Charts:
    src = {name: ColumnDataSource() for name in ("funnel", "queue", "cycle", "fan", "money_base", "money_ours",
                                                   "targets")}
    steps = [label for _, label in FUNNEL][::-1]
    funnel = _figure("Funnel: how far the year's prospects got", y_range=FactorRange(factors=steps),
                     x_axis_label="prospects who arrived in the 12 months (mean per replication)")
    for (side, name, colour), offset in zip(SIDES, (0.18, -0.18), strict=True):
        funnel.hbar(y=dodge("step", offset, range=funnel.y_range), right=side, height=0.34, color=colour,
                    legend_label=name, source=src["funnel"])
    _legend_below(funnel)
    funnel.add_tools(HoverTool(tooltips=[("step", "@step"), ("baseline", "@baseline{0.0}"),
                                         ("your company", "@variant{0.0}")]))

    queue = _figure("Engineer queue: deals waiting, weekly mean", x_axis_type="datetime",
                    x_axis_label="week", y_axis_label="deals waiting for an engineer")
    queue.varea(x="week", y1="variant_p10", y2="variant_p90", color=OURS, alpha=0.15,
                legend_label="Your company, P10-P90", source=src["queue"])
    queue.line(x="week", y="baseline", color=BASE_COLOUR, line_width=2, line_dash="dashed", legend_label="Baseline",
               source=src["queue"])
    queue.line(x="week", y="variant", color=OURS, line_width=2, legend_label="Your company", source=src["queue"])
    _legend_below(queue)

    quarters = (FactorRange(), FactorRange())
    cycle = _figure("Sales cycle of the deals won, by quarter", x_range=quarters[0], x_axis_label="quarter closed",
                    y_axis_label="mean days, arrival to signature")
    sccr = _figure("SCCR: cycle compression vs previous quarter", x_range=quarters[1],
                   x_axis_label="quarter closed", y_axis_label="SCCR (positive = faster)")
    for fig, column in ((cycle, "cycle"), (sccr, "sccr")):
        for (side, name, colour), offset in zip(SIDES, (-0.18, 0.18), strict=True):
            fig.vbar(x=dodge("quarter", offset, range=fig.x_range), top=f"{side}_{column}", width=0.34,
                     color=colour, legend_label=name, source=src["cycle"])
        _legend_below(fig)
    sccr.yaxis.formatter = NumeralTickFormatter(format="0.0%")
    sccr.add_layout(Span(location=0, dimension="width", line_color=style.INK, line_width=1))

    fan = _figure("Cumulative NNARR against target (P10-P90)", x_axis_type="datetime",
                  x_axis_label="month end", y_axis_label="NNARR (USD)")
    fan.varea(x="when", y1="baseline_p10", y2="baseline_p90", color=BASE_COLOUR, alpha=0.15, source=src["fan"])
    fan.varea(x="when", y1="variant_p10", y2="variant_p90", color=OURS, alpha=0.2, source=src["fan"])
    fan.line(x="when", y="baseline_p50", color=BASE_COLOUR, line_width=2, line_dash="dashed",
             legend_label="Baseline (median)", source=src["fan"])
    fan.line(x="when", y="variant_p50", color=OURS, line_width=2.5, legend_label="Your company (median)",
             source=src["fan"])
    fan.scatter(x="when", y="amount", marker="diamond", size=14, color=style.STATUS_COLOURS["red"],
                legend_label="Target", source=src["targets"])
    fan.yaxis.formatter = NumeralTickFormatter(format="$0.0a")
    _legend_below(fan)

    money = _figure("CRO bonus against C2RE, a dot per replication", x_axis_label="C2RE, first 12 months "
                    "(S&M spend per $1 of NNARR; lower is better)", y_axis_label="CRO bonus, 12 months (USD)")
    money.scatter(x="c2re", y="bonus", size=8, color=BASE_COLOUR, alpha=0.7, legend_label="Baseline",
                  source=src["money_base"])
    money.scatter(x="c2re", y="bonus", size=8, color=OURS, alpha=0.8, legend_label="Your company",
                  source=src["money_ours"])
    money.yaxis.formatter = NumeralTickFormatter(format="$0a")
    _legend_below(money)
    money.add_tools(HoverTool(tooltips=[("replication", "@replication"), ("C2RE", "@c2re{0.00}"),
                                        ("bonus", "@bonus{$0,0}"), ("NNARR", "@nnarr{$0,0}")]))
    return Charts(funnel, queue, cycle, sccr, fan, money, src, quarters, [])


def weekly(daily: np.ndarray) -> np.ndarray:
    """Replications x days -> replications x whole weeks: each week's mean (a day-by-day band is mostly noise).

    >>> weekly(np.arange(15.0).reshape(1, 15)).tolist()
    [[3.0, 10.0]]
    """
    weeks = daily.shape[1] // 7
    return daily[:, : weeks * 7].reshape(daily.shape[0], weeks, 7).mean(axis=2)


def _fan_side(run: LabRun, side: str) -> dict[str, np.ndarray]:
    fan = run.fan()
    return {f"{side}_{q}": fan[q].to_numpy(dtype=float) for q in ("p10", "p50", "p90")}


def fill(charts: Charts, comparison: Comparison, healthy_c2re: float) -> None:
    """Put a comparison's numbers into the charts (the baseline's too: it may have been recomputed)."""
    base, ours = comparison.baseline, comparison.variant
    src = charts.sources
    means = {side: run.funnel.drop(columns="replication").mean() for side, run in (("baseline", base),
                                                                                       ("variant", ours))}
    src["funnel"].data = {"step": [label for _, label in FUNNEL],
                          "baseline": [float(means["baseline"][n]) for n, _ in FUNNEL],
                          "variant": [float(means["variant"][n]) for n, _ in FUNNEL]}

    start = pd.Timestamp(ours.scenario.scenario.start_date)
    base_weeks, our_weeks = weekly(base.queue), weekly(ours.queue)
    src["queue"].data = {"week": start + pd.to_timedelta(7 * np.arange(our_weeks.shape[1]), unit="D"),
                         "baseline": np.nanmean(base_weeks, axis=0), "variant": np.nanmean(our_weeks, axis=0),
                         "variant_p10": np.nanquantile(our_weeks, 0.1, axis=0),
                         "variant_p90": np.nanquantile(our_weeks, 0.9, axis=0)}

    quarters = [c for c in base.cycles.columns if c != "replication"]
    cycle_means = {side: run.cycles[quarters].mean() for side, run in (("baseline", base), ("variant", ours))}
    data: dict[str, list[object]] = {"quarter": quarters}
    for side, run in (("baseline", base), ("variant", ours)):
        data[f"{side}_cycle"] = [float(cycle_means[side][q]) for q in quarters]
        data[f"{side}_sccr"] = [float(run.mean(f"sccr_{q}")) if f"sccr_{q}" in run.kpis else float("nan")
                                for q in quarters]
    for axis in charts.quarters:
        axis.factors = quarters
    src["cycle"].data = data

    ends = month_ends(start, ours.scenario.scenario.horizon_days)
    src["fan"].data = {"when": ends, **_fan_side(base, "baseline"), **_fan_side(ours, "variant")}
    targets = ours.scenario.targets
    marks = [(start + pd.DateOffset(months=m), amount) for m, amount in
             ((6, targets.nnarr_6_months), (12, targets.nnarr_12_months)) if amount > 0]
    src["targets"].data = {"when": [w for w, _ in marks], "amount": [a for _, a in marks]}

    for side, run in (("money_base", base), ("money_ours", ours)):
        src[side].data = {"replication": run.kpis["replication"].to_numpy(), "c2re": run.kpis["c2re_12m"].to_numpy(),
                          "bonus": run.kpis["bonus_12m"].to_numpy(), "nnarr": run.kpis["nnarr_12m"].to_numpy()}
    if not charts.targets:
        line = Span(location=healthy_c2re, dimension="height", line_color=style.STATUS_COLOURS["red"],
                    line_dash="dotted", line_width=2)
        charts.money.add_layout(line)
        note = Label(x=healthy_c2re, y=5, x_units="data", y_units="screen", text=f" healthy below {healthy_c2re:g}",
                     text_font_size="10pt", text_color=style.MUTED)
        charts.money.add_layout(note)
        charts.targets.append(note)

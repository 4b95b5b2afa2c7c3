"""Where the company stands (section 1 of the plan): the articles' KPIs of the export, by quarter, with their
health marks and their trend.

Nothing is defined here: the quarterly values are :func:`analysis.kpi.kpis.kpi_table` (what ``funnelsim kpis``
writes), the health marks are the health-check report's (:mod:`analysis.report.health_page`: pipeline metrics over
the last 90 days, GRR over the last 12 months, the articles' thresholds or the scenario's ``[targets]``), the trend
arrows :func:`analysis.report.status.trend` of the last complete quarter against the one before. The tables are
taken as known at ``as_of`` (:mod:`analysis.kpi.snapshot`).

What the export cannot give is said in ``caveats`` with the reason, never shown as a zero: C2RE without a spend
history, GRR without a revenue history, NNARR without deal amounts (Olist), the evaluation KPIs without dated
data-access and POV stages (Maven, Olist), win rates without dated losses (Olist records wins only).
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis import style
from analysis.kpi import snapshot
from analysis.kpi.kpis import METRICS, amount_note, kpi_table
from analysis.kpi.periods import bounds, label, period_range, timestamp
from analysis.plan.section import Section
from analysis.report import health_page, status
from simulation.scenario import Scenario

# metric -> (label, lower is better): the articles' KPIs the section follows by quarter, in this order
TRENDS: Final[dict[str, tuple[str, bool]]] = {
    "nnarr": ("NNARR", False),
    "deals_won": ("Deals won", False),
    "c2re": ("C2RE (spend / NNARR)", True),
    "sales_cycle_days": ("Sales cycle of won deals (days)", True),
    "sccr": ("SCCR (cycle reduction vs the quarter before)", False),
    "qte_velocity_days": ("QTE velocity (days)", True),
    "evaluation_completion_rate": ("Evaluation completion rate", False),
    "pov_to_pipeline": ("POV-to-pipeline conversion", False),
    "lead_to_win_rate": ("Lead-to-win rate", False),
    "grr_model": ("GRR, model level", False),
}
EVALUATION: Final = ("qte_velocity_days", "evaluation_completion_rate", "pov_to_pipeline")
PARTIAL: Final = " (to date)"


def quarters(deals: pd.DataFrame, spend: pd.DataFrame | None, as_of: pd.Timestamp) -> list[pd.Period]:
    """Every quarter from the first close (or spend month) to the one holding the instant before ``as_of``."""
    spans = [deals["closed"], *([spend["month"]] if spend is not None else [])]
    known = [s[s < as_of] for s in spans]
    if not any(len(s.dropna()) for s in known):
        return []
    return list(period_range(known, "Q", end=as_of - pd.Timedelta(microseconds=1)))


def quarterly(deals: pd.DataFrame, spend: pd.DataFrame | None, revenue: pd.DataFrame | None,
              scenario: Scenario, as_of: pd.Timestamp) -> pd.DataFrame:
    """The :data:`TRENDS` metrics (those computed) by quarter: :func:`analysis.kpi.kpis.kpi_table`'s values; a
    quarter not over at ``as_of`` is labelled "(to date)"."""
    periods = quarters(deals, spend, as_of)
    table = kpi_table(deals, periods, spend=spend, revenue=revenue, as_of=as_of, targets=scenario.targets)
    table = table.reindex([m for m in TRENDS if m in table.index])
    table.columns = [label(p) + (PARTIAL if bounds(p)[1] > as_of else "") for p in periods]
    return table


def trend_column(table: pd.DataFrame) -> pd.Series:
    """Per metric, the arrow and word of the last complete quarter against the one before."""
    complete = [c for c in table.columns if not c.endswith(PARTIAL)]
    words = {}
    for metric in table.index:
        if len(complete) < 2:
            words[metric] = "no comparison"
            continue
        moved = status.trend(float(table.at[metric, complete[-1]]), float(table.at[metric, complete[-2]]),
                             lower_is_better=TRENDS[str(metric)][1])
        verdict = "" if moved.good is None else (" (better)" if moved.good else " (worse)")
        words[metric] = f"{moved.arrow} {moved.word}{verdict}"
    return pd.Series(words)


def shown(metric: str, value: float) -> str:
    """A value the way the health report shows it (counts as whole numbers)."""
    if metric == "deals_won":
        return "n/a" if math.isnan(value) else f"{value:,.0f}"
    if metric == "sccr":
        return style.percent(value, signed=True)
    return health_page.format_value(metric, value)


def caveats_for(deals: pd.DataFrame, table: pd.DataFrame, spend: pd.DataFrame | None,
                revenue: pd.DataFrame | None, created_until: pd.Timestamp | None = None) -> list[str]:
    """What the export cannot give, and why."""
    out = []
    if created_until is not None:
        out.append(f"The export holds only deals created until {created_until.date()}: quarters after it show the "
                   "late closes of earlier deals (fewer wins, longer cycles), not a slowdown.")
    note = amount_note(deals)
    if note:
        out.append(f"NNARR: {note}; deals won are counted instead.")
    if spend is None:
        out.append("C2RE: no spend history given (the export holds deals only; pass --spend), so the efficiency "
                   "KPI and the comp's C2RE factor cannot be measured from the data.")
    if revenue is None:
        out.append("GRR: needs each customer's revenue history after the sale; the export holds deals only.")
    missing = [TRENDS[m][0] for m in EVALUATION if m in table.index and table.loc[m].isna().all()]
    if missing:
        out.append(f"{', '.join(missing)}: the export has no dated data-access or POV stages (only created and "
                   "closed), so the technical evaluation cannot be measured.")
    closed = deals["closed"].notna()
    if not ((deals["outcome"] == "lost") & closed).any() and (deals["outcome"] == "won").any():
        out.append("Win rates: the export records no dated losses (wins only), so every closed deal is a win; "
                   "no win rate can be measured (lead-to-win left out).")
    checked = deals["retention_90d"].notna().any() if "retention_90d" in deals.columns else False
    if "nnarr" in table.index and table.loc["nnarr"].notna().any() and not checked:
        out.append("NNARR is provisional: the export has no 90-day retention check, so no churn is netted out.")
    if any(c.endswith(PARTIAL) for c in table.columns):
        out.append(f"The last quarter is not over{PARTIAL}: its trend is not judged.")
    return out


def figure(table: pd.DataFrame) -> Figure:
    """Two panels by quarter: NNARR (deals won when there are no amounts) and the mean sales cycle."""
    fig = style.new_figure((10.0, 3.8))
    with style.styled():
        left, right = fig.subplots(1, 2)
        priced = "nnarr" in table.index and table.loc["nnarr"].notna().any()
        metric = "nnarr" if priced else "deals_won"
        x = np.arange(len(table.columns))
        values = table.loc[metric].to_numpy(dtype=float) / (1e6 if priced else 1.0)
        partial = [c.endswith(PARTIAL) for c in table.columns]
        colors = [style.GRID if p else style.PRIMARY for p in partial]
        left.bar(x, np.nan_to_num(values), color=colors)
        left.set_title("NNARR by quarter ($M)" if priced else "Deals won by quarter (no amounts)", fontsize=13)
        names = [c.replace(PARTIAL, "\nto date") for c in table.columns]
        left.set_xticks(x, names)
        cycle = table.loc["sales_cycle_days"].to_numpy(dtype=float)
        right.plot(x, cycle, marker="o", color=style.SECONDARY)
        right.set_title("Mean sales cycle of won deals (days)", fontsize=13)
        right.set_xticks(x, names)
        right.set_ylim(bottom=0)
        for ax in (left, right):
            ax.tick_params(axis="x", labelsize=10)
    return fig


def standing(deals: pd.DataFrame, spend: pd.DataFrame | None, scenario: Scenario, as_of: pd.Timestamp, *,
             revenue: pd.DataFrame | None = None, created_until: pd.Timestamp | None = None) -> Section:
    """Section 1: the export's KPIs by quarter, their trend and health marks, and what cannot be computed.

    Keywords (optional): ``revenue``, a revenue table, for GRR (a CRM export has none); ``created_until``, the last
    creation date the export holds (a mapping's ``source.created_until``), said in a caveat."""
    as_of = timestamp(as_of)
    deals = snapshot.deals_as_of(deals, as_of)
    spend = snapshot.spend_as_of(spend, as_of) if spend is not None else None
    revenue = snapshot.before(revenue, "date", as_of) if revenue is not None else None
    table = quarterly(deals, spend, revenue, scenario, as_of)
    if not ((deals["outcome"] == "lost") & deals["closed"].notna()).any():
        table = table.drop(index="lead_to_win_rate", errors="ignore")  # wins only: 100 %, not a win rate
    values = health_page.health_values(deals, as_of, spend=spend, revenue=revenue)
    checks = health_page.checks(values, scenario.targets, health_page.current_arr(revenue, as_of))
    health = checks.set_index("metric")
    out = table.copy()
    out.insert(0, "label", [TRENDS[str(m)][0] for m in out.index])
    out["trend"] = trend_column(table)
    out["health"] = [str(health.at[m, "status"]) if m in health.index else "" for m in out.index]
    out["healthy"] = [str(health.at[m, "threshold"]) if m in health.index else "" for m in out.index]
    caveats = caveats_for(deals, table, spend, revenue, created_until)
    lines = [_line(metric, row, table) for metric, row in out.iterrows() if table.loc[metric].notna().any()]
    rated = checks[checks["status"] != "n/a"]
    for row in rated.itertuples(index=False):
        lines.append(f"Health, {row.label}: {row.shown}, {row.status} (healthy {row.threshold}). {row.advice}")
    return Section(key="standing", title="Where the company stands", headline=_headline(table, rated),
                   lines=tuple(lines), table=out.rename_axis("metric").reset_index(), figure=figure(table),
                   caveats=tuple(caveats))


def _line(metric: object, row: pd.Series, table: pd.DataFrame) -> str:
    name = str(metric)
    by_quarter = ", ".join(f"{c} {shown(name, float(row[c]))}" for c in table.columns)
    return f"{TRENDS[name][0]}: {by_quarter}; last complete quarter {row['trend']}."


def _headline(table: pd.DataFrame, rated: pd.DataFrame) -> str:
    complete = [c for c in table.columns if not c.endswith(PARTIAL)]
    if not complete:
        return "No complete quarter in the export yet: too early to say where the company stands."
    last = complete[-1]
    priced = "nnarr" in table.index and not math.isnan(float(table.at["nnarr", last]))
    metric = "nnarr" if priced else "deals_won"
    first = f"{last}: {'NNARR' if priced else 'deals won (no amounts)'} {shown(metric, float(table.at[metric, last]))}"
    if len(complete) >= 2:
        first += f" (was {shown(metric, float(table.at[metric, complete[-2]]))} in {complete[-2]})"
    cycle = float(table.at["sales_cycle_days", last])
    first += f", sales cycle {style.number(cycle, 0)} days"
    if not math.isnan(float(table.at["sccr", last])):
        first += f" (SCCR {shown('sccr', float(table.at['sccr', last]))})"
    red = rated[rated["status"] == "red"]
    if rated.empty:
        return first + "; no health check measurable from the export (see the caveats)."
    checks = (f"; {len(red)} of {len(rated)} health checks red ({', '.join(red['label'])})" if len(red)
              else f"; none of the {len(rated)} measurable health checks red")
    return first + checks + "."


assert set(TRENDS) <= set(METRICS)  # every followed KPI is one the KPI package defines

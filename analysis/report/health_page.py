"""The health-check report: every KPI against the articles' thresholds, with what to do about it.

The values come from :func:`analysis.kpi.kpis.kpi_summary` and the verdicts from :mod:`analysis.kpi.health`; this
module only chooses the windows, adds one check of its own (scale: the three-KPI model's ceiling) and formats.

Windows, as of an instant ``as_of`` (data strictly before it):

* pipeline metrics (C2RE, QTE velocity, completion rate, POV-to-pipeline...) over the trailing
  :data:`PIPELINE_DAYS` days, enough finished deals to mean something at a seed-stage deal flow;
* C2RE also over the trailing 30 days (the Monday dashboard's figure);
* GRR over the trailing 365 days: the articles' 80 / 70 / 60 % lines are annual retention figures;
* NNARR pace to date against the pro-rated target (:mod:`analysis.report.status`), when a target is set.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Final

import pandas as pd

from analysis import style
from analysis.kpi import kpis, retention
from analysis.kpi.health import Check, health_checks
from analysis.kpi.periods import TimeLike, timestamp
from analysis.report import page
from simulation.capacity import queue_trend
from simulation.scenario import Targets

PIPELINE_DAYS: Final = 90
SE: Final = "solution_engineers"
GRR_DAYS: Final = 365
THREE_KPI_CEILING: Final = 3_000_000.0  # article A: "works for AI startups up to about $3M ARR"
ORDER: Final = {"red": 0, "yellow": 1, "green": 2, "n/a": 3}

LABELS: Final[dict[str, str]] = {
    "nnarr_pace": "NNARR pace (to date vs target)",
    "c2re": f"C2RE, last {PIPELINE_DAYS} days",
    "c2re_trailing_30d": "C2RE, last 30 days",
    "qte_velocity_days": f"QTE velocity, last {PIPELINE_DAYS} days",
    "evaluation_completion_rate": f"Evaluation completion rate, last {PIPELINE_DAYS} days",
    "pov_to_pipeline": f"POV-to-pipeline conversion, last {PIPELINE_DAYS} days",
    "grr_model": "GRR, model level, last 12 months",
    "grr_account": "GRR, account level, last 12 months",
    "partner_grr": "Partner GRR, model level, last 12 months",
    "scale": "ARR vs the three-KPI model's range",
    "se_queue_growth": f"Engineer queue growth, last {2 * PIPELINE_DAYS} days",
}


def check_scale(arr: float, ceiling: float = THREE_KPI_CEILING) -> Check:
    """Article A: the three core KPIs (NNARR, C2RE, SCCR) fit up to about $3M ARR; beyond, the CRO owns more.

    >>> check_scale(1_200_000).status, check_scale(3_400_000).status, check_scale(float("nan")).status
    ('green', 'yellow', 'n/a')
    """
    threshold = f"< ${ceiling / 1e6:g}M ARR"
    if math.isnan(arr):
        return Check("scale", float("nan"), "n/a", "No revenue table: current ARR unknown.", threshold)
    if arr < ceiling:
        return Check("scale", arr, "green", "NNARR, C2RE and SCCR are enough at this size.", threshold)
    return Check(
        "scale",
        arr,
        "yellow",
        "Past about $3M ARR three KPIs no longer cover the engine: add model-level GRR, QTE velocity and "
        "partner metrics to what the CRO owns and reports.",
        threshold,
    )


def health_values(
    deals: pd.DataFrame,
    as_of: TimeLike,
    *,
    spend: pd.DataFrame | None = None,
    revenue: pd.DataFrame | None = None,
    resources: pd.DataFrame | None = None,
    nnarr_pace: float = float("nan"),
) -> dict[str, float]:
    """The values the checks rate, each over its window (see the module docstring); tables as known at
    ``as_of``."""
    end = timestamp(as_of)
    values_from_queue = {} if resources is None else {"se_queue_growth": queue_growth(resources, end)}
    window = (end - pd.Timedelta(days=PIPELINE_DAYS), end)
    values = kpis.kpi_summary(deals, window, spend=spend, revenue=revenue, as_of=end)
    values.pop("nnarr_pace", None)
    if not math.isnan(nnarr_pace):
        values["nnarr_pace"] = nnarr_pace
    if revenue is not None:
        year = (end - pd.Timedelta(days=GRR_DAYS), end)
        values["grr_model"] = retention.retention(revenue, year, "model").grr
        values["grr_account"] = retention.retention(revenue, year, "account").grr
        if "channel" in deals.columns and "partner_grr" in values:
            values["partner_grr"] = retention.partner_retention(revenue, deals, year).grr
    values.update(values_from_queue)
    return values


def queue_growth(resources: pd.DataFrame, end: pd.Timestamp) -> float:
    """Growth of the engineer queue (deals a month) over the second half of the last 180 days before ``end``
    (:func:`simulation.capacity.queue_trend`); NaN without engineers in the table or with under 90 days of it."""
    log = resources[resources["resource"] == SE]
    if log.empty:
        return float("nan")
    start = max(log["time"].min(), end - pd.Timedelta(days=2 * PIPELINE_DAYS))
    days = (end - start) / pd.Timedelta(days=1)
    if days < PIPELINE_DAYS:
        return float("nan")
    return queue_trend(resources, SE, start, days).growth_per_month


def current_arr(revenue: pd.DataFrame | None, as_of: TimeLike) -> float:
    """ARR of all customers at ``as_of`` (NaN without a revenue table)."""
    if revenue is None:
        return float("nan")
    return float(retention.arr_at(revenue, as_of, "account").sum())


def checks(values: Mapping[str, float], targets: Targets, arr: float) -> pd.DataFrame:
    """The rated checks, worst first: metric, label, value, shown (formatted), status, threshold, advice."""
    table = health_checks(values, targets)
    scale = check_scale(arr)
    table = pd.concat([table, pd.DataFrame([scale.as_dict()])], ignore_index=True)
    table["label"] = [LABELS.get(m, m) for m in table["metric"]]
    table["shown"] = [format_value(m, v) for m, v in zip(table["metric"], table["value"], strict=True)]
    table["rank"] = table["status"].map(ORDER).fillna(9)
    table = table.sort_values(["rank"], kind="stable").drop(columns="rank").reset_index(drop=True)
    return table[["metric", "label", "value", "shown", "status", "threshold", "advice"]]


def format_value(metric: str, value: float) -> str:
    """A check's value the way a CRO reads it: %, days, a ratio or dollars.

    >>> format_value("pov_to_pipeline", 0.375), format_value("qte_velocity_days", 51.2), format_value("c2re", 1.27)
    ('38 %', '51 days', '1.27')
    """
    if value is None or math.isnan(value):
        return "n/a"
    if metric == "scale":
        return style.money(value)
    if metric == "se_queue_growth":
        return f"{style.signed_text(value, 1, signed=True)} deals a month"
    kind = kpis.METRICS.get(metric, ("", "ratio"))[1]
    if kind == "pct":
        return style.percent(value)
    if kind == "days":
        return f"{value:.0f} days"
    if kind == "usd":
        return style.money(value)
    return f"{value:.2f}"


def block(table: pd.DataFrame) -> page.Table:
    """The checks as a page table: status dot, KPI, value, healthy range, advice."""
    rows = tuple(
        (str(r.status), str(r.label), str(r.shown), str(r.threshold), str(r.advice))
        for r in table.itertuples(index=False)
    )
    return page.Table(
        ("Status", "KPI", "Value", "Healthy", "Advice"),
        rows,
        status_column=0,
        numeric=frozenset({2}),
        widths=(0.9, 2.6, 1.1, 1.4, 5.0),
    )


def notes() -> tuple[str, ...]:
    return (
        f"Pipeline metrics cover the last {PIPELINE_DAYS} days; GRR the last 12 months (n/a until a customer has "
        "been with us a year); NNARR pace runs from the engagement start. Red: act now; yellow: watch; n/a: "
        "nothing to measure yet.",
        "Thresholds come from the scenario's [targets] (defaults: C2RE 0.5-1.5, QTE velocity under 45 days, "
        "completion and POV-to-pipeline at least 40 %, GRR at least 80 %; below 70 % is a product-market-fit "
        "problem, below 60 % fix the product before hiring a CRO).",
    )


def report(table: pd.DataFrame, *, title: str, subtitle: str, extra_notes: tuple[str, ...] = ()) -> str:
    """A standalone health-check page (HTML); ``extra_notes`` (e.g. on missing deal amounts) come first."""
    blocks: list[page.Block] = [
        page.Title(title, subtitle), block(table), page.Heading("Notes"), page.Notes(extra_notes + notes())
    ]
    return page.to_html(blocks, title)

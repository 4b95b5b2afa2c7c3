"""The monthly KPI autopsy (article A): every deal lost or delayed in the month, where, which KPI it hit, and
the systemic fix the scenario's fixes library offers for that stage.

As of the first instant after the month (what the CRM showed at month end, :mod:`analysis.kpi.snapshot`):

* **lost**: outcome ``lost`` with a close date in the month; its stage is :func:`analysis.kpi.funnel.loss_stage`.
  Disqualified deals (the data-quality filter doing its job) are counted, not dissected.
* **delayed**: still open at month end and open longer than the median cycle of the deals won so far plus
  ``delay_days`` (default :data:`DEFAULT_DELAY_DAYS`); its stage is the one it is in (the founder's queue when it
  waits for the founder's final meeting). ``newly_delayed`` marks deals that crossed the line during the month.

The KPI each deal hit follows the KPI definitions: a deal lost in the POV lowers the evaluation completion rate
and POV-to-pipeline conversion and never becomes NNARR; a deal stuck after data access was granted lengthens QTE
velocity (measured from data access to signed or dropped) and, once won, the cycle that SCCR compares.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from analysis.kpi import bottlenecks, cycle, funnel
from analysis.kpi.periods import PeriodError, as_period, bounds, days
from analysis.report import coverage
from analysis.report.bottleneck import LABELS
from analysis.report.dashboard import Tables
from analysis.report.fix_library import Effect, FixOption, fixes_for
from simulation.tables import STAGE_ENTERED, STAGES, is_value

DEFAULT_DELAY_DAYS: Final = 30.0

# (status, stage) -> the KPIs the deal hit, most direct first.
KPI_HIT: Final[dict[tuple[str, str], str]] = {
    ("lost", "data_quality"): "NNARR",
    ("lost", "data_access"): "NNARR (lost before the evaluation started)",
    ("lost", "pov_queue"): "NNARR; QTE velocity",
    ("lost", "pov"): "Evaluation completion rate; POV-to-pipeline; NNARR",
    ("lost", "validation"): "POV-to-pipeline; NNARR",
    ("lost", "negotiation"): "Win rate; NNARR; C2RE (spend with no new ARR)",
    ("delayed", "data_quality"): "SCCR",
    ("delayed", "data_access"): "SCCR",
    ("delayed", "pov_queue"): "QTE velocity; SCCR",
    ("delayed", "pov"): "QTE velocity; SCCR",
    ("delayed", "validation"): "QTE velocity; SCCR",
    ("delayed", "negotiation"): "QTE velocity; SCCR; NNARR timing",
    ("delayed", "founder_queue"): "QTE velocity; SCCR; founder involvement",
}
COLUMNS: Final = (
    "deal", "status", "newly_delayed", "tier", "channel", "acv", "arrived", "closed", "stage", "stage_label",
    "days_open", "days_in_stage", "days_over_median", "kpis", "impact", "fix", "fix_summary", "fix_file",
)
_ENTRY: Final = {**STAGE_ENTERED, "founder_queue": "founder_requested"}


@dataclass(frozen=True)
class Autopsy:
    """The month's lost and delayed deals (``deals``, one row each, :data:`COLUMNS`) and the systemic view."""

    month: pd.Period
    as_of: pd.Timestamp
    median_cycle_days: float
    delay_days: float
    deals: pd.DataFrame
    disqualified: int
    source: str
    bottleneck: str | None = None  # the month's biggest bottleneck (analysis.kpi.bottlenecks), as the dashboard says

    @property
    def threshold_days(self) -> float:
        return self.median_cycle_days + self.delay_days

    def systemic(self) -> pd.DataFrame:
        """One row per (status, stage): deals, ACV, KPIs hit and the fix, most deals first."""
        if self.deals.empty:
            return pd.DataFrame(columns=["status", "stage_label", "deals", "acv", "kpis", "fix", "fix_summary"])
        grouped = self.deals.groupby(["status", "stage"], sort=False).agg(
            stage_label=("stage_label", "first"),
            deals=("deal", "size"),
            acv=("acv", "sum"),
            kpis=("kpis", "first"),
            fix=("fix", "first"),
            fix_summary=("fix_summary", "first"),
        )
        table = grouped.reset_index().sort_values(["deals", "acv"], ascending=False, kind="stable")
        return table[["status", "stage_label", "deals", "acv", "kpis", "fix", "fix_summary"]].reset_index(drop=True)


def month_of(value: str) -> pd.Period:
    """A calendar month from ``2027-06``."""
    if not re.fullmatch(r"\d{4}-\d{2}", value.strip()):
        raise PeriodError(f"--month {value!r}: expected a month such as 2027-06")
    coverage.in_calendar(int(value.strip()[:4]), f"--month {value!r}")
    try:
        period = as_period(value)
    except PeriodError:
        raise PeriodError(f"--month {value!r}: expected a month such as 2027-06") from None
    if period.freqstr not in ("M", "ME"):
        raise PeriodError(f"--month {value!r}: expected a month such as 2027-06, not a {period.freqstr} period")
    return period


def build(tables: Tables, month: str, delay_days: float = DEFAULT_DELAY_DAYS) -> Autopsy:
    """The autopsy of ``month`` (``2027-06``) from the full tables, as known at the month's end."""
    period = month_of(month)
    start, end = bounds(period)
    coverage.check_month(month, start, end, tables)
    known = tables.as_of(end)
    deals = known.deals
    cycles = cycle.cycle_days(deals)
    median = float(cycles.median()) if len(cycles) else float("nan")

    lost_mask = is_value(deals["outcome"], "lost") & (deals["closed"] >= start) & (deals["closed"] < end)
    lost = deals[lost_mask.fillna(False).astype(bool)]
    lost_at = funnel.loss_stage(deals)[lost.index]
    rows = [_row(deal, "lost", str(stage) if not pd.isna(stage) else "negotiation", end, median, tables.library)
            for (_, deal), stage in zip(lost.iterrows(), lost_at, strict=True)]

    if not math.isnan(median):
        age = days(end - deals["arrived"])
        line = median + delay_days
        open_now = is_value(deals["outcome"], "open")
        late = deals[open_now & (age > line)]
        stages = current_stage(late)
        for (_, deal), stage in zip(late.iterrows(), stages, strict=True):
            row = _row(deal, "delayed", stage, end, median, tables.library)
            row["newly_delayed"] = bool(days(pd.Series([start - deal["arrived"]])).iloc[0] <= line)
            rows.append(row)
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    if len(table):
        table = table.sort_values(["status", "acv"], ascending=[False, False], kind="stable").reset_index(drop=True)
    disqualified = is_value(deals["outcome"], "disqualified") & (deals["closed"] >= start) & (deals["closed"] < end)
    found = bottlenecks.biggest(deals, (start, end), known.resources)
    return Autopsy(period, end, median, delay_days, table, int(disqualified.sum()), tables.source,
                   found.text if found else None)


def current_stage(deals: pd.DataFrame) -> list[str]:
    """The stage each open deal is in: the last stage it entered, or the founder's queue while it waits for the
    founder's final meeting."""
    if deals.empty:
        return []
    visits = funnel.entered(deals)
    last = np.array(STAGES, dtype=object)[visits.to_numpy().cumsum(axis=1).argmax(axis=1)]
    stages = [str(s) for s in last]
    if "founder_requested" in deals.columns and "founder_met" in deals.columns:
        waiting = (deals["founder_requested"].notna() & deals["founder_met"].isna()).to_numpy()
        stages = ["founder_queue" if w else s for s, w in zip(stages, waiting, strict=True)]
    return stages


def _row(
    deal: pd.Series, status: str, stage: str, end: pd.Timestamp, median: float, library: tuple[FixOption, ...]
) -> dict[str, object]:
    effect: Effect = "loss" if status == "lost" else "time"
    closed = deal["closed"] if status == "lost" else pd.NaT
    stop = closed if status == "lost" else end
    opened = _days(stop - deal["arrived"])
    entry_column = _ENTRY.get(stage, "arrived")
    entered = deal.get(entry_column, pd.NaT)
    in_stage = _days(stop - entered) if not pd.isna(entered) else float("nan")
    acv = float(deal["acv"]) if not pd.isna(deal["acv"]) else float("nan")
    options = fixes_for(library, stage, effect)
    if status == "lost":
        impact = f"-${acv:,.0f} potential NNARR" if not math.isnan(acv) else "potential NNARR lost (ACV unknown)"
    else:
        impact = f"{opened - median:.0f} days past the median cycle"
    return {
        "deal": str(deal.get("id", deal.name)),
        "status": status,
        "newly_delayed": False,
        "tier": deal.get("tier", pd.NA),
        "channel": deal.get("channel", pd.NA),
        "acv": acv,
        "arrived": deal["arrived"],
        "closed": closed,
        "stage": stage,
        "stage_label": LABELS.get(stage, stage),
        "days_open": round(opened, 1),
        "days_in_stage": round(in_stage, 1) if not math.isnan(in_stage) else float("nan"),
        "days_over_median": round(opened - median, 1) if not math.isnan(median) else float("nan"),
        "kpis": KPI_HIT.get((status, stage), "NNARR"),
        "impact": impact,
        "fix": " or ".join(f.short_label for f in options[:2]) or "no fix in the library for this stage",
        "fix_summary": "; ".join(f.label for f in options[:2]),
        "fix_file": "; ".join(f.name for f in options[:2]),
    }


def _days(delta: pd.Timedelta) -> float:
    return float(delta / pd.Timedelta(days=1))


def csv_table(autopsy: Autopsy) -> pd.DataFrame:
    """The autopsy rows for the CSV: dates as ISO days."""
    table = autopsy.deals.copy()
    for column in ("arrived", "closed"):
        table[column] = pd.to_datetime(table[column]).dt.strftime("%Y-%m-%d")
    return table

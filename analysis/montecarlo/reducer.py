"""One replication's outcome boiled down to the forecast's KPI row and monthly series (the Monte Carlo reducer).

:func:`reduce_outcome` is the readable reference of what the forecast, compare and sensitivity commands compute
for each replication (they run :func:`analysis.montecarlo.fast_reducer.reduce_record`, the same numbers from the
engine's numpy columns, tested equal): every number comes from the KPI calculators of this package
(:mod:`analysis.kpi.nnarr`, :mod:`analysis.kpi.cycle`, :mod:`analysis.kpi.retention`, :mod:`analysis.kpi.evaluation`,
:mod:`analysis.kpi.comp`, :mod:`analysis.kpi.utilisation`); this module only chooses the windows:

* ``nnarr_6m`` / ``nnarr_12m``: NNARR of the deals won in the first 6 / 12 calendar months from the start date
  (article A's 6-month goal; deals still inside their 90-day check count at booked ACV); NaN, with the C2RE
  and bonus of that window, when the horizon ends before the window does;
* ``c2re_6m`` / ``c2re_12m``: sales and marketing spend of the same window (CRO fee included) / its NNARR;
  NaN when the window has no NNARR;
* ``bonus_6m`` / ``bonus_12m``: the scenario's ``[comp]`` plan paid on that window's NNARR and C2RE, and for a
  scorecard plan on that window's own model-level GRR and QTE velocity, never on data from after it (targets
  ``nnarr_6_months`` / ``nnarr_12_months``, the scenario's QTE target); a KPI the window cannot measure (no
  customer past its 90-day check at the window's start has no GRR) pays nothing for its share;
* ``grr``: model-level GRR over the last 12 months of the horizon (the whole horizon if shorter);
* ``dmr_6m`` / ``dmr_12m``, only when the scenario has a ``[usage]`` section: Deployed Model Revenue (article B,
  the run-rate of every model scoring, which follows the usage ramp) 6 / 12 calendar months from the start date;
  NaN when the horizon ends before;
* ``qte_velocity_days`` (and ``qte_velocity_signed_days``, won deals only), ``completion_rate``,
  ``pov_to_pipeline``, the three win rates named by their denominator (``lead_to_win_rate``: of all deals closed,
  disqualified ones included; ``pov_win_rate``: of the deals closed after a POV, article A's; and
  ``negotiation_win_rate``: of the deals closed after negotiation began) and ``founder_free_rate``: over the whole
  horizon;
* ``cycle_days_12m``: mean sales cycle of the deals won in the first 12 months; ``sccr_<quarter>`` for every
  complete quarter after the first (SCCR of that quarter against the previous one);
* ``se_utilisation``: time-weighted share of POV slots busy over the horizon;
* ``se_queue_end`` and ``se_queue_growth``: the engineer queue (deals) over the last 30 days of the horizon, and
  its growth in deals a month over the second half (:func:`simulation.capacity.queue_trend`: a queue that does
  not settle shows here); ``se_wait_end``: mean days waited for an engineer by the deals that left that queue in
  the last 90 days; ``pov_queue_abandon_rate``: share of the deals that joined the engineer queue in the
  horizon and gave up waiting (the scenario's patience);
* ``market_untouched_12m``, only when the scenario has a ``[market]``: the share of its counted accounts nobody had
  contacted by the end of the run's 12th calendar month (the start date's month is the first;
  :func:`analysis.kpi.funnel.untouched_share`); NaN when the horizon ends before that month does.
* only when the scenario has a ``[billing]`` section (the cash table; absent, the row has none of these keys):
  ``runway_12m``, the runway (:func:`analysis.kpi.cash.runway`) at the end of the run's 12th calendar month
  (the start date's month is the first), capped at :data:`RUNWAY_CAP_MONTHS` (NaN when the horizon ends before
  that month does); ``runway_below_6m_12m``, 1 if that runway is under 6 months else 0 (its mean is P(runway < 6
  months)); ``balance_min``, the lowest month-end balance over the horizon.

The monthly series (one row per calendar month, values at the month's end or the horizon's end):
``nnarr_cumulative`` (NNARR of the deals won since the start date), ``pipeline_deals`` and ``pipeline_acv``
(deals open at the month's end and their quoted ACV) and ``se_utilisation`` (mean over the month); with a
``[usage]`` section also ``deployed_model_revenue`` (at the month's end).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import pandas as pd

from analysis.kpi import cash, comp, cycle, evaluation, funnel, nnarr, retention, utilisation
from simulation.capacity import queue_trend
from simulation.engine import Outcome
from simulation.replications import Reduction
from simulation.scenario import Scenario

SE: Final = "solution_engineers"
MONTHS_6: Final = 6
MONTHS_12: Final = 12
# A runway is capped so that a replication that is not burning (infinite runway) still has a mean and quantiles:
# 120 months (10 years) is beyond any plan this tool informs. Only the forecast's runway_12m is capped.
RUNWAY_CAP_MONTHS: Final = 120.0
RUNWAY_ALARM_MONTHS: Final = 6.0

Unit = Literal["usd", "ratio", "share", "days", "count", "months"]


@dataclass(frozen=True)
class Metric:
    """How to show a KPI: a label, its unit, and which way is better (+1 higher, -1 lower, 0 neither)."""

    name: str
    label: str
    unit: Unit
    better: int
    short: str = ""  # for small panels; the label if empty

    @property
    def title(self) -> str:
        return self.short or self.label


METRICS: Final = {
    m.name: m
    for m in (
        Metric("nnarr_6m", "NNARR, first 6 months", "usd", 1, "NNARR, 6 months"),
        Metric("nnarr_12m", "NNARR, first 12 months", "usd", 1, "NNARR, 12 months"),
        Metric("c2re_6m", "C2RE, first 6 months", "ratio", -1, "C2RE, 6 months"),
        Metric("c2re_12m", "C2RE, first 12 months", "ratio", -1, "C2RE, 12 months"),
        Metric("bonus_6m", "CRO bonus, first 6 months", "usd", 0, "CRO bonus, 6 months"),
        Metric("bonus_12m", "CRO bonus, first 12 months", "usd", 0, "CRO bonus, 12 months"),
        Metric("grr", "GRR, model level, last 12 months", "share", 1, "GRR (model level)"),
        Metric("dmr_6m", "Deployed model revenue at 6 months", "usd", 1, "DMR, 6 months"),
        Metric("dmr_12m", "Deployed model revenue at 12 months", "usd", 1, "DMR, 12 months"),
        Metric("qte_velocity_days", "QTE velocity", "days", -1),
        Metric("qte_velocity_signed_days", "QTE velocity, signed deals only", "days", -1, "QTE velocity (signed)"),
        Metric("completion_rate", "Technical-evaluation completion rate", "share", 1, "POV completion rate"),
        Metric("pov_to_pipeline", "POV-to-pipeline conversion", "share", 1),
        Metric("lead_to_win_rate", "Lead-to-win rate (all deals closed)", "share", 1, "Lead-to-win"),
        Metric("pov_win_rate", "POV win rate (closed after a POV)", "share", 1, "POV win rate"),
        Metric("negotiation_win_rate", "Negotiation win rate", "share", 1, "Negotiation win rate"),
        Metric("founder_free_rate", "Deals won without the founder", "share", 1),
        Metric("cycle_days_12m", "Sales cycle, deals won in 12 months", "days", -1, "Sales cycle (won)"),
        Metric("se_utilisation", "Solution-engineer utilisation", "share", 0, "SE utilisation"),
        Metric("se_queue_end", "Engineer queue, last 30 days", "count", -1, "SE queue at the end"),
        Metric("se_queue_growth", "Engineer queue growth, deals a month", "count", -1, "SE queue growth"),
        Metric("se_wait_end", "Wait for an engineer, last 90 days", "days", -1, "SE wait at the end"),
        Metric("pov_queue_abandon_rate", "Gave up waiting for an engineer", "share", -1, "Gave up in the queue"),
        Metric("market_untouched_12m", "Market untouched, end of month 12", "share", 0, "Market left, 12 months"),
        Metric("runway_12m", "Runway at 12 months (capped at 120)", "months", 1, "Runway, 12 months"),
        Metric("runway_below_6m_12m", "Runway under 6 months at 12 months", "share", -1, "P(runway < 6 months)"),
        Metric("balance_min", "Lowest month-end cash balance", "usd", 1, "Lowest cash balance"),
        Metric("nnarr_cumulative", "Cumulative NNARR", "usd", 1),
        Metric("pipeline_deals", "Open pipeline", "count", 0),
        Metric("pipeline_acv", "Open pipeline value", "usd", 0),
        Metric("deployed_model_revenue", "Deployed model revenue", "usd", 1),
    )
}


def metric(name: str) -> Metric:
    """The display metadata of a KPI column (``sccr_2027Q3`` too); unknown names get a plain label."""
    if name in METRICS:
        return METRICS[name]
    if name.startswith("sccr_"):
        quarter = name.removeprefix("sccr_")
        return Metric(name, f"SCCR {quarter} vs previous quarter", "share", 1, f"SCCR {quarter}")
    return Metric(name, name.replace("_", " "), "ratio", 0)


def window(start: pd.Timestamp, months: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``[start, start + months)`` in calendar months."""
    return start, start + pd.DateOffset(months=months)


def horizon_end(outcome: Outcome) -> pd.Timestamp:
    return outcome.start_date + pd.Timedelta(days=outcome.horizon_days)


def complete_quarters(start: pd.Timestamp, end: pd.Timestamp) -> pd.PeriodIndex:
    """Quarters from the start date's quarter to the last one that ends by ``end``."""
    first = pd.Period(start, freq="Q")
    last = pd.Period(end, freq="Q")
    if (last + 1).start_time > end:
        last -= 1
    return pd.period_range(first, last, freq="Q") if last >= first else pd.PeriodIndex([], freq="Q")


def months(outcome: Outcome) -> pd.PeriodIndex:
    """Every calendar month the horizon touches."""
    return calendar_months(outcome.start_date, outcome.horizon_days)


def calendar_months(start: pd.Timestamp, horizon_days: int) -> pd.PeriodIndex:
    last = start + pd.Timedelta(days=horizon_days) - pd.Timedelta(microseconds=1)
    return pd.period_range(pd.Period(start, freq="M"), pd.Period(last, freq="M"), freq="M")


def month_ends(start: pd.Timestamp, horizon_days: int) -> list[pd.Timestamp]:
    """When each month's series value is taken: the month's end, or the horizon's end for the last one."""
    end = start + pd.Timedelta(days=horizon_days)
    return [min((p + 1).start_time, end) for p in calendar_months(start, horizon_days)]


def _window_kpis(scenario: Scenario, outcome: Outcome, months_: int) -> dict[str, float]:
    period = window(outcome.start_date, months_)
    if period[1] > horizon_end(outcome):  # the window is not over by the end of the run: no figure
        return dict.fromkeys((f"nnarr_{months_}m", f"c2re_{months_}m", f"bonus_{months_}m"), float("nan"))
    # A bonus is paid on its window's own figures, never on what happens after it (issue 11, defect 4).
    grr = retention.grr(outcome.revenue, period, level="model")
    qte = evaluation.qte_velocity(outcome.deals, period).mean_days
    booked = nnarr.nnarr(outcome.deals, period)
    spend = nnarr.c2re_spend(outcome.spend, scenario.targets.c2re_counts_pov_compute)
    ratio = nnarr.c2re_ratio(nnarr.spend_in(spend, period), booked.nnarr, provisional=not booked.final)
    target = scenario.targets.nnarr_6_months if months_ == MONTHS_6 else scenario.targets.nnarr_12_months
    pay = comp.bonus_for(
        scenario.comp,
        nnarr=booked.nnarr,
        c2re=ratio.value,
        grr=grr,
        qte_days=qte,
        targets=scenario.targets,
        nnarr_target=target,
    )
    return {f"nnarr_{months_}m": booked.nnarr, f"c2re_{months_}m": ratio.value, f"bonus_{months_}m": pay.total}


def kpi_row(scenario: Scenario, outcome: Outcome) -> dict[str, float]:
    """The replication's KPIs (see the module docstring for each window)."""
    deals, start, end = outcome.deals, outcome.start_date, horizon_end(outcome)
    grr_start = max(start, end - pd.DateOffset(months=MONTHS_12))
    grr = retention.grr(outcome.revenue, (grr_start, end), level="model")
    qte = evaluation.qte_velocity(deals).mean_days
    row: dict[str, float] = {}
    for span in (MONTHS_6, MONTHS_12):
        row.update(_window_kpis(scenario, outcome, span))
    row["grr"] = grr
    if scenario.usage is not None:
        for span in (MONTHS_6, MONTHS_12):
            at = window(start, span)[1]
            row[f"dmr_{span}m"] = retention.deployed_model_revenue(outcome.revenue, at) if at <= end else np.nan
    row["qte_velocity_days"] = qte
    row["qte_velocity_signed_days"] = evaluation.qte_velocity_signed(deals).mean_days
    row["completion_rate"] = evaluation.evaluation_completion_rate(deals).value
    row["pov_to_pipeline"] = evaluation.pov_to_pipeline(deals).value
    row["lead_to_win_rate"] = evaluation.lead_to_win_rate(deals).value
    row["pov_win_rate"] = evaluation.pov_win_rate(deals).value
    row["negotiation_win_rate"] = evaluation.negotiation_win_rate(deals).value
    row["founder_free_rate"] = evaluation.founder_involvement_reduction_rate(deals).value
    year = deals[deals["closed"] < window(start, MONTHS_12)[1]]
    cycles = cycle.cycle_days(year)
    row["cycle_days_12m"] = float(cycles.mean()) if len(cycles) else float("nan")
    trend = queue_trend(outcome.resources, SE, start, float(outcome.horizon_days), deals)
    row["se_queue_end"] = trend.queue_end
    row["se_queue_growth"] = trend.growth_per_month
    row["se_wait_end"] = trend.wait_end
    row["pov_queue_abandon_rate"] = abandon_rate(deals, start)
    if "market" in outcome.extra:
        row["market_untouched_12m"] = market_untouched(outcome.extra["market"], start, outcome.horizon_days)
    quarters = complete_quarters(start, end)
    if len(quarters) > 1:
        sccr = cycle.sccr(deals, first=quarters[0].start_time, last=quarters[-1].start_time)
        for quarter in quarters[1:]:
            row[f"sccr_{quarter}"] = float(sccr.get(quarter, np.nan))
    return row


def market_untouched(market: pd.DataFrame, start: pd.Timestamp, horizon_days: int) -> float:
    """The share of the market untouched at the end of the run's 12th calendar month (NaN if the run ends first)."""
    grid = calendar_months(start, horizon_days)
    if len(grid) < MONTHS_12 or (grid[MONTHS_12 - 1] + 1).start_time > start + pd.Timedelta(days=horizon_days):
        return float("nan")
    return funnel.untouched_share(market, grid[MONTHS_12 - 1].start_time)


def cash_kpis(outcome: Outcome) -> dict[str, float]:
    """``runway_12m``, ``runway_below_6m_12m`` and ``balance_min`` from the cash table; nothing without one."""
    table = outcome.extra.get("cash")
    if table is None:
        return {}
    months = runway_month(outcome.start_date, outcome.horizon_days)
    runway = cash.runway(table)
    value = float(runway.get(months, np.nan)) if months is not None else float("nan")
    return runway_row(value, float(table["balance"].min()))


def runway_month(start: pd.Timestamp, horizon_days: int) -> pd.Timestamp | None:
    """The first day of the run's 12th calendar month (the start date's month is the first, as for the market's
    ``market_untouched_12m``); None when the horizon ends before that month does (no month-end balance)."""
    month = pd.Period(start, freq="M") + (MONTHS_12 - 1)
    return month.start_time if (month + 1).start_time <= start + pd.Timedelta(days=horizon_days) else None


def runway_row(runway: float, balance_min: float) -> dict[str, float]:
    """The cash KPIs of a replication from its runway at 12 months (uncapped) and its lowest balance."""
    capped = min(runway, RUNWAY_CAP_MONTHS) if runway == runway else float("nan")
    below = float(capped < RUNWAY_ALARM_MONTHS) if capped == capped else float("nan")
    return {"runway_12m": capped, "runway_below_6m_12m": below, "balance_min": balance_min}


def abandon_rate(deals: pd.DataFrame, start: pd.Timestamp) -> float:
    """Of the deals that joined the engineer queue on or after ``start``, the share that gave up waiting."""
    joined = deals["data_access_granted"] >= start
    if not joined.any():
        return float("nan")
    gave_up = deals.loc[joined, "lost_stage"].eq("pov_queue").fillna(False).astype(bool)
    return float(gave_up.mean())


def _se_monthly(outcome: Outcome) -> pd.DataFrame:
    """Solution-engineer usage per calendar month of the horizon (mean utilisation, hours sampled)."""
    start, end = outcome.start_date, horizon_end(outcome)
    use = utilisation.usage(outcome.resources, "M", start, end)
    se = use[use["resource"] == SE].set_index("period")
    grid = months(outcome)
    frame = pd.DataFrame({"utilisation": se["utilisation"].reindex(grid.start_time).to_numpy(dtype=float)})
    lo = np.maximum(grid.start_time.to_numpy(), np.datetime64(start, "ns"))
    hi = np.minimum((grid + 1).start_time.to_numpy(), np.datetime64(end, "ns"))
    frame["hours"] = (hi - lo) / np.timedelta64(1, "h")
    return frame


def _weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    ok = ~np.isnan(values)
    return float(np.average(values[ok], weights=weights[ok])) if ok.any() and weights[ok].sum() > 0 else np.nan


def monthly_series(outcome: Outcome, se: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per calendar month: cumulative NNARR, open pipeline (deals, ACV) at the month's end, SE utilisation."""
    deals, end = outcome.deals, horizon_end(outcome)
    grid = months(outcome)
    per_month = nnarr.nnarr_by_period(deals, "M", grid[0].start_time, grid[-1].start_time)
    cumulative = per_month["nnarr"].reindex(grid, fill_value=0.0).cumsum().to_numpy(dtype=float)
    ends = np.minimum((grid + 1).start_time.to_numpy(), np.datetime64(end, "ns"))
    arrived = deals["arrived"].to_numpy(dtype="datetime64[ns]")
    closed = deals["closed"].to_numpy(dtype="datetime64[ns]")
    acv = deals["acv"].to_numpy(dtype=float)
    is_open = (arrived[None, :] < ends[:, None]) & ~(closed[None, :] < ends[:, None])  # NaT compares False
    se = _se_monthly(outcome) if se is None else se
    return pd.DataFrame(
        {
            "month": grid.astype(str),
            "nnarr_cumulative": cumulative,
            "pipeline_deals": is_open.sum(axis=1).astype(float),
            "pipeline_acv": (is_open * np.nan_to_num(acv)).sum(axis=1),
            "se_utilisation": se["utilisation"].to_numpy(dtype=float),
        }
    )


def reduce_outcome(scenario: Scenario, outcome: Outcome) -> Reduction:
    """The Monte Carlo reducer: KPI row and monthly series of one replication."""
    se = _se_monthly(outcome)
    row = kpi_row(scenario, outcome)
    row["se_utilisation"] = _weighted_mean(se["utilisation"].to_numpy(), se["hours"].to_numpy())
    series = monthly_series(outcome, se)
    if scenario.usage is not None:
        ends = month_ends(outcome.start_date, outcome.horizon_days)
        series["deployed_model_revenue"] = [retention.deployed_model_revenue(outcome.revenue, t) for t in ends]
    row.update(cash_kpis(outcome))
    return Reduction(row, series)

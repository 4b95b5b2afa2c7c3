"""The Monte Carlo reducer on the engine's numpy columns: :mod:`analysis.montecarlo.reducer`'s KPI row and monthly
series, computed without building a DataFrame.

:mod:`analysis.montecarlo.reducer` stays the readable reference: it applies the KPI package to the four tables. This
module gives the same numbers (``tests/montecarlo/test_fast_reducer.py`` asserts equality to 1e-9 on many seeds and
scenarios) from :class:`simulation.record.Record`, where every time is whole seconds from the start date, exactly
what the tables hold. Each function names the KPI definition it follows; where it differs in form (a sum of per-deal
amounts instead of a group-by), the definition is the same. The calendar of a horizon (month and quarter bounds,
the hourly sampling grid of utilisation) is the same for every replication of a scenario, so it is built once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

import numpy as np
import pandas as pd

from analysis.kpi import cash, comp, nnarr
from analysis.montecarlo.fast_revenue import deployed_model_revenue, in_window, model_grr
from analysis.montecarlo.reducer import (
    MONTHS_6,
    MONTHS_12,
    SE,
    calendar_months,
    complete_quarters,
    runway_month,
    runway_row,
)
from simulation.capacity import VISITS, trend_of, windowed_queue
from simulation.record import SECONDS_PER_DAY, Record
from simulation.replications import Reduction
from simulation.scenario import Scenario

HOUR: Final = 3_600.0
DECIDED: Final = ("won", "lost", "disqualified")
NaN: Final = math.nan


@dataclass(frozen=True)
class Calendar:
    """The horizon's bounds in seconds from the start date, for one (start date, horizon)."""

    end: float
    month_labels: list[str]
    month_starts: np.ndarray  # each calendar month the horizon touches (the first may begin before the start)
    month_nexts: np.ndarray  # the start of the month after each
    month_ends: np.ndarray  # the month's end, or the horizon's end for the last one
    month_hours: np.ndarray  # hours of each month inside the horizon
    window_ends: dict[int, float]  # 6 and 12 calendar months from the start date
    grr_start: float  # the last 12 months of the horizon (or all of it)
    quarters: list[tuple[str, float, float]]  # complete quarters: label, start, end
    samples: np.ndarray  # the hourly utilisation samples: pandas.date_range(start, end, freq="1h", inclusive="left")
    sample_month: np.ndarray  # the month of each
    window_bounds: dict[int, tuple[np.datetime64, np.datetime64]]  # as datetime64[ns], to prorate spend


def _seconds(start: pd.Timestamp, when: pd.Timestamp) -> float:
    return float((when - start) / pd.Timedelta(seconds=1))


@lru_cache(maxsize=64)
def calendar(start: pd.Timestamp, horizon_days: int) -> Calendar:
    end_ts = start + pd.Timedelta(days=horizon_days)
    grid = calendar_months(start, horizon_days)
    starts = np.array([_seconds(start, p.start_time) for p in grid])
    nexts = np.array([_seconds(start, (p + 1).start_time) for p in grid])
    end = _seconds(start, end_ts)
    ends = np.minimum(nexts, end)
    hours = (ends - np.maximum(starts, 0.0)) / HOUR
    windows = {m: _seconds(start, start + pd.DateOffset(months=m)) for m in (MONTHS_6, MONTHS_12)}
    grr_start = max(0.0, _seconds(start, end_ts - pd.DateOffset(months=MONTHS_12)))
    quarters = [
        (str(q), _seconds(start, q.start_time), _seconds(start, (q + 1).start_time))
        for q in complete_quarters(start, end_ts)
    ]
    samples = np.arange(0.0, end, HOUR)
    bounds = {
        m: (np.datetime64(start, "ns"), np.datetime64(start + pd.DateOffset(months=m), "ns"))
        for m in (MONTHS_6, MONTHS_12)
    }
    return Calendar(
        end=end,
        month_labels=[str(p) for p in grid],
        month_starts=starts,
        month_nexts=nexts,
        month_ends=ends,
        month_hours=hours,
        window_ends=windows,
        grr_start=grr_start,
        quarters=quarters,
        samples=samples,
        sample_month=np.searchsorted(starts, samples, side="right") - 1,
        window_bounds=bounds,
    )


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if len(values) else NaN


def _share(success: np.ndarray, decided: np.ndarray) -> float:
    count = int(decided.sum())
    return int((success & decided).sum()) / count if count else NaN


class Deals:
    """The deals columns with the masks every KPI shares."""

    def __init__(self, record: Record):
        d = record.deals
        self.d = d
        outcome = d["outcome"]
        self.closed = d["closed"]
        self.has_closed = ~np.isnan(self.closed)
        self.won = (outcome == "won") & self.has_closed
        self.decided = (self.won | (outcome == "lost") | (outcome == "disqualified")) & self.has_closed
        self.dropped = self.decided & ~self.won  # lost or disqualified, with a close time
        self.acv = d["acv"]
        self.priced_acv = np.nan_to_num(self.acv.astype(float))  # 0 where unknown: the amounts every sum adds
        self._settle()

    def _settle(self) -> None:
        """:func:`analysis.kpi.nnarr.settlement` per deal: churn and contraction within 90 days, settled or not."""
        d = self.d
        status = d["retention_90d"]
        churned, kept = status == "churned", status == "kept"
        acv = self.acv.astype(float)
        implied = np.where(churned, 0.0, np.where(kept, acv, np.nan))
        after = np.where(np.isnan(d["acv_after_90d"]), implied, d["acv_after_90d"])
        self.priced = self.won & ~np.isnan(acv)
        self.settled = self.priced & ~np.isnan(after)
        with np.errstate(invalid="ignore"):
            loss = np.where(self.settled, np.clip(acv - after, 0, None), 0.0)
            full_churn = churned | ((status == None) & (after == 0))  # noqa: E711 - elementwise on an object array
        self.churn = np.where(full_churn, loss, 0.0)
        self.contraction = loss - self.churn

    def nnarr(self, mask: np.ndarray) -> nnarr.Nnarr:
        """:func:`analysis.kpi.nnarr.nnarr` of the won deals in ``mask``."""
        won = self.won & mask
        priced = self.priced & mask
        pending = priced & ~self.settled
        unknown = bool(won.any()) and not priced.any()

        def total(values: np.ndarray, where: np.ndarray) -> float:
            return NaN if unknown else float(values[where].sum())

        return nnarr.Nnarr(
            won=int(won.sum()),
            gross=total(self.priced_acv, priced),
            churn=total(self.churn, priced),
            contraction=total(self.contraction, priced),
            provisional_deals=int(pending.sum()),
            provisional_acv=total(self.priced_acv, pending),
            unpriced_deals=int((won & ~priced).sum()),
        )

    def qte(self, lo: float = -math.inf, hi: float = math.inf, signed: bool = False) -> float:
        """:func:`analysis.kpi.evaluation.qte_velocity` (mean days) of the deals ended in ``[lo, hi)``."""
        start = self.d["data_access_granted"]
        ended = self.won if signed else self.decided
        mask = ended & ~np.isnan(start) & in_window(self.closed, lo, hi)
        return _mean((self.closed[mask] - start[mask]) / SECONDS_PER_DAY)

    def rates(self) -> dict[str, float]:
        """The evaluation rates of :mod:`analysis.kpi.evaluation`, all time."""
        d = self.d
        granted, started = ~np.isnan(d["data_access_granted"]), ~np.isnan(d["pov_started"])
        negotiated = ~np.isnan(d["negotiation_started"])
        known = d["pov_completed"]
        entered = granted | started
        completed = entered & ((known == 1) | ((known < 0) & negotiated))
        failed = entered & ~completed & ((known == 0) | self.dropped)
        ext_end, pov_end = d["extension_ended"], d["pov_ended"]
        evaluation_end = np.where(np.isnan(ext_end), pov_end, ext_end)
        completion_at = np.where(np.isnan(evaluation_end), self.closed, evaluation_end)
        converted = started & negotiated
        dropped = started & ~converted & self.dropped
        converted_at = np.where(converted, d["negotiation_started"], self.closed)
        povs = started & self.has_closed
        founder = d["founder_in_final_meeting"]
        won_known = self.won & (founder >= 0)
        return {
            "completion_rate": _share(completed, (completed | failed) & ~np.isnan(completion_at)),
            "pov_to_pipeline": _share(converted, (converted | dropped) & ~np.isnan(converted_at)),
            "lead_to_win_rate": _share(self.won, self.decided),
            "pov_win_rate": _share(self.won, povs & self.decided),
            "negotiation_win_rate": _share(self.won, negotiated & self.decided),
            "founder_free_rate": _share(founder == 0, won_known),
        }

    def won_cycles(self, mask: np.ndarray) -> np.ndarray:
        """:func:`analysis.kpi.cycle.cycle_days` of the won deals in ``mask``."""
        arrived = self.d["arrived"]
        picked = self.won & mask & ~np.isnan(arrived)
        return (self.closed[picked] - arrived[picked]) / SECONDS_PER_DAY


def spend_between(scenario: Scenario, record: Record, lo: np.datetime64, hi: np.datetime64) -> float:
    """:func:`analysis.kpi.nnarr.spend_in` of the window ``[lo, hi)``, C2RE's categories only
    (:func:`analysis.kpi.nnarr.c2re_spend`)."""
    s = record.spend
    starts, ends = s["start"], s["end"]
    inside = np.clip((np.minimum(ends, hi) - np.maximum(starts, lo)).astype("int64"), 0, None).astype(float)
    length = (ends - starts).astype("int64").astype(float)
    amount = np.nan_to_num(s["amount"].astype(float)) * np.where(length > 0, inside / length, 0.0)
    if not scenario.targets.c2re_counts_pov_compute:
        amount = amount[s["category"] != nnarr.POV_COMPUTE]
    return float(amount.sum())


def _window_kpis(scenario: Scenario, record: Record, deals: Deals, cal: Calendar, months: int) -> dict[str, float]:
    """As :func:`analysis.montecarlo.reducer._window_kpis`."""
    names = (f"nnarr_{months}m", f"c2re_{months}m", f"bonus_{months}m")
    end = cal.window_ends[months]
    if end > cal.end:
        return dict.fromkeys(names, NaN)
    booked = deals.nnarr(in_window(deals.closed, 0.0, end))
    spend = spend_between(scenario, record, *cal.window_bounds[months])
    ratio = nnarr.c2re_ratio(spend, booked.nnarr, provisional=not booked.final)
    target = scenario.targets.nnarr_6_months if months == MONTHS_6 else scenario.targets.nnarr_12_months
    pay = comp.bonus_for(
        scenario.comp,
        nnarr=booked.nnarr,
        c2re=ratio.value,
        grr=model_grr(record, 0.0, end),
        qte_days=deals.qte(0.0, end),
        targets=scenario.targets,
        nnarr_target=target,
    )
    return dict(zip(names, (booked.nnarr, ratio.value, pay.total), strict=True))


def _queue(record: Record, deals: Deals, cal: Calendar) -> dict[str, float]:
    """:func:`simulation.capacity.queue_trend` of the engineers, and the share who gave up waiting."""
    r, d = record.resources, deals.d
    se = r["resource"] == SE
    days = float(record.horizon_days)
    windows = windowed_queue(r["time"][se] / SECONDS_PER_DAY, r["queue"][se].astype(float), days)
    ends, lengths = [], []
    for joined, left in VISITS[SE]:
        exit_ = np.where(np.isnan(d[left]), d["closed"], d[left])
        done = ~np.isnan(d[joined]) & (exit_ >= 0.0)
        ends.append(exit_[done] / SECONDS_PER_DAY)
        lengths.append((exit_[done] - d[joined][done]) / SECONDS_PER_DAY)
    trend = trend_of(SE, windows, days, (np.concatenate(ends), np.concatenate(lengths)))
    queued = d["data_access_granted"] >= 0.0
    abandon = float((d["lost_stage"][queued] == "pov_queue").mean()) if queued.any() else NaN
    return {
        "se_queue_end": trend.queue_end,
        "se_queue_growth": trend.growth_per_month,
        "se_wait_end": trend.wait_end,
        "pov_queue_abandon_rate": abandon,
    }


def _sccr(deals: Deals, cal: Calendar) -> dict[str, float]:
    """:func:`analysis.kpi.cycle.sccr` of every complete quarter after the first."""
    if len(cal.quarters) < 2:
        return {}
    averages = [_mean(deals.won_cycles(in_window(deals.closed, lo, hi))) for _, lo, hi in cal.quarters]
    out = {}
    for k in range(1, len(cal.quarters)):
        previous, current = averages[k - 1], averages[k]
        out[f"sccr_{cal.quarters[k][0]}"] = (previous - current) / previous if previous > 0 else NaN
    return out


def _market_untouched(market: Any, cal: Calendar) -> float:
    """:func:`analysis.montecarlo.reducer.market_untouched` from the market table's columns."""
    last = MONTHS_12 - 1
    if len(cal.month_starts) < MONTHS_12 or cal.month_nexts[last] > cal.end:
        return NaN
    month = np.datetime64(cal.month_labels[last], "M").astype("datetime64[ns]")
    rows = market["month"] == month
    total = float(market["accounts"][rows].sum())
    return float(market["untouched"][rows].sum()) / total if total > 0 else NaN


def se_monthly(record: Record, cal: Calendar) -> np.ndarray:
    """Mean engineer utilisation per month, sampled hourly (:func:`analysis.kpi.utilisation.usage`)."""
    r = record.resources
    se = np.flatnonzero(r["resource"] == SE)
    se = se[np.argsort(r["time"][se], kind="stable")]
    times = r["time"][se]
    at = np.searchsorted(times, cal.samples, side="right") - 1  # the last row at or before the sample (ties: the last)
    capacity = r["capacity"][se].astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_row = np.append(r["busy"][se] / np.where(capacity > 0, capacity, np.nan), np.nan)  # [-1]: before any row
    use = per_row[at]
    ok = ~np.isnan(use)
    months = len(cal.month_starts)
    total = np.bincount(cal.sample_month[ok], weights=use[ok], minlength=months)
    count = np.bincount(cal.sample_month[ok], minlength=months)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)


def kpi_row(scenario: Scenario, record: Record, deals: Deals | None = None) -> dict[str, float]:
    """:func:`analysis.montecarlo.reducer.kpi_row` from the record's columns."""
    deals = Deals(record) if deals is None else deals
    cal = calendar(record.start_date, record.horizon_days)
    row: dict[str, float] = {}
    for months in (MONTHS_6, MONTHS_12):
        row.update(_window_kpis(scenario, record, deals, cal, months))
    row["grr"] = model_grr(record, cal.grr_start, cal.end)
    if scenario.usage is not None:
        for months in (MONTHS_6, MONTHS_12):
            at = cal.window_ends[months]
            row[f"dmr_{months}m"] = deployed_model_revenue(record, at)[0] if at <= cal.end else NaN
    row["qte_velocity_days"] = deals.qte()
    row["qte_velocity_signed_days"] = deals.qte(signed=True)
    row.update(deals.rates())
    row["cycle_days_12m"] = _mean(deals.won_cycles(deals.closed < cal.window_ends[MONTHS_12]))
    row.update(_queue(record, deals, cal))
    if "market" in record.extra:
        row["market_untouched_12m"] = _market_untouched(record.extra["market"], cal)
    row.update(_sccr(deals, cal))
    return row


def monthly_series(record: Record, deals: Deals, se: np.ndarray) -> dict[str, Any]:
    """:func:`analysis.montecarlo.reducer.monthly_series` from the record's columns."""
    cal = calendar(record.start_date, record.horizon_days)
    month = np.searchsorted(cal.month_starts, deals.closed, side="right") - 1
    inside = deals.won & (month >= 0) & (deals.closed < cal.month_nexts[-1])
    net = deals.priced_acv - deals.churn - deals.contraction
    per_month = np.bincount(month[inside], weights=net[inside], minlength=len(cal.month_starts))
    arrived, closed = deals.d["arrived"], deals.closed
    ends = cal.month_ends[:, None]
    is_open = (arrived[None, :] < ends) & ~(closed[None, :] < ends)
    return {  # columns, not a DataFrame: the batch builds one table for all its replications
        "month": cal.month_labels,
        "nnarr_cumulative": np.cumsum(per_month),
        "pipeline_deals": is_open.sum(axis=1).astype(float),
        "pipeline_acv": (is_open * deals.priced_acv).sum(axis=1),
        "se_utilisation": se,
    }


def _weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    ok = ~np.isnan(values)
    return float(np.average(values[ok], weights=weights[ok])) if ok.any() and weights[ok].sum() > 0 else NaN


def cash_kpis(record: Record) -> dict[str, float]:
    """:func:`analysis.montecarlo.reducer.cash_kpis` from the cash table's columns (nothing without [billing])."""
    columns = record.extra.get("cash")
    if columns is None:
        return {}
    month = runway_month(record.start_date, record.horizon_days)
    runway = cash.runway_values(columns["balance"], columns["net_cash_flow"])
    at = np.flatnonzero(columns["month"] == np.datetime64(month, "ns")) if month is not None else np.zeros(0, int)
    return runway_row(float(runway[at[0]]) if len(at) else NaN, float(np.min(columns["balance"])))


def reduce_record(scenario: Scenario, record: Record) -> Reduction:
    """The Monte Carlo reducer: KPI row and monthly series of one replication, from its numpy columns."""
    deals = Deals(record)
    cal = calendar(record.start_date, record.horizon_days)
    se = se_monthly(record, cal)
    row = kpi_row(scenario, record, deals)
    row["se_utilisation"] = _weighted_mean(se, cal.month_hours)
    row.update(cash_kpis(record))
    series = monthly_series(record, deals, se)
    if scenario.usage is not None:
        series["deployed_model_revenue"] = deployed_model_revenue(record, *cal.month_ends.tolist())
    return Reduction(row, series)

"""Gross and Net Revenue Retention (GRR, NRR) and Deployed Model Revenue, from the revenue event table
(article B).

ARR of a unit at an instant ``t`` is the ``arr_after`` of its last event dated strictly before ``t`` (events
of the same date are ordered new, 90-day, renewal, expansion, contraction, churn). A unit is a deployed model
(``level="model"``, the (customer, model) pair) or an account (``level="account"``, the sum of its models).

Over a period ``[start, end)`` the cohort is the units with ARR > 0 at ``start`` whose customer is past its 90-day
retention check: won more than :data:`RETENTION_CHECK` before ``start`` (customers won during the period, or in
the 90 days before it, are not in it). For each unit, retained ARR = min(ARR at end, ARR at start):

* GRR = Σ retained / Σ ARR at start: revenue kept from existing customers, upsell excluded (at most 100 %);
* NRR = Σ ARR at end / Σ ARR at start: the same cohort with expansion counted (at account level a new model
  deployed by an existing account is expansion; at model level it is a new unit, outside the cohort).

**No loss counted twice.** Article A nets churn and contraction within 90 days of close out of NNARR
(:mod:`analysis.kpi.nnarr`); article B's GRR is "revenue retained from existing customers". So a customer becomes
an *existing* customer, in GRR's cohort, once its 90-day check is behind it, at the ARR the check left: its 90-day
churn or contraction lowers NNARR and never GRR, and every later loss (at renewal) lowers GRR and never NNARR.
Because upsell is cut per unit, model-level GRR is at most account-level GRR: a customer who drops one model
and expands another keeps its account-level GRR but takes the model-level hit article B describes ("a GRR hit
even though the logo stays"). An empty cohort has no GRR (NaN).

**The usage ramp is not expansion.** With ``[usage]`` (:mod:`simulation.usage`) a model pays a share of its
contracted ARR that steps up after go-live (``ramp`` events) while the customer is already existing: left as it
is, the ramp would read as expansion in NRR and hide losses in GRR (a model at 60 % of its run-rate that renews 20 %
lower and ramps to 100 % would show 80 against 60, all "retained"). So the ramp is divided out: each unit's end ARR
is divided by the growth of its share over the period, the product of ``arr_after / (arr_after - arr_delta)`` over
its ``ramp`` events in ``[start, end)`` (a ramp event changes the share and nothing else), which puts the end ARR on
the start's footing: 80 / (100 / 60) = 48 of 60, GRR 80 %. A model of an existing account that goes live during the
period (``go_live``: booked at close, scoring later) is onboarding of the contract already signed, not upsell: it is
left out of the account's end ARR. Without ``ramp`` or ``go_live`` events (no ``[usage]``, a CRM export) nothing
changes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from analysis.kpi.periods import PeriodLike, TimeLike, bounds, period_range, timestamp
from simulation.tables import REVENUE_EVENTS, is_value, require

Level = Literal["model", "account"]
REVENUE_COLUMNS = ("customer", "model", "date", "event", "arr_after")
GO_LIVE, RAMP = "go_live", "ramp"  # the [usage] ramp's events (simulation.usage), in simulation.tables.REVENUE_EVENTS
RETENTION_CHECK = pd.Timedelta(days=90)  # article A's 90-day retention check, after which a customer is "existing"
_EVENT_RANK = {event: rank for rank, event in enumerate(REVENUE_EVENTS)}


@dataclass(frozen=True)
class Retention:
    """Retention of the cohort existing at the period start (USD, and counts of units)."""

    level: str
    units: int
    start_arr: float
    end_arr: float
    retained_arr: float
    churn: float
    contraction: float
    expansion: float
    churned_units: int

    @property
    def grr(self) -> float:
        """Gross revenue retention: retained / start ARR (NaN for an empty cohort)."""
        return self.retained_arr / self.start_arr if self.start_arr > 0 else float("nan")

    @property
    def nrr(self) -> float:
        """Net revenue retention: end / start ARR of the same cohort (NaN for an empty cohort)."""
        return self.end_arr / self.start_arr if self.start_arr > 0 else float("nan")

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "grr": self.grr, "nrr": self.nrr}


def _ordered(revenue: pd.DataFrame) -> pd.DataFrame:
    require(revenue, REVENUE_COLUMNS, "revenue", "ARR and retention")
    rank = revenue["event"].astype("string").map(_EVENT_RANK).astype("float64").fillna(len(_EVENT_RANK))
    order = np.lexsort((rank.to_numpy(), revenue["date"].to_numpy(dtype="datetime64[ns]")))
    return revenue.iloc[order]


def _unit_keys(level: Level) -> list[str]:
    if level == "model":
        return ["customer", "model"]
    if level == "account":
        return ["customer"]
    raise ValueError(f"level must be 'model' or 'account', not {level!r}")


def _arr_at(ordered: pd.DataFrame, when: pd.Timestamp, level: Level) -> pd.Series:
    before = ordered[ordered["date"] < when]
    per_model = before.groupby(["customer", "model"], sort=True)["arr_after"].last().astype("float64")
    if level == "account":
        return per_model.groupby(level="customer").sum()
    return per_model


def arr_at(revenue: pd.DataFrame, when: TimeLike, level: Level = "model") -> pd.Series:
    """ARR per unit at the instant ``when`` (after every event dated strictly before it), indexed by unit."""
    _unit_keys(level)
    return _arr_at(_ordered(revenue), timestamp(when), level)


def retention(
    revenue: pd.DataFrame,
    period: PeriodLike | None,
    level: Level = "model",
    customers: Iterable[str] | None = None,
) -> Retention:
    """GRR and NRR of the period for the units existing at its start (optionally only some ``customers``)."""
    _unit_keys(level)
    ordered = _ordered(revenue)
    if customers is not None:
        ordered = ordered[ordered["customer"].isin(list(customers))]
    start, end = bounds(period)
    at_start = _arr_at(ordered, start, "model")
    at_end = _arr_at(ordered, end, "model")
    at_end = at_end / ramp_growth(ordered, start, end).reindex(at_end.index, fill_value=1.0)
    if level == "account":
        at_start = at_start.groupby(level="customer").sum()
        at_end = at_end[~at_end.index.isin(_went_live(ordered, start, end))].groupby(level="customer").sum()
    won = ordered.groupby("customer", sort=True)["date"].min()
    existing = won.index[won + RETENTION_CHECK < start]
    cohort = at_start[(at_start > 0) & at_start.index.get_level_values("customer").isin(existing)]
    at_end = at_end.reindex(cohort.index, fill_value=0.0)
    retained = np.minimum(at_end, cohort)
    churned = at_end <= 0
    lost = cohort - retained
    return Retention(
        level=level,
        units=len(cohort),
        start_arr=float(cohort.sum()),
        end_arr=float(at_end.sum()),
        retained_arr=float(retained.sum()),
        churn=float(lost[churned].sum()),
        contraction=float(lost[~churned].sum()),
        expansion=float((at_end - cohort).clip(lower=0).sum()),
        churned_units=int(churned.sum()),
    )


def _in_period(ordered: pd.DataFrame, event: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    return ordered[is_value(ordered["event"], event) & (ordered["date"] >= start) & (ordered["date"] < end)]


def ramp_growth(revenue: pd.DataFrame, start: TimeLike, end: TimeLike) -> pd.Series:
    """Per (customer, model) with ``ramp`` events in ``[start, end)``: how much the usage ramp multiplied its ARR
    (the product of each ramp event's ``arr_after / (arr_after - arr_delta)``); see the module docstring."""
    ramps = _in_period(revenue, RAMP, timestamp(start), timestamp(end))
    if ramps.empty:
        return pd.Series(dtype="float64")
    require(ramps, ("arr_delta",), "revenue", "the usage ramp")
    before = ramps["arr_after"] - ramps["arr_delta"]
    ratio = (ramps["arr_after"] / before.where(before > 0)).fillna(1.0).astype("float64")
    return ratio.groupby([ramps["customer"], ramps["model"]], sort=True).prod()


def _went_live(ordered: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.MultiIndex:
    """The (customer, model) units that went live in ``[start, end)``."""
    live = _in_period(ordered, GO_LIVE, start, end)
    return pd.MultiIndex.from_arrays([live["customer"], live["model"]], names=["customer", "model"])


def grr(revenue: pd.DataFrame, period: PeriodLike | None, level: Level = "model") -> float:
    """GRR: share of the period-start ARR of existing customers (past their 90-day check) still paid at the end,
    upsell excluded.

    Article B: "GRR measures revenue retained from existing customers, excluding upsells." The 90-day churn and
    contraction are NNARR's (article A), never GRR's: see the module docstring.
    """
    return retention(revenue, period, level).grr


def nrr(revenue: pd.DataFrame, period: PeriodLike | None, level: Level = "model") -> float:
    """NRR: period-end ARR of the customers existing at the period start over their start ARR, upsell
    included."""
    return retention(revenue, period, level).nrr


def partner_retention(
    revenue: pd.DataFrame, deals: pd.DataFrame, period: PeriodLike | None, level: Level = "model"
) -> Retention:
    """Partner GRR/NRR (article B): retention of the customers whose deal came through the partner channel."""
    require(deals, ("id", "channel"), "deals", "partner GRR")
    partners = deals.loc[is_value(deals["channel"], "partner"), "id"].astype("string")
    return retention(revenue, period, level, customers=partners.tolist())


def deployed_model_revenue(revenue: pd.DataFrame, as_of: TimeLike) -> float:
    """Deployed Model Revenue: the annualised value of all models actively scoring at the instant ``as_of``.

    Article B: "the annualized value of all models actively scoring against customer data".
    """
    arr = arr_at(revenue, as_of, "model")
    return float(arr[arr > 0].sum())


def deployed_models(revenue: pd.DataFrame, as_of: TimeLike) -> int:
    """How many models are actively scoring (ARR > 0) at the instant ``as_of``."""
    arr = arr_at(revenue, as_of, "model")
    return int((arr > 0).sum())


def arr_by_period(
    revenue: pd.DataFrame, freq: str = "M", start: TimeLike | None = None, end: TimeLike | None = None
) -> pd.Series:
    """Total ARR at the end of each period (index ``pandas.Period``), the running sum of all units."""
    ordered = _ordered(revenue)
    index = period_range([ordered["date"]], freq, start, end)
    values = [float(_arr_at(ordered, (p + 1).start_time, "model").sum()) for p in index]
    return pd.Series(values, index=index, name="arr", dtype="float64")

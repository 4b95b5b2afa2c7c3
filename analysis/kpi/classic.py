"""The classic SaaS set (MRR, CAC, LTV, CAC payback, quota attainment), kept for contrast.

Articles A and B both argue these mislead at an AI/ML startup: quota attainment counts gross bookings, so a
deal that churns in its first 90 days still pays; MRR rewards short-term deals whose data does not fit the
model. They are computed here from the same tables so the difference can be shown side by side with NNARR and
C2RE."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from analysis.kpi.nnarr import Unpriced, nnarr, spend_in
from analysis.kpi.periods import PeriodLike, TimeLike, bounds
from analysis.kpi.retention import arr_at, retention

DEFAULT_MAX_LIFETIME_YEARS = 5.0
DAYS_PER_YEAR = 365.25


def mrr(revenue: pd.DataFrame, as_of: TimeLike) -> float:
    """MRR: monthly recurring revenue at the instant ``as_of``, total ARR of all live models / 12."""
    return float(arr_at(revenue, as_of, "model").clip(lower=0).sum()) / 12.0


def cac(spend_total: float, new_customers: int) -> float:
    """CAC: sales and marketing spend per new customer won (NaN when no customer was won).

    >>> cac(300_000, 4)
    75000.0
    """
    return float(spend_total) / new_customers if new_customers > 0 else float("nan")


def ltv(
    arpa: float,
    annual_churn_rate: float,
    gross_margin: float = 1.0,
    max_lifetime_years: float = DEFAULT_MAX_LIFETIME_YEARS,
) -> float:
    """LTV: annual revenue per account × gross margin × expected lifetime (1 / annual churn, capped).

    The lifetime is capped at ``max_lifetime_years`` (a common convention; 5 years by default) so that zero
    observed churn gives a finite, documented value instead of infinity.

    >>> ltv(arpa=60_000, annual_churn_rate=0.25)
    240000.0
    >>> ltv(arpa=60_000, annual_churn_rate=0.0)  # capped at 5 years
    300000.0
    """
    if math.isnan(annual_churn_rate) or math.isnan(arpa):
        return float("nan")
    lifetime = max_lifetime_years if annual_churn_rate <= 0 else min(1.0 / annual_churn_rate, max_lifetime_years)
    return float(arpa) * gross_margin * lifetime


def cac_payback_months(cac_value: float, arpa: float, gross_margin: float = 1.0) -> float:
    """CAC payback: months of a new account's gross-margin revenue needed to repay its CAC (NaN without
    revenue).

    >>> cac_payback_months(75_000, arpa=60_000)
    15.0
    """
    monthly = float(arpa) * gross_margin / 12.0
    return float(cac_value) / monthly if monthly > 0 else float("nan")


def quota_attainment(
    deals: pd.DataFrame, period: PeriodLike | None, quota: float, *, unpriced: Unpriced = "raise"
) -> float:
    """Quota attainment: gross ACV booked (won) in the period / quota, with no 90-day churn deducted."""
    if not quota > 0:
        return float("nan")
    return nnarr(deals, period, unpriced=unpriced).gross / float(quota)


def annual_churn_rate(revenue: pd.DataFrame, period: PeriodLike | None) -> float:
    """1 − account-level GRR of the period, annualised (compounded to 365.25 days); NaN for an empty
    cohort or all time."""
    if period is None:  # all time has no length to annualise over
        return float("nan")
    start, end = bounds(period)
    length = (end - start) / pd.Timedelta(days=1)
    kept = retention(revenue, period, "account").grr
    if math.isnan(kept) or length <= 0:
        return float("nan")
    return 1.0 - kept ** (DAYS_PER_YEAR / length)


def classic_kpis(
    deals: pd.DataFrame,
    period: PeriodLike | None,
    *,
    spend: pd.DataFrame | None = None,
    revenue: pd.DataFrame | None = None,
    quota: float | None = None,
    gross_margin: float = 1.0,
    unpriced: Unpriced = "raise",
) -> dict[str, Any]:
    """MRR (at the period end), CAC, LTV, CAC payback and quota attainment for one period (NaN where a table
    or the quota is missing). ARPA is the average ACV of the customers won in the period (of those priced, with
    ``unpriced="skip"``); CAC counts every customer won, priced or not."""
    booked = nnarr(deals, period, unpriced=unpriced)
    priced = booked.won - booked.unpriced_deals
    arpa = booked.gross / priced if priced else float("nan")
    cac_value = cac(spend_in(spend, period), booked.won) if spend is not None else float("nan")
    churn = annual_churn_rate(revenue, period) if revenue is not None else float("nan")
    return {
        "mrr": mrr(revenue, bounds(period)[1]) if revenue is not None else float("nan"),
        "cac": cac_value,
        "ltv": ltv(arpa, churn, gross_margin),
        "cac_payback_months": cac_payback_months(cac_value, arpa, gross_margin),
        "quota_attainment": (
            quota_attainment(deals, period, quota, unpriced=unpriced) if quota is not None else float("nan")
        ),
    }

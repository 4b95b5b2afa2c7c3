"""Billing and cash: billing terms, collections delay and bad debt, a starting balance and monthly burn; the
``cash`` table. Optional ``[billing]`` section (absent: no cash table, as before).

Invoices follow each deployed model's ARR (the revenue table): a model is billed from its ``new`` event every
billing period (a year, a quarter or a month of the 365-day contract year, so renewals fall on a period start)
upfront (on the period's first day) for the ARR in force then x the period's share of a year, or in arrears (on
the day after its last) for what was delivered: the ARR over the period's days / 365, so a churn, a contraction or
a usage ramp inside the period is prorated. A churned model is not billed again; contraction and expansion change
the next invoice; an invoice already sent is never refunded (an annual-upfront customer who churns at its 90-day
check has paid the year: an assumption, said in the README). Usage pricing (``[usage]``: the revenue table's ARR
is the run-rate, 0 until go-live) is billed in arrears only: the scenario refuses it upfront.

Each invoice is collected ``collection_days`` after it is sent, or never (bad debt, written off on the day it was
due) with ``bad_debt_probability``. Both draws come from the ``billing`` stream, one pair per (deal, model, period)
drawn in one batch whatever the deal's fate, so a fix that changes who wins leaves every other invoice's delay alone
(common random numbers).

Cash by calendar month (the spend table's months): collections in, the spend table's sales and marketing spend
and ``other_burn_per_month`` (prorated by the days of the month the run covers) out; the balance starts at
``starting_balance``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from simulation.distributions import Distribution, Uniform

DAYS_PER_YEAR: Final = 365.0  # the contract year of simulation.revenue (renewals every 365 days)
PERIODS_PER_YEAR: Final = {"annual": 1, "quarterly": 4, "monthly": 12}
Event = tuple[int, int, float, str, float, float]  # deal, model, day, event, arr_delta, arr_after (simulation.revenue)


class Billing(BaseModel):
    """The ``[billing]`` section."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    terms: Literal["annual", "quarterly", "monthly"] = Field(
        default="annual", description="How often a customer is invoiced: the ARR x the period's share of a year"
    )
    in_arrears: bool = Field(default=False, description="Invoice at the period's end (false: upfront, at its start)")
    collection_days: Distribution = Field(
        default=Uniform(low=30, high=60), description="Days from an invoice to its payment (net 30-60 by default)"
    )
    bad_debt_probability: float = Field(default=0.0, ge=0, le=1, allow_inf_nan=False)
    starting_balance: float = Field(ge=0, allow_inf_nan=False, description="Cash in the bank on the start date, USD")
    other_burn_per_month: float = Field(
        default=0.0, ge=0, allow_inf_nan=False, description="Cash spent a month outside sales and marketing, USD"
    )

    @property
    def period_days(self) -> float:
        return DAYS_PER_YEAR / PERIODS_PER_YEAR[self.terms]

    def period_start(self, k: np.ndarray) -> np.ndarray:
        """Day offset of billing period ``k`` from a model's start (k x 365 first, so 12 months make 365 exactly)."""
        return k * DAYS_PER_YEAR / PERIODS_PER_YEAR[self.terms]


class Invoices(dict[str, np.ndarray]):
    """One row per invoice: ``deal``, ``model``, ``period``, ``sent``, ``amount``, ``due`` (day paid or written
    off), ``bad`` (never collected). Days from the start date."""


def periods(billing: Billing, horizon: float) -> int:
    """Billing periods a model can have within the horizon (the width of the uniform batch)."""
    return int(np.ceil(horizon / billing.period_days)) + 1


def draws(rng: np.random.Generator, n_deals: int, n_models: int, billing: Billing, horizon: float) -> np.ndarray:
    """The ``billing`` stream's uniforms: (deal, model, period, [delay, bad debt]), in one batch."""
    return rng.random((n_deals, n_models, periods(billing, horizon), 2))


def invoices(billing: Billing, events: Sequence[Event], u: np.ndarray, horizon: float) -> Invoices:
    """Every invoice sent before the horizon, from the revenue events (see the module docstring)."""
    if not events:
        empty = np.zeros(0)
        return Invoices(deal=empty.astype(int), model=empty.astype(int), period=empty.astype(int), sent=empty,
                        amount=empty, due=empty, bad=empty.astype(bool))
    deal = np.array([e[0] for e in events], dtype=np.int64)
    model = np.array([e[1] for e in events], dtype=np.int64)
    day = np.array([e[2] for e in events], dtype=float)
    after = np.array([e[5] for e in events], dtype=float)
    # One key per deployed model; its events sorted by day (stable: same-day events keep their order).
    width = int(model.max()) + 1
    key = deal * width + model
    order = np.lexsort((day, key))
    key, day, after = key[order], day[order], after[order]
    keys, first = np.unique(key, return_index=True)
    start = day[first]  # a model's first event is its "new" booking (simulation.revenue)
    count = periods(billing, horizon)
    k = np.arange(count)
    period_start = start[:, None] + billing.period_start(k)[None, :]  # (model, period)
    sent = period_start + (billing.period_days if billing.in_arrears else 0.0)
    # Upfront: the ARR in force at each period's start (the last event of that model dated on or before it) x the
    # period's share of a year. In arrears: the ARR integrated over the period's days / 365.
    amount = np.empty((len(keys), count))
    for m, (lo, hi) in enumerate(zip(first, [*first[1:], len(key)], strict=True)):
        if billing.in_arrears:
            amount[m] = np.diff(_delivered(day[lo:hi], after[lo:hi], period_start[m], billing.period_days))
        else:
            amount[m] = after[lo + np.searchsorted(day[lo:hi], period_start[m], side="right") - 1] / (
                PERIODS_PER_YEAR[billing.terms])
    live = (amount > 1e-9) & (sent < horizon)
    j, p = np.nonzero(live)
    inv_deal, inv_model = keys[j] // width, keys[j] % width
    draw = u[inv_deal, inv_model - 1, p]
    return Invoices(
        deal=inv_deal,
        model=inv_model,
        period=p,
        sent=sent[j, p],
        amount=amount[j, p],
        due=sent[j, p] + billing.collection_days.ppf(draw[:, 0]),
        bad=draw[:, 1] < billing.bad_debt_probability,
    )


def _delivered(day: np.ndarray, arr: np.ndarray, starts: np.ndarray, length: float) -> np.ndarray:
    """ARR-years delivered by each period boundary (``starts`` then the last period's end): the step function of
    ``arr`` (in force from each ``day``, 0 before the first) integrated from the first day, / 365; a period's
    amount is the difference of its two boundaries.

    >>> _delivered(np.array([0.0, 50.0]), np.array([365.0, 0.0]), np.array([0.0, 36.5]), 36.5).tolist()  # churn
    [0.0, 36.5, 50.0]
    """
    bounds = np.append(starts, starts[-1] + length)
    cum = np.concatenate([[0.0], np.cumsum(arr[:-1] * np.diff(day))])  # delivered by each event's day
    i = np.searchsorted(day, bounds, side="right") - 1
    at = np.maximum(i, 0)
    return np.where(i >= 0, cum[at] + arr[at] * (bounds - day[at]), 0.0) / DAYS_PER_YEAR


def cash_columns(
    billing: Billing, bills: Invoices, spend: Mapping[str, np.ndarray], start_date: np.datetime64, horizon: float
) -> dict[str, np.ndarray]:
    """The cash table's columns, one row per month of the spend table (numpy only: a forecast never builds it);
    ``start_date`` is the run's first day as ``datetime64[D]``."""
    months, where = np.unique(spend["month"], return_index=True)
    covered = (spend["end"][where] - spend["start"][where]) / np.timedelta64(1, "D")
    month_days = ((months.astype("datetime64[M]") + 1).astype("datetime64[ns]") - months) / np.timedelta64(1, "D")
    out_spend = np.bincount(np.searchsorted(months, spend["month"]), weights=spend["amount"], minlength=len(months))

    def by_month(days: np.ndarray, amounts: np.ndarray) -> np.ndarray:
        inside = days < horizon
        dated = start_date + np.floor(days[inside]).astype("int64")
        index = np.searchsorted(months, dated.astype("datetime64[M]").astype("datetime64[ns]"))
        return np.bincount(index, weights=amounts[inside], minlength=len(months))

    billed = by_month(bills["sent"], bills["amount"])
    collected = by_month(bills["due"], np.where(bills["bad"], 0.0, bills["amount"]))
    bad_debt = by_month(bills["due"], np.where(bills["bad"], bills["amount"], 0.0))
    other = billing.other_burn_per_month * covered / month_days
    net = collected - out_spend - other
    return {
        "month": months,
        "billed": billed,
        "collected": collected,
        "bad_debt": bad_debt,
        "receivables": np.cumsum(billed - collected - bad_debt),
        "spend": out_spend,
        "other_burn": other,
        "net_cash_flow": net,
        "balance": billing.starting_balance + np.cumsum(net),
    }

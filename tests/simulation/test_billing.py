"""Billing, collections and cash (simulation.billing): an exact trace by hand, closed forms with tolerances from
the standard error, properties, and the engine's cash table (off: nothing changes)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation.billing import Billing, cash_columns, draws, invoices, periods
from simulation.distributions import Fixed, Uniform
from simulation.engine import simulate
from simulation.loader import load_scenario
from tests.conftest import ROOT

START = np.datetime64("2027-01-01", "D")
HORIZON = 365.0
# Two customers: A books $120K ARR on day 10; B books $48K on day 40 and churns at its 90-day check (day 130).
EVENTS = [
    (0, 1, 10.0, "new", 120_000.0, 120_000.0),
    (1, 1, 40.0, "new", 48_000.0, 48_000.0),
    (1, 1, 130.0, "churn_90d", -48_000.0, 0.0),
]


def year_of_spend(amount: float = 10_000.0) -> dict[str, np.ndarray]:
    """A spend table of 2027, one category, ``amount`` a month (whole months)."""
    months = np.arange("2027-01", "2028-01", dtype="datetime64[M]")
    return {
        "month": months.astype("datetime64[ns]"),
        "category": np.array(["marketing"] * 12, dtype=object),
        "amount": np.full(12, amount),
        "start": months.astype("datetime64[ns]"),
        "end": (months + 1).astype("datetime64[ns]"),
    }


def uniforms(billing: Billing, bad: tuple[int, int, int] | None = None) -> np.ndarray:
    """Uniforms for the two customers: every invoice paid (0.9 > any bad-debt probability) except ``bad``."""
    u = np.full((2, 1, periods(billing, HORIZON), 2), 0.9)
    if bad is not None:
        u[bad][1] = 0.0
    return u


def test_exact_trace_quarterly_net_30_one_bad_debt() -> None:
    """By hand: quarters of 91.25 days. A is invoiced $30K on days 10, 101.25, 192.5, 283.75 (Jan, Apr, Jul,
    Oct); B $12K on day 40 (Feb) only: at its next quarter (day 131.25) it has churned. Net 30: paid on days 40
    (Feb 10), 70 (Mar 12), 131.25 (May 12), 313.75 (Nov 10); A's third invoice (due day 222.5, Aug 11) is bad
    debt. Spend $10K and other burn $5K a month from $100K."""
    billing = Billing(terms="quarterly", collection_days=Fixed(value=30), bad_debt_probability=0.5,
                      starting_balance=100_000, other_burn_per_month=5_000)
    bills = invoices(billing, EVENTS, uniforms(billing, bad=(0, 0, 2)), HORIZON)
    assert bills["sent"].tolist() == [10.0, 101.25, 192.5, 283.75, 40.0]
    assert bills["amount"].tolist() == [30_000.0] * 4 + [12_000.0]
    assert bills["bad"].tolist() == [False, False, True, False, False]
    cash = cash_columns(billing, bills, year_of_spend(), START, HORIZON)
    k = 1_000.0
    assert (cash["billed"] / k).tolist() == [30, 12, 0, 30, 0, 0, 30, 0, 0, 30, 0, 0]
    assert (cash["collected"] / k).tolist() == [0, 30, 12, 0, 30, 0, 0, 0, 0, 0, 30, 0]
    assert (cash["bad_debt"] / k).tolist() == [0, 0, 0, 0, 0, 0, 0, 30, 0, 0, 0, 0]
    assert (cash["receivables"] / k).tolist() == [30, 12, 0, 30, 0, 0, 30, 0, 0, 30, 0, 0]
    assert (cash["balance"] / k).tolist() == [85, 100, 97, 82, 97, 82, 67, 52, 37, 22, 37, 22]
    assert cash["net_cash_flow"].sum() == 102_000 - 12 * 15_000
    # cash = billings - the collections lag: what was billed and not yet collected (nor written off) is owed.
    owed = np.cumsum(cash["billed"]) - np.cumsum(cash["collected"]) - np.cumsum(cash["bad_debt"])
    np.testing.assert_array_equal(cash["receivables"], owed)


def test_exact_trace_annual_upfront_and_in_arrears() -> None:
    """Annual upfront: A's year ($120K, January) and B's year ($48K, February, not refunded when B churns).
    In arrears: A is invoiced at its year's end (day 375, after the horizon), B never (it churned)."""
    upfront = Billing(terms="annual", collection_days=Fixed(value=30), starting_balance=0)
    bills = invoices(upfront, EVENTS, uniforms(upfront), HORIZON)
    assert list(zip(bills["sent"].tolist(), bills["amount"].tolist(), strict=True)) == [(10, 120_000), (40, 48_000)]
    arrears = Billing(terms="annual", in_arrears=True, starting_balance=0)
    assert len(invoices(arrears, EVENTS, uniforms(arrears), HORIZON)["sent"]) == 0
    monthly = Billing(terms="monthly", in_arrears=True, starting_balance=0)
    sent = invoices(monthly, EVENTS, uniforms(monthly), HORIZON)
    # A: 11 month-ends before day 365 (10 + 365/12 x k, k = 1..11), $10K each; B: months 1-3 start before its churn
    # on day 130 (40 + 90): two full months of $4K, then the 90 - 2 x 365/12 days of month 3 it was a customer.
    assert sorted(sent["deal"].tolist()) == [0] * 11 + [1] * 3
    np.testing.assert_allclose(sent["amount"][sent["deal"] == 0], 10_000.0, rtol=1e-12)
    np.testing.assert_allclose(sent["amount"][sent["deal"] == 1],
                               [4_000.0, 4_000.0, 48_000 * (90 - 2 * 365 / 12) / 365], rtol=1e-12)


def test_renewal_changes_the_next_invoice() -> None:
    """A renewal with expansion on day 365 after close is the second year's invoice (period starts hit it)."""
    events = [(0, 1, 0.0, "new", 100.0, 100.0), (0, 1, 365.0, "expansion", 20.0, 120.0)]
    for terms, count in (("annual", 1), ("quarterly", 4), ("monthly", 12)):
        billing = Billing(terms=terms, starting_balance=0)
        u = np.full((1, 1, periods(billing, 730.0), 2), 0.9)
        bills = invoices(billing, events, u, 730.0)
        first_year = bills["sent"] < 365.0
        assert bills["amount"][first_year].sum() == pytest.approx(100.0)
        assert bills["amount"][~first_year].sum() == pytest.approx(120.0)
        assert first_year.sum() == count


@settings(max_examples=40, deadline=None)
@given(
    arr=st.floats(1.0, 1e6),
    start=st.floats(0.0, 300.0),
    terms=st.sampled_from(["annual", "quarterly", "monthly"]),
    in_arrears=st.booleans(),
)
def test_every_terms_bill_the_year_once(arr: float, start: float, terms: str, in_arrears: bool) -> None:
    """Over a contract year, monthly, quarterly and annual billing invoice the same total, the ARR, upfront or
    in arrears (the year's last invoice in arrears is sent on its day 365: the horizon goes one day further)."""
    billing = Billing(terms=terms, in_arrears=in_arrears, starting_balance=0)  # type: ignore[arg-type]
    horizon = start + 365.0 + (1.0 if in_arrears else 0.0)
    u = np.full((1, 1, periods(billing, horizon), 2), 0.5)
    bills = invoices(billing, [(0, 1, start, "new", arr, arr)], u, horizon)
    assert bills["amount"].sum() == pytest.approx(arr, rel=1e-12)


def test_bad_debt_share_and_mean_delay_against_closed_form() -> None:
    """2,000 invoices: the written-off share is the probability, the mean delay the distribution's mean, both
    within 4 standard errors (fixed seed)."""
    n, p = 2_000, 0.1
    billing = Billing(bad_debt_probability=p, collection_days=Uniform(low=30, high=60), starting_balance=0)
    events = [(i, 1, 0.0, "new", 1_000.0, 1_000.0) for i in range(n)]
    u = draws(np.random.default_rng(7), n, 1, billing, HORIZON)
    bills = invoices(billing, events, u, HORIZON)
    assert len(bills["bad"]) == n
    assert abs(bills["bad"].mean() - p) < 4 * np.sqrt(p * (1 - p) / n)
    delay = bills["due"] - bills["sent"]
    assert abs(delay.mean() - 45.0) < 4 * (30 / np.sqrt(12)) / np.sqrt(n)


def test_engine_cash_table_and_off_is_identical() -> None:
    """The shipped baseline turns [billing] on: a cash table whose identities hold, and the four tables are the
    ones without billing (its draws come from its own stream only)."""
    scenario = load_scenario(ROOT / "scenarios" / "ai_startup.toml")
    assert scenario.billing is not None
    on, off = simulate(scenario, 3), simulate(scenario.model_copy(update={"billing": None}), 3)
    assert "cash" in on.extra and "cash" not in off.extra
    for name in ("deals", "revenue", "spend", "resources"):
        pd.testing.assert_frame_equal(getattr(on, name), getattr(off, name))
    cash = on.extra["cash"]
    spend = on.spend.groupby("month")["amount"].sum()
    np.testing.assert_allclose(cash["spend"].to_numpy(), spend.to_numpy())
    flow = cash["collected"] - cash["spend"] - cash["other_burn"]
    np.testing.assert_allclose(cash["net_cash_flow"], flow)
    np.testing.assert_allclose(cash["balance"], scenario.billing.starting_balance + flow.cumsum())
    assert (cash["receivables"] >= -1e-6).all()
    # The first whole month burns exactly the section's other burn (the run starts on 2027-01-04: January is 28/31).
    np.testing.assert_allclose(cash["other_burn"].iloc[1], scenario.billing.other_burn_per_month)
    np.testing.assert_allclose(cash["other_burn"].iloc[0], scenario.billing.other_burn_per_month * 28 / 31)
    # Annual upfront: every year a live model is invoiced once, at its close or renewal date, for its ARR then.
    booked = on.revenue[on.revenue["event"] == "new"]
    first_bills = booked[booked["date"] < on.start_date + pd.Timedelta(days=on.horizon_days)]["arr_after"].sum()
    renewed = on.revenue[on.revenue["event"].isin(["renewal", "expansion", "contraction"])]["arr_after"].sum()
    assert cash["billed"].sum() == pytest.approx(first_bills + renewed)


def test_usage_billed_monthly_in_arrears_is_the_run_rate_delivered() -> None:
    """ml_company: per-model usage pricing billed monthly in arrears. Recomputed from the revenue table alone, by
    a walk over the stretches between events (independent of the engine's cumulative integral): each model's month
    k is billed, on the day after it ends, the ARR in force on each of its days / 365, so nothing before go-live
    (the run-rate is 0 until then)."""
    scenario = load_scenario(ROOT / "scenarios" / "ml_company.toml")
    assert scenario.usage is not None and scenario.billing is not None and scenario.billing.in_arrears
    out = simulate(scenario, 4)
    revenue = out.revenue.assign(day=(out.revenue["date"] - out.start_date) / pd.Timedelta(days=1))
    month, horizon, expected = 365.0 / 12, float(out.horizon_days), 0.0
    for _, events in revenue.sort_values("date", kind="stable").groupby(["customer", "model"]):
        days, arr = events["day"].to_numpy(), events["arr_after"].to_numpy()
        start, k = days[0], 0
        while start + (k + 1) * month < horizon:
            lo, hi = start + k * month, start + (k + 1) * month
            edges = np.unique(np.clip(np.concatenate([[lo, hi], days]), lo, hi))
            for a, b in itertools.pairwise(edges):  # ARR in force on [a, b): the last event on or before a
                in_force = arr[days <= a][-1] if (days <= a).any() else 0.0
                expected += in_force * (b - a) / 365.0
            k += 1
    cash = out.extra["cash"]
    assert cash["billed"].sum() == pytest.approx(expected, rel=1e-9)
    assert expected > 0

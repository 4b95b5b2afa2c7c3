"""Hypothesis properties: bounds and identities every KPI must keep on any table."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.kpi import comp, cycle, nnarr, retention
from simulation.tables import DEALS, REVENUE, SPEND, coerce

START = pd.Timestamp("2027-01-01")
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

deal_rows = st.lists(
    st.tuples(
        st.floats(1_000, 500_000),  # acv
        st.integers(0, 364),  # close day
        st.sampled_from(["won", "lost", "open"]),
        st.sampled_from(["kept", "contracted", "churned", None]),
        st.floats(0, 1.5),  # acv_after / acv (above 1: upsell within 90 days)
        st.sampled_from(["direct", "partner"]),
    ),
    max_size=30,
)


def make_deals(rows: list[tuple]) -> pd.DataFrame:
    acv = [r[0] for r in rows]
    frame = pd.DataFrame(
        {
            "id": [f"D{i}" for i in range(len(rows))],
            "channel": [r[5] for r in rows],
            "outcome": [r[2] for r in rows],
            "acv": acv,
            "arrived": [START - pd.Timedelta(days=30)] * len(rows),
            "closed": [START + pd.Timedelta(days=r[1]) if r[2] != "open" else pd.NaT for r in rows],
            "retention_90d": [r[3] if r[2] == "won" else None for r in rows],
            "acv_after_90d": [
                (0.0 if r[3] == "churned" else r[0] * r[4]) if r[2] == "won" and r[3] else math.nan for r in rows
            ],
        }
    )
    return coerce(frame, DEALS)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(deal_rows)
def test_nnarr_bounds_and_partitions(rows):
    deals = make_deals(rows)
    whole = nnarr.nnarr(deals, "2027")
    assert 0 <= whole.nnarr <= whole.gross + 1e-6
    assert whole.churn >= 0 and whole.contraction >= 0
    # Sums in another order differ by rounding, which scales with the amounts summed, not with their net result
    # (a $500K win that churned nets to 0, or to 6e-11): a few ulps of the gross.
    same = pytest.approx(whole.nnarr, rel=1e-9, abs=1e-12 * max(1.0, whole.gross))
    by_month = nnarr.nnarr_by_period(deals, "M", start="2027-01-01", end="2027-12-31")
    assert by_month["nnarr"].sum() == same
    assert by_month["won"].sum() == whole.won
    for by in ("tier", "channel"):
        assert nnarr.nnarr_by(deals, "2027", by)["nnarr"].sum() == same
    assert nnarr.partner_nnarr(deals, "2027").nnarr <= whole.nnarr + 1e-6


units = st.lists(
    st.tuples(
        st.integers(0, 4),  # customer
        st.integers(0, 200),  # first day
        st.floats(1_000, 100_000),  # first ARR
        st.lists(st.tuples(st.integers(1, 200), st.floats(0, 3)), max_size=4),  # (days later, ARR multiplier)
    ),
    max_size=12,
)


def make_revenue(spec: list[tuple]) -> pd.DataFrame:
    rows = []
    for unit, (customer, day, arr, changes) in enumerate(spec):
        when, current = START + pd.Timedelta(days=day), arr
        rows.append(dict(customer=f"C{customer}", model=unit, date=when, event="new", arr_delta=arr, arr_after=arr))
        for later, multiplier in changes:
            when += pd.Timedelta(days=later)
            new = 0.0 if multiplier < 0.2 else current * multiplier
            event = "churn" if new == 0 else "expansion" if new > current else "contraction"
            rows.append(
                dict(
                    customer=f"C{customer}", model=unit, date=when, event=event, arr_delta=new - current, arr_after=new
                )
            )
            current = new
            if new == 0:
                break
    return coerce(pd.DataFrame(rows, columns=list(REVENUE)), REVENUE)


@SETTINGS
@given(units, st.integers(0, 400), st.integers(1, 400))
def test_grr_bounds(spec, offset, length):
    revenue = make_revenue(spec)
    period = (START + pd.Timedelta(days=offset), START + pd.Timedelta(days=offset + length))
    model = retention.retention(revenue, period, "model")
    account = retention.retention(revenue, period, "account")
    if model.units == 0:
        assert math.isnan(model.grr) and account.units == 0
        return
    assert 0 <= model.grr <= 1 + 1e-12
    assert model.grr <= account.grr + 1e-12  # upsell cut per model is at least the cut per account
    assert account.grr <= 1 + 1e-12
    assert model.nrr >= model.grr - 1e-12
    assert model.nrr <= account.nrr + 1e-12  # a new model of an existing account is cross-sell at account level
    assert model.start_arr == pytest.approx(account.start_arr)
    assert model.churn + model.contraction == pytest.approx(model.start_arr - model.retained_arr)


@SETTINGS
@given(
    st.lists(st.integers(1, 300), min_size=1, max_size=8),
    st.lists(st.integers(1, 300), min_size=1, max_size=8),
)
def test_sccr_sign_follows_the_cycle(previous, current):
    rows = []
    for quarter_end, cycles in ((pd.Timestamp("2027-03-15"), previous), (pd.Timestamp("2027-06-15"), current)):
        rows += [
            dict(outcome="won", acv=1.0, arrived=quarter_end - pd.Timedelta(days=c), closed=quarter_end) for c in cycles
        ]
    result = cycle.sccr(coerce(pd.DataFrame(rows), DEALS)).iloc[1]
    difference = np.mean(previous) - np.mean(current)
    assert np.sign(result) == np.sign(round(difference, 9))
    assert result == pytest.approx(difference / np.mean(previous))
    assert result < 1


@SETTINGS
@given(st.floats(0, 5), st.floats(0, 5))
def test_factor_monotone_and_bounded(a, b):
    low, high = sorted((a, b))
    assert comp.c2re_factor(low) >= comp.c2re_factor(high)
    assert comp.FACTOR_FLOOR <= comp.c2re_factor(a) <= comp.FACTOR_CAP
    assert comp.multiplicative_bonus(1e6, a) <= 0.05 * 1e6 * comp.FACTOR_CAP


@SETTINGS
@given(
    st.lists(st.floats(0, 100_000), min_size=1, max_size=6),
    st.lists(st.integers(1, 200), min_size=1, max_size=5),
)
def test_prorated_spend_adds_up_over_any_partition(amounts, cuts):
    months = pd.date_range("2027-01-01", periods=len(amounts), freq="MS")
    spend = coerce(pd.DataFrame({"month": months, "category": "marketing", "amount": amounts}), SPEND)
    edges = sorted({START + pd.Timedelta(days=c) for c in cuts} | {START, pd.Timestamp("2027-12-31")})
    parts = [nnarr.spend_in(spend, (a, b)) for a, b in itertools.pairwise(edges)]
    assert sum(parts) == pytest.approx(sum(amounts), rel=1e-9, abs=1e-6)

"""The classic SaaS set, and why it disagrees with NNARR."""

from __future__ import annotations

import math

import pytest

from analysis.kpi import classic, nnarr


@pytest.fixture
def deals(deals_table):
    return deals_table(
        [
            dict(outcome="won", acv=120_000.0, closed="2027-01-15", retention_90d="churned", acv_after_90d=0.0),
            dict(outcome="won", acv=60_000.0, closed="2027-02-15", retention_90d="kept", acv_after_90d=60_000.0),
        ]
    )


@pytest.fixture
def revenue(revenue_table):
    return revenue_table(
        [
            dict(customer="A", model=1, date="2027-01-15", event="new", arr_delta=120_000.0, arr_after=120_000.0),
            dict(customer="B", model=1, date="2027-02-15", event="new", arr_delta=60_000.0, arr_after=60_000.0),
            dict(customer="A", model=1, date="2027-04-15", event="churn_90d", arr_delta=-120_000.0, arr_after=0.0),
        ]
    )


def test_quota_attainment_counts_gross_bookings_unlike_nnarr(deals):
    assert classic.quota_attainment(deals, "2027Q1", quota=180_000) == 1.0
    assert nnarr.nnarr(deals, "2027Q1").nnarr == 60_000.0  # the churned deal still paid the quota
    assert math.isnan(classic.quota_attainment(deals, "2027Q1", quota=0))


def test_mrr(revenue):
    assert classic.mrr(revenue, "2027-03-01") == 15_000.0
    assert classic.mrr(revenue, "2027-05-01") == 5_000.0


def test_cac_ltv_payback():
    assert classic.cac(300_000, 4) == 75_000.0
    assert math.isnan(classic.cac(300_000, 0))
    assert classic.ltv(60_000, 0.2, gross_margin=0.8) == pytest.approx(60_000 * 0.8 * 5)
    assert classic.ltv(60_000, 0.5) == pytest.approx(120_000)
    assert math.isnan(classic.ltv(60_000, float("nan")))
    assert classic.cac_payback_months(75_000, 60_000, gross_margin=0.5) == pytest.approx(30.0)
    assert math.isnan(classic.cac_payback_months(75_000, 0.0))


def test_annual_churn_rate_compounds(revenue_table):
    # 2028Q1: A (120K) churns at its renewal, B (60K) stays: GRR 1/3 over 91 days
    revenue = revenue_table(
        [
            dict(customer="A", model=1, date="2027-01-15", event="new", arr_delta=120_000.0, arr_after=120_000.0),
            dict(customer="B", model=1, date="2027-02-15", event="new", arr_delta=60_000.0, arr_after=60_000.0),
            dict(customer="A", model=1, date="2028-01-15", event="churn", arr_delta=-120_000.0, arr_after=0.0),
        ]
    )
    churn = classic.annual_churn_rate(revenue, "2028Q1")
    assert churn == pytest.approx(1 - (1 / 3) ** (365.25 / 91))


def test_annual_churn_rate_leaves_the_90_day_churn_to_nnarr(revenue):
    # A churns at its 90-day check in 2027Q2: NNARR's loss; nobody was an existing customer on 1 April
    assert math.isnan(classic.annual_churn_rate(revenue, "2027Q2"))


def test_classic_kpis_summary(deals, revenue, spend_table):
    spend = spend_table([dict(month="2027-01-01", category="marketing", amount=90_000.0)])
    values = classic.classic_kpis(deals, "2027Q1", spend=spend, revenue=revenue, quota=200_000)
    assert values["cac"] == 45_000.0
    assert values["quota_attainment"] == pytest.approx(0.9)
    assert values["mrr"] == 15_000.0  # at the end of Q1, before the 90-day churn
    assert values["cac_payback_months"] == pytest.approx(45_000 / (90_000 / 12))
    assert math.isnan(values["ltv"])  # no customer at the start of Q1: no churn rate to use

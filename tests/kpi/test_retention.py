"""GRR, NRR and deployed model revenue on hand-made revenue events."""

from __future__ import annotations

import math

import pytest

from analysis.kpi import retention


@pytest.fixture
def revenue(revenue_table):
    e = []

    def add(customer, model, date, event, delta, after):
        e.append(dict(customer=customer, model=model, date=date, event=event, arr_delta=delta, arr_after=after))

    # A: two models of 50K; in 2028 model 1 churns (lost to a competitor) and model 2 expands to 100K.
    add("A", 1, "2027-01-10", "new", 50_000, 50_000)
    add("A", 2, "2027-01-10", "new", 50_000, 50_000)
    add("A", 1, "2028-01-10", "churn", -50_000, 0)
    add("A", 2, "2028-01-10", "expansion", 50_000, 100_000)
    # B: one model, contracted 40 % at its 90-day check (inside 2027), renewed flat in 2028
    add("B", 1, "2027-02-01", "new", 100_000, 100_000)
    add("B", 1, "2027-05-02", "contraction_90d", -40_000, 60_000)
    add("B", 1, "2028-02-01", "renewal", 0, 60_000)
    # C: won during 2028: not in the 2028 cohort
    add("C", 1, "2028-03-01", "new", 70_000, 70_000)
    # D: churns exactly at the start of 2028 (an event at the start instant belongs to the period)
    add("D", 1, "2027-06-01", "new", 30_000, 30_000)
    add("D", 1, "2028-01-01", "churn", -30_000, 0)
    return revenue_table(e)


def test_grr_model_vs_account_level(revenue):
    model = retention.retention(revenue, "2028", "model")
    # cohort at 2028-01-01: A1 50K, A2 50K, B1 60K, D1 30K = 190K; kept: A2 50K (of 50), B1 60K, A1 0, D1 0
    assert (model.units, model.start_arr, model.retained_arr) == (4, 190_000.0, 110_000.0)
    assert model.grr == pytest.approx(110 / 190)
    assert (model.churn, model.contraction, model.expansion, model.churned_units) == (80_000.0, 0.0, 50_000.0, 2)
    account = retention.retention(revenue, "2028", "account")
    # accounts: A 100K -> 100K (churn offset by expansion: the logo stays), B 60K, D 30K -> 0
    assert (account.units, account.start_arr, account.retained_arr) == (3, 190_000.0, 160_000.0)
    assert account.grr == pytest.approx(160 / 190)
    assert model.grr < account.grr  # article B: "a GRR hit even though the logo stays"
    assert model.nrr == account.nrr == pytest.approx(160 / 190)


def test_a_customer_joins_the_cohort_after_its_90_day_check(revenue):
    """Issue 11, defect 6: a 90-day churn or contraction is netted out of NNARR (article A), so GRR never counts it
    again. On 1 March 2027 neither A (won 10 January) nor B (1 February) is past its check: no cohort."""
    early = retention.retention(revenue, ("2027-03-01", "2027-12-31"), "model")
    assert early.units == 0 and math.isnan(early.grr)
    # From 1 June both are existing customers, B at the 60K its check left: nothing lost since, GRR 100 %.
    later = retention.retention(revenue, ("2027-06-01", "2027-12-31"), "model")
    assert (later.units, later.start_arr, later.contraction, later.grr) == (3, 160_000.0, 0.0, 1.0)


def test_a_90_day_churn_is_never_a_grr_loss(revenue_table):
    """Seed 5 of the shipped scenario showed a 2027Q2 GRR of 62.4 % ("product-market fit problem") that was one
    customer's 90-day churn, already out of Q1 NNARR."""
    revenue = revenue_table([
        dict(customer="E", model=1, date="2026-12-20", event="new", arr_delta=100_000, arr_after=100_000),
        dict(customer="F", model=1, date="2027-03-10", event="new", arr_delta=60_000, arr_after=60_000),
        dict(customer="F", model=1, date="2027-06-08", event="churn_90d", arr_delta=-60_000, arr_after=0),
        dict(customer="E", model=1, date="2027-12-20", event="churn", arr_delta=-100_000, arr_after=0),
    ])
    q2 = retention.retention(revenue, "2027Q2", "model")
    assert (q2.units, q2.grr) == (1, 1.0)  # E only; F's 90-day churn is NNARR's
    q4 = retention.retention(revenue, "2027Q4", "account")
    assert (q4.units, q4.start_arr, q4.grr) == (1, 100_000.0, 0.0)  # E's renewal churn is GRR's


def test_empty_cohort_is_nan(revenue):
    result = retention.retention(revenue, "2026", "model")
    assert result.units == 0 and math.isnan(result.grr) and math.isnan(result.nrr)
    assert math.isnan(retention.grr(revenue, None))


def test_partner_grr(revenue, deals_table):
    deals = deals_table([dict(id=c, channel=ch) for c, ch in (("A", "partner"), ("B", "direct"), ("D", "partner"))])
    partner = retention.partner_retention(revenue, deals, "2028")
    assert partner.start_arr == 130_000.0 and partner.retained_arr == 50_000.0
    assert retention.grr(revenue, "2028") == retention.retention(revenue, "2028").grr


def test_deployed_model_revenue_and_arr(revenue):
    assert retention.deployed_model_revenue(revenue, "2027-03-01") == 200_000.0
    assert retention.deployed_model_revenue(revenue, "2028-12-31") == 100_000.0 + 60_000.0 + 70_000.0
    assert retention.deployed_models(revenue, "2028-12-31") == 3
    assert retention.arr_at(revenue, "2027-01-10", "account").empty  # events strictly before the instant
    arr = retention.arr_by_period(revenue, "Y")
    assert arr.to_dict() == {arr.index[0]: 190_000.0, arr.index[1]: 230_000.0}


def test_same_day_events_are_ordered(revenue_table):
    # Listed out of order on the same date: the event order (new before churn) decides, not the row order.
    revenue = revenue_table(
        [
            dict(customer="X", model=1, date="2027-01-01", event="churn", arr_delta=-10.0, arr_after=0.0),
            dict(customer="X", model=1, date="2027-01-01", event="new", arr_delta=10.0, arr_after=10.0),
        ]
    )
    assert retention.deployed_model_revenue(revenue, "2027-01-02") == 0.0


def test_unknown_level(revenue):
    with pytest.raises(ValueError, match="level"):
        retention.retention(revenue, "2028", "logo")  # type: ignore[arg-type]

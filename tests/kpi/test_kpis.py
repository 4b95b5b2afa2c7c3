"""The one-period KPI summary and table that the command line, dashboard and forecasts share."""

from __future__ import annotations

import math

import pytest

from analysis.kpi import kpis
from simulation.scenario import Targets


@pytest.fixture
def spend(spend_table):
    return spend_table([dict(month=f"2027-{m:02d}-01", category="marketing", amount=30_000.0) for m in range(1, 7)])


@pytest.fixture
def revenue(revenue_table):
    return revenue_table(
        [
            dict(customer="won_alone", model=1, date="2027-03-01", event="new", arr_delta=100.0, arr_after=100.0),
            dict(customer="won_founder", model=1, date="2027-05-01", event="new", arr_delta=100.0, arr_after=100.0),
        ]
    )


def test_summary_values(funnel_deals, spend, revenue):
    values = kpis.kpi_summary(funnel_deals, "2027Q1", spend=spend, revenue=revenue, nnarr_target=400.0)
    assert list(values) == [m for m in kpis.METRICS if m in values]  # display order
    assert values["nnarr"] == 100.0 and values["deals_won"] == 1.0
    assert values["nnarr_pace"] == 0.25
    assert values["spend"] == 90_000.0 and values["c2re"] == 900.0
    assert values["qte_velocity_days"] == pytest.approx((45 + 22 + 69 + 30) / 4)
    assert values["evaluation_completion_rate"] == pytest.approx(4 / 6)
    assert values["deployed_model_revenue"] == 100.0  # at the end of Q1
    assert math.isnan(values["grr_model"])  # nobody was a customer on 1 January
    assert values["founder_involvement_reduction_rate"] == 1.0
    assert "quota_attainment" not in values  # no quota given: left out, not zero


def test_summary_without_optional_tables(funnel_deals):
    values = kpis.kpi_summary(funnel_deals, "2027Q2")
    for absent in ("spend", "c2re", "c2re_trailing_30d", "grr_model", "mrr", "cac", "nnarr_target"):
        assert absent not in values
    assert values["nnarr"] == 100.0
    assert values["sccr"] == pytest.approx((59 - 120) / 59)  # Q1 won cycle 59 days, Q2 120 days


def test_zero_nnarr_period(funnel_deals, spend):
    values = kpis.kpi_summary(funnel_deals, "2027-06", spend=spend)
    assert values["nnarr"] == 0.0 and values["spend"] == 30_000.0 and math.isnan(values["c2re"])


def test_target_from_scenario_targets(funnel_deals):
    values = kpis.kpi_summary(funnel_deals, ("2027-01-01", "2027-04-02"), targets=Targets(nnarr_6_months=365.25))
    assert values["nnarr_target"] == pytest.approx(182.0)  # 91 of the 182.625 days of 6 months


def test_table_and_health(funnel_deals, spend, revenue):
    table = kpis.kpi_table(funnel_deals, ["2027Q1", "2027Q2", None], spend=spend, revenue=revenue)
    assert list(table.columns) == ["2027Q1", "2027Q2", "all"]
    assert table.loc["nnarr"].tolist() == [100.0, 100.0, 200.0]
    summaries = {column: table[column].dropna().to_dict() for column in table.columns}
    health = kpis.health_table(summaries)
    assert set(health["period"]) == {"2027Q1", "2027Q2", "all"}
    assert health.loc[(health["period"] == "2027Q1") & (health["metric"] == "c2re"), "status"].item() == "red"
    assert kpis.health_table({}).empty


def test_data_end(funnel_deals, revenue):
    assert str(kpis.data_end(funnel_deals)) == "2027-05-02 00:00:00"
    assert kpis.data_end(funnel_deals.iloc[0:0]) is None


def test_a_scenario_may_leave_pov_compute_out_of_c2re(funnel_deals, spend_table):
    """Issue 11, defect 11: POV compute is a named category the scenario counts in C2RE's spend or not."""
    from simulation.scenario import Targets

    spend = spend_table([
        dict(month="2027-01-01", category="marketing", amount=60_000.0),
        dict(month="2027-01-01", category="pov_compute", amount=30_000.0),
    ])
    counted = kpis.kpi_summary(funnel_deals, "2027Q1", spend=spend, targets=Targets())
    left_out = kpis.kpi_summary(funnel_deals, "2027Q1", spend=spend, targets=Targets(c2re_counts_pov_compute=False))
    assert (counted["spend"], counted["c2re"]) == (90_000.0, 900.0)
    assert (left_out["spend"], left_out["c2re"]) == (60_000.0, 600.0)

"""The articles' worked examples, quoted literally (shared/seeds: article A = AI startup, article B = ML company)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.kpi import comp, cro_cost, cycle, health, nnarr


def test_sccr_90_to_81_days_is_10_percent(deals_table):
    """A: "If your average cycle was 90 days in Q1 and 81 days in Q2, your SCCR is 10%." """
    assert cycle.sccr_from_cycles(90, 81) == pytest.approx(0.10)
    deals = deals_table(
        [
            {"outcome": "won", "acv": 1e5, "arrived": "2026-12-01", "closed": "2027-03-01"},  # 90 days
            {"outcome": "won", "acv": 1e5, "arrived": "2027-03-12", "closed": "2027-06-01"},  # 81 days
        ]
    )
    result = cycle.sccr(deals)
    assert list(result.index) == [pd.Period("2027Q1", "Q"), pd.Period("2027Q2", "Q")]
    assert cycle.average_cycle(deals).tolist() == [90.0, 81.0]
    assert result[pd.Period("2027Q2", "Q")] == pytest.approx(0.10)


def test_c2re_of_one_means_one_dollar_per_dollar(deals_table, spend_table):
    """A: "A C2RE of 1.0 means you spent $1 to get $1 in new ARR." """
    assert nnarr.c2re_ratio(spend=1.0, nnarr=1.0).value == 1.0
    deals = deals_table(
        [
            {
                "outcome": "won",
                "acv": 120_000.0,
                "arrived": "2027-01-02",
                "closed": "2027-02-10",
                "retention_90d": "kept",
                "acv_after_90d": 120_000.0,
            }
        ]
    )
    spend = spend_table(
        [
            {"month": "2027-02-01", "category": "cro_retainer", "amount": 20_000.0},
            {"month": "2027-02-01", "category": "marketing", "amount": 100_000.0},
        ]
    )
    result = nnarr.c2re(deals, spend, "2027-02")
    assert (result.spend, result.nnarr, result.value, result.status) == (120_000.0, 120_000.0, 1.0, "ok")


def test_c2re_healthy_range_is_half_to_one_and_a_half():
    """A: "For AI startups in 2027, a healthy range is 0.5 to 1.5"."""
    assert [health.check_c2re(v).status for v in (0.5, 1.0, 1.5)] == ["green"] * 3
    assert health.check_c2re(1.51).status == "red"


def test_c2re_factor_quoted_points():
    """A: "multiply that by the C2RE factor (e.g., 1.2 if C2RE is 0.8, or 0.8 if C2RE is 1.2)"."""
    assert comp.c2re_factor(0.8) == 1.2
    assert comp.c2re_factor(1.2) == 0.8


def test_five_percent_of_nnarr_times_the_factor():
    """A: "if the CRO earns a bonus equal to 5% of NNARR, multiply that by the C2RE factor"."""
    assert comp.multiplicative_bonus(1_000_000, c2re=0.8) == pytest.approx(0.05 * 1_000_000 * 1.2)
    assert comp.multiplicative_bonus(1_000_000, c2re=1.2) == pytest.approx(0.05 * 1_000_000 * 0.8)
    assert comp.multiplicative_bonus(1_000_000, c2re=0.8) == 60_000.0


def test_scorecard_50_30_20():
    """B: "A simple formula: 50% Net New ARR, 30% GRR, 20% QTE velocity." """
    assert comp.SCORECARD_WEIGHTS == (0.5, 0.3, 0.2)
    nan = float("nan")
    only_nnarr = comp.scorecard_bonus(100_000, nnarr=1e6, nnarr_target=1e6, grr=nan, qte_days=nan)
    only_grr = comp.scorecard_bonus(100_000, nnarr=0, nnarr_target=1e6, grr=0.8, qte_days=nan)
    only_qte = comp.scorecard_bonus(100_000, nnarr=0, nnarr_target=1e6, grr=nan, qte_days=45)
    assert (only_nnarr.bonus, only_grr.bonus, only_qte.bonus) == pytest.approx((50_000, 30_000, 20_000))


def test_first_year_deal_bonus_five_to_ten_percent():
    """B: "The bonus is a percentage of Net New ARR closed during their engagement, typically 5–10% for the
    first year of a deal." """
    assert comp.FIRST_YEAR_DEAL_BONUS == (0.05, 0.10)
    assert comp.first_year_deal_bonus(1_000_000, 0.05) == pytest.approx(50_000)
    assert comp.first_year_deal_bonus(1_000_000, 0.10) == pytest.approx(100_000)


def test_thresholds_quoted():
    """B: GRR "above 80%" for mature models, "below 70%" a PMF problem, "below 60%" fix the product; QTE velocity
    "under 45 days"; completion rate "below 40%". A: POV-to-pipeline "below 40%"."""
    assert health.check_grr(0.80).status == "green"
    assert health.check_grr(0.79).status == "yellow"
    assert "product-market-fit" in health.check_grr(0.69).advice
    assert "fix the product" in health.check_grr(0.59).advice
    assert health.check_qte_velocity(44.9).status == "green"
    assert health.check_qte_velocity(45).status == "red"
    assert health.check_completion_rate(0.39).status == "red"
    assert health.check_completion_rate(0.40).status == "green"
    assert health.check_pov_to_pipeline(0.39).status == "red"


def test_cro_cost_ranges_quoted():
    """A: fractional "$5k–$25k/month + 0.5–2.0% equity", "Deployed in 2–4 weeks"; full-time "$30k–$60k/month
    salary + benefits + 1–3% equity", "8–12 weeks to hire and onboard". B: retainer by stage."""
    assert (cro_cost.FRACTIONAL_BAND.monthly_low, cro_cost.FRACTIONAL_BAND.monthly_high) == (5_000, 25_000)
    assert (cro_cost.FRACTIONAL_BAND.equity_low, cro_cost.FRACTIONAL_BAND.equity_high) == (0.5, 2.0)
    assert (cro_cost.FULL_TIME_BAND.monthly_low, cro_cost.FULL_TIME_BAND.monthly_high) == (30_000, 60_000)
    assert (cro_cost.FULL_TIME_BAND.equity_low, cro_cost.FULL_TIME_BAND.equity_high) == (1.0, 3.0)
    assert 2 <= cro_cost.FRACTIONAL.weeks_to_impact <= 4
    assert 8 <= cro_cost.FULL_TIME.weeks_to_impact <= 12
    stages = cro_cost.RETAINER_BY_STAGE
    assert (stages["pre_revenue"].monthly_low, stages["pre_revenue"].monthly_high) == (8_000, 12_000)
    assert (stages["series_a"].monthly_low, stages["series_a"].monthly_high) == (12_000, 18_000)
    assert (stages["series_b"].monthly_low, stages["series_b"].monthly_high) == (18_000, 25_000)

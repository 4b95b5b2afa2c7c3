"""Compensation plans and CRO cost."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis.kpi import comp, cro_cost
from simulation.engine import simulate
from simulation.scenario import Comp, Cro, Targets
from tests.conftest import variant


def test_factor_is_linear_between_and_clipped_outside():
    assert comp.c2re_factor(1.0) == pytest.approx(1.0)
    assert comp.c2re_factor(0.9) == pytest.approx(1.1)
    assert comp.c2re_factor(0.5) == pytest.approx(1.5)  # cap
    assert comp.c2re_factor(0.1) == 1.5
    assert comp.c2re_factor(2.0) == pytest.approx(0.0)  # floor
    assert comp.c2re_factor(5.0) == 0.0
    assert comp.c2re_factor(math.nan) == 0.0  # undefined C2RE (no NNARR): the floor
    assert comp.c2re_factor(3.0, floor=0.5) == 0.5


def test_factor_vectorised():
    values = np.array([0.8, 1.0, 1.2, math.nan])
    assert comp.c2re_factor(values) == pytest.approx([1.2, 1.0, 0.8, 0.0])


def test_factor_bad_parameters():
    with pytest.raises(comp.CompError):
        comp.c2re_factor(1.0, c2re_good=1.2, c2re_poor=0.8)
    with pytest.raises(comp.CompError):
        comp.c2re_factor(1.0, floor=2.0, cap=1.0)
    with pytest.raises(comp.CompError):
        comp.multiplicative_bonus(1.0, 1.0, rate=1.5)


def test_zero_or_negative_nnarr_earns_nothing():
    assert comp.multiplicative_bonus(0.0, math.nan) == 0.0
    assert comp.multiplicative_bonus(-10_000.0, 0.8) == 0.0


def test_additive_vs_multiplicative():
    table = comp.compare_plans([1e6, 2e6, 5e5], [1.0, 2.5, 0.5], nnarr_target=1e6)
    assert table["multiplicative"].tolist() == pytest.approx([50_000, 0, 37_500])
    assert table["additive"].tolist() == pytest.approx([50_000, 50_000, 50_000])
    assert table["difference"].tolist() == pytest.approx([0, -50_000, -12_500])
    assert table["additive"].iloc[1] == comp.additive_bonus(2e6, 2.5, 1e6)
    grid = comp.compare_plans(np.array([[1e6], [2e6]]), np.array([0.8, 1.2]), nnarr_target=1e6)
    assert len(grid) == 4
    with pytest.raises(comp.CompError):
        comp.additive_bonus(1.0, 1.0, nnarr_target=0.0)


def test_attainment():
    assert comp.attainment(90, 100) == pytest.approx(0.9)
    assert comp.attainment(300, 100) == 1.5  # capped
    assert comp.attainment(30, 45, lower_is_better=True) == 1.5
    assert comp.attainment(90, 45, lower_is_better=True) == pytest.approx(0.5)
    assert comp.attainment(0, 45, lower_is_better=True) == 1.5
    assert comp.attainment(math.nan, 45) == 0.0
    assert comp.attainment(-5, 45) == 0.0


def test_scorecard_mixed():
    card = comp.scorecard_bonus(60_000, nnarr=400_000, nnarr_target=500_000, grr=0.72, qte_days=60)
    expected = 0.5 * 0.8 + 0.3 * (0.72 / 0.8) + 0.2 * (45 / 60)
    assert card.score == pytest.approx(expected)
    assert card.bonus == pytest.approx(60_000 * expected)
    with pytest.raises(comp.CompError):
        comp.scorecard_bonus(1.0, nnarr=1, nnarr_target=1, grr=1, qte_days=1, weights=(0.5, 0.5, 0.5))


def test_bonus_for_scenario_sections():
    multiplicative = comp.bonus_for(Comp(), nnarr=1e6, c2re=0.8)
    assert (multiplicative.plan, multiplicative.plan_bonus, multiplicative.total) == (
        "multiplicative",
        60_000.0,
        60_000.0,
    )
    floor = Comp(factor_floor=0.5)
    assert comp.bonus_for(floor, nnarr=1e6, c2re=3.0).plan_bonus == pytest.approx(25_000)
    card = Comp(plan="scorecard", target_bonus=60_000, first_year_deal_bonus_rate=0.05)
    pay = comp.bonus_for(card, nnarr=500_000, c2re=1.0, grr=0.8, qte_days=45, targets=Targets(nnarr_6_months=500_000))
    assert (pay.plan_bonus, pay.deal_bonus, pay.total) == pytest.approx((60_000, 25_000, 85_000))
    additive = comp.bonus_for(Comp(plan="additive"), nnarr=1e6, c2re=1.0, nnarr_target=1e6)
    assert additive.plan_bonus == pytest.approx(50_000)


def test_engagement_costs():
    """Over 12 months from the decision to hire, each option is paid from its first day (one rule with the ledger):
    the fractional CRO (article A: "Deployed in 2-4 weeks", 3) for 12 - 0.69 months, the full-time (8-12 weeks, 10)
    for 12 - 2.30."""
    fractional = cro_cost.engagement_cost(cro_cost.FRACTIONAL, months=12, valuation=10_000_000)
    full_time = cro_cost.engagement_cost(cro_cost.FULL_TIME, months=12, valuation=10_000_000)
    fractional_months = 12 - 3 * 7 / (365.25 / 12)
    full_time_months = 12 - 10 * 7 / (365.25 / 12)
    assert fractional.months_of_impact == pytest.approx(fractional_months)
    assert full_time.months_of_impact == pytest.approx(full_time_months)
    assert (fractional.fees, fractional.equity) == (pytest.approx(15_000 * fractional_months), 125_000.0)
    assert (full_time.fees, full_time.equity) == (pytest.approx(45_000 * full_time_months), 200_000.0)
    table = cro_cost.compare_cro_options(12, 10_000_000)
    assert list(table.index) == ["fractional", "full_time"]
    assert table.loc["full_time", "total"] == pytest.approx(45_000 * full_time_months + 200_000)
    assert table["cost_per_month_of_impact"].is_monotonic_increasing
    benefits = cro_cost.CroOption("full_time", 40_000, 1.0, 0, benefits_rate=0.25)
    assert cro_cost.engagement_cost(benefits, 6).fees == pytest.approx(300_000)
    with pytest.raises(comp.CompError):
        cro_cost.engagement_cost(cro_cost.FRACTIONAL, 0)


def test_the_cro_fee_starts_on_the_same_day_in_the_ledger_and_the_cost_calculator(tiny):
    """Issue 11, defect 11: the ledger charged the fee from the CRO's start (day 21), the calculator from the
    decision to hire. Both now pay 12 months of fee from day 21, and nothing before it."""
    cro = {"kind": "fractional", "retainer_per_month": 15_000, "start_delay_days": 21, "engagement_months": 12}
    scenario = variant(tiny, cro=cro, scenario={"horizon_days": 500})
    spend = simulate(scenario, 1).spend
    fees = spend[spend["category"] == "cro_retainer"]
    cost = cro_cost.cost_for(Cro(**cro))
    # The ledger pays each calendar day 1/(days in its month) of the fee, for 12 x 30.44 days: within a day's fee.
    assert abs(fees["amount"].sum() - cost.fees) < 15_000 / 28
    assert fees["amount"].iloc[0] == pytest.approx(15_000 * 7 / 31)  # January: paid from the 25th (day 21) only
    assert cost.fees == pytest.approx(180_000)


def test_cost_by_stage():
    table = cro_cost.cost_by_stage(12, {"pre_revenue": 5e6, "series_a": 2e7, "series_b": 8e7})
    assert table.loc["pre_revenue", "retainer_mid"] == 120_000.0
    assert table.loc["pre_revenue", "equity_low"] == pytest.approx(25_000.0)  # 0.5 % of $5M
    assert table.loc["series_b", "equity_high"] == 0.0
    assert table.loc["series_b", "total_high"] == 300_000.0


def test_cost_for_scenario_cro():
    cro = Cro(
        kind="fractional", retainer_per_month=15_000, equity_percent=1.0, start_delay_days=21, engagement_months=12
    )
    cost = cro_cost.cost_for(cro, valuation=10_000_000)
    assert (cost.fees, cost.equity, cost.weeks_to_impact) == (180_000.0, 100_000.0, 3.0)
    assert cro_cost.cost_for(Cro(kind="none")).total == 0.0

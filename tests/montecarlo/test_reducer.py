"""The forecast's KPI row: each window's figures come from that window's data only."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.kpi import cash, comp, evaluation, nnarr, retention
from analysis.montecarlo import fast_reducer, reducer
from analysis.montecarlo.reducer import kpi_row, runway_month, window
from simulation.engine import run, simulate
from simulation.loader import load_scenario
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def scorecard_run():
    scenario = load_scenario(ROOT / "scenarios" / "ml_company.toml")  # article B's scorecard plan
    return scenario, simulate(scenario, 5)


def test_the_scorecard_bonus_uses_its_own_windows_grr_and_qte(scorecard_run):
    """Issue 11, defect 4: bonus_6m and bonus_12m took GRR over the last 12 months of the horizon and QTE velocity
    over all 18 (ml_company, seed 5: 45,325 where the window's own data gives less)."""
    scenario, outcome = scorecard_run
    row = kpi_row(scenario, outcome)
    for months, target in ((6, scenario.targets.nnarr_6_months), (12, scenario.targets.nnarr_12_months)):
        period = window(outcome.start_date, months)
        booked = nnarr.nnarr(outcome.deals, period)
        ratio = nnarr.c2re_ratio(nnarr.spend_in(outcome.spend, period), booked.nnarr)
        grr = retention.grr(outcome.revenue, period, level="model")
        qte = evaluation.qte_velocity(outcome.deals, period).mean_days
        expected = comp.bonus_for(scenario.comp, nnarr=booked.nnarr, c2re=ratio.value, grr=grr, qte_days=qte,
                                  targets=scenario.targets, nnarr_target=target)
        assert row[f"bonus_{months}m"] == pytest.approx(expected.total)
        # No customer is past its 90-day check when the run starts, so the window has no GRR to pay on.
        assert math.isnan(grr)
        whole_run = comp.bonus_for(scenario.comp, nnarr=booked.nnarr, c2re=ratio.value, grr=row["grr"],
                                   qte_days=row["qte_velocity_days"], targets=scenario.targets, nnarr_target=target)
        assert whole_run.total > expected.total  # what the defect paid: data from after the window


def test_cash_kpis_only_with_billing_and_from_the_runway_function():
    """[billing] on: runway_12m is the KPI function's runway at the end of December 2027 (the run's 12th calendar
    month: it starts on 4 January 2027), capped; off: the row has no cash keys (the forecast unchanged)."""
    scenario = load_scenario(ROOT / "scenarios" / "ai_startup.toml")
    for seed in range(4):
        record = run(scenario, seed)
        outcome = record.outcome()
        row = reducer.reduce_outcome(scenario, outcome).kpis
        table = outcome.extra["cash"]
        expected = float(cash.runway(table).loc["2027-12-01"])
        assert row["runway_12m"] == min(expected, reducer.RUNWAY_CAP_MONTHS)
        assert row["runway_below_6m_12m"] == float(expected < 6)
        assert row["balance_min"] == table["balance"].min()
        fast = fast_reducer.reduce_record(scenario, record).kpis
        assert {k: fast[k] for k in reducer.cash_kpis(outcome)} == {k: row[k] for k in reducer.cash_kpis(outcome)}
    off = scenario.model_copy(update={"billing": None})
    keys = set(reducer.reduce_outcome(off, simulate(off, 0)).kpis)
    assert not keys & {"runway_12m", "runway_below_6m_12m", "balance_min"}
    assert set(fast_reducer.reduce_record(off, run(off, 0)).kpis) == keys


def test_runway_month_needs_the_month_to_end_in_the_horizon():
    start = pd.Timestamp("2027-01-04")
    assert runway_month(start, 546) == pd.Timestamp("2027-12-01")
    assert runway_month(start, 362) == pd.Timestamp("2027-12-01")  # the horizon ends on 1 January 2028
    assert runway_month(start, 361) is None
    assert runway_month(pd.Timestamp("2027-01-01"), 365) == pd.Timestamp("2027-12-01")

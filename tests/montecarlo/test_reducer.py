"""The forecast's KPI row: each window's figures come from that window's data only."""

from __future__ import annotations

import math

import pytest

from analysis.kpi import comp, evaluation, nnarr, retention
from analysis.montecarlo.reducer import kpi_row, window
from simulation.engine import simulate
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

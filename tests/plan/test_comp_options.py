"""The CRO's comp section: three plans paid on one set of replications, each as analysis.kpi.comp pays it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.kpi import comp
from analysis.montecarlo.fast_reducer import reduce_record
from analysis.plan.comp_options import PLANS, comp_inputs, comp_options, score
from simulation.replications import REPLICATION, run_replications
from simulation.scenario import Scenario
from tests.conftest import FIXTURES, variant


def _inputs(**values: float) -> pd.DataFrame:
    row = {REPLICATION: 0, **{f"{k}_{m}m": v for m in (6, 12) for k, v in values.items()}}
    return pd.DataFrame([row])


def test_each_plan_pays_the_hand_computed_bonus(ai_startup: Scenario) -> None:
    # ai_startup: 5 % bonus rate, factor 1.2 at C2RE 0.8 and 0.8 at 1.2 (so 1.0 at C2RE 1.0), 6-month target
    # $450K, GRR target 80 %, QTE target 75 days, no scorecard target bonus (so 5 % x $450K = $22,500).
    paid = score(_inputs(nnarr=600_000.0, c2re=1.0, grr=0.72, qte_days=75.0), ai_startup)
    six = paid[paid["window_months"] == 6].set_index("plan")["bonus"]
    assert six["multiplicative"] == pytest.approx(0.05 * 600_000 * 1.0)  # $30,000
    assert six["multiplicative"] == pytest.approx(comp.multiplicative_bonus(
        600_000, 1.0, 0.05, **comp.factor_params(ai_startup.comp)))
    # additive: 22,500 x (0.5 x 600/450 + 0.5 x 1.0) = 26,250
    assert six["additive"] == pytest.approx(26_250.0)
    # scorecard: 22,500 x (0.5 x 600/450 + 0.3 x 0.72/0.80 + 0.2 x 75/75) = 22,500 x 1.136667 = 25,575
    assert six["scorecard"] == pytest.approx(25_575.0)


def test_a_poor_c2re_costs_the_multiplicative_plan_more_than_the_additive(ai_startup: Scenario) -> None:
    # C2RE 2.0: factor 2 - 2.0 = 0, clipped to ai_startup's floor 0.5
    paid = score(_inputs(nnarr=900_000.0, c2re=2.0, grr=0.8, qte_days=75.0), ai_startup)
    six = paid[paid["window_months"] == 6].set_index("plan")["bonus"]
    assert six["multiplicative"] == pytest.approx(0.05 * 900_000 * 0.5)  # 22,500
    assert six["additive"] == pytest.approx(22_500 * (0.5 * 2.0 + 0.5 * 0.5))  # 28,125: volume buys it back


def test_the_three_plans_are_scored_on_the_same_replications(ai_startup: Scenario) -> None:
    """The multiplicative column equals the Monte Carlo reducer's bonus_6m replication by replication, and a
    scenario paying by the scorecard gets the scorecard column: one run, three plans, paired."""
    runs = run_replications(ai_startup, 11, 6, comp_inputs).kpis
    paid = score(runs, ai_startup)
    assert set(paid.groupby(["window_months", "plan"])[REPLICATION].apply(tuple)) == {tuple(range(6))}
    reference = run_replications(ai_startup, 11, 6, reduce_record).kpis
    mult = paid[(paid["plan"] == "multiplicative") & (paid["window_months"] == 6)]["bonus"].to_numpy()
    np.testing.assert_allclose(mult, reference["bonus_6m"].to_numpy(), rtol=1e-12)
    card = variant(ai_startup, comp={"plan": "scorecard", "target_bonus": 0.05 * 450_000})
    by_card = run_replications(card, 11, 6, reduce_record).kpis
    six_card = paid[(paid["plan"] == "scorecard") & (paid["window_months"] == 6)]["bonus"].to_numpy()
    np.testing.assert_allclose(six_card, by_card["bonus_6m"].to_numpy(), rtol=1e-12)


def test_the_section_reports_every_plan_with_its_range_and_replications(ai_startup: Scenario) -> None:
    section = comp_options(ai_startup, seed=3, reps=8)
    assert section.key == "comp" and not section.warning and section.figure is not None
    table = section.table
    assert table is not None and list(table["plan"]) == [*PLANS, *PLANS]
    assert (table["reps"] == 8).all()
    assert (table["p10"] <= table["p50"]).all() and (table["p50"] <= table["p90"]).all()
    assert (table["ci_low"] <= table["mean"]).all() and (table["mean"] <= table["ci_high"]).all()
    assert "8 replications" in section.headline and "P10" in section.headline
    assert any("scorecard target bonus" in c for c in section.caveats)
    assert any(line.startswith("Multiplicative (article A)") for line in section.lines)


def test_a_horizon_shorter_than_a_year_says_there_is_no_12_month_bonus() -> None:
    from simulation.loader import load_scenario

    short = load_scenario(FIXTURES / "forecast_short.toml")  # 200 days
    section = comp_options(short, seed=1, reps=4)
    assert section.table is not None
    assert (section.table.loc[section.table["window_months"] == 12, "reps"] == 0).all()
    assert any("before month 12" in c for c in section.caveats)


def test_targets_far_below_the_company_are_a_caveat(ai_startup: Scenario) -> None:
    small = variant(ai_startup, targets={"nnarr_6_months": 10_000.0, "nnarr_12_months": 20_000.0})
    section = comp_options(small, seed=3, reps=4)
    assert any("times the scenario's target ($10K)" in c for c in section.caveats)
    assert not any("times the scenario's target" in c for c in comp_options(ai_startup, seed=3, reps=4).caveats)

"""Section 4: the goal is the (1 - p) quantile of the plan's 6-month NNARR, with an order-statistic interval whose
coverage is checked against the closed form (uniform samples: the true q-quantile is q); the plan's fixes start
when the CRO does."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.plan.runs import Runs
from analysis.plan.target import plan_scenario, quantile_interval, target
from simulation.loader import load_scenario
from tests.conftest import BASE, FIXES, FIXTURES

SANDBOX = next(p for p in FIXES if p.stem == "self_serve_sandbox")


def test_the_interval_covers_the_true_quantile_as_often_as_it_says() -> None:
    rng = np.random.default_rng(20261202)
    trials, n, q = 2000, 200, 0.3
    hits = 0
    for _ in range(trials):
        low, _, high = quantile_interval(rng.uniform(size=n), q)
        hits += low <= q <= high
    coverage = hits / trials
    se = math.sqrt(0.95 * 0.05 / trials)
    assert coverage >= 0.95 - 3 * se  # order statistics are conservative: at least the nominal 95 %
    assert coverage <= 0.99  # but not a useless interval


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=60), st.floats(0.05, 0.95))
def test_the_interval_holds_the_estimate_and_comes_from_the_data(values: list[float], q: float) -> None:
    x = np.array(values)
    low, mid, high = quantile_interval(x, q)
    assert low <= mid <= high
    assert low in x and high in x


def test_a_cros_playbook_starts_when_the_cro_does() -> None:
    base = load_scenario(BASE)  # fractional CRO from day 21
    plan = plan_scenario(base, [SANDBOX])
    assert [f.start_day for f in plan.fixes] == [90 + base.cro.start_delay_days]
    no_cro = load_scenario(FIXTURES / "engineer_bound.toml")
    assert no_cro.cro.kind == "none"
    assert [f.start_day for f in plan_scenario(no_cro, [SANDBOX]).fixes] == [90]


def test_the_goal_is_the_plans_quantile_and_the_chart_is_drawn() -> None:
    scenario = load_scenario(FIXTURES / "engineer_bound.toml")
    runs = Runs(seed=5, reps=12)
    section = target(scenario, [SANDBOX], runs, probability=0.7)
    values = runs.done["plan"].kpis["nnarr_6m"].to_numpy(dtype=float)
    assert section.table is not None
    assert section.table["goal_nnarr_6m"].iloc[0] == pytest.approx(np.quantile(values, 0.3))
    assert section.table["n"].iloc[0] == 12
    assert "12 replications" in section.headline and "probability 70%" in section.headline
    assert section.figure is not None


def test_a_probability_outside_zero_and_one_is_refused() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        target(load_scenario(FIXTURES / "engineer_bound.toml"), [], Runs(seed=0, reps=2), probability=1.0)

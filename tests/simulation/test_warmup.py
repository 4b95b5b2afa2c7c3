"""The warm start: a run opens on the pipeline its inflow holds, and a stationary scenario shows no trend.

The exact checks use the deterministic fixture (one prospect every 14 days, a 69-day cycle, one engineer); the
statistical ones the shipped baseline, with a tolerance from the standard error across replications.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis.kpi import cycle
from simulation import simulate
from simulation.arrivals import cumulative_intensity
from simulation.randomness import replication_seeds, streams
from simulation.scenario import Scenario
from simulation.warmup import longest_path_days, warmup_days, warmup_prospects
from tests.conftest import variant

Z = 4.0
QUARTERS = [pd.Period(q) for q in ("2027Q1", "2027Q2", "2027Q3", "2027Q4", "2028Q1", "2028Q2")]


def test_deals_open_on_the_start_date_come_with_their_real_dates(tiny: Scenario) -> None:
    warm = variant(tiny, scenario={"warmup_days": 140})
    out = simulate(warm, seed=1)
    d, start = out.deals, out.start_date
    assert out.warmup_days == 140
    before = d[d["arrived"] < start]
    assert len(before) > 0 and before["id"].str.startswith("P").all()
    assert before["arrived"].min() >= start - pd.Timedelta(days=140)
    # Nothing that closed before the start date is in the tables; what was open on it is, with its entry dates.
    assert (d["closed"].dropna() >= start).all()
    assert before["pov_requested"].notna().any() and (before["pov_requested"].dropna() < start).any()
    assert out.revenue["date"].min() >= start
    assert out.spend["month"].min() == pd.Timestamp("2027-01-01")
    # The resources table opens on the start date with the state the warm-up left (one engineer, busy).
    first = out.resources.groupby("resource").first()
    assert (first["time"] == start).all()
    assert first.loc["solution_engineers", "busy"] == 1


def test_the_prospects_after_the_start_date_do_not_depend_on_the_warm_up(tiny: Scenario) -> None:
    cold = simulate(tiny, seed=4).deals
    warm = simulate(variant(tiny, scenario={"warmup_days": 300}), seed=4).deals
    new = ["id", "arrived", "tier", "channel", "acv"]
    pd.testing.assert_frame_equal(
        cold[cold["id"].str.startswith("D")][new].reset_index(drop=True),
        warm[warm["id"].str.startswith("D")][new].reset_index(drop=True),
    )


def test_a_shorter_warm_up_sees_the_last_prospects_of_a_longer_one(ai_startup: Scenario) -> None:
    """Arrivals are drawn backwards from the start date, so scenarios whose warm-ups differ in length (a sensitivity
    swing of the POV length, say) open on the same recent prospects: common random numbers reach the pipeline."""
    seed = np.random.SeedSequence(6)
    short = warmup_prospects(variant(ai_startup, scenario={"warmup_days": 200}), streams(seed).warmup)
    long = warmup_prospects(variant(ai_startup, scenario={"warmup_days": 500}), streams(seed).warmup)
    recent = long.prospects.arrived >= -200
    assert recent.sum() == len(short.prospects.arrived) > 10 and (~recent).sum() > 10
    for a, b in zip(short.prospects, long.prospects, strict=True):
        assert np.array_equal(a, b[recent])
    assert np.array_equal(short.uniforms, long.uniforms[recent])
    assert np.all(np.diff(long.prospects.arrived) > 0) and long.prospects.arrived.min() >= -500


@pytest.mark.parametrize("growth", [0.0, 1.0])
def test_warm_up_arrivals_are_a_poisson_process_of_the_scenarios_rate(ai_startup: Scenario, growth: float) -> None:
    scenario = variant(ai_startup, scenario={"warmup_days": 364}, arrivals={"growth_per_year": growth})
    counts = {(-364, -182): [], (-182, 0): []}  # type: dict[tuple[int, int], list[int]]
    for child in replication_seeds(11, 200):
        arrived = warmup_prospects(scenario, streams(child).warmup).prospects.arrived
        for lo, hi in counts:
            counts[lo, hi].append(int(((arrived >= lo) & (arrived < hi)).sum()))
    rate = ai_startup.arrivals.rate_per_week / 7
    for (lo, hi), seen in counts.items():
        expected = rate * (cumulative_intensity(1.0, growth, hi) - cumulative_intensity(1.0, growth, lo))
        se = math.sqrt(expected / len(seen))  # Poisson: variance = mean
        assert abs(np.mean(seen) - expected) <= Z * se, (lo, hi, np.mean(seen), expected)


def test_a_given_pipeline_replaces_the_warm_up(ai_startup: Scenario) -> None:
    given = variant(ai_startup, pipeline={"open": ({"stage": "pov", "count": 3, "age_days": 50,
                                                     "days_in_stage": 20},)})
    assert warmup_days(given) == 0
    out = simulate(given, seed=2)
    assert out.warmup_days == 0
    assert (out.deals["arrived"] < out.start_date).sum() == 3


def test_auto_length_is_one_and_a_half_longest_paths_in_whole_weeks(ai_startup: Scenario) -> None:
    days = warmup_days(ai_startup)
    assert days % 7 == 0 and 1.5 * longest_path_days(ai_startup) <= days < 1.5 * longest_path_days(ai_startup) + 7
    assert warmup_days(variant(ai_startup, scenario={"warmup_days": 30})) == 30


def _mean_se(values: np.ndarray) -> tuple[float, float]:
    """Mean and its standard error over the replications where the value is defined."""
    known = values[~np.isnan(values)]
    assert len(known) >= 0.9 * len(values)  # a quarter without a closed deal is rare
    return float(known.mean()), float(known.std(ddof=1) / math.sqrt(len(known)))


def _quarterly_cycles(scenario: Scenario, reps: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Per replication (rows) and quarter (columns): mean cycle of the deals closed, and SCCR."""
    cycles, sccrs = [], []
    for child in replication_seeds(seed, reps):
        deals = simulate(scenario, child).deals
        cycles.append([cycle.period_cycle(deals, q) for q in QUARTERS])
        sccrs.append([cycle.period_sccr(deals, q) for q in QUARTERS[1:]])
    return np.array(cycles), np.array(sccrs)


@pytest.mark.parametrize("engineers", [4, 3])
def test_a_stationary_scenario_shows_no_cycle_trend(ai_startup: Scenario, engineers: int) -> None:
    """Quarter after quarter, the same mean cycle (the first quarter included), hence no SCCR trend.

    Two checks per quarter, with replications as independent samples:
    * the paired change of the mean cycle from the quarter before is zero within Z standard errors;
    * the mean SCCR is zero up to the ratio effect every mean of ratios has: E[1 - C2/C1] ~ -CV(C1)^2 when C1
      and C2 are independent with the same mean (about -1 % here), within Z standard errors. Without the warm
      start, the cycle grew by 3-5 % a quarter while the pipeline filled.
    """
    scenario = variant(ai_startup, pov={"solution_engineers": engineers})
    cycles, sccrs = _quarterly_cycles(scenario, reps=120, seed=2027)
    for k in range(1, len(QUARTERS)):
        change, se = _mean_se(cycles[:, k] - cycles[:, k - 1])
        assert abs(change) <= Z * se, (QUARTERS[k], change, se)
        before = cycles[:, k - 1][~np.isnan(cycles[:, k - 1])]
        ratio_effect = -before.var(ddof=1) / before.mean() ** 2
        sccr, se = _mean_se(sccrs[:, k - 1])
        assert abs(sccr - ratio_effect) <= Z * se, (QUARTERS[k], sccr, ratio_effect, se)


def test_without_the_warm_up_the_cycle_grows_while_the_pipeline_fills(ai_startup: Scenario) -> None:
    """The artefact the warm start removes, so the test above can fail: starting empty, early quarters close
    only short cycles."""
    cold = variant(ai_startup, pov={"solution_engineers": 4}, scenario={"warmup_days": 0})
    cycles, _ = _quarterly_cycles(cold, reps=60, seed=2027)
    change, se = _mean_se(cycles[:, 3] - cycles[:, 1])  # 2027Q2 -> 2027Q4
    assert change > Z * se

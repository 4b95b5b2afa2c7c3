"""The lab's numbers: the baseline is a plain forecast, the variant shares its prospects, the extras agree with the
tables and with the forecast's own KPIs."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from analysis.lab.model import Lab, daily_queue, funnel_counts, quarterly_cycles, simulate
from analysis.lab.settings import lab_baseline
from analysis.montecarlo.fast_reducer import reduce_record
from simulation.backends import SerialBackend
from simulation.engine import run
from simulation.randomness import replication_seeds
from simulation.replications import run_replications
from simulation.scenario import Scenario

REPS = 6


@pytest.fixture(scope="module")
def lab() -> Lab:
    return Lab(seed=11, reps=REPS)


def test_the_baseline_equals_a_plain_forecast_with_the_same_seeds(lab: Lab) -> None:
    plain = run_replications(lab.base, 11, REPS, reduce_record, backend=SerialBackend())
    pd.testing.assert_frame_equal(lab.baseline.kpis, plain.kpis)
    pd.testing.assert_frame_equal(lab.baseline.series, plain.series, check_dtype=False)


def test_the_baseline_is_run_once(lab: Lab) -> None:
    assert lab.baseline is lab.baseline
    assert lab.compare(lab.start).variant is lab.baseline


def test_the_variant_sees_the_baselines_prospects(lab: Lab) -> None:
    comparison = lab.compare(lab.start.but(engineers=2))
    base, ours = comparison.baseline, comparison.variant
    np.testing.assert_array_equal(base.funnel["arrived"], ours.funnel["arrived"])
    assert ours.scenario.pov.solution_engineers == 2
    assert not base.kpis["se_utilisation"].equals(ours.kpis["se_utilisation"])
    # a comp plan changes what is paid, never what happens: every outcome is the same, replication by replication
    paid = lab.compare(lab.start.but(comp_plan="scorecard"))
    pd.testing.assert_series_equal(paid.variant.kpis["nnarr_12m"], base.kpis["nnarr_12m"])
    assert not paid.variant.kpis["bonus_12m"].equals(base.kpis["bonus_12m"])
    assert paid.delta("nnarr_12m")["mean_delta"] == 0.0


@pytest.fixture(scope="module")
def record_and_tables() -> tuple[Scenario, object, object]:
    scenario = lab_baseline()
    seed = replication_seeds(3, 1)[0]
    record = run(scenario, seed)
    return scenario, record, record.outcome()


def test_the_funnel_counts_the_years_prospects_in_the_deals_table(record_and_tables: tuple) -> None:
    _, record, outcome = record_and_tables
    deals = outcome.deals
    new = deals[deals["arrived"] >= record.start_date]
    counts = funnel_counts(record)
    assert counts["arrived"] == len(new) > 0
    assert counts["pov_started"] == new["pov_started"].notna().sum()
    assert counts["won"] == (new["outcome"] == "won").sum()
    assert counts["negotiation_started"] == new["negotiation_started"].notna().sum() >= counts["won"]


def test_the_daily_queue_reads_the_resource_log(record_and_tables: tuple) -> None:
    _, record, outcome = record_and_tables
    log = outcome.resources
    log = log[log["resource"] == "solution_engineers"].sort_values("time", kind="stable")
    days = pd.DataFrame({"time": record.start_date + pd.to_timedelta(np.arange(record.horizon_days), unit="D")})
    days["time"] = days["time"].astype(log["time"].dtype)
    expected = pd.merge_asof(days, log[["time", "queue"]], on="time")["queue"].to_numpy(dtype=float)
    np.testing.assert_array_equal(daily_queue(record), expected)


def test_the_quarterly_cycles_give_the_forecasts_sccr(record_and_tables: tuple) -> None:
    scenario, record, _ = record_and_tables
    cycles = quarterly_cycles(record)
    kpis = reduce_record(scenario, record).kpis
    quarters = list(cycles)
    assert quarters == ["2027Q1", "2027Q2", "2027Q3", "2027Q4"]
    for before, now in itertools.pairwise(quarters):
        assert kpis[f"sccr_{now}"] == pytest.approx((cycles[before] - cycles[now]) / cycles[before], rel=1e-12)


def test_a_run_keeps_one_row_per_replication() -> None:
    result = simulate(lab_baseline(), seed=5, reps=3)
    assert list(result.kpis["replication"]) == list(result.funnel["replication"]) == [0, 1, 2]
    assert result.queue.shape == (3, 365)
    assert result.fan()["month"].nunique() == 13  # January 2027 to the start of January 2028

"""One-at-a-time swings: the patched scenarios, the tornado table on constructed runs, the command end to end."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.montecarlo.sensitivity import Swing, default_swings, tornado
from simulation import load_scenario
from simulation.cli import main
from simulation.distributions import LogNormal, Uniform
from tests.conftest import ROOT

SHORT = ROOT / "tests" / "fixtures" / "forecast_short.toml"


def test_swings_scale_a_distribution_as_a_relative_fix_does() -> None:
    dist = LogNormal.model_validate({"mean": 21, "sd": 10})
    assert LogNormal.model_validate(dist.scaled_fields(1.5)).mean == pytest.approx(31.5)
    assert Uniform(low=14, high=30).scaled_fields(0.5) == {"dist": "uniform", "low": 7.0, "high": 15.0}


def test_default_swings_build_valid_scenarios_around_the_base() -> None:
    base = load_scenario(SHORT)
    swings = {s.name: s for s in default_swings(base)}
    assert list(swings) == ["pov_length", "pov_completion", "solution_engineers", "win_rate", "data_access_delay",
                            "founder_time"]
    se = swings["solution_engineers"].scenarios(base)
    engineers = base.pov.solution_engineers
    assert (se["low"].pov.solution_engineers, se["high"].pov.solution_engineers) == (engineers - 1, engineers + 1)
    completion = swings["pov_completion"].scenarios(base)
    assert completion["low"].pov.completion_probability == pytest.approx(0.45)
    assert completion["high"].pov.completion_probability == pytest.approx(0.75)
    length = swings["pov_length"].scenarios(base)
    assert length["high"].pov.duration_days.mean == pytest.approx(base.pov.duration_days.mean * 1.25)
    founder = swings["founder_time"].scenarios(base)
    assert founder["low"].negotiation.founder_meetings_per_week == pytest.approx(1.0)
    # only the swung parameter changes; arrivals stay, so runs are paired
    assert length["low"].arrivals == base.arrivals and length["low"].negotiation == base.negotiation


def test_tornado_orders_by_swing_width_and_pairs_by_replication() -> None:
    base = pd.DataFrame({"replication": range(5), "nnarr_12m": [100.0, 120.0, 90.0, 110.0, 105.0]})
    runs = {
        ("small", "low"): base.assign(nnarr_12m=base["nnarr_12m"] - 1),
        ("small", "high"): base.assign(nnarr_12m=base["nnarr_12m"] + 2),
        ("big", "low"): base.assign(nnarr_12m=base["nnarr_12m"] - 30).iloc[::-1],
        ("big", "high"): base.assign(nnarr_12m=base["nnarr_12m"] + [5.0, 15.0, 10.0, 10.0, 10.0]),
    }
    swings = [Swing("small", "Small one"), Swing("big", "Big one")]
    table = tornado(base, runs, swings, "nnarr_12m")
    assert list(table["parameter"]) == ["big", "small"]
    big = table.iloc[0]
    assert big["low_delta"] == pytest.approx(-30) and big["low_ci_low"] == pytest.approx(-30)  # exact shift
    assert big["high_delta"] == pytest.approx(10) and big["high_ci_low"] < 10 < big["high_ci_high"]
    assert big["swing"] == pytest.approx(40) and big["baseline_mean"] == pytest.approx(np.mean(base["nnarr_12m"]))
    assert table.iloc[1]["swing"] == pytest.approx(3)


def test_sensitivity_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["sensitivity", str(SHORT), "--reps", "2", "--seed", "4", "--out", str(tmp_path), "--metric",
                 "nnarr_6m", "--backend", "serial", "--no-progress"])
    assert code == 0
    table = pd.read_csv(tmp_path / "tornado.csv")
    assert len(table) == 6 and table["swing"].is_monotonic_decreasing
    assert (tmp_path / "tornado.png").read_bytes()[:4] == b"\x89PNG"
    assert "Solution engineers" in capsys.readouterr().out
    code = main(["sensitivity", str(SHORT), "--reps", "2", "--out", str(tmp_path), "--metric", "arr",
                 "--backend", "serial", "--no-progress"])
    assert code == 2 and "--metric arr: not a KPI" in capsys.readouterr().err

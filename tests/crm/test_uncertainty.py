"""Round trip with uncertainty: the calibrated [uncertainty] section's 80 % intervals hold the true parameters.

Each seed simulates a known one-stretch company (created and closed dates only, as Maven's and Salesforce's
exports), keeps what such an export shows, calibrates it and asks, for each parameter the scenario carries in
its ``[uncertainty]`` section, whether the true value lies inside the recorded 80 % interval. Over N seeds the
share inside estimates the intervals' real coverage.

Tolerance (from the binomial standard error): the arrival rate, the cycle's mean and the win probability come from
different data (arrival times) or are nearly uncorrelated in the joint fit (|r| < 0.4), so their 3 N hits are
counted as 3 N Bernoulli trials with p = 0.8: the pooled share must be within 3 standard errors,
3 sqrt(0.8 * 0.2 / (3 N)), of 0.8. Each parameter alone (the SD too, which moves with the mean) must be within
3 sqrt(0.16 / N). The suite runs N = 30 seeds (about 30 s); ``benchmarks/bench_uncertainty_coverage.py`` runs
hundreds for a tight figure.

A never-closing share is not checked: its truth here is 0, on the boundary of its range, where no interval on the
logit scale can hold it; AIC adds one in a few seeds (the count is returned).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.crm.backtest import as_seen_at
from analysis.crm.calibrate import calibrate
from analysis.crm.calibration_scenario import write_scenario
from analysis.crm.uncertainty import parameter_uncertainty
from simulation import load_scenario, simulate
from simulation.scenario import Scenario
from simulation.tables import STAGE_ENTERED
from tests.conftest import BASE
from tests.crm.test_calibrate import ONE_STRETCH, START, scenario_file

TRUTH = {"arrivals.rate_per_week": 40.0, "negotiation.duration_days.mean": 60.0,
         "negotiation.duration_days.sd": 30.0, "negotiation.win_probability": 0.55}
POOLED = ("arrivals.rate_per_week", "negotiation.duration_days.mean", "negotiation.win_probability")
SEEDS = 30


def simulated_export(truth: Scenario, seed: int) -> tuple[pd.DataFrame, pd.Timestamp]:
    """What a created-and-closed export of the simulated company shows on its last day: no stage dates, no amounts
    (amounts are drawn within tier bands, so a tier's true ACV mean is not a scenario number to check)."""
    end = START + pd.Timedelta(days=truth.scenario.horizon_days)
    deals = simulate(truth, seed=seed).deals
    for column in STAGE_ENTERED.values():
        if column != "arrived":
            deals[column] = pd.NaT
    deals["acv"] = np.nan
    deals["tier"] = None
    return as_seen_at(deals, end), end - pd.Timedelta(days=1)


def hits(truth: Scenario, seeds: range, level: float = 0.8) -> tuple[dict[str, list[bool]], int]:
    """Per parameter: whether each seed's recorded ``level`` interval holds the truth; and how many seeds got a
    never-closing share."""
    inside: dict[str, list[bool]] = {name: [] for name in TRUTH}
    never = 0
    for seed in seeds:
        deals, as_of = simulated_export(truth, seed)
        # One family: AIC takes a two-humped mixture on a few of these unimodal exports, and a mixture's
        # parameters are not drawn (analysis.crm.uncertainty notes it).
        cal = calibrate(deals, source="simulated export", as_of=as_of, durations="single")
        section, _ = parameter_uncertainty(cal)
        assert section is not None
        never += "data_quality.pass_probability" in section.parameters
        fitted = _fitted_values(cal)
        for name, true_value in TRUTH.items():
            index = section.parameters.index(name)
            low, high = section.interval(index, fitted[name], level)
            inside[name].append(low <= true_value <= high)
    return inside, never


def _fitted_values(cal: object) -> dict[str, float]:
    """The fitted values the scenario file holds (before its 4-digit rounding)."""
    (stretch,) = cal.stretches  # type: ignore[attr-defined]
    return {"arrivals.rate_per_week": cal.arrivals.rate_per_week.value,  # type: ignore[attr-defined]
            "negotiation.duration_days.mean": stretch.fit.passed.mean.value,
            "negotiation.duration_days.sd": stretch.fit.passed.sd.value,
            "negotiation.win_probability": stretch.fit.p_pass.value}


@pytest.fixture(scope="module")
def truth(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    return load_scenario(scenario_file(tmp_path_factory.mktemp("truth"), ONE_STRETCH))


def test_recorded_80_percent_intervals_hold_the_truth_about_80_percent_of_the_time(truth: Scenario) -> None:
    inside, _ = hits(truth, range(SEEDS))
    pooled = [hit for name in POOLED for hit in inside[name]]
    share = float(np.mean(pooled))
    assert abs(share - 0.8) <= 3 * math.sqrt(0.16 / len(pooled)), (share, {k: np.mean(v) for k, v in inside.items()})
    for name, values in inside.items():
        assert abs(np.mean(values) - 0.8) <= 3 * math.sqrt(0.16 / SEEDS), (name, np.mean(values))


def test_calibrated_file_carries_the_section_and_loads(tmp_path: Path, truth: Scenario) -> None:
    deals, as_of = simulated_export(truth, 7)
    cal = calibrate(deals, source="simulated export", as_of=as_of)
    scenario = write_scenario(cal, BASE, tmp_path / "calibrated.toml", "test")
    section = scenario.uncertainty
    assert section is not None
    assert set(TRUTH) <= set(section.parameters)
    assert dict(zip(section.parameters, section.scales, strict=True))["negotiation.win_probability"] == "logit"
    rate_se = cal.arrivals.rate_per_week.se / cal.arrivals.rate_per_week.value  # delta method: SE of the log
    assert section.se[section.parameters.index("arrivals.rate_per_week")] == pytest.approx(rate_se, rel=1e-3)
    text = (tmp_path / "calibrated.toml").read_text(encoding="utf-8")
    assert "[uncertainty]" in text and "drawn per replication" in text

"""The window: where arrivals are steady, and calibrating a table already in funnelsim's deals schema.

A ``funnelsim run`` deals table lists the open pipeline on its start date (deals created up to months before it)
beside the arrivals; read as arrivals, they diluted a run at 9 prospects a week to 6.55. Each statistical check
uses a two-sided 95 % interval from the fit's own standard error (z = 1.96, one check per test).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.crm.calibrate import calibrate
from analysis.crm.window import change_point, is_deals_schema, read_deals_table, steady_start
from simulation import load_scenario, simulate
from simulation.cli import main
from simulation.outputs import write_csv
from tests.conftest import BASE, MAVEN

Z = 1.96

NINE_A_WEEK = f"""
extends = "{BASE}"
[scenario]
name = "nine a week"
start_date = 2027-01-04
horizon_days = 365
[arrivals]
rate_per_week = 9.0
growth_per_year = 0.0
"""


@pytest.fixture(scope="module")
def nine_a_week(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    folder = tmp_path_factory.mktemp("nine")
    (folder / "nine.toml").write_text(NINE_A_WEEK, encoding="utf-8")
    deals = simulate(load_scenario(folder / "nine.toml"), seed=3).deals
    write_csv(deals, folder / "deals.csv")
    return folder / "deals.csv", deals


def test_a_run_calibrated_from_its_own_deals_table_recovers_its_rate(nine_a_week: tuple[Path, pd.DataFrame]) -> None:
    path, simulated = nine_a_week
    start = pd.Timestamp("2027-01-04")
    pipeline = int((simulated["arrived"] < start).sum())
    assert pipeline > 0  # the warm-up left open deals: the stragglers this is about
    deals = read_deals_table(path)
    found = steady_start(deals)
    assert found.start == start and found.before == pipeline
    cal = calibrate(deals, source=str(path))
    assert cal.start == start
    assert cal.left_out == {"created before the window (the open pipeline then)": pipeline}
    rate = cal.arrivals.rate_per_week
    assert abs(rate.value - 9.0) <= Z * rate.se
    first = calibrate(deals, source=str(path), since=simulated["arrived"].min().normalize())  # the old rule
    assert first.arrivals.rate_per_week.value < 9.0 - Z * first.arrivals.rate_per_week.se


def test_cli_calibrates_a_deals_schema_table_without_a_mapping(
        nine_a_week: tuple[Path, pd.DataFrame], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, _ = nine_a_week
    assert is_deals_schema(path) and not is_deals_schema(MAVEN)
    out = tmp_path / "calibrated.toml"
    assert main(["calibrate", str(path), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "count as the open pipeline on that day, not as arrivals" in printed
    assert load_scenario(out).scenario.start_date.isoformat() == "2027-01-04"


def test_an_export_without_mapping_is_refused_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export = tmp_path / "crm.csv"
    export.write_text("Opportunity ID,Created Date\nO1,2024-01-01\n", encoding="utf-8")
    assert main(["calibrate", str(export), "--out", str(tmp_path / "x.toml")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "deals schema" in err[0] and "--mapping" in err[0]


def test_steady_arrivals_keep_their_first_day() -> None:
    """A homogeneous Poisson process has no sparse leading stretch: the step's likelihood ratio stays below
    the bar (checked on 20 seeds: the bar is p = 4e-6 for one step; the search over tau raises the chance)."""
    for seed in range(20):
        rng = np.random.default_rng(seed)
        t = np.sort(rng.uniform(0, 300, rng.poisson(400)))
        assert change_point(t, 300.0) == (0, 0.0)

"""Backtest: the comparison machinery, a self-consistency check, the CLI with and without holdout, both datasets."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.crm.backtest import Backtest, Window, as_seen_at, backtest
from analysis.crm.backtest_charts import monthly_band
from analysis.crm.exports import export_deals
from analysis.crm.mapping import load_mapping
from simulation import load_scenario, simulate
from simulation.cli import main
from tests.conftest import BASE, MAPPINGS, MAVEN, OLIST, negotiation_truth

TRUTH = negotiation_truth("backtest truth", negotiation_mean=45, negotiation_sd=20)
START = pd.Timestamp("2027-01-04")
END = START + pd.Timedelta(days=364)


@pytest.fixture
def truth(tmp_path: Path) -> Path:
    path = tmp_path / "truth.toml"
    path.write_text(TRUTH, encoding="utf-8")
    return path


def test_as_seen_at_blanks_the_future_and_reopens_deals(deals_table) -> None:  # type: ignore[no-untyped-def]
    deals = deals_table([
        {"arrived": "2027-01-05", "closed": "2027-02-01", "outcome": "won"},
        {"arrived": "2027-01-10", "closed": "2027-04-01", "outcome": "lost", "lost_stage": "negotiation"},
        {"arrived": "2027-05-01", "outcome": "open"},
    ])
    seen = as_seen_at(deals, pd.Timestamp("2027-03-01"))
    assert len(seen) == 2  # not yet created
    assert seen["outcome"].tolist() == ["won", "open"]
    assert pd.isna(seen["closed"].iloc[1]) and pd.isna(seen["lost_stage"].iloc[1])


def test_as_seen_at_hides_amounts_known_only_at_the_close(deals_table) -> None:  # type: ignore[no-untyped-def]
    """Maven's close_value: no open deal has an amount, so a deal reopened at the split must lose its own."""
    rows = [{"arrived": "2027-01-05", "closed": "2027-02-01", "outcome": "won", "acv": 10_000.0, "tier": "small"},
            {"arrived": "2027-01-10", "closed": "2027-04-01", "outcome": "won", "acv": 90_000.0, "tier": "mid"}]
    seen = as_seen_at(deals_table(rows), pd.Timestamp("2027-03-01"))
    assert seen["acv"].tolist()[0] == 10_000.0 and pd.isna(seen["acv"].iloc[1]) and pd.isna(seen["tier"].iloc[1])
    quoted = deals_table([*rows, {"arrived": "2027-01-12", "outcome": "open", "acv": 5_000.0, "tier": "small"}])
    assert as_seen_at(quoted, pd.Timestamp("2027-03-01"))["acv"].iloc[1] == 90_000.0  # a CRM quoting open deals


def test_backtest_of_a_scenario_against_its_own_outcome(truth: Path) -> None:
    scenario = load_scenario(truth)
    actual = simulate(scenario, seed=1000).deals  # a seed the replications do not use
    result = backtest(actual, scenario, Window(START, END, END), reps=5, seed=1)
    assert set(result.coverage["metric"]) == {"won deals", "won ACV (USD)"}
    assert sorted(set(result.coverage["level"])) == [0.5, 0.8, 0.9]
    assert (result.coverage["months"] == 13).all()  # 2027-01-04 .. 2028-01-02: Jan 2027 to Jan 2028
    assert len(result.scores) == 26 and result.scores["interval_score_80"].ge(0).all()
    assert result.scores["pit"].between(0, 1).all() and result.scores["crps"].notna().all()
    n, m = len(result.actual_cycles), len(result.simulated_cycles)
    critical = math.sqrt(-math.log(0.001 / 2) / 2) * math.sqrt((n + m) / (n * m))  # two-sample KS at 0.1 %
    assert result.ks < critical
    rates = result.rates.set_index("metric")
    assert {"win rate (won / won+lost)", "conversion (won / created)"} <= set(rates.index)
    assert (rates["p10"] <= rates["p90"]).all()


def test_cli_backtest_with_holdout_writes_every_output(tmp_path: Path, truth: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    mapping = load_mapping(MAPPINGS / "salesforce.toml")
    export = tmp_path / "export.csv"
    export_deals(simulate(load_scenario(truth), seed=3).deals, mapping, as_of=END - pd.Timedelta(days=1)).to_csv(
        export, index=False)
    out = tmp_path / "bt"
    args = ["backtest", str(export), "--mapping", str(MAPPINGS / "salesforce.toml"), "--scenario", str(BASE),
            "--reps", "3", "--holdout", "0.25", "--out", str(out)]
    assert main(args) == 0
    names = {p.name for p in out.iterdir() if not p.name.startswith(".")}
    assert names >= {"monthly.csv", "coverage.csv", "scores.csv", "rates.csv", "summary.txt", "holdout_scenario.toml",
                     "monthly_won_deals.png", "monthly_won_acv.png", "cycle_ecdf.png", "cycle_qq.png",
                     "pit_histogram.png"}
    monthly = pd.read_csv(out / "monthly.csv")
    assert monthly["month"].min() == "2027-10"  # only the held-out quarter is scored
    held = load_scenario(out / "holdout_scenario.toml")
    assert held.scenario.horizon_days < 364 and held.uncertainty is not None  # calibrated on the first part
    printed = capsys.readouterr().out
    assert "scored from 2027-10-01 (holdout)" in printed and "parameter uncertainty" in printed
    assert "90% band" in printed and "CRPS" in printed
    assert set(pd.read_csv(out / "scores.csv")["month"]) == {"2027-10", "2027-11", "2027-12", "2028-01"}


@pytest.mark.parametrize(("flag", "value", "message"), [("--reps", "1", "--reps"), ("--holdout", "1.5", "--holdout")])
def test_cli_backtest_rejects_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str,
                                            value: str, message: str) -> None:
    args = ["backtest", str(tmp_path / "x.csv"), "--mapping", str(MAPPINGS / "salesforce.toml"), "--scenario",
            str(BASE), "--out", str(tmp_path / "o"), flag, value]
    assert main(args) == 2
    assert message in capsys.readouterr().err


def _dataset_round(tmp_path: Path, export: Path, mapping: str, capsys: pytest.CaptureFixture[str]) -> str:
    scenario = tmp_path / "calibrated.toml"
    mapping_path = str(MAPPINGS / mapping)
    assert main(["calibrate", str(export), "--mapping", mapping_path, "--out", str(scenario)]) == 0
    out = tmp_path / "bt"
    assert main(["backtest", str(export), "--mapping", mapping_path, "--scenario", str(scenario), "--reps", "2",
                 "--out", str(out)]) == 0
    assert (out / "cycle_ecdf.png").stat().st_size > 10_000
    return capsys.readouterr().out


@pytest.mark.skipif(not MAVEN.exists(), reason=f"public dataset not present at {MAVEN}")
def test_maven_backtests_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    summary = _dataset_round(tmp_path, MAVEN, "maven.toml", capsys)
    assert "won ACV (USD)" in summary and "KS" in summary and "win rate" in summary


@pytest.mark.skipif(not OLIST.exists(), reason=f"public dataset not present at {OLIST}")
def test_olist_backtests_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    summary = _dataset_round(tmp_path, OLIST, "olist.toml", capsys)
    backtest_part = summary[summary.index("backtest:"):]
    assert "conversion (won / created)" in backtest_part
    assert "won ACV" not in backtest_part and "win rate" not in backtest_part  # no amounts, no dated losses


def test_a_short_holdout_ticks_each_month_it_shows() -> None:
    """Three held-out months: one tick per month at its point ("Oct 2017"), not day ticks ("15", "Nov", "15")."""
    months = ["2017-10", "2017-11", "2017-12"]
    monthly = pd.DataFrame({"month": months, "metric": "won deals", "actual": [280.0, 410.0, 510.0],
                            "p10": [390.0, 400.0, 680.0], "p50": [400.0, 420.0, 700.0],
                            "p90": [420.0, 440.0, 730.0], "inside": [False, True, False]})
    coverage = pd.DataFrame({"metric": ["won deals"], "level": [0.8], "months": [3], "inside": [1],
                             "coverage": [1 / 3], "binomial_se": [0.27]})
    result = Backtest(window=Window(*pd.to_datetime(["2017-01-01", "2018-01-01", "2018-01-01", "2017-10-01"])), reps=2,
                      monthly=monthly, coverage=coverage, rates=pd.DataFrame(), actual_cycles=np.array([]),
                      simulated_cycles=np.array([]), ks=math.nan, has_acv=False)
    ax = monthly_band(result, "won deals", title="won deals per month").axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Oct 2017", "Nov 2017", "Dec 2017"]

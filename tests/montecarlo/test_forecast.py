"""Forecast summaries against direct numpy/scipy computations, P(target) on constructed cases, and the
``funnelsim forecast`` command end to end (determinism across backends, resume, one-line errors)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.montecarlo.forecast import (
    Target,
    mean_ci,
    probability_line,
    probability_of_target,
    reps_needed,
    series_summary,
    summarise,
    t_quantile,
    targets_of,
    wilson,
)
from analysis.montecarlo.reducer import reduce_outcome
from simulation import load_scenario, simulate
from simulation.cli import main
from simulation.scenario import Targets
from tests.conftest import FIXTURES

SHORT = FIXTURES / "forecast_short.toml"


def test_summary_matches_numpy() -> None:
    rng = np.random.default_rng(7)
    table = pd.DataFrame(
        {"replication": range(50), "nnarr_6m": rng.lognormal(12, 0.6, 50), "grr": rng.uniform(0.5, 1.0, 50)}
    )
    summary = summarise(table, Targets(nnarr_6_months=200_000, grr_min=0.8)).set_index("metric")
    for name in ("nnarr_6m", "grr"):
        x = table[name].to_numpy()
        row = summary.loc[name]
        mean, sd = x.mean(), x.std(ddof=1)
        half = stats.t.ppf(0.975, len(x) - 1) * sd / math.sqrt(len(x))
        assert row["n"] == 50 and row["missing"] == 0
        assert row["mean"] == pytest.approx(mean, rel=1e-12)
        assert row["sd"] == pytest.approx(sd, rel=1e-12)
        assert [row["p10"], row["p50"], row["p90"]] == pytest.approx(np.percentile(x, [10, 50, 90]), rel=1e-12)
        assert [row["ci_low"], row["ci_high"]] == pytest.approx([mean - half, mean + half], rel=1e-12)
        # the same interval as scipy's own
        low, high = stats.t.interval(0.95, len(x) - 1, loc=mean, scale=stats.sem(x))
        assert [row["ci_low"], row["ci_high"]] == pytest.approx([low, high], rel=1e-12)
    assert summary.loc["nnarr_6m", "p_target"] == pytest.approx(np.mean(table["nnarr_6m"] >= 200_000))
    assert summary.loc["grr", "rule"] == ">="


def test_undefined_values_are_left_out_of_statistics_and_miss_targets() -> None:
    table = pd.DataFrame({"replication": range(5), "c2re_12m": [0.9, 1.4, np.nan, 2.0, 1.5]})
    row = summarise(table, Targets(c2re_max=1.5)).set_index("metric").loc["c2re_12m"]
    assert (row["n"], row["missing"]) == (4, 1)
    assert row["mean"] == pytest.approx(np.mean([0.9, 1.4, 2.0, 1.5]))
    assert row["p_target"] == pytest.approx(3 / 5)  # 0.9, 1.4 and 1.5 are <= 1.5; NaN (no NNARR) is a miss


def test_probability_of_target_on_a_constructed_case() -> None:
    values = np.array([100.0, 200.0, 250.0, 300.0, 400.0, np.nan, 50.0, 250.0])
    assert probability_of_target(values, Target("nnarr_6m", 250.0, ">=", "nnarr_6_months")) == 4 / 8
    assert probability_of_target(values, Target("qte_velocity_days", 250.0, "<=", "qte")) == 5 / 8
    assert math.isnan(probability_of_target(np.array([]), Target("x", 1.0, ">=", "x")))


def test_targets_come_from_the_scenario_and_unset_nnarr_targets_are_skipped() -> None:
    found = {t.metric: t for t in targets_of(Targets(nnarr_6_months=450_000, qte_velocity_days=45))}
    assert found["nnarr_6m"].threshold == 450_000 and found["nnarr_6m"].rule == ">="
    assert "nnarr_12m" not in found  # 0 means no target
    assert found["qte_velocity_days"].rule == "<=" and found["c2re_12m"].threshold == 1.5


@pytest.mark.parametrize(("sd", "half"), [(100_000.0, 10_000.0), (0.2, 0.01), (3.0, 2.0)])
def test_reps_needed_is_the_smallest_n_reaching_the_half_width(sd: float, half: float) -> None:
    n = reps_needed(sd, half)
    assert t_quantile(n) * sd / math.sqrt(n) <= half
    assert n == 2 or t_quantile(n - 1) * sd / math.sqrt(n - 1) > half
    assert reps_needed(float("nan"), half) == 0


def test_mean_ci_needs_two_values() -> None:
    assert all(math.isnan(v) for v in mean_ci(np.array([1.0])))


def test_series_summary_matches_numpy() -> None:
    rng = np.random.default_rng(3)
    months = ["2027-01", "2027-02", "2027-03"]
    series = pd.DataFrame(
        [
            {"replication": r, "month": m, "nnarr_cumulative": rng.normal(100 * k, 10), "pipeline_deals": float(r + k)}
            for r in range(9)
            for k, m in enumerate(months)
        ]
    )
    fan = series_summary(series)
    assert list(fan["metric"].unique()) == ["nnarr_cumulative", "pipeline_deals"]
    assert list(fan.loc[fan["metric"] == "nnarr_cumulative", "month"]) == months
    for row in fan.itertuples():
        x = series.loc[series["month"] == row.month, row.metric].to_numpy()
        assert [row.p10, row.p50, row.p90] == pytest.approx(np.percentile(x, [10, 50, 90]))
        assert row.mean == pytest.approx(x.mean())


def test_reducer_row_is_defined_where_the_horizon_allows() -> None:
    scenario = load_scenario(SHORT)
    reduced = reduce_outcome(scenario, simulate(scenario, 5))
    assert math.isnan(reduced.kpis["nnarr_12m"])  # 200 days: no 12-month figure
    assert reduced.kpis["nnarr_6m"] >= 0 and 0 <= reduced.kpis["se_utilisation"] <= 1
    assert list(reduced.series["month"])[:2] == ["2027-01", "2027-02"] and len(reduced.series) == 7
    assert (np.diff(reduced.series["nnarr_cumulative"]) >= -1e-6).all()


# --- the command ------------------------------------------------------------------------------------------


def _forecast(out: Path, *extra: str) -> int:
    return main(
        [
            "forecast",
            str(SHORT),
            "--reps",
            "5",
            "--seed",
            "11",
            "--out",
            str(out),
            "--no-progress",
            "--batch-size",
            "2",
            *extra,
        ]
    )


@pytest.fixture(scope="module")
def serial_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("serial")
    assert _forecast(out, "--backend", "serial", "--keep-deals", "1") == 0
    return out


def test_forecast_writes_tables_and_charts(serial_run: Path) -> None:
    replications = pd.read_csv(serial_run / "replications.csv")
    assert list(replications["replication"]) == list(range(5))
    assert {"nnarr_6m", "c2re_6m", "bonus_6m", "grr", "qte_velocity_days", "completion_rate"} <= set(
        replications.columns
    )
    summary = pd.read_csv(serial_run / "summary.csv")
    assert {"metric", "mean", "sd", "p10", "p50", "p90", "ci_low", "ci_high", "p_target", "reps_needed"} <= set(
        summary.columns
    )
    assert summary.loc[summary["metric"] == "nnarr_6m", "p_target"].notna().all()
    timeseries = pd.read_csv(serial_run / "timeseries.csv")
    assert {"nnarr_cumulative", "pipeline_deals", "se_utilisation"} <= set(timeseries["metric"])
    for chart in ("fan_chart.png", "kpi_histograms.png"):
        assert (serial_run / chart).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in (serial_run / "deals").iterdir()] == ["replication_000000.csv"]


def test_forecast_is_identical_with_two_workers(serial_run: Path, tmp_path: Path) -> None:
    assert _forecast(tmp_path, "--workers", "2") == 0
    assert (tmp_path / "replications.csv").read_bytes() == (serial_run / "replications.csv").read_bytes()
    assert (tmp_path / "timeseries.csv").read_bytes() == (serial_run / "timeseries.csv").read_bytes()


def test_resume_completes_an_interrupted_forecast(
    serial_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _forecast(tmp_path, "--backend", "serial") == 0
    # An interrupted run: the last batch never finished and the final tables were never written.
    (tmp_path / "batches" / "000002.kpis.csv").unlink()
    (tmp_path / "replications.csv").unlink()
    assert _forecast(tmp_path, "--backend", "serial", "--resume") == 0
    assert (tmp_path / "replications.csv").read_bytes() == (serial_run / "replications.csv").read_bytes()
    capsys.readouterr()
    code = main(
        [
            "forecast",
            str(SHORT),
            "--reps",
            "5",
            "--seed",
            "12",
            "--out",
            str(tmp_path),
            "--resume",
            "--backend",
            "serial",
            "--no-progress",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "different seed" in err


@pytest.mark.parametrize("command", ["forecast", "sensitivity"])
def test_fix_warnings_are_printed_on_stderr(command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = tmp_path / "three.toml"
    base.write_text(f'extends = "{SHORT}"\n[pov]\nsolution_engineers = 3\n', encoding="utf-8")
    same = tmp_path / "same.toml"
    same.write_text('[fix]\nname = "same"\nstart_day = 30\n[pov]\nsolution_engineers = 3\n', encoding="utf-8")
    metric = ["--metric", "nnarr_6m"] if command == "sensitivity" else []  # 200 days: no 12-month NNARR
    code = main([command, str(base), "--fix", str(same), "--reps", "1", "--out", str(tmp_path / "o"),
                 "--backend", "serial", "--no-progress", *metric])
    assert code == 0
    assert capsys.readouterr().err == (
        f"funnelsim {command}: warning: same: no effect: pov.solution_engineers is already 3\n")


def test_wilson_interval_against_its_closed_form_and_coverage() -> None:
    """The Wilson interval solves |p̂ - p| = z sqrt(p (1 - p) / n) for p: both ends satisfy it; and over
    4,000 binomial draws (fixed seed) it covers the true p about 95 % of the time (within 4 standard errors)."""
    z = stats.norm.ppf(0.975)
    for hits, n in ((0, 200), (16, 200), (37, 50), (50, 50)):
        for p in wilson(hits, n):
            if 1e-9 < p < 1 - 1e-9:  # an end at 0 or 1 (no hit, or all) is the other root, p itself
                assert abs(hits / n - p) == pytest.approx(z * math.sqrt(p * (1 - p) / n), rel=1e-9)
    rng = np.random.default_rng(5)
    n, p, trials = 200, 0.08, 4_000
    covered = np.mean([lo <= p <= hi for lo, hi in (wilson(int(k), n) for k in rng.binomial(n, p, trials))])
    assert abs(covered - 0.95) < 4 * math.sqrt(0.95 * 0.05 / trials)
    assert wilson(0, 200)[0] == pytest.approx(0.0, abs=1e-12) and wilson(50, 50)[1] == pytest.approx(1.0)
    assert all(math.isnan(v) for v in wilson(0, 0))


def test_probability_line_names_the_share_and_its_interval() -> None:
    table = pd.DataFrame({"runway_below_6m_12m": [1.0] * 16 + [0.0] * 184 + [np.nan]})
    line = probability_line(table, "runway_below_6m_12m", "runway < 6 months at 12 months")
    assert line == "P(runway < 6 months at 12 months) = 8% (95 % Wilson CI 5%-13%, 200 replications)"
    assert probability_line(table, "absent", "x") is None

"""Paired comparisons with common random numbers: the arithmetic, the verdicts, the ranking, and why pairing
pays (a narrower CI than two independent runs), plus ``funnelsim compare`` end to end."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.montecarlo.compare import (
    deltas,
    head_to_head,
    paired_delta,
    ranking,
    sccr_focus,
    unpaired_delta,
    verdict,
)
from analysis.montecarlo.fast_reducer import reduce_record
from simulation import load_scenario
from simulation.cli import main
from simulation.replications import run_replications
from tests.conftest import ROOT

SHORT = ROOT / "tests" / "fixtures" / "forecast_short.toml"
SANDBOX = ROOT / "scenarios" / "fixes" / "self_serve_sandbox.toml"
AUDIT = ROOT / "scenarios" / "fixes" / "prerecorded_model_audit.toml"


def test_paired_delta_matches_scipy() -> None:
    rng = np.random.default_rng(1)
    base = rng.normal(100, 30, 25)
    variant = base + rng.normal(5, 4, 25)
    variant[3] = np.nan  # undefined in the variant: that pair is dropped
    d = paired_delta(base, variant)
    ok = np.isfinite(variant)
    diff = variant[ok] - base[ok]
    low, high = stats.t.interval(0.95, len(diff) - 1, loc=diff.mean(), scale=stats.sem(diff))
    assert d["n"] == 24
    assert d["mean_delta"] == pytest.approx(diff.mean())
    assert (d["ci_low"], d["ci_high"]) == pytest.approx((low, high))
    assert stats.ttest_rel(variant[ok], base[ok]).pvalue < 0.05 and d["ci_low"] > 0


def test_unpaired_delta_is_welch() -> None:
    rng = np.random.default_rng(2)
    a, b = rng.normal(0, 1, 30), rng.normal(0.5, 2, 20)
    d = unpaired_delta(a, b)
    ci = stats.ttest_ind(b, a, equal_var=False).confidence_interval(0.95)
    assert (d["ci_low"], d["ci_high"]) == pytest.approx((ci.low, ci.high))


@pytest.mark.parametrize(
    ("low", "high", "better", "expected"),
    [
        (1.0, 2.0, 1, "better"),
        (1.0, 2.0, -1, "worse"),
        (-2.0, -1.0, -1, "better"),
        (-1.0, 1.0, 1, "no clear change"),
        (1.0, 2.0, 0, "higher"),
        (math.nan, math.nan, 1, "no clear change"),
    ],
)
def test_verdict(low: float, high: float, better: int, expected: str) -> None:
    assert verdict(low, high, better) == expected


def test_deltas_and_ranking_on_constructed_tables() -> None:
    base = pd.DataFrame(
        {
            "replication": range(4),
            "nnarr_12m": [100.0, 200.0, 300.0, 400.0],
            "c2re_12m": [1.0, 1.2, 1.4, 1.6],
            "sccr_2027Q3": [0.0, 0.1, 0.0, 0.1],
        }
    )
    same = base.copy()
    up = base.assign(nnarr_12m=base["nnarr_12m"] + [50.0, 60.0, 40.0, 50.0], c2re_12m=base["c2re_12m"] - 0.1)
    down = base.assign(nnarr_12m=base["nnarr_12m"] - 10.0, sccr_2027Q3=base["sccr_2027Q3"] + 0.05)
    table = deltas(base, {"same": same, "up": up, "down": down.iloc[::-1]})  # rows matched by replication
    row = table.set_index(["fix", "metric"])
    assert row.loc[("same", "nnarr_12m"), "mean_delta"] == 0 and row.loc[("same", "nnarr_12m"), "ci_low"] == 0
    assert row.loc[("same", "nnarr_12m"), "verdict"] == "no clear change"
    assert row.loc[("up", "nnarr_12m"), "mean_delta"] == pytest.approx(50.0)
    assert row.loc[("up", "nnarr_12m"), "verdict"] == "better" and row.loc[("up", "nnarr_12m"), "p_better"] == 1
    assert row.loc[("up", "c2re_12m"), "verdict"] == "better"  # lower C2RE is better
    assert row.loc[("down", "nnarr_12m"), "mean_delta"] == pytest.approx(-10.0)
    assert list(ranking(table, "nnarr_12m")["fix"]) == ["up", "same", "down"]
    assert ranking(table, "c2re_12m")["fix"].iloc[0] == "up"
    assert sccr_focus(table) == "sccr_2027Q3"
    assert list(table.columns[:5]) == ["fix", "label", "metric", "mean_delta", "ci_low"]
    # Head to head: the runners-up against the leader ("up"), paired replication by replication.
    runs = {"same": same, "up": up, "down": down.iloc[::-1]}
    duel = head_to_head(runs, ranking(table, "nnarr_12m")).set_index(["fix", "metric"])
    assert set(duel["against"]) == {"up"} and set(duel.index.get_level_values("fix")) == {"same", "down"}
    assert duel.loc[("same", "nnarr_12m"), "mean_delta"] == pytest.approx(-50.0)
    assert duel.loc[("down", "nnarr_12m"), "mean_delta"] == pytest.approx(-60.0)  # -10 vs +50, per replication
    assert duel.loc[("down", "nnarr_12m"), "verdict"] == "worse"
    assert head_to_head({"up": up}, ranking(table[table["fix"] == "up"], "nnarr_12m")).empty


def test_paired_ci_is_narrower_than_independent_runs() -> None:
    """The same 8 prospect streams with and without the sandbox vs the sandbox on other prospects."""
    base = load_scenario(SHORT)
    fixed = load_scenario(SHORT, [SANDBOX])
    baseline = run_replications(base, 21, 8, reduce_record).kpis
    paired = run_replications(fixed, 21, 8, reduce_record).kpis
    independent = run_replications(fixed, 9021, 8, reduce_record).kpis
    for name in ("nnarr_6m", "qte_velocity_days", "se_utilisation"):
        b = baseline[name].to_numpy(float)
        p = paired_delta(b, paired[name].to_numpy(float))
        u = unpaired_delta(b, independent[name].to_numpy(float))
        assert p["ci_high"] - p["ci_low"] < 0.5 * (u["ci_high"] - u["ci_low"]), name


def test_compare_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "compare",
            str(SHORT),
            "--fix",
            str(SANDBOX),
            "--fix",
            str(AUDIT),
            "--combined",
            "--reps",
            "4",
            "--seed",
            "3",
            "--out",
            str(tmp_path),
            "--backend",
            "serial",
            "--no-progress",
            "--rank-by",
            "nnarr_6m",
        ]
    )
    assert code == 0
    table = pd.read_csv(tmp_path / "deltas.csv")
    assert list(table.columns[:5]) == ["fix", "label", "metric", "mean_delta", "ci_low"]
    assert set(table["fix"]) == {"self_serve_sandbox", "prerecorded_model_audit", "all_fixes"}
    assert {"nnarr_6m", "c2re_6m", "grr", "bonus_6m", "nnarr_12m"} <= set(table["metric"])
    assert table.loc[table["metric"] == "nnarr_12m", "mean_delta"].isna().all()  # 200 days: no 12-month NNARR
    ranked = pd.read_csv(tmp_path / "ranking.csv")
    assert list(ranked["rank"]) == [1, 2, 3]
    duel = pd.read_csv(tmp_path / "head_to_head.csv")
    assert set(duel["against"]) == {ranked["fix"].iloc[0]} and set(duel["fix"]) == set(ranked["fix"].iloc[1:])
    assert (tmp_path / "forest.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "runs" / "baseline" / "replications.csv").exists()
    assert "ranked by NNARR, first 6 months" in capsys.readouterr().out


def test_compare_refuses_a_variant_with_other_prospects(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "busier.toml"
    other.write_text(f'extends = "{SHORT}"\n[arrivals]\nrate_per_week = 3.0\n', encoding="utf-8")
    code = main(
        [
            "compare",
            str(SHORT),
            "--variant",
            str(other),
            "--reps",
            "2",
            "--out",
            str(tmp_path / "o"),
            "--backend",
            "serial",
            "--no-progress",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "[arrivals] differs" in err and err.count("\n") == 1


def test_compare_says_why_a_fix_changed_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A fix that sets what the company already has: zero effect, and the console says why, beside that row."""
    base = tmp_path / "three.toml"
    base.write_text(f'extends = "{SHORT}"\n[pov]\nsolution_engineers = 3\n', encoding="utf-8")
    same = tmp_path / "same.toml"
    same.write_text('[fix]\nname = "third_engineer"\nstart_day = 30\n[pov]\nsolution_engineers = 3\n',
                    encoding="utf-8")
    more = tmp_path / "more.toml"
    more.write_text('[fix]\nname = "one_more"\nstart_day = 30\n[pov]\nsolution_engineers = { add = 1 }\n',
                    encoding="utf-8")
    code = main(["compare", str(base), "--fix", str(same), "--fix", str(more), "--reps", "2", "--seed", "1",
                 "--out", str(tmp_path / "o"), "--backend", "serial", "--no-progress", "--rank-by", "nnarr_6m"])
    out, err = capsys.readouterr()
    assert code == 0
    lines = out.splitlines()
    row = next(i for i, line in enumerate(lines) if "third engineer" in line)  # no summary: its name in words
    assert "$0 (95% CI $0 to $0) no clear change; better in 0 % of replications, the same in 100 %" in lines[row]
    assert lines[row + 1].strip() == "third_engineer: no effect: pov.solution_engineers is already 3"
    assert sum("no effect" in line for line in lines) == 1  # one_more does change something
    assert err == "funnelsim compare: warning: third_engineer: no effect: pov.solution_engineers is already 3\n"

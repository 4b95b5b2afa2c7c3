"""--parameter-uncertainty on forecast, compare and backtest: on by default with the section, said in the output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulation.cli import main
from tests.conftest import BASE, FIXES

SECTION = """
[uncertainty]
method = "by hand"
parameters = ["arrivals.rate_per_week", "negotiation.win_probability"]
scales = ["log", "logit"]
se = [0.1, 0.3]
correlation = [[1.0, 0.0], [0.0, 1.0]]
"""
SHORT = f'extends = "{BASE}"\n[scenario]\nname = "short"\nstart_date = 2027-01-04\nhorizon_days = 120\n'
FIX = str(next(f for f in FIXES if f.stem == "extra_solution_engineer"))


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    plain, uncertain = tmp_path / "plain.toml", tmp_path / "uncertain.toml"
    plain.write_text(SHORT, encoding="utf-8")
    uncertain.write_text(SHORT + SECTION, encoding="utf-8")
    return plain, uncertain


def _forecast(path: Path, out: Path, *flags: str) -> list[str]:
    return ["forecast", str(path), "--reps", "3", "--seed", "4", "--backend", "serial", "--out", str(out), *flags]


def test_forecast_draws_by_default_and_says_so(files: tuple[Path, Path], tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    plain, uncertain = files
    assert main(_forecast(uncertain, tmp_path / "on")) == 0
    assert "bands hold simulation noise and parameter uncertainty (2 parameters" in capsys.readouterr().out
    assert json.loads((tmp_path / "on" / "manifest.json").read_text())["parameter_uncertainty"] is True
    assert main(_forecast(uncertain, tmp_path / "off", "--no-parameter-uncertainty")) == 0
    assert "bands hold simulation noise only" in capsys.readouterr().out
    assert main(_forecast(plain, tmp_path / "plain")) == 0
    off = (tmp_path / "off" / "replications.csv").read_bytes()
    assert off == (tmp_path / "plain" / "replications.csv").read_bytes()
    assert off != (tmp_path / "on" / "replications.csv").read_bytes()


def test_asking_for_it_without_the_section_is_refused(files: tuple[Path, Path], tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    plain, _ = files
    assert main(_forecast(plain, tmp_path / "x", "--parameter-uncertainty")) == 2
    err = capsys.readouterr().err
    assert "no [uncertainty] section" in err and len(err.strip().splitlines()) == 1


def test_compare_pairs_the_draws_and_refuses_a_variant_with_other_uncertainty(
        files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain, uncertain = files
    args = ["compare", str(uncertain), "--fix", FIX, "--reps", "3", "--backend", "serial", "--out"]
    assert main([*args, str(tmp_path / "cmp")]) == 0
    assert "same parameters in every variant" in capsys.readouterr().out
    manifest = json.loads((tmp_path / "cmp" / "runs" / "extra_solution_engineer" / "manifest.json").read_text())
    assert manifest["parameter_uncertainty"] is True  # the pairing itself: tests/simulation/test_parameter_draw.py
    assert main(["compare", str(uncertain), "--variant", str(plain), "--reps", "2", "--backend", "serial",
                 "--out", str(tmp_path / "v")]) == 2
    assert "[uncertainty] differs from the baseline" in capsys.readouterr().err

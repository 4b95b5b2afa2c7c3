"""``funnelsim init DIR``: a starter that validates at once, takes the founder's numbers from flags (the
baseline's, marked PLACEHOLDER, without them), writes only inside DIR and never replaces a file."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from simulation.cli import EXIT_BAD_INPUT, main
from simulation.loader import load_scenario
from simulation.starter import FIX_FILES, README_FILE, SCENARIO_FILE

WRITTEN = sorted([SCENARIO_FILE, *FIX_FILES, README_FILE])


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_the_starter_validates_with_placeholders(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "acme"
    assert main(["init", str(folder)]) == 0
    assert files_under(tmp_path) == [f"acme/{name}" for name in WRITTEN]  # nothing outside DIR, no lock left
    text = (folder / SCENARIO_FILE).read_text()
    assert text.count("PLACEHOLDER: ai_startup's value") == 8  # arrivals, engineers, POV, win rate, 3 ACVs, spend
    scenario = load_scenario(folder / SCENARIO_FILE, [folder / f for f in FIX_FILES])
    baseline = load_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "ai_startup.toml")
    # the placeholders are the baseline's own numbers, so the starter is the baseline under a new name
    assert scenario.model_copy(update={"scenario": baseline.scenario, "fixes": ()}) == baseline
    assert scenario.scenario.name == "Our company"
    assert [f.name for f in scenario.fixes] == ["one_more_engineer", "shorter_pov"]
    assert [f.changes for f in scenario.fixes] != [(), ()]  # both fixes change something on this scenario
    assert "company.toml" in (folder / README_FILE).read_text()
    assert "wrote" in capsys.readouterr().out


def test_the_flags_set_the_founders_numbers(tmp_path: Path) -> None:
    argv = ["init", str(tmp_path), "--name", 'Acme "AI"', "--prospects-per-week", "4", "--engineers", "2",
            "--pov-days", "40", "--win-rate", "0.5", "--acv-small", "20000", "--acv-mid", "90000",
            "--acv-large", "300000", "--monthly-spend", "12000"]
    assert main(argv) == 0
    raw = tomllib.loads((tmp_path / SCENARIO_FILE).read_text())
    assert raw["extends"] == "ai_startup"
    assert raw["scenario"]["name"] == 'Acme "AI"'
    assert raw["arrivals"] == {"rate_per_week": 4}
    assert raw["pov"] == {"solution_engineers": 2,
                          "duration_days": {"dist": "triangular", "low": 30, "mode": 40, "high": 60}}
    assert raw["negotiation"] == {"win_probability": 0.5}
    assert raw["tiers"]["mid"]["acv"] == {"dist": "lognormal", "mean": 90000, "sd": 30000}
    assert raw["spend"] == {"marketing_per_month": 12000}
    assert "PLACEHOLDER:" not in (tmp_path / SCENARIO_FILE).read_text()
    scenario = load_scenario(tmp_path / SCENARIO_FILE)
    assert (scenario.pov.solution_engineers, scenario.negotiation.win_probability) == (2, 0.5)
    assert scenario.tiers.large.acv.model_dump(by_alias=True)["mean"] == 300000
    assert scenario.retention == load_scenario(Path(__file__).resolve().parents[2] / "scenarios"
                                               / "ai_startup.toml").retention  # the rest is the baseline's


def test_a_hostile_name_stays_a_name(tmp_path: Path) -> None:
    name = 'x"\n[pov]\nsolution_engineers = 99\n# \x00'
    assert main(["init", str(tmp_path), "--name", name]) == 0
    scenario = load_scenario(tmp_path / SCENARIO_FILE)
    assert scenario.scenario.name == name and scenario.pov.solution_engineers == 3


def test_another_baseline(tmp_path: Path) -> None:
    assert main(["init", str(tmp_path), "--baseline", "ml_company"]) == 0
    assert load_scenario(tmp_path / SCENARIO_FILE).pov.solution_engineers == 2  # ml_company's engineers


def test_never_replaces_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "fixes").mkdir()
    (tmp_path / "fixes" / "shorter_pov.toml").write_text("mine\n")
    assert main(["init", str(tmp_path)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err == (f"funnelsim init: {tmp_path}/fixes/shorter_pov.toml: already exists; funnelsim init never "
                   "replaces a file (choose an empty folder)\n")
    assert files_under(tmp_path) == ["fixes/shorter_pov.toml"]
    assert (tmp_path / "fixes" / "shorter_pov.toml").read_text() == "mine\n"


def test_dir_must_be_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "plain").write_text("x\n")
    assert main(["init", str(tmp_path / "plain")]) == EXIT_BAD_INPUT
    assert capsys.readouterr().err == (f"funnelsim init: {tmp_path}/plain: exists and is not a folder; give a folder "
                                       "for the starter\n")


@pytest.mark.parametrize(("flag", "value", "problem"), [
    ("--win-rate", "1.5", "--win-rate 1.5: must be from 0 to 1"),
    ("--engineers", "0", "--engineers 0: must be 1 to 1,000"),
    ("--pov-days", "nan", "--pov-days nan: must be above 0"),
    ("--acv-mid", "-5", "--acv-mid -5: must be above 0"),
    ("--baseline", "acme", "invalid choice: 'acme'"),
])
def test_bad_flags_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str, value: str,
                                problem: str) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["init", str(tmp_path / "x"), flag, value])
    err = capsys.readouterr().err
    assert caught.value.code == EXIT_BAD_INPUT and err.count("\n") == 1 and problem in err
    assert not (tmp_path / "x").exists()

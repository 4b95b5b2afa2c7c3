"""``funnelsim plan`` end to end on a scenario file with few replications, and its bad inputs (exit status 2, one
line, nothing written)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from simulation.cli import EXIT_BAD_INPUT, main
from tests.conftest import FIXTURES, MAVEN, OLIST, ROOT

ENGINEERS = FIXTURES / "engineer_bound.toml"


def _run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main(["plan", *(str(a) for a in argv)])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_scenario_file_gives_the_page_and_the_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "plan"
    code, printed, _ = _run(capsys, ENGINEERS, "--reps", "8", "--workers", "1", "--out", out)
    assert code == 0
    for name in ("plan.html", "plan.png", "plan.md", "standing.csv", "fixes.csv", "target.csv", "comp.csv",
                 "cro.csv"):
        assert (out / name).stat().st_size > 0, name
    assert pd.read_csv(out / "fixes.csv")["fix"].iloc[0] == "extra_solution_engineer"
    assert "Recommended: Hire one more solution engineer" in printed
    memo = (out / "plan.md").read_text()
    # The recommendation first, then the six sections in order; without an export section 1 says it is
    # simulated and section 2 that nothing was checked.
    places = [memo.index(h) for h in ("## Recommendation", "## 1. Where the company stands",
                                      "## 2. How far to trust the model", "## 3.", "## 4.", "## 5.", "## 6.")]
    assert places == sorted(places)
    assert "Simulated from the scenario, not measured" in memo
    assert "not checked against this company's data" in memo
    assert "8 replications" in memo  # every simulated section says how many replications stand behind it


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--probability", "1.5"], "--probability: 1.5"),
        (["--fixes", "no/such/folder"], "no/such/folder: --fixes"),
        (["--mapping", str(FIXTURES / "tiny.toml")], "--mapping: only for a CRM export"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             extra: list[str], message: str) -> None:
    code, _, err = _run(capsys, ENGINEERS, "--reps", "2", "--workers", "1", "--out", tmp_path / "o", *extra)
    assert code == EXIT_BAD_INPUT
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_a_missing_file_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, tmp_path / "nope.toml", "--out", tmp_path / "o")
    assert code == EXIT_BAD_INPUT
    assert "nope.toml: file not found" in err
    assert not (tmp_path / "o").exists()


def test_an_export_without_its_mapping_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export = tmp_path / "deals.csv"
    export.write_text("id,stage\n1,won\n")
    code, _, err = _run(capsys, export, "--out", tmp_path / "o")
    assert code == EXIT_BAD_INPUT
    assert "--mapping: a CRM export needs its mapping" in err


def _planned_export(capsys: pytest.CaptureFixture[str], tmp_path: Path, export: Path,
                    *options: str | Path) -> tuple[Path, str, str]:
    """``funnelsim plan`` on an export with 2 replications in-process: the folder, what it printed and plan.md,
    after checking it wrote every table, the calibrated scenario and the PNG."""
    out = tmp_path / "plan"
    code, printed, _ = _run(capsys, export, *options, "--reps", "2", "--workers", "1", "--out", out)
    assert code == 0
    for name in ("standing.csv", "trust.csv", "fixes.csv", "target.csv", "comp.csv", "cro.csv",
                 "calibrated_scenario.toml", "plan.png"):
        assert (out / name).stat().st_size > 0, name
    return out, printed, (out / "plan.md").read_text()


@pytest.mark.skipif(not MAVEN.exists(), reason=f"public dataset not present at {MAVEN}")
def test_maven_export_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A real CRM export (Maven, no spend): all six sections, the calibrated scenario beside the page, and the page
    says first what the export lacks (spend) and, in section 1, what it cannot compute and why."""
    out, printed, memo = _planned_export(capsys, tmp_path, MAVEN, "--mapping", "maven")
    assert memo.index("spend") < memo.index("## Recommendation")  # read first
    assert "C2RE: no spend history" in memo and "2 replications" in memo
    assert "Where the company stands: 2017Q4: NNARR $2.8M" in printed  # measured, not simulated
    # Maven dates the creation and the close only: the fixes on a stage, the engineers or the founder are not
    # weighed (each says why), the one left scales the whole fitted cycle, so it is an upper bound, not advice
    assert "founder_out_of_final_meeting: not weighed: the export does not show the founder" in memo
    assert "extra_solution_engineer: not weighed: the export dates no queue for solution engineers" in memo
    assert "simplified_pov: not weighed: the POV is not dated in the export" in memo
    weighed = pd.read_csv(out / "fixes.csv")
    assert list(weighed["fix"]) == ["standard_data_sharing_agreement"] and weighed["upper_bound"].all()
    assert "The bottleneck and the fixes: No fix" in printed and "Recommended:" not in printed
    assert "neither CRO has a playbook to start" in printed


@pytest.mark.skipif(not OLIST.exists(), reason=f"public dataset not present at {OLIST}")
def test_olist_export_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The other public export (Olist: real, wins only, no amounts, about 280 leads a week, so each replication is
    a large simulation): one fix weighed and 2 replications keep it to about a minute. The page says before the
    recommendation that every dollar rests on assumed deal sizes, and section 1 counts won deals instead of NNARR
    and says why."""
    library = tmp_path / "fixes"
    library.mkdir()
    shutil.copy(ROOT / "scenarios" / "fixes" / "standard_data_sharing_agreement.toml", library)
    out, printed, memo = _planned_export(capsys, tmp_path, OLIST, "--mapping", "olist", "--fixes", library)
    assert memo.index("has 0 deal amounts") < memo.index("## Recommendation")  # read first
    assert "assumed deal sizes" in memo and "NNARR, NNARR by tier" in memo and "not computed (n/a)" in memo
    assert "deals won (no amounts)" in printed  # measured from the export: counts, not dollars
    assert list(pd.read_csv(out / "fixes.csv")["fix"]) == ["standard_data_sharing_agreement"]


def test_a_device_is_not_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "/dev/zero", "--out", tmp_path / "o")
    assert code == EXIT_BAD_INPUT
    assert "/dev/zero: not a regular file" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()
